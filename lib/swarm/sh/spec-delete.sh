#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NODE_NAMES, NODE_HOSTS (every host but the first manager, workers first), MANAGERS and WAIT_SECONDS come from the rendered header, leave_node from the rendered body
# What the swarm was made with changed (port, pool, data path), or the first
# manager's machine is replaced: the program makes a new swarm, and this runs first, after the overlays and their containers are
# gone and before swarm-init's delete leaves the old swarm. Every other node
# leaves now, as a removed host does (join-delete.sh: a worker drained, a manager
# demoted, then it leaves and its node is removed), while the old swarm's
# managers still answer; its join then joins the new swarm. A node left to find
# its managers gone and leave only then can keep its old gossip listener open,
# and its engine's network agent does not start in the new swarm ("bind: address
# already in use" on 7946; 1 of 2 times in the lab): its containers see no peer.
log "what the swarm is made with changed: every other node leaves it before it is made anew"
for i in "${!NODE_NAMES[@]}"; do
    leave_node "${NODE_NAMES[i]}" "${NODE_HOSTS[i]}"
done
