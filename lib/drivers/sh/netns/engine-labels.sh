#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, KIND, SOCK, PIDFILE, LOG, CONFIG, DAEMON_JSON, MACHINE_JSON, LABELS and TIMEOUT come from the rendered header
# A running engine takes new labels from its daemon.json on SIGHUP. dockerd logs
# "Reloaded configuration" once the reload is through (moby v20.10.5
# daemon/reload.go:38); a file it refuses or fails to apply gets an error line
# instead (cmd/dockerd/daemon.go:346, :330), shown when the wait runs out.
log() { printf 'docker-overlay %s %s: %s\n' "$KIND" "$NAME" "$*" >&2; }
pid=$(cat "$PIDFILE" 2>/dev/null) || pid=''
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    log "the engine is not running (no live pid in $PIDFILE): its labels cannot be set"
    exit 1
fi
# A new machine's engine started from its own file, without labels: with none to set
# there is nothing to reload (the file is still written, for a later reload to read).
fresh=''
if [ -z "$LABELS" ] && [ "$(cat "$CONFIG" 2>/dev/null)" = "$MACHINE_JSON" ]; then fresh=1; fi
# Written whole and renamed, so a reload never reads half a file.
printf '%s\n' "$DAEMON_JSON" >"$CONFIG.tmp"
mv -f "$CONFIG.tmp" "$CONFIG"
if [ -n "$fresh" ]; then
    log "no labels to set"
    exit 0
fi
from=$(($(wc -l <"$LOG") + 1))
kill -HUP "$pid"
since_signal() { tail -n "+$from" "$LOG"; }
# Not `since_signal | grep -q`: grep stops at the first match, and pipefail would report tail's SIGPIPE.
reloaded() { grep -q 'msg="Reloaded configuration' < <(since_signal); }
if ! wait_until "$TIMEOUT" 0.05 reloaded; then
    log "dockerd did not reload its configuration within ${TIMEOUT}s; its log since the signal:"
    since_signal | head -n 20 >&2 || true
    exit 1
fi
docker info --format '{{.ID}}' >/dev/null 2>&1 || { log "the engine does not answer on $SOCK"; exit 1; }
if ! labels_listed; then
    log "after the reload the engine lists these labels: [$(labels_now | paste -sd, -)], not [$(labels_want | paste -sd, -)]"
    exit 1
fi
log "labels set ($(labels_want | wc -l))"
