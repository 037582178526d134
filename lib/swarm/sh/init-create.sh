#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, MANAGER, ADVERTISE, POOL, MASK, PORT, MIN_API_MAJOR, MIN_API_MINOR and WAIT_SECONDS come from the rendered header
state=$(node_state "$MANAGER") || fail "the engine at $MANAGER does not answer"
case "$state" in
    active)
        if [ "$(dk "$MANAGER" info --format '{{.Swarm.ControlAvailable}}')" != true ]; then
            fail "$NAME is a worker of another swarm; make it leave first (docker swarm leave) or choose another manager"
        fi
        log "already manages a swarm; not initialising again" ;;
    inactive)
        # --default-addr-pool arrived with API 1.39 (Docker 18.09).
        api=$(dk "$MANAGER" version --format '{{.Server.APIVersion}}')
        if [ "${api%%.*}" -lt "$MIN_API_MAJOR" ] || { [ "${api%%.*}" -eq "$MIN_API_MAJOR" ] && [ "${api#*.}" -lt "$MIN_API_MINOR" ]; }; then
            fail "the engine speaks API $api; a swarm with a chosen address pool needs Docker 18.09 (API $MIN_API_MAJOR.$MIN_API_MINOR) or newer"
        fi
        # The pool keeps swarm's ingress network off the stack's overlays (the
        # engine's default would put it on 10.0.0.0/24). init prints the join
        # command with the worker token: it goes nowhere.
        dk "$MANAGER" swarm init --advertise-addr "$ADVERTISE" --listen-addr "$ADVERTISE" \
            --default-addr-pool "$POOL" --default-addr-pool-mask-length "$MASK" >/dev/null
        log "initialised a swarm advertising $ADVERTISE, address pool $POOL (/$MASK)" ;;
    *) fail "its swarm state is \"$state\"; fix the engine (docker swarm leave --force) and retry" ;;
esac

# The ingress network appears shortly after init. Whether it stays off each
# overlay is checked per overlay (ingress-check.sh), so that the overlays are
# no input of this script: adding one must not re-initialise the swarm.
ingress_ready() {
    ingress=$(dk "$MANAGER" network inspect ingress --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' 2>/dev/null) && [ -n "${ingress// /}" ]
}
wait_until "$WAIT_SECONDS" 0.5 ingress_ready || fail "no ingress network after ${WAIT_SECONDS}s"
node=$(dk "$MANAGER" info --format '{{.Swarm.NodeID}}')
addr=$(dk "$MANAGER" info --format '{{.Swarm.NodeAddr}}')
printf '{"nodeId":"%s","managerAddress":"%s:%s","ingressSubnet":"%s"}\n' "$node" "$addr" "$PORT" "${ingress%% *}"
