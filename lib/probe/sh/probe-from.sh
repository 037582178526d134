#!/usr/bin/env bash
# shellcheck disable=SC2154 # the header lib/probe/underlay.ts renders sets the values
# One host's underlay probe (lib/probe/underlay.ts renders the values in front):
# from SELF's network namespace, a round of sends to every target that has not
# answered yet, then each target's counting rule (set by that target's watch
# command before any host sends, under the tag T_TAG names) is read in the
# target's namespace; until every target counted this host or WAIT_SECONDS have
# passed. A target without a namespace (an existing KV store) answers when a
# tcp connect is accepted.
# Names each pair that did not arrive: `<self> -> <target> <proto>/<port>: no answer`.

probe() {
    local ns=$1
    shift
    nsenter --net="$ns" bash -c "$PROBE_SH" underlay-probe "$@"
}

# Each counter as it stands before this run sends (a sender's machine replaced keeps its
# address, so its earlier run's packets are still counted under the target's tag): what
# arrives is what the counter gains.
declare -A BASE=()
for i in "${!T_NAME[@]}"; do
    if [ -n "${T_NS[$i]}" ]; then
        BASE[$i]=$(probe "${T_NS[$i]}" watch-count "${T_TAG[$i]}" "$SELF_ADDR" "${T_PROTO[$i]}" "${T_PORT[$i]}")
    fi
done
pending=("${!T_NAME[@]}")
deadline=$((SECONDS + WAIT_SECONDS))
while :; do
    sends=()
    for i in "${pending[@]}"; do
        if [ -n "${T_NS[$i]}" ]; then
            sends+=("${T_ADDR[$i]}" "${T_PROTO[$i]}" "${T_PORT[$i]}")
        fi
    done
    if [ "${#sends[@]}" -gt 0 ]; then
        probe "$SELF_NS" send "${sends[@]}"
        sleep 0.3
    fi
    still=()
    for i in "${pending[@]}"; do
        if [ -n "${T_NS[$i]}" ]; then
            n=$(probe "${T_NS[$i]}" watch-count "${T_TAG[$i]}" "$SELF_ADDR" "${T_PROTO[$i]}" "${T_PORT[$i]}")
            [ "$n" -gt "${BASE[$i]}" ] || still+=("$i")
        elif ! probe "$SELF_NS" tcp-connect "${T_ADDR[$i]}" "${T_PORT[$i]}" 2 2>/dev/null; then
            still+=("$i")
        fi
    done
    pending=("${still[@]}")
    if [ "${#pending[@]}" -eq 0 ]; then
        echo "docker-overlay: $SELF reaches ${#T_NAME[@]} target(s) on the underlay" >&2
        exit 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        break
    fi
done
echo "docker-overlay: the underlay does not carry what the cluster needs from $SELF (nothing of the cluster was created; open these and run up again):" >&2
for i in "${pending[@]}"; do
    echo "$SELF -> ${T_NAME[$i]} ${T_PROTO[$i]}/${T_PORT[$i]}: no answer" >&2
done
exit 1
