#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: the rendered header (lib/probe/underlay.ts) sets M_NS and PROBE_SH
# The underlay probe's transport on netns (lib/probe/sh/probe-pairs.sh): each
# machine is a network namespace of the machine running the program, entered
# with nsenter as the netns driver does; every address is known to the plan.
m_access() { [ -n "${M_NS[$1]}" ]; }
m_where() { echo "in its namespace ${M_NS[$1]}"; }
m_addr_what() { echo "the underlay address"; }
# Every address is the plan's (M_ADDR).
m_addr() { return 1; }
# shellcheck disable=SC2034 # probe-pairs.sh reads it
RULES_NEED="iptables as root"
# m_run M ARG...: the counting-rule script (PROBE_SH) with ARG... in M's namespace.
m_run() {
    local m=$1
    shift
    nsenter --net="${M_NS[m]}" bash -c "$PROBE_SH" underlay-probe "$@"
}
