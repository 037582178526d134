#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME, DAEMON_JSON and CLUSTER_STORE come from the rendered header; tmp and engine_version from the fragments before
# shellcheck disable=SC2086 # $SUDO is empty or `sudo -n`: split on purpose
$SUDO chmod 0644 "$tmp"
$SUDO mv -f "$tmp" "$DAEMON_JSON"

# 5. Restart the engine, wait for it, and check it took the configuration.
restart_engine
wait_engine
if [ -z "$CLUSTER_STORE" ]; then
    echo "docker-overlay: $NAME runs Docker Engine $(engine_version_now) for swarm mode" >&2
else
    actual_store=$($SUDO docker info --format '{{.ClusterStore}}' 2>/dev/null || true)
    if [ "$actual_store" != "$CLUSTER_STORE" ]; then
        echo "docker-overlay: the engine on $NAME restarted but reports cluster store \"$actual_store\", not \"$CLUSTER_STORE\"" >&2
        engine_logs
        exit 1
    fi
    # Started only once its overlay gossip listens (lib/engine/gossip.ts): the
    # next engine of the stack starts after this one and must find it there.
    if ! wait_until "$WAIT_SECONDS" 1 gossip_listening; then
        echo "docker-overlay: the engine on $NAME did not start its overlay gossip (serf, tcp 7946) within ${WAIT_SECONDS}s: it has not seen itself registered in the cluster store $CLUSTER_STORE; its last log lines:" >&2
        engine_logs
        exit 1
    fi
    echo "docker-overlay: $NAME runs Docker Engine $engine_version with cluster-store=$CLUSTER_STORE" >&2
fi
