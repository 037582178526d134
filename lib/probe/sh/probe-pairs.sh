#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: the rendered header (lib/probe/underlay.ts) sets the tables, a transport (probe-netns.sh, probe-ssh.sh) the m_* functions
# One underlay probe command's pairs, run on the machine running the program,
# which reaches every machine of the stack (a network namespace it enters, or a
# host it logs in to over ssh):
#  1. Each machine's underlay address (M_ADDR, else read on it: m_addr).
#  2. At each target machine, this command's own counting rules (tag TAG: one per
#     (source address, protocol, port) it expects, lib/probe/sh/underlay-probe.sh
#     watch-reset), fresh counters; no other command's rules are touched.
#  3. Rounds: from each source, datagrams / connects to each target of a pair that
#     has not arrived yet, then each target's counters read at once; until every
#     pair arrived or WAIT_SECONDS passed. A target no command can enter (an
#     existing KV store) answers when a tcp connect from the source is accepted.
#  4. TAG's rules removed from every target again, passed or failed: the counters
#     are only this run's, and a run sets fresh ones.
# Names each pair that did not arrive: `<from> -> <to> <proto>/<port>: no answer`,
# then each machine where a send or a read of the counters itself failed (a pair
# that "did not arrive" because the machine could not be entered is not the
# underlay's fault): how many calls failed and what the last one said.
declare -a ADDR=()
for m in "${!M_NAME[@]}"; do
    ADDR[m]=${M_ADDR[m]}
    if [ -z "${ADDR[m]}" ]; then
        ADDR[m]=$(m_addr "$m") || { echo "docker-overlay: cannot read $(m_addr_what) on ${M_NAME[m]} $(m_where "$m")" >&2; exit 1; }
    fi
done
# Each target's expected (source address, protocol, port) words.
declare -a SPECS=()
for k in "${!P_FROM[@]}"; do
    t=${P_TO[k]}
    if m_access "$t"; then
        SPECS[t]+=" ${ADDR[P_FROM[k]]} ${P_PROTO[k]} ${P_PORT[k]}"
    fi
done
ERRS=$(mktemp -d) || exit 1
declare -a FAILS=() LASTERR=()
# failed M WHAT FILE: one more failed call on M; FILE holds what it printed on stderr.
failed() {
    FAILS[$1]=$((${FAILS[$1]:-0} + 1))
    LASTERR[$1]="$2: $(tr -s '\n' ' ' <"$3" | cut -c1-300)"
}
finish() {
    local m
    rm -rf "$ERRS"
    for m in "${!FAILS[@]}"; do
        echo "docker-overlay: ${FAILS[m]} call(s) of the probe on ${M_NAME[m]} $(m_where "$m") failed; the last, ${LASTERR[m]}" >&2
    done
    exit "$1"
}
SET=()
clear_rules() {
    local t
    for t in "${SET[@]}"; do
        m_run "$t" watch-clear "$TAG" ||
            echo "docker-overlay: ${M_NAME[t]} did not answer $(m_where "$t"); its counting rules tagged $TAG stay (they only count)" >&2
    done
}
for t in "${!SPECS[@]}"; do
    # shellcheck disable=SC2086 # the specs: address, protocol and port words
    if ! m_run "$t" watch-reset "$TAG" "${ADDR[t]}" ${SPECS[t]}; then
        echo "docker-overlay: cannot set the underlay probe's counting rules on ${M_NAME[t]} $(m_where "$t") ($RULES_NEED)" >&2
        clear_rules
        finish 1
    fi
    SET+=("$t")
done

pending=("${!P_FROM[@]}")
deadline=$((SECONDS + WAIT_SECONDS))
while :; do
    declare -a SENDS=() READS=() ASKED=()
    for k in "${pending[@]}"; do
        t=${P_TO[k]}
        if m_access "$t"; then
            SENDS[P_FROM[k]]+=" ${ADDR[t]} ${P_PROTO[k]} ${P_PORT[k]}"
            READS[t]+=" ${ADDR[P_FROM[k]]} ${P_PROTO[k]} ${P_PORT[k]}"
            ASKED[t]+=" $k"
        fi
    done
    for s in "${!SENDS[@]}"; do
        # shellcheck disable=SC2086 # address, protocol and port words
        { m_run "$s" send ${SENDS[s]} 2>"$ERRS/send-$s" || : >"$ERRS/send-$s.failed"; } &
    done
    wait
    for s in "${!SENDS[@]}"; do
        if [ -e "$ERRS/send-$s.failed" ]; then
            failed "$s" "sending" "$ERRS/send-$s"
            rm -f "$ERRS/send-$s.failed"
        fi
    done
    [ "${#SENDS[@]}" -eq 0 ] || sleep 0.1
    declare -A ARRIVED=()
    for t in "${!READS[@]}"; do
        # shellcheck disable=SC2086 # address, protocol and port words
        if ! out=$(m_run "$t" watch-counts "$TAG" ${READS[t]} 2>"$ERRS/read"); then
            failed "$t" "reading its counters" "$ERRS/read"
            out=""
        fi
        mapfile -t counts <<<"$out"
        read -ra ks <<<"${ASKED[t]}"
        for j in "${!ks[@]}"; do
            if [ "${counts[j]:-0}" -gt 0 ]; then
                ARRIVED[${ks[j]}]=1
            fi
        done
    done
    still=()
    for k in "${pending[@]}"; do
        if m_access "${P_TO[k]}"; then
            if [ -z "${ARRIVED[$k]:-}" ]; then
                still+=("$k")
            fi
        elif ! m_run "${P_FROM[k]}" tcp-connect "${ADDR[P_TO[k]]}" "${P_PORT[k]}" 2 2>/dev/null; then
            still+=("$k")
        fi
    done
    unset SENDS READS ASKED ARRIVED
    pending=("${still[@]}")
    if [ "${#pending[@]}" -eq 0 ]; then
        clear_rules
        echo "docker-overlay: the underlay carries ${#P_FROM[@]} probe(s) of $WHAT" >&2
        finish 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        break
    fi
done
clear_rules
echo "docker-overlay: the underlay does not carry what the cluster needs (nothing of the cluster was created; open these and run up again):" >&2
for k in "${pending[@]}"; do
    echo "${M_NAME[P_FROM[k]]} -> ${M_NAME[P_TO[k]]} ${P_PROTO[k]}/${P_PORT[k]}: no answer" >&2
done
finish 1
