#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: MANAGER_NAMES, MANAGER_HOSTS, QUORUM_SECONDS and work come from the rendered header and check-begin.sh; dk_within from docker-cli.sh
# Swarm mode, before any pair: the managers, each asked at once and for at most
# QUORUM_SECONDS. Without a majority answering, the swarm has no leader: `docker
# node ls` on the rest answers "The swarm does not have a leader" (after its own
# 20 s deadline at first, measured in the lab), and pinging the pairs would only
# report every pair failed after the converge window. The check fails at once
# instead, naming the managers. With a majority, one that does not answer is a warning.
# DOCKER_OVERLAY_CHECK_MANAGER_SECONDS overrides the time.
quorum_seconds=${DOCKER_OVERLAY_CHECK_MANAGER_SECONDS:-$QUORUM_SECONDS}
# 1. Whose engine answers: `docker version` is the engine's own, no swarm call behind it.
#    (`docker info` is not: on a manager that just lost its quorum it waits for the raft,
#    over 10 s in the lab, so a manager that is up would count as down.)
engine_up() { dk_within "$quorum_seconds" "${MANAGER_HOSTS[$1]}" version --format '{{.Server.Version}}' >/dev/null 2>&1 && : >"$work/manager.$1.up"; }
for ((k = 0; k < ${#MANAGER_NAMES[@]}; k++)); do engine_up "$k" & done; wait
# 2. With a majority up: whether each is still an active manager (`docker info`, quick while
#    the swarm has a leader). An engine that is up and says it is no manager (demoted, left)
#    does not count; one whose info does not come in time still does (its engine answered).
up_count() { local k c=0; for ((k = 0; k < ${#MANAGER_NAMES[@]}; k++)); do [ ! -e "$work/manager.$k.up" ] || c=$((c + 1)); done; echo "$c"; }
manager_role() {
    local state
    state=$(dk_within "$quorum_seconds" "${MANAGER_HOSTS[$1]}" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null) || return 0
    [ "$state" = "active true" ] || rm -f "$work/manager.$1.up"
}
if [ "$(up_count)" -ge $((${#MANAGER_NAMES[@]} / 2 + 1)) ]; then
    for ((k = 0; k < ${#MANAGER_NAMES[@]}; k++)); do [ ! -e "$work/manager.$k.up" ] || manager_role "$k" & done; wait
fi
answering=(); silent=()
for ((k = 0; k < ${#MANAGER_NAMES[@]}; k++)); do
    if [ -e "$work/manager.$k.up" ]; then answering+=("${MANAGER_NAMES[$k]}"); else silent+=("${MANAGER_NAMES[$k]}"); fi
done
# words A B...: "A, B"; json_strings A B...: "\"A\",\"B\"".
words() { local w='' x; for x; do w=${w:+$w, }$x; done; printf '%s' "$w"; }
json_strings() { local w='' x; for x; do w=${w:+$w,}\"$x\"; done; printf '%s' "$w"; }
managers=${#MANAGER_NAMES[@]}; majority=$((managers / 2 + 1)); up=${#answering[@]}
quorum=$([ "$up" -ge "$majority" ] && echo true || echo false)
summary="$up of $managers managers answer$([ "$up" -gt 0 ] && printf ' (%s)' "$(words "${answering[@]}")")"
result_extra=$(printf ',"swarm":{"managers":%d,"answering":[%s],"notAnswering":[%s],"majority":%d,"quorum":%s}' \
    "$managers" "$(json_strings "${answering[@]}")" "$(json_strings "${silent[@]}")" "$majority" "$quorum")
if [ "$quorum" = false ]; then
    problem="swarm has lost its quorum: $summary; $(words "${silent[@]}") $([ ${#silent[@]} -eq 1 ] && echo does || echo 'do') not; a majority needs $majority: start the stopped managers' engines"
    printf 'docker-overlay check: %s\n' "$problem" >&2
    printf '{"pairs":[],"passed":0,"failed":0%s,"error":"%s"}\n' "$result_extra" "$problem"
    exit 1
fi
if [ ${#silent[@]} -gt 0 ]; then
    warning="$([ ${#silent[@]} -eq 1 ] && echo "manager $(words "${silent[@]}") does" || echo "managers $(words "${silent[@]}") do") not answer; the swarm keeps its quorum: $summary, a majority needs $majority"
    printf 'docker-overlay check: warning: %s\n' "$warning" >&2
    result_extra=$(printf '%s,"warnings":["%s"]' "$result_extra" "$warning")
fi
