#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME, DAEMON_JSON, CLUSTER_STORE, LABELS_RELOADABLE, DAEMON_JSON_BASE, BASE_MARKER and DOCKER_PIDFILE come from the rendered header; tmp, renamed, tls_kept and engine_version from the fragments before, labels_now, labels_listed and LABELS from labels-listed.sh
# shellcheck disable=SC2086 # $SUDO is empty or `sudo -n`: split on purpose
$SUDO chmod 0644 "$tmp"
# 5. Without new TLS material to take in (a restart's job: dockerd reads it only at start;
#    the same material and drop-in as before are none) and with the hostname kept, a
#    running engine may need no restart:
#  - the same file as it runs with (an install run again with nothing new for this
#    machine, e.g. after an upgrade of the program), its store and gossip as a restart
#    would check them below: nothing to do;
#  - only the labels changed since the program's last install (the rest of the file as it
#    wrote it then): dockerd reloads its labels from daemon.json on SIGHUP (as systemd's
#    `reload docker` does), so the engine and its containers keep running. Not when no
#    label is left: the file then has no labels key, and a reload keeps the engine's
#    labels unless the file sets them (moby v20.10.5 daemon/reload.go:230).
labels_taken() { labels_listed $SUDO; }
same=''
pid=''
if [ -n "$LABELS_RELOADABLE" ] && { [ -z "$TLS_LISTEN" ] || [ -n "$tls_kept" ]; } && [ -z "$renamed" ] && engine_answers; then
    if [ "$($SUDO cat "$tmp")" = "$($SUDO cat "$DAEMON_JSON" 2>/dev/null)" ] &&
        [ "$($SUDO docker info --format '{{.ClusterStore}}' 2>/dev/null)" = "$CLUSTER_STORE" ] &&
        { [ -z "$CLUSTER_STORE" ] || gossip_listening; }; then
        same=1
    elif [ "$($SUDO cat "$BASE_MARKER" 2>/dev/null)" = "$DAEMON_JSON_BASE" ] && { [ -n "$LABELS" ] || [ -z "$(labels_now $SUDO)" ]; }; then
        pid=$($SUDO cat "$DOCKER_PIDFILE" 2>/dev/null) || pid=''
    fi
fi
$SUDO mv -f "$tmp" "$DAEMON_JSON"
printf '%s\n' "$DAEMON_JSON_BASE" | $SUDO tee "$BASE_MARKER" >/dev/null
if [ -n "$same" ]; then
    echo "docker-overlay: the engine on $NAME already runs with this configuration (no restart)" >&2
    exit 0
fi
if [ -n "$pid" ] && $SUDO kill -HUP "$pid" 2>/dev/null; then
    if wait_until "$WAIT_SECONDS" 1 labels_taken; then
        echo "docker-overlay: the engine on $NAME reloaded its labels (no restart)" >&2
        exit 0
    fi
    echo "docker-overlay: the engine on $NAME did not list its new labels within ${WAIT_SECONDS}s of a reload; restarting it" >&2
fi

# 6. Restart the engine, wait for it, and check it took the configuration.
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
