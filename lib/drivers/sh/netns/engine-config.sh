#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, KIND, SOCK, PIDFILE, LOG, NS_PATH, CONFIG, CLUSTER_STORE, DAEMON_JSON, LABELS, RELOAD_TIMEOUT and START_TIMEOUT come from the rendered header
# A running engine takes its cluster keys and labels from its daemon.json on
# SIGHUP. dockerd logs "Reloaded configuration" once the reload is through (moby
# v20.10.5 daemon/reload.go:38); a file it refuses or fails to apply gets an
# error line instead (cmd/dockerd/daemon.go:346, :330), shown when the wait runs out.
log() { printf 'docker-overlay %s %s: %s\n' "$KIND" "$NAME" "$*" >&2; }
pid=$(cat "$PIDFILE" 2>/dev/null) || pid=''
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    log "the engine is not running (no live pid in $PIDFILE): its cluster store and labels cannot be set"
    exit 1
fi
started=$SECONDS
# Written whole and renamed, so a reload never reads half a file.
printf '%s\n' "$DAEMON_JSON" >"$CONFIG.tmp"
mv -f "$CONFIG.tmp" "$CONFIG"
from=$(($(wc -l <"$LOG") + 1))
kill -HUP "$pid"
since_signal() { tail -n "+$from" "$LOG"; }
# Not `since_signal | grep -q`: grep stops at the first match, and pipefail would report tail's SIGPIPE.
reloaded() { grep -q 'msg="Reloaded configuration' < <(since_signal); }
if ! wait_until "$RELOAD_TIMEOUT" 0.05 reloaded; then
    log "dockerd did not reload its configuration within ${RELOAD_TIMEOUT}s; its log since the signal:"
    since_signal | head -n 20 >&2 || true
    exit 1
fi
store=$(docker info --format '{{.ClusterStore}}' 2>/dev/null) || { log "the engine does not answer on $SOCK"; exit 1; }
if [ "$store" != "$CLUSTER_STORE" ]; then
    log "after the reload dockerd reports cluster store \"$store\", not \"$CLUSTER_STORE\"; its log since the signal:"
    since_signal | head -n 20 >&2 || true
    exit 1
fi
# Joined only once its overlay gossip listens (lib/engine/gossip.ts): the next
# engine of the stack joins after this one and must find it there.
gossip_in_namespace() {
    gossip_listening nsenter --net="$NS_PATH" && return 0
    kill -0 "$pid" 2>/dev/null || { log "dockerd exited while joining the cluster store"; tail -n 40 "$LOG" >&2; exit 1; }
    return 1
}
if ! wait_until "$START_TIMEOUT" 0.05 gossip_in_namespace; then
    log "dockerd did not start its overlay gossip (serf, tcp 7946) within ${START_TIMEOUT}s: it has not seen itself registered in the cluster store $CLUSTER_STORE; its log since the signal:"
    since_signal | tail -n 20 >&2 || true
    exit 1
fi
if ! labels_listed; then
    log "after the reload the engine lists these labels: [$(labels_now | paste -sd, -)], not [$(labels_want | paste -sd, -)]"
    exit 1
fi
log "in the cluster store $CLUSTER_STORE, gossip listening, labels set ($(labels_want | wc -l)) in $((SECONDS - started))s"
