#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: WORKER and MANAGER come from the rendered header
# The node id: the engine's own answer, else what this resource's create
# printed (the command provider passes it on).
node=$(printf '%s' "${PULUMI_COMMAND_STDOUT:-}" | sed -n 's/.*"nodeId":"\([^"]*\)".*/\1/p')
if state=$(node_state "$WORKER" 2>/dev/null); then
    if [ "$state" != inactive ]; then
        node=$(dk "$WORKER" info --format '{{.Swarm.NodeID}}')
        dk "$WORKER" swarm leave --force >/dev/null
        log "left the swarm"
    fi
else
    log "the engine does not answer (gone with its machine?); nothing to leave"
fi
# Forget the node on the manager too, so `docker node ls` shows no ghost.
if [ -n "$node" ] && dk "$MANAGER" node inspect "$node" >/dev/null 2>&1; then
    dk "$MANAGER" node rm --force "$node" >/dev/null && log "removed node $node from the swarm"
fi
