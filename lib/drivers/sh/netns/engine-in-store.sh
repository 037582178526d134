#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: info (`docker info` of Name and ClusterStore), CLUSTER_STORE, NS_PATH, START_TIMEOUT and DAEMON_PID come from the script around it; fail_with_log, wait_until and gossip_listening too
if [ -n "$CLUSTER_STORE" ]; then
    store=${info#* }
    [ "$store" = "$CLUSTER_STORE" ] || fail_with_log "dockerd reports cluster store \"$store\", not \"$CLUSTER_STORE\""
    # Started only once its overlay gossip listens (lib/engine/gossip.ts): the
    # next engine of the stack starts after this one and must find it there.
    gossip_in_namespace() {
        gossip_listening nsenter --net="$NS_PATH" && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || fail_with_log "dockerd exited during start"
        return 1
    }
    wait_until "$START_TIMEOUT" 0.05 gossip_in_namespace ||
        fail_with_log "dockerd did not start its overlay gossip (serf, tcp 7946) within ${START_TIMEOUT}s: it has not seen itself registered in the cluster store $CLUSTER_STORE"
fi
