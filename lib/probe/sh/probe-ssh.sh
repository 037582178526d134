#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: the rendered header (lib/probe/ssh.ts) sets the M_SSH* columns and IFACE, ssh-session.sh the functions
# The underlay probe's transport on ssh hosts (lib/probe/sh/probe-pairs.sh):
# each host logged in to as the program's own commands do (ssh-session.sh);
# its underlay address is that of IFACE (engine.advertiseInterface) there,
# what its engine advertises.
m_access() { [ -n "${M_SSH[$1]}" ]; }
# ...and, after m_addr failed on it (the probe then ends), why: what address_on said.
m_where() {
    local why=""
    [ -s "$SSH_DIR/why-$1" ] && why=": $(tail -n 1 "$SSH_DIR/why-$1")"
    echo "over ssh (${M_SSH[$1]} port ${M_SSHPORT[$1]})$why"
}
m_addr_what() { echo "the address of $IFACE (engine.advertiseInterface)"; }
# shellcheck disable=SC2034 # probe-pairs.sh reads it
RULES_NEED="iptables as root, or sudo -n"
m_addr() { address_on "${M_SSH[$1]}" "${M_SSHPORT[$1]}" "${M_HOSTKEY[$1]}" "$IFACE" 2>"$SSH_DIR/why-$1"; }
# m_run M ARG...: the counting-rule script with ARG... on M, as root (sudo -n otherwise).
m_run() {
    local m=$1
    shift
    probe_on "${M_SSH[m]}" "${M_SSHPORT[m]}" "${M_HOSTKEY[m]}" "$@"
}
