#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NODE and MANAGERS come from the rendered header; pick_manager, log, fail from common.sh, node_remove from node-remove.sh, dk from docker-cli.sh
# A lost worker's node, removed from the swarm through a manager that answers, so that
# the swarm lets its overlays go (a down node's attachments keep them in use) and
# `docker node ls` no longer lists it. A node that is up is not lost: refused.
pick_manager || fail "no manager of the swarm answers (tried ${MANAGERS[*]}); start a manager's engine and retry"
if [ -z "$NODE" ]; then
    log "no node id recorded for it: nothing to remove"
    exit 0
fi
if ! state=$(dk "$MANAGER" node inspect "$NODE" --format '{{.Status.State}}' 2>&1); then
    case $state in
    *"No such node"*)
        log "node $NODE is gone already"
        exit 0
        ;;
    *) fail "$state" ;;
    esac
fi
if [ "$state" = ready ]; then
    fail "its node $NODE is ready: hosts[].lost is for a machine gone for good; if it is back, remove lost"
fi
node_remove "$NODE" || log "node $NODE is gone already"
log "node $NODE removed from the swarm (it was $state)"
