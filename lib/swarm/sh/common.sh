#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2153 # a fragment: ROLE, NAME and (where used) MANAGERS come from the rendered header; dk from docker-cli.sh
log() { printf 'docker-overlay %s %s: %s\n' "$ROLE" "$NAME" "$*" >&2; }
fail() { log "$*"; exit 1; }
# node_state HOST: the engine's LocalNodeState (inactive, pending, active, error, locked).
node_state() { dk "$1" info --format '{{.Swarm.LocalNodeState}}'; }
# pick_manager [EXCEPT]: set MANAGER to the first of MANAGERS (other than the
# endpoint EXCEPT) that answers as a manager with a quorum (`docker node ls`
# answers only there); 1 when none does. Swarm work goes through a manager that is up.
# shellcheck disable=SC2120 # EXCEPT is optional: most scripts call it with none
pick_manager() {
    local m
    for m in "${MANAGERS[@]}"; do
        [ "$m" != "${1:-}" ] || continue
        if dk "$m" node ls -q >/dev/null 2>&1; then
            MANAGER=$m
            return 0
        fi
    done
    return 1
}
# keeps_quorum_without NODE: fails, saying why, when demoting the manager NODE
# would leave fewer than a majority of the remaining managers reachable.
keeps_quorum_without() {
    local node=$1 id total=0 up=0 self=0 after after_up
    while read -r id; do
        [ -n "$id" ] || continue
        total=$((total + 1))
        if [ "$(dk "$MANAGER" node inspect "$id" --format '{{.ManagerStatus.Reachability}}' 2>/dev/null)" = reachable ]; then
            up=$((up + 1))
            if [ "$id" = "$node" ]; then self=1; fi
        fi
    done < <(dk "$MANAGER" node ls --filter role=manager -q)
    after=$((total - 1))
    after_up=$((up - self))
    # The last manager: nothing to keep (its leave dissolves the swarm).
    [ "$after" -gt 0 ] || return 0
    if [ $((2 * after_up)) -le "$after" ]; then
        fail "removing manager $NAME would leave $after_up of $after managers reachable, fewer than a majority ($((after / 2 + 1))): the swarm would lose its quorum; bring the unreachable managers back (or remove them first) and retry"
    fi
}
