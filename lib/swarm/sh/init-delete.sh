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
# --force: the last manager leaving dissolves the swarm.
dk "$MANAGER" swarm leave --force >/dev/null
log "left the swarm"
