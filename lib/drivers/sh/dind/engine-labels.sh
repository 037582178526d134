#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, CONTAINER, LOCAL_DOCKER, CONFIG, DAEMON_JSON, MACHINE_JSON, LABELS and TIMEOUT come from the rendered header; dk, wait_until and labels_listed from the fragments before
# A running dind engine takes new labels from its daemon.json on SIGHUP (moby v20.10.5
# daemon/reload.go:57, :228-232). Inside the container only POSIX sh, cat, mv and kill
# run (the docker:dind image is Alpine), through the local Docker.
log() { printf 'docker-overlay engine %s: %s\n' "$NAME" "$*" >&2; }
inside() { dk "$LOCAL_DOCKER" exec -i "$CONTAINER" "$@"; }
running=$(dk "$LOCAL_DOCKER" inspect --format '{{.State.Running}}' "$CONTAINER" 2>/dev/null) || running=''
if [ "$running" != true ]; then
    log "its container $CONTAINER is not running on $LOCAL_DOCKER: its labels cannot be set"
    exit 1
fi
# A new machine's engine started from its own file, without labels: with none to set
# there is nothing to reload (the file is still written, for a later reload to read).
fresh=''
if [ -z "$LABELS" ] && [ "$(inside cat "$CONFIG" 2>/dev/null || true)" = "$MACHINE_JSON" ]; then fresh=1; fi
# Written whole and renamed, so a reload never reads half a file; then the signal.
signal=''
# shellcheck disable=SC2016 # expanded inside the container, by its sh
[ -n "$fresh" ] || signal='kill -HUP "$(cat /var/run/docker.pid)"'
# shellcheck disable=SC2016 # expanded inside the container, by its sh
if ! printf '%s\n' "$DAEMON_JSON" | inside sh -c 'cat >"$1.tmp" && mv -f "$1.tmp" "$1" && eval "$2"' sh "$CONFIG" "$signal"; then
    log "could not write $CONFIG in $CONTAINER or signal its dockerd"
    exit 1
fi
if [ -n "$fresh" ]; then
    log "no labels to set"
    exit 0
fi
listed() { labels_listed dk "$LOCAL_DOCKER" exec "$CONTAINER"; }
if ! wait_until "$TIMEOUT" 0.2 listed; then
    log "the engine did not list [$(labels_want | paste -sd, -)] within ${TIMEOUT}s of the reload; it lists [$(labels_now dk "$LOCAL_DOCKER" exec "$CONTAINER" | paste -sd, -)]; its last log lines:"
    dk "$LOCAL_DOCKER" logs --tail 20 "$CONTAINER" 2>&1 | sed 's/^/  /' >&2 || true
    exit 1
fi
log "labels set ($(labels_want | wc -l))"
