#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: WORKER, MANAGER (from pick_manager), PORT, ADVERTISE and WAIT_SECONDS come from the rendered header and common.sh; dk from docker-cli.sh, wait_until from its own fragment
# How a host joins: swarm-join (join-create.sh) and swarm-adopt (adopt.sh) share it.
# manager_address: where MANAGER listens, as it advertises itself: asked now, so no
# script depends on an earlier output.
manager_address() { printf '%s:%s' "$(dk "$MANAGER" info --format '{{.Swarm.NodeAddr}}')" "$PORT"; }
# join_swarm TOKEN ADDRESS: WORKER joins the swarm at ADDRESS. The token (worker or
# manager) decides the role; it stays in memory, never on stdout.
join_swarm() { dk "$WORKER" swarm join --token "$1" --advertise-addr "$ADVERTISE" --listen-addr "$ADVERTISE" "$2" >/dev/null; }
# wait_reachable NODE: until MANAGER's raft counts the manager NODE reachable.
wait_reachable() {
    # shellcheck disable=SC2317 # called by wait_until
    reachable() { [ "$(dk "$MANAGER" node inspect "$1" --format '{{.ManagerStatus.Reachability}}' 2>/dev/null)" = reachable ]; }
    wait_until "$WAIT_SECONDS" 0.5 reachable "$1" || fail "manager $1 is not reachable in the raft ${WAIT_SECONDS}s after joining"
}
