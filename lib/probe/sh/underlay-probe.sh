#!/bin/sh
# The underlay probes, run inside a machine's network namespace: by the
# program before the cluster forms (lib/probe/underlay.ts passes it to
# `bash -c` on netns and ssh machines, to `sh -c` in dind's machine containers),
# and by `npm run lab -- diagnose` on a running stack (lab/diagnose.ts). Traffic
# goes only to the addresses given: the stack's own machines.
#
# POSIX sh: the docker:dind image is Alpine, with busybox's ash and nc and no
# bash. Under bash a datagram and a connect are bash's /dev/udp and /dev/tcp;
# under another sh they are `nc -u -w 1` and `nc -z -w N`, options that both
# Alpine's busybox nc (built with CONFIG_NC_110_COMPAT, aports
# main/busybox/busyboxconfig) and netcat-openbsd (the lab's dind image) take.
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
# when nothing listens), so a refused connect counts as arrived. A kernel
# without the security table (CONFIG_IP_NF_SECURITY unset, as boot2docker's
# defconfig-based one) gets the rules at the top of the filter table's INPUT
# instead: they count what reached the machine before its own rules decide, so
# a DROP in the network still shows, one in the machine's INPUT does not (the
# probe says so when it sets them: watch-reset).
set -eu
# shellcheck disable=SC3040 # pipefail where the shell has it (bash, busybox ash; not dash)
if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi

comment() { printf 'docker-overlay probe %s %s %s %s' "$1" "$2" "$3" "$4"; }

# datagram ADDR PORT: one datagram. A send error (an earlier ICMP unreachable) is not the
# answer: the target's counter is. nc waits its -w second for a reply: run it in the background.
datagram() {
    if [ -n "${BASH_VERSION:-}" ]; then
        # shellcheck disable=SC3025 # only under bash
        printf 'docker-overlay probe\n' >"/dev/udp/$1/$2" 2>/dev/null || true
    else
        printf 'docker-overlay probe\n' | nc -u -w 1 "$1" "$2" >/dev/null 2>&1 || true
    fi
}

# connect ADDR PORT SECONDS: one tcp connect; 0 when it is accepted.
connect() {
    if [ -n "${BASH_VERSION:-}" ]; then
        # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
        timeout "$3" bash -c 'exec 3<>"/dev/tcp/$1/$2"' probe "$1" "$2"
    else
        nc -z -w "$3" "$1" "$2" </dev/null
    fi
}

# watch_lines OP TAG DST SRC PROTO PORT [...]: one rule line (iptables-restore) per SRC PROTO PORT.
watch_lines() {
    w_op=$1 w_tag=$2 w_dst=$3
    shift 3
    while [ "$#" -ge 3 ]; do
        printf '%s INPUT -s %s -d %s -p %s --dport %s -m comment --comment "%s"\n' "$w_op" "$1" "$w_dst" "$2" "$3" "$(comment "$w_tag" "$1" "$2" "$3")"
        shift 3
    done
}

# The table the counting rules live in: security where the kernel has it, else filter (above).
TABLE=security
pick_table() {
    iptables -w -t security -S INPUT >/dev/null 2>&1 || TABLE=filter
}

# tagged_deletes TAG: a delete line for every counting rule tagged TAG, as iptables lists it.
tagged_deletes() {
    iptables -w -t "$TABLE" -S INPUT | awk -v c="--comment \"docker-overlay probe $1 " 'index($0, c) { sub(/^-A /, "-D "); print }'
}

# restore: the rule lines on stdin as one transaction of TABLE, the other rules
# kept (--noflush): one iptables process for all of them, not one per rule.
restore() {
    lines=$(cat)
    [ -n "$lines" ] || return 0
    printf '*%s\n%s\nCOMMIT\n' "$TABLE" "$lines" | iptables-restore -w --noflush
}

# datagrams ADDR PORT [...]: one datagram to each, in the background.
datagrams() {
    while [ "$#" -ge 2 ]; do
        datagram "$1" "$2" &
        shift 2
    done
}

case "${1:-}" in
tcp-connect)
    connect "$2" "$3" "$4"
    ;;
udp-send)
    shift
    for _ in 1 2 3; do
        datagrams "$@"
        sleep 0.2
    done
    wait || true
    ;;
send)
    shift
    while [ "$#" -ge 3 ]; do
        if [ "$2" = udp ]; then
            datagram "$1" "$3" &
        else
            # A refused connect is fine: the SYN arrived (the target's counter says so).
            connect "$1" "$3" 1 >/dev/null 2>&1 &
        fi
        shift 3
    done
    wait || true
    ;;
watch-add)
    shift
    pick_table
    watch_lines -I "$@" | restore
    ;;
watch-remove)
    shift
    pick_table
    watch_lines -D "$@" | restore
    ;;
watch-reset)
    shift
    pick_table
    { tagged_deletes "$1"; watch_lines -I "$@"; } | restore
    if [ "$TABLE" = filter ]; then
        echo "docker-overlay: the machine at $2 has no iptables security table (a kernel without CONFIG_IP_NF_SECURITY): its probe counts what reaches it at the top of its filter INPUT, so a DROP in its own INPUT rules is not seen" >&2
    fi
    ;;
watch-clear)
    pick_table
    tagged_deletes "$2" | restore
    ;;
watch-list)
    pick_table
    iptables -w -t "$TABLE" -S INPUT -v
    ;;
watch-counts)
    pick_table
    tag=$2
    shift 2
    # The rules' comments, a line each (no comment holds a newline).
    specs=''
    while [ "$#" -ge 3 ]; do
        specs="$specs$(comment "$tag" "$1" "$2" "$3")
"
        shift 3
    done
    # One read of the chain, which must succeed: under dash (no pipefail) a failed
    # iptables in a pipeline would read as zeros, "nothing arrived".
    listed=$(iptables -w -t "$TABLE" -S INPUT -v)
    printf '%s\n' "$listed" | awk -v specs="$specs" '
        BEGIN { n = split(specs, s, "\n") - 1; for (k = 1; k <= n; k++) c[k] = "--comment \"" s[k] "\" -c " }
        { for (k = 1; k <= n; k++) if (i = index($0, c[k])) { split(substr($0, i + length(c[k])), a, " "); got[k] += a[1] } }
        END { for (k = 1; k <= n; k++) print got[k] + 0 }'
    ;;
*)
    echo "usage: underlay-probe.sh tcp-connect|udp-send|send|watch-add|watch-remove|watch-reset|watch-clear|watch-list|watch-counts ..." >&2
    exit 2
    ;;
esac
