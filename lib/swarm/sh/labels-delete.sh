#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: HOST, MANAGERS and LABEL_RM come from the rendered header
NODE=$(dk "$HOST" info --format '{{.Swarm.NodeID}}' 2>/dev/null) || NODE=''
if [ -n "$NODE" ] && pick_manager && dk "$MANAGER" node inspect "$NODE" >/dev/null 2>&1; then
    node_update "${LABEL_RM[@]}" "$NODE"
    log "labels removed"
else
    log "node $NODE is gone (or no manager answers); nothing to unlabel"
fi
