#!/usr/bin/env bash
# The underlay probes of `npm run lab -- diagnose` (lab/diagnose.ts), run inside
# a lab machine's network namespace (`nsenter --net=/var/run/netns/<ns> bash
# underlay-probe.sh <command> ...`). Traffic goes only between the lab's own
# namespaces, to the addresses lab/diagnose.ts passes.
#
#   tcp-connect ADDR PORT SECONDS   connect once; exit 0 when it is accepted, 124
#                                   when nothing came back in time, else 1 with
#                                   bash's reason (e.g. "Connection refused") on stderr
#   udp-send ADDR PORT [ADDR PORT ...]
#                                   three datagrams to each, 0.2 s apart
#   watch-add TAG DST SRC PORT [SRC PORT ...]
#                                   one counting rule per SRC -> DST udp/PORT
#   watch-list                      the counting rules with their counters (iptables -S -v)
#   watch-remove TAG DST SRC PORT [SRC PORT ...]
#                                   removes what watch-add added
#
# Why counting rules rather than a listener: UDP 7946 is serf's own socket and
# UDP 4789 the kernel's VXLAN socket while an overlay has a container on the
# host, so nothing else can bind them, and neither answers a stray datagram.
# A rule without a target in the security table's INPUT chain counts what
# arrived and passed the filter table's INPUT (the security table's hook runs
# after it: priority 50 against 0), so a DROP or REJECT there leaves it at 0.
set -euo pipefail

comment() { printf 'docker-overlay diagnose %s %s %s' "$1" "$2" "$3"; }

watch_rules() {
    local action=$1 tag=$2 dst=$3
    shift 3
    while [ "$#" -ge 2 ]; do
        iptables -w -t security "$action" INPUT -s "$1" -d "$dst" -p udp --dport "$2" -m comment --comment "$(comment "$tag" "$1" "$2")"
        shift 2
    done
}

case "${1:-}" in
tcp-connect)
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
    timeout "$4" bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe "$2" "$3"
    ;;
udp-send)
    shift
    for _ in 1 2 3; do
        args=("$@")
        while [ "${#args[@]}" -ge 2 ]; do
            # A send error (an earlier ICMP unreachable) is not the answer: the target's counter is.
            printf 'docker-overlay diagnose\n' >"/dev/udp/${args[0]}/${args[1]}" 2>/dev/null || true
            args=("${args[@]:2}")
        done
        sleep 0.2
    done
    ;;
watch-add)
    shift
    watch_rules -I "$@"
    ;;
watch-list)
    iptables -w -t security -S INPUT -v
    ;;
watch-remove)
    shift
    watch_rules -D "$@"
    ;;
*)
    echo "usage: underlay-probe.sh tcp-connect|udp-send|watch-add|watch-list|watch-remove ..." >&2
    exit 2
    ;;
esac
