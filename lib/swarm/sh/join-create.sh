#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, WORKER, MANAGER, PORT, ADVERTISE and WAIT_SECONDS come from the rendered header, the sealed token and its key from the environment
state=$(node_state "$WORKER") || fail "the engine at $WORKER does not answer"
case "$state" in
    active)
        node=$(dk "$WORKER" info --format '{{.Swarm.NodeID}}')
        if ! dk "$MANAGER" node inspect "$node" >/dev/null 2>&1; then
            fail "$NAME is already in another swarm (node $node); make it leave first: docker swarm leave --force"
        fi
        log "already a node of this swarm ($node); not joining again" ;;
    inactive)
        { [ -n "${DOCKER_OVERLAY_SWARM_TOKEN_SEALED:-}" ] && [ -n "${DOCKER_OVERLAY_SWARM_SEAL_KEY:-}" ]; } || fail "the sealed join token or its key is missing from the environment"
        # Where the manager listens, as it advertises itself: asked now, so this
        # script depends on no earlier output.
        manager_address="$(dk "$MANAGER" info --format '{{.Swarm.NodeAddr}}'):$PORT"
        # Unsealed in memory only; docker swarm join takes the token as an argument.
        token=$(printf '%s' "$DOCKER_OVERLAY_SWARM_TOKEN_SEALED" | openssl base64 -d -A | openssl pkeyutl -decrypt -inkey <(printf '%s\n' "$DOCKER_OVERLAY_SWARM_SEAL_KEY") -pkeyopt rsa_padding_mode:oaep)
        dk "$WORKER" swarm join --token "$token" --advertise-addr "$ADVERTISE" --listen-addr "$ADVERTISE" "$manager_address" >/dev/null
        unset token
        node=$(dk "$WORKER" info --format '{{.Swarm.NodeID}}')
        log "joined the swarm at $manager_address as $node" ;;
    *) fail "its swarm state is \"$state\"; fix the engine (docker swarm leave --force) and retry" ;;
esac

node_ready() { [ "$(dk "$MANAGER" node inspect "$node" --format '{{.Status.State}}' 2>/dev/null)" = ready ]; }
wait_until "$WAIT_SECONDS" 0.5 node_ready || fail "the manager does not see node $node ready after ${WAIT_SECONDS}s"
printf '{"nodeId":"%s"}\n' "$node"
