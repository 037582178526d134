#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, WORKER (the first manager's engine), MANAGERS (the stack's other managers), PORT, ADVERTISE and WAIT_SECONDS come from the rendered header
# Runs before swarm-init, on the first manager in hosts. When that host is in no
# swarm yet while another manager of the stack manages one (a new manager put
# first in hosts), `swarm init` there would make a second swarm beside the
# stack's, and every other node's join would then fail "already in another
# swarm". It joins the stack's swarm as a manager instead, through a manager that
# answers, and swarm-init adopts it (init-create.sh: "already manages a swarm").
# Nothing to do when it is in a swarm already, or when no other manager manages
# one: the stack's first `up`, or a new swarm after swarm-spec's delete made every
# other node leave.
state=$(node_state "$WORKER") || fail "the engine at $WORKER does not answer"
if [ "$state" != inactive ]; then
    log "in a swarm already (state $state); swarm-init takes it from here"
    exit 0
fi
if ! pick_manager "$WORKER"; then
    log "no other manager of the stack manages a swarm; swarm-init makes one"
    exit 0
fi
manager_address=$(manager_address)
# The manager token goes from the manager to `swarm join` in memory, never to stdout.
token=$(dk "$MANAGER" swarm join-token -q manager)
join_swarm "$token" "$manager_address"
unset token
node=$(dk "$WORKER" info --format '{{.Swarm.NodeID}}')
wait_reachable "$node"
log "joined the swarm at $manager_address as manager $node, put first in hosts: swarm-init adopts that swarm rather than making another"
