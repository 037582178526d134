#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, KIND, SOCK, PIDFILE, LOG, CONFIG, DAEMON_JSON and RELOAD_TIMEOUT come from the rendered header
# A running engine takes its cluster keys and labels from its daemon.json on
# SIGHUP. dockerd logs "Reloaded configuration" once the reload is through (moby
# v20.10.5 daemon/reload.go:38); a file it refuses or fails to apply gets an
# error line instead (cmd/dockerd/daemon.go:346, :330), shown when the wait runs out.
log() { printf 'docker-overlay %s %s: %s\n' "$KIND" "$NAME" "$*" >&2; }
fail_with_log() {
    log "$1; last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
    exit 1
}
DAEMON_PID=$(cat "$PIDFILE" 2>/dev/null) || DAEMON_PID=''
if [ -z "$DAEMON_PID" ] || ! kill -0 "$DAEMON_PID" 2>/dev/null; then
    log "the engine is not running (no live pid in $PIDFILE): its cluster store and labels cannot be set"
    exit 1
fi
# shellcheck disable=SC2034 # read by engine-config-labels.sh, rendered after it
started=$SECONDS
# Written whole and renamed, so a reload never reads half a file.
printf '%s\n' "$DAEMON_JSON" >"$CONFIG.tmp"
mv -f "$CONFIG.tmp" "$CONFIG"
from=$(($(wc -l <"$LOG") + 1))
kill -HUP "$DAEMON_PID"
since_signal() { tail -n "+$from" "$LOG"; }
# Not `since_signal | grep -q`: grep stops at the first match, and pipefail would report tail's SIGPIPE.
reloaded() { grep -q 'msg="Reloaded configuration' < <(since_signal); }
if ! wait_until "$RELOAD_TIMEOUT" 0.05 reloaded; then
    log "dockerd did not reload its configuration within ${RELOAD_TIMEOUT}s; its log since the signal:"
    since_signal | head -n 20 >&2 || true
    exit 1
fi
# What the engine reports once the reload is through (reloadClusterDiscovery has set its store);
# engine-in-store.sh checks it, and waits for the gossip, as for an engine started with its store.
# shellcheck disable=SC2034 # read by engine-in-store.sh, rendered after it
info=$(docker info --format '{{.Name}} {{.ClusterStore}}' 2>/dev/null) || fail_with_log "the engine does not answer on $SOCK"
