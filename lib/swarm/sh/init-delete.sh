#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: MANAGER and WAIT_SECONDS come from the rendered header
if ! state=$(node_state "$MANAGER" 2>/dev/null); then
    log "the engine does not answer (gone with its machine?); nothing to leave"
    exit 0
fi
if [ "$state" = inactive ]; then
    log "not in a swarm"
    exit 0
fi
# Other managers still in the swarm: hand it over (demote, then leave) rather than dissolve it.
if [ "$(dk "$MANAGER" info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
    self=$(dk "$MANAGER" info --format '{{.Swarm.NodeID}}')
    others=$(dk "$MANAGER" node ls --filter role=manager -q 2>/dev/null | grep -vx "$self" || true)
    if [ -n "$others" ]; then
        keeps_quorum_without "$self"
        dk "$MANAGER" node demote "$self" >/dev/null
        # shellcheck disable=SC2317 # called by wait_until
        demoted() { [ "$(dk "$MANAGER" info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = false ]; }
        wait_until "$WAIT_SECONDS" 0.5 demoted || fail "still a manager ${WAIT_SECONDS}s after its demotion"
        dk "$MANAGER" swarm leave >/dev/null
        log "demoted and left; the swarm stays with its other managers (node $self is listed as down there until docker node rm)"
        exit 0
    fi
fi
# --force: the last manager leaving dissolves the swarm.
dk "$MANAGER" swarm leave --force >/dev/null
log "left the swarm"
