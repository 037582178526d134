#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, WORKER (the leaving host's engine), MANAGERS, WAIT_SECONDS and INIT_HOST (the first manager's only) come from the rendered header
# The node id: the engine's own answer, else what this resource's create
# printed (the command provider passes it on).
node=$(printf '%s' "${PULUMI_COMMAND_STDOUT:-}" | sed -n 's/.*"nodeId":"\([^"]*\)".*/\1/p')
answers=false
if state=$(node_state "$WORKER" 2>/dev/null); then
    answers=true
    if [ "$state" != inactive ]; then
        node=$(dk "$WORKER" info --format '{{.Swarm.NodeID}}')
    fi
else
    state=gone
    log "the engine does not answer (gone with its machine?); nothing to leave"
fi
# Another manager that answers, to demote or drain the node and remove it.
if pick_manager "$WORKER"; then
    known=false
    if [ -n "$node" ] && dk "$MANAGER" node inspect "$node" >/dev/null 2>&1; then known=true; fi
elif [ "$answers" = true ] && [ "$state" != inactive ] && [ "${INIT_HOST:-}" = 1 ]; then
    # The first manager and no other: the swarm's own init takes it down (its delete leaves).
    log "the swarm's only manager that answers; swarm-init's delete leaves the swarm"
    exit 0
elif [ "$answers" = true ] && [ "$state" != inactive ]; then
    fail "no other manager of the swarm answers (tried ${MANAGERS[*]}): $NAME cannot be demoted or drained safely; start a manager's engine and retry"
else
    known=false
    log "no manager answers either; nothing to remove"
fi
if [ "$known" = true ]; then
    if [ "$(dk "$MANAGER" node inspect "$node" --format '{{.Spec.Role}}')" = manager ]; then
        # Refused before anything changes when the rest could not keep a quorum.
        keeps_quorum_without "$node"
        dk "$MANAGER" node demote "$node" >/dev/null
        if [ "$answers" = true ]; then
            demoted() { [ "$(dk "$WORKER" info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = false ]; }
            wait_until "$WAIT_SECONDS" 0.5 demoted || fail "still a manager ${WAIT_SECONDS}s after its demotion"
        fi
        log "demoted to worker"
    elif [ "$answers" = true ] && [ "$state" != inactive ]; then
        # Drained first: swarm moves its tasks elsewhere before the node goes.
        node_update --availability drain "$node"
        tasks_gone() { ! dk "$MANAGER" node ps "$node" --format '{{.CurrentState}}' 2>/dev/null | grep -q '^Running'; }
        wait_until "$WAIT_SECONDS" 0.5 tasks_gone || log "tasks still run on $node ${WAIT_SECONDS}s after draining; leaving anyway"
        log "drained"
    fi
fi
if [ "$answers" = true ] && [ "$state" != inactive ]; then
    dk "$WORKER" swarm leave --force >/dev/null
    log "left the swarm"
fi
# Forget the node on the manager too, so `docker node ls` shows no ghost.
if [ "$known" = true ]; then
    if node_remove "$node"; then log "removed node $node from the swarm"; else log "node $node was removed meanwhile"; fi
fi
