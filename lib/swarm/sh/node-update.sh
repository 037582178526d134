#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: MANAGER comes from pick_manager (common.sh); dk from docker-cli.sh, log from common.sh
# node_update ARGS... NODE: `docker node update` through MANAGER. The CLI reads the
# node, changes its spec and writes it back with the version it read; swarm refuses
# a write whose version another update of the same node (its labels and its
# availability are set in parallel) already moved on: "update out of sequence".
# Read again and retry (a few times, a short random pause apart); any other error fails.
node_update() {
    local try err
    for try in 1 2 3 4 5 6 7 8; do
        if err=$(dk "$MANAGER" node update "$@" 2>&1 >/dev/null); then return 0; fi
        case $err in
            *"update out of sequence"*) log "node update out of sequence (try $try): again" && sleep "0.$((RANDOM % 4 + 1))" ;;
            *) printf '%s\n' "$err" >&2 && return 1 ;;
        esac
    done
    printf '%s\n' "$err" >&2
    return 1
}
