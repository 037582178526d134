#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: HOST, MANAGER, LABEL_ADD and LABELS come from the rendered header
NODE=$(dk "$HOST" info --format '{{.Swarm.NodeID}}')
[ -n "$NODE" ] || fail "its engine is in no swarm"
dk "$MANAGER" node update "${LABEL_ADD[@]}" "$NODE" >/dev/null
log "labelled: $LABELS"
