#!/usr/bin/env bash
# The underlay probes, run inside a machine's network namespace: by the
# program before the cluster forms (lib/probe/underlay.ts renders it after
# `set -- <command> <args>`, or passes it to `bash -c`), and by `npm run lab
# -- diagnose` on a running stack (lab/diagnose.ts). Traffic goes only to the
# addresses given: the stack's own machines.
#
#   tcp-connect ADDR PORT SECONDS   connect once; exit 0 when it is accepted, 124
#                                   when nothing came back in time, else 1 with
#                                   bash's reason (e.g. "Connection refused") on stderr
#   udp-send ADDR PORT [ADDR PORT ...]
#                                   three datagrams to each, 0.2 s apart
#   send ADDR PROTO PORT [...]      one round: a datagram (udp) or a connect whose
#                                   refusal is fine (tcp, at most 1 s) to each
#   watch-add TAG DST SRC PROTO PORT [SRC PROTO PORT ...]
#                                   one counting rule per SRC -> DST PROTO/PORT
#   watch-remove TAG DST SRC PROTO PORT [...]
#                                   removes what watch-add added
#   watch-reset TAG DST SRC PROTO PORT [...]
#                                   watch-clear TAG, then watch-add (fresh counters), in one transaction
#   watch-clear TAG                 removes every counting rule tagged TAG
#   watch-list                      the counting rules with their counters (iptables -S -v)
#   watch-counts TAG SRC PROTO PORT [SRC PROTO PORT ...]
#                                   packets each rule SRC PROTO/PORT tagged TAG counted (0: none or
#                                   no rule), a line each in order, from one read of the chain
#
# Why counting rules rather than a listener: before the engines run (or before
# swarm init) nothing listens, and once they run UDP 7946 is serf's own socket
# and UDP 4789 the kernel's VXLAN socket, neither of which answers a stray
# datagram. A rule without a target in the security table's INPUT chain counts
# what arrived and passed the filter table's INPUT (the security table's hook
# runs after it: priority 50 against 0), so a DROP or REJECT there leaves it at
# 0. A TCP SYN passes the INPUT hooks before the stack answers it (with a RST
# when nothing listens), so a refused connect counts as arrived.
set -euo pipefail

comment() { printf 'docker-overlay probe %s %s %s %s' "$1" "$2" "$3" "$4"; }

# watch_lines OP TAG DST SRC PROTO PORT [...]: one rule line (iptables-restore) per SRC PROTO PORT.
watch_lines() {
    local op=$1 tag=$2 dst=$3
    shift 3
    while [ "$#" -ge 3 ]; do
        printf '%s INPUT -s %s -d %s -p %s --dport %s -m comment --comment "%s"\n' "$op" "$1" "$dst" "$2" "$3" "$(comment "$tag" "$1" "$2" "$3")"
        shift 3
    done
}

# tagged_deletes TAG: a delete line for every counting rule tagged TAG, as iptables lists it.
tagged_deletes() {
    iptables -w -t security -S INPUT | awk -v c="--comment \"docker-overlay probe $1 " 'index($0, c) { sub(/^-A /, "-D "); print }'
}

# restore: the rule lines on stdin as one transaction of the security table, the other rules
# kept (--noflush): one iptables process for all of them, not one per rule.
restore() {
    local lines
    lines=$(cat)
    [ -n "$lines" ] || return 0
    printf '*security\n%s\nCOMMIT\n' "$lines" | iptables-restore -w --noflush
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
            printf 'docker-overlay probe\n' >"/dev/udp/${args[0]}/${args[1]}" 2>/dev/null || true
            args=("${args[@]:2}")
        done
        sleep 0.2
    done
    ;;
send)
    shift
    while [ "$#" -ge 3 ]; do
        if [ "$2" = udp ]; then
            printf 'docker-overlay probe\n' >"/dev/udp/$1/$3" 2>/dev/null || true
        else
            # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
            timeout 1 bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe "$1" "$3" 2>/dev/null &
        fi
        shift 3
    done
    wait || true
    ;;
watch-add)
    shift
    watch_lines -I "$@" | restore
    ;;
watch-remove)
    shift
    watch_lines -D "$@" | restore
    ;;
watch-reset)
    shift
    { tagged_deletes "$1"; watch_lines -I "$@"; } | restore
    ;;
watch-clear)
    tagged_deletes "$2" | restore
    ;;
watch-list)
    iptables -w -t security -S INPUT -v
    ;;
watch-counts)
    tag=$2
    shift 2
    specs=()
    while [ "$#" -ge 3 ]; do
        specs+=("$(comment "$tag" "$1" "$2" "$3")")
        shift 3
    done
    iptables -w -t security -S INPUT -v | awk -v n="${#specs[@]}" '
        BEGIN { for (k = 1; k <= n; k++) { c[k] = "--comment \"" ARGV[k] "\" -c "; ARGV[k] = "" } }
        { for (k = 1; k <= n; k++) if (i = index($0, c[k])) { split(substr($0, i + length(c[k])), a, " "); got[k] += a[1] } }
        END { for (k = 1; k <= n; k++) print got[k] + 0 }' "${specs[@]}"
    ;;
*)
    echo "usage: underlay-probe.sh tcp-connect|udp-send|send|watch-add|watch-remove|watch-reset|watch-clear|watch-list|watch-counts ..." >&2
    exit 2
    ;;
esac
