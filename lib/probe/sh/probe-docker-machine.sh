#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: the rendered header (lib/probe/underlay.ts) sets M_DM, M_IFACE, M_RULES and PROBE_SH
# The underlay probe's transport on docker-machine machines (lib/probe/sh/probe-pairs.sh):
# each machine (the engines' and the KV store's VMs) is entered with
# `docker-machine ssh`, as the driver's other scripts enter it
# (lib/drivers/sh/docker-machine/gossip-wait.sh, the MTU reader). Its underlay
# address is read at run time: an engine's in cluster-store mode is that of
# M_IFACE (engine.advertiseInterface, its cluster-advertise), every other
# machine's is `docker-machine ip`, which is what the cluster-store URL and
# swarm's --advertise-addr hold. The KV machine gets no counting rules
# (M_RULES empty): its store is a container published with -p, which Docker
# forwards past INPUT, so a tcp connect from each source stands for it.
#
# `docker-machine ssh NAME ARG...` hands ARG... to ssh (the default client,
# docker/machine libmachine/ssh/client.go:392-403 ExternalClient.Shell) or, with
# --native-ssh or no ssh binary, joins them with spaces into one command
# (client.go:328, NativeClient.Shell); either way the machine's login shell
# parses one command line. So the probe goes as an argument, single-quoted, not
# on stdin: the native client always asks for a pty with echo on (client.go:292-318),
# which would echo a script sent on stdin into stdout and end lines with \r,
# which m_run removes. So the external client it is wherever ssh is on PATH, even
# if the user's environment asks for the native one (MACHINE_NATIVE_SSH, the
# --native-ssh flag's variable, cmd/docker-machine/machine.go:149-153).
unset MACHINE_NATIVE_SSH
DM_DIR=$(mktemp -d)
trap 'rm -rf "$DM_DIR"' EXIT
m_access() { [ -n "${M_RULES[$1]}" ]; }
# ...and, after m_addr failed on it (the probe then ends), why: the machine's own line ("its eth1 ..."),
# else the last of what ssh or docker-machine said, short of docker-machine's closing "exit status N"
# (commands/commands.go:163-176, runCommand: log.Error(err), exit 1).
m_where() {
    local why=""
    [ -s "$DM_DIR/why-$1" ] &&
        why=": $(tr -d '\r' <"$DM_DIR/why-$1" | awk '/^its / { print; found = 1; exit } NF && !/^exit status [0-9]+$/ { last = $0 } END { if (!found) print last }')"
    echo "over docker-machine ssh ${M_DM[$1]}$why"
}
m_addr_what() { echo "the underlay address"; }
# shellcheck disable=SC2034 # probe-pairs.sh reads it
RULES_NEED="iptables as root, or sudo -n"
# sq WORD: WORD single-quoted for any POSIX shell.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
m_addr() {
    local m=$1 out
    if [ -z "${M_IFACE[m]}" ]; then
        docker-machine ip "${M_DM[m]}" 2>"$DM_DIR/why-$m" | tr -d '\r'
        return "${PIPESTATUS[0]}"
    fi
    # shellcheck disable=SC2016 # the machine's shell expands $1 and $(...)
    out=$(docker-machine ssh "${M_DM[m]}" "set -- $(sq "${M_IFACE[m]}"); "'ip -4 -o addr show dev "$1" 2>/dev/null || { echo "its $1 (engine.advertiseInterface) does not exist (it has: $(ls /sys/class/net | tr "\n" " " | sed "s/ $//"))" >&2; exit 3; }' 2>"$DM_DIR/why-$m") ||
        { [ -n "$out" ] && printf '%s\n' "$out" >>"$DM_DIR/why-$m"; return 1; }
    out=$(tr -d '\r' <<<"$out" | awk '{ split($4, a, "/"); print a[1]; exit }')
    if [ -z "$out" ]; then
        echo "its ${M_IFACE[m]} (engine.advertiseInterface) has no IPv4 address" >"$DM_DIR/why-$m"
        return 1
    fi
    printf '%s\n' "$out"
}
# The probe as the machine's shell gets it: run under bash as root (sudo -n otherwise), its arguments after it.
# shellcheck disable=SC2016 # the machine's shell expands $s, $@ and $(...)
DM_PROBE="s=$(sq "$PROBE_SH")"'; if [ "$(id -u)" = 0 ]; then bash -c "$s" underlay-probe "$@"; else sudo -n bash -c "$s" underlay-probe "$@"; fi'
# m_run M ARG...: the counting-rule script with ARG... on M.
m_run() {
    local m=$1 a args=""
    shift
    for a in "$@"; do args+=" $(sq "$a")"; done
    docker-machine ssh "${M_DM[m]}" "set --$args; $DM_PROBE" | tr -d '\r'
    return "${PIPESTATUS[0]}"
}
