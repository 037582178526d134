#!/usr/bin/env bash
# shellcheck disable=SC2153,SC2154 # a fragment: NAME, WORKER (the joining host's engine), JOIN_AS, MANAGERS, PORT, ADVERTISE, WAIT_SECONDS and INIT_HOST (the first manager's only) come from the rendered header, the sealed token and its key from the environment
if [ "${INIT_HOST:-}" = 1 ]; then
    # The first manager: its init made (or adopted) the swarm, so it joins
    # nothing; this checks its membership, through itself.
    state=$(node_state "$WORKER") || fail "the engine at $WORKER does not answer"
    [ "$state" = active ] || fail "its swarm state is \"$state\" although swarm-init made it the swarm's first manager (did it leave by hand?); replace swarm-init (pulumi up --replace with its URN) to make the swarm anew"
    dk "$WORKER" node ls -q >/dev/null 2>&1 || fail "$NAME is in the swarm but does not manage it (docker node ls fails there); the first manager in hosts must be one of its managers"
    MANAGER=$WORKER
else
    # MANAGER: another manager that answers (never the joining host itself).
    pick_manager "$WORKER" || fail "no manager of the swarm answers (tried ${MANAGERS[*]}); start a manager's engine and retry"
    state=$(node_state "$WORKER") || fail "the engine at $WORKER does not answer"
fi
manager_address=$(manager_address)
if [ "$state" = active ]; then
    node=$(dk "$WORKER" info --format '{{.Swarm.NodeID}}')
    if dk "$MANAGER" node inspect "$node" >/dev/null 2>&1; then
        log "already a node of this swarm ($node); not joining again"
    elif dk "$WORKER" info --format '{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}' | tr ' ' '\n' | grep -qxF "$manager_address"; then
        # Its managers were ours, at the same address, but they no longer know it:
        # the first manager's machine was replaced and made the swarm anew. It
        # leaves the swarm that is gone and joins the new one.
        dk "$WORKER" swarm leave --force >/dev/null
        log "left the swarm that $manager_address made before its machine was replaced ($node)"
        state=inactive
    else
        fail "$NAME is already in another swarm (node $node); make it leave first: docker swarm leave --force"
    fi
fi
case "$state" in
    active) ;;
    inactive)
        { [ -n "${DOCKER_OVERLAY_SWARM_TOKEN_SEALED:-}" ] && [ -n "${DOCKER_OVERLAY_SWARM_SEAL_KEY:-}" ]; } || fail "the sealed join token or its key is missing from the environment"
        # Unsealed in memory only; docker swarm join takes the token as an argument.
        token=$(printf '%s' "$DOCKER_OVERLAY_SWARM_TOKEN_SEALED" | openssl base64 -d -A | openssl pkeyutl -decrypt -inkey <(printf '%s\n' "$DOCKER_OVERLAY_SWARM_SEAL_KEY") -pkeyopt rsa_padding_mode:oaep)
        join_swarm "$token" "$manager_address"
        unset token
        node=$(dk "$WORKER" info --format '{{.Swarm.NodeID}}')
        log "joined the swarm at $manager_address as $node ($JOIN_AS)" ;;
    *) fail "its swarm state is \"$state\"; fix the engine (docker swarm leave --force) and retry" ;;
esac

# A host whose role changed (an update re-runs this script): promote or demote it in place.
role=$(dk "$MANAGER" node inspect "$node" --format '{{.Spec.Role}}')
if [ "$role" != "$JOIN_AS" ]; then
    if [ "$JOIN_AS" = manager ]; then
        dk "$MANAGER" node promote "$node" >/dev/null
        log "promoted to manager"
    else
        keeps_quorum_without "$node"
        dk "$MANAGER" node demote "$node" >/dev/null
        log "demoted to worker"
    fi
fi

node_ready() { [ "$(dk "$MANAGER" node inspect "$node" --format '{{.Status.State}}' 2>/dev/null)" = ready ]; }
wait_until "$WAIT_SECONDS" 0.5 node_ready || fail "the manager does not see node $node ready after ${WAIT_SECONDS}s"
if [ "$JOIN_AS" = manager ]; then
    wait_reachable "$node"
fi
# A replaced machine leaves its old node in the swarm (down soon, its tasks with
# it, which keep networks "in use"): the node at this node's address (two live
# nodes cannot share one) or with this host's name (the engine's hostname, which
# the program sets) that is not this node. It goes, a manager demoted first, as
# swarm asks.
addr=$(dk "$MANAGER" node inspect "$node" --format '{{.Status.Addr}}')
while read -r id; do
    { [ -n "$id" ] && [ "$id" != "$node" ]; } || continue
    seen=$(dk "$MANAGER" node inspect "$id" --format '{{.Status.Addr}} {{.Description.Hostname}}' 2>/dev/null) || continue
    { [ "${seen%% *}" = "$addr" ] || [ "${seen#* }" = "$NAME" ]; } || continue
    if node_remove "$id"; then
        log "removed the node $id its replaced machine left (${seen})"
    else
        log "the node $id its replaced machine left (${seen}) was removed meanwhile"
    fi
done < <(dk "$MANAGER" node ls -q)
printf '{"nodeId":"%s"}\n' "$node"
