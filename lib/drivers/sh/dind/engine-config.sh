#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, CONTAINER, LOCAL_DOCKER, CONFIG, CLUSTER_STORE, DAEMON_JSON, LABELS and TIMEOUT come from the rendered header; dk, wait_until, gossip_listening and labels_listed from the fragments before
# A running dind engine takes its cluster keys and labels from its daemon.json on
# SIGHUP (moby v20.10.5 daemon/reload.go:57, :228-232). Inside the container only
# POSIX sh, cat, mv, mkdir and kill run (the docker:dind image is Alpine), through
# the local Docker.
log() { printf 'docker-overlay engine %s: %s\n' "$NAME" "$*" >&2; }
inside() { dk "$LOCAL_DOCKER" exec -i "$CONTAINER" "$@"; }
last_log_lines() {
    dk "$LOCAL_DOCKER" logs --tail 20 "$CONTAINER" 2>&1 | sed 's/^/  /' >&2 || true
}
running=$(dk "$LOCAL_DOCKER" inspect --format '{{.State.Running}}' "$CONTAINER" 2>/dev/null) || running=''
if [ "$running" != true ]; then
    log "its container $CONTAINER is not running on $LOCAL_DOCKER: its cluster store and labels cannot be set"
    exit 1
fi
started=$SECONDS
# Written whole and renamed, so a reload never reads half a file; then the signal.
# shellcheck disable=SC2016 # expanded inside the container, by its sh
if ! printf '%s\n' "$DAEMON_JSON" | inside sh -c 'mkdir -p "${1%/*}" && cat >"$1.tmp" && mv -f "$1.tmp" "$1" && kill -HUP "$(cat /var/run/docker.pid)"' sh "$CONFIG"; then
    log "could not write $CONFIG in $CONTAINER or signal its dockerd"
    exit 1
fi
store_now() { dk "$LOCAL_DOCKER" exec "$CONTAINER" docker info --format '{{.ClusterStore}}' 2>/dev/null; }
reported() { [ "$(store_now)" = "$CLUSTER_STORE" ]; }
if ! wait_until "$TIMEOUT" 0.2 reported; then
    log "the engine reports cluster store \"$(store_now)\", not \"$CLUSTER_STORE\", ${TIMEOUT}s after the reload; its last log lines:"
    last_log_lines
    exit 1
fi
# Joined only once its overlay gossip listens (lib/engine/gossip.ts): the next
# engine of the stack joins after this one and must find it there.
gossip() { gossip_listening dk "$LOCAL_DOCKER" exec "$CONTAINER"; }
if ! wait_until "$TIMEOUT" 0.2 gossip; then
    log "dockerd did not start its overlay gossip (serf, tcp 7946) within ${TIMEOUT}s: it has not seen itself registered in the cluster store $CLUSTER_STORE; its last log lines:"
    last_log_lines
    exit 1
fi
listed() { labels_listed dk "$LOCAL_DOCKER" exec "$CONTAINER"; }
if ! wait_until "$TIMEOUT" 0.2 listed; then
    log "the engine did not list [$(labels_want | paste -sd, -)] within ${TIMEOUT}s of the reload; it lists [$(labels_now dk "$LOCAL_DOCKER" exec "$CONTAINER" | paste -sd, -)]; its last log lines:"
    last_log_lines
    exit 1
fi
log "in the cluster store $CLUSTER_STORE, gossip listening, labels set ($(labels_want | wc -l)) in $((SECONDS - started))s"
