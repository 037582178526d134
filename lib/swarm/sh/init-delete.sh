#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: MANAGER comes from the rendered header
if ! state=$(node_state "$MANAGER" 2>/dev/null); then
    log "the engine does not answer (gone with its machine?); nothing to leave"
    exit 0
fi
if [ "$state" = inactive ]; then
    log "not in a swarm"
    exit 0
fi
# Other managers still in the swarm: it stays with them. This runs when swarm-init
# moves to another manager (the managers reordered, a new one put first, this one
# removed), and the host's own swarm-join-<host> decides whether it stays: still in
# hosts, it keeps its node (and what runs on it keeps its overlays); removed, that
# join's delete demotes it, it leaves and its node is removed, with the quorum
# checked first. Leaving here made a manager that stays in hosts leave and join
# again as a new node, and its containers lost their overlays.
if [ "$(dk "$MANAGER" info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ]; then
    self=$(dk "$MANAGER" info --format '{{.Swarm.NodeID}}')
    others=$(dk "$MANAGER" node ls --filter role=manager -q 2>/dev/null | grep -vx "$self" || true)
    if [ -n "$others" ]; then
        log "the swarm stays with its other managers; whether this host stays in it is its join's to decide"
        exit 0
    fi
fi
# --force: the last manager leaving dissolves the swarm.
dk "$MANAGER" swarm leave --force >/dev/null
log "left the swarm"
