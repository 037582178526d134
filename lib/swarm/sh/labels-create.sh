#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: HOST, MANAGERS, LABEL_ADD and LABELS come from the rendered header
pick_manager || fail "no manager of the swarm answers (tried ${MANAGERS[*]}); start a manager's engine and retry"
NODE=$(dk "$HOST" info --format '{{.Swarm.NodeID}}')
[ -n "$NODE" ] || fail "its engine is in no swarm"
node_update "${LABEL_ADD[@]}" "$NODE"
log "labelled: $LABELS"
