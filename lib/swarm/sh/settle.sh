#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: HOST, NETWORKS and WAIT_SECONDS come from the rendered header
# When the last container on an overlay leaves a host, the engine tears its copy
# of the network down (a fraction of a second, measured 0.24-0.31 s); a container
# started there meanwhile fails "network <id> not found". While tearing down, the
# network holds no endpoint but the node's load balancer ("lb-<network>"); then
# it is gone (a worker) or the cluster's view without local endpoints (a
# manager). An engine that does not answer (in 10 s: a gone ssh host would hang for
# minutes) has nothing to tear down.
tearing_down() {
    local keys key
    # shellcheck disable=SC2016 # a Go template, not a shell expansion
    keys=$(dk_within 10 "$HOST" network inspect --format '{{range $k, $v := .Containers}}{{$k}} {{end}}' "$1" 2>/dev/null) || return 1
    [ -n "$keys" ] || return 1
    for key in $keys; do
        case $key in
        lb-*) ;;
        *) return 1 ;;
        esac
    done
    return 0
}
settled() {
    local n
    for n in "${NETWORKS[@]}"; do
        if tearing_down "$n"; then return 1; fi
    done
    return 0
}
if wait_until "$WAIT_SECONDS" 0.05 settled; then
    log "settled: ${NETWORKS[*]}"
else
    log "still tearing down after ${WAIT_SECONDS}s: ${NETWORKS[*]}; going on"
fi
