#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: MANAGER comes from pick_manager (common.sh); dk from docker-cli.sh, log and fail from common.sh
# node_remove NODE: demotes NODE if it is a manager, then `docker node rm --force`s it, through
# MANAGER. A node another script removed meanwhile is fine (1, "No such node"): two hosts' joins
# and a removed host's leave run in parallel, and each may clear the same old node (a replaced
# machine's, whose address a re-addressed host now has). Any other error fails the script.
node_remove() {
    local err
    if [ "$(dk "$MANAGER" node inspect "$1" --format '{{.Spec.Role}}' 2>/dev/null)" = manager ]; then
        if ! err=$(dk "$MANAGER" node demote "$1" 2>&1 >/dev/null); then
            case $err in *"No such node"*) return 1 ;; *) fail "$err" ;; esac
        fi
    fi
    if ! err=$(dk "$MANAGER" node rm --force "$1" 2>&1 >/dev/null); then
        case $err in *"No such node"*) return 1 ;; *) fail "$err" ;; esac
    fi
}
