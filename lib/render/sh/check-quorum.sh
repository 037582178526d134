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
managers=${#MANAGER_NAMES[@]}; majority=$((managers / 2 + 1))
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
# 3. At the same time, whether each reaches a leader with a quorum: `docker node ls` answers
#    only through the leader's raft, and lists the managers as that leader sees them. A manager
#    whose engine answers but that reaches no leader, or whose leader sees fewer than a majority
#    of the managers (a leader cut off from the rest answers from its own store and lists them
#    Unreachable: seen once, in a CI run of the lab's partition test), is cut off from the others (a
#    partition: managers up, their management port closed between them); `docker version`
#    alone would count it. Asked again for up to quorum_seconds: right after the leader went,
#    the others hold an election (seconds), and node ls has no leader meanwhile.
leader_seen() {
    local until=$((SECONDS + quorum_seconds)) left seen in_raft total
    while left=$((until - SECONDS)) && [ "$left" -gt 0 ]; do
        if seen=$(dk_within "$left" "${MANAGER_HOSTS[$1]}" node ls --filter role=manager --format '{{.ManagerStatus}}' 2>/dev/null); then
            total=$(grep -c . <<<"$seen" || true)
            in_raft=$(grep -cxE 'Leader|Reachable' <<<"$seen" || true)
            if [ $((2 * in_raft)) -gt "$total" ]; then
                : >"$work/manager.$1.leader"
                return 0
            fi
        fi
        sleep 0.5
    done
}
if [ "$(up_count)" -ge "$majority" ]; then
    for ((k = 0; k < ${#MANAGER_NAMES[@]}; k++)); do
        [ -e "$work/manager.$k.up" ] || continue
        manager_role "$k" &
        leader_seen "$k" &
    done
    wait
fi
answering=(); silent=(); cutoff=(); leader=false
for ((k = 0; k < ${#MANAGER_NAMES[@]}; k++)); do
    if [ -e "$work/manager.$k.up" ]; then answering+=("${MANAGER_NAMES[$k]}"); else silent+=("${MANAGER_NAMES[$k]}"); fi
    if [ -e "$work/manager.$k.leader" ]; then leader=true; elif [ -e "$work/manager.$k.up" ]; then cutoff+=("${MANAGER_NAMES[$k]}"); fi
done
# Asked only with a majority up: without one, no manager reaches a leader anyway.
[ "${#answering[@]}" -ge "$majority" ] || cutoff=()
# words A B...: "A, B"; json_strings A B...: "\"A\",\"B\"".
words() { local w='' x; for x; do w=${w:+$w, }$x; done; printf '%s' "$w"; }
json_strings() { local w='' x; for x; do w=${w:+$w,}\"$x\"; done; printf '%s' "$w"; }
up=${#answering[@]}
quorum=$([ "$up" -ge "$majority" ] && [ "$leader" = true ] && echo true || echo false)
summary="$up of $managers managers answer$([ "$up" -gt 0 ] && printf ' (%s)' "$(words "${answering[@]}")")"
result_extra=$(printf ',"swarm":{"managers":%d,"answering":[%s],"notAnswering":[%s],"majority":%d,"quorum":%s%s}' \
    "$managers" "$(json_strings "${answering[@]}")" "$(json_strings "${silent[@]}")" "$majority" "$quorum" \
    "$([ ${#cutoff[@]} -eq 0 ] || printf ',"noLeader":[%s]' "$(json_strings "${cutoff[@]}")")")
cut_off_why="cut off from the other managers (is the swarm's management port open between them?)"
if [ "$up" -ge "$majority" ] && [ "$leader" = false ]; then
    problem="swarm has no leader: $summary, but none reaches a leader (docker node ls): they are $cut_off_why"
    printf 'docker-overlay check: %s\n' "$problem" >&2
    printf '{"pairs":[],"passed":0,"failed":0%s,"error":"%s"}\n' "$result_extra" "$problem"
    exit 1
fi
if [ "$quorum" = false ]; then
    problem="swarm has lost its quorum: $summary; $(words "${silent[@]}") $([ ${#silent[@]} -eq 1 ] && echo does || echo 'do') not; a majority needs $majority: start the stopped managers' engines"
    printf 'docker-overlay check: %s\n' "$problem" >&2
    printf '{"pairs":[],"passed":0,"failed":0%s,"error":"%s"}\n' "$result_extra" "$problem"
    exit 1
fi
warnings=()
if [ ${#silent[@]} -gt 0 ]; then
    warnings+=("$([ ${#silent[@]} -eq 1 ] && echo "manager $(words "${silent[@]}") does" || echo "managers $(words "${silent[@]}") do") not answer; the swarm keeps its quorum: $summary, a majority needs $majority")
fi
if [ ${#cutoff[@]} -gt 0 ]; then
    warnings+=("$([ ${#cutoff[@]} -eq 1 ] && echo "manager $(words "${cutoff[@]}") answers" || echo "managers $(words "${cutoff[@]}") answer") but reach$([ ${#cutoff[@]} -eq 1 ] && echo es) no leader (docker node ls): $([ ${#cutoff[@]} -eq 1 ] && echo "it is" || echo "they are") $cut_off_why; the swarm keeps its quorum through the rest")
fi
if [ ${#warnings[@]} -gt 0 ]; then
    for w in "${warnings[@]}"; do printf 'docker-overlay check: warning: %s\n' "$w" >&2; done
    result_extra=$(printf '%s,"warnings":[%s]' "$result_extra" "$(json_strings "${warnings[@]}")")
fi
