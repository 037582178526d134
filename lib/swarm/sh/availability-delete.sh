#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: HOST and MANAGERS come from the rendered header
# The setting is no longer managed: the node is active again (swarm's default).
NODE=$(dk "$HOST" info --format '{{.Swarm.NodeID}}' 2>/dev/null) || NODE=''
if [ -n "$NODE" ] && pick_manager && dk "$MANAGER" node inspect "$NODE" >/dev/null 2>&1; then
    node_update --availability active "$NODE"
    log "availability active"
else
    log "node $NODE is gone (or no manager answers); nothing to reset"
fi
