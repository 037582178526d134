#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: the rendered header (lib/probe/underlay.ts) sets M_CTR, LOCAL_DOCKER and PROBE_SH, docker-cli.sh dk
# The underlay probe's transport on dind (lib/probe/sh/probe-pairs.sh): each
# engine machine is a privileged container of the local Docker, entered with
# `docker exec` as the labels command enters it (lib/drivers/sh/dind/engine-labels.sh);
# every address is known to the plan. Inside, the probe runs under the image's
# sh (the docker:dind image is Alpine: busybox ash, busybox nc, iptables). The
# KV machine's container (no iptables, not privileged) has no M_CTR: it is
# reached by a tcp connect from each source.
m_access() { [ -n "${M_CTR[$1]}" ]; }
m_where() { echo "in its container ${M_CTR[$1]} on $LOCAL_DOCKER"; }
m_addr_what() { echo "the underlay address"; }
# Every address is the plan's (M_ADDR).
m_addr() { return 1; }
# shellcheck disable=SC2034 # probe-pairs.sh reads it
RULES_NEED="iptables in the privileged machine container"
# m_run M ARG...: the counting-rule script (PROBE_SH) with ARG... in M's container.
m_run() {
    local m=$1
    shift
    dk "$LOCAL_DOCKER" exec "${M_CTR[m]}" sh -c "$PROBE_SH" underlay-probe "$@"
}
