#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2153 # a fragment: the header lib/probe/ssh.ts renders sets the values, ssh-session.sh the functions
# One ssh host's underlay probe, run on the machine running the program (it
# reaches every host over ssh, as the program's own commands do):
#  1. SELF's and each target host's underlay address: the first IPv4 address
#     of IFACE (engine.advertiseInterface) on it, what its engine advertises.
#  2. At each target host, SELF's own counting rules (tag TAG-SELF: one per
#     (SELF's address, protocol, port), lib/probe/sh/underlay-probe.sh
#     watch-reset), fresh counters; no other sender's rules are touched.
#  3. Rounds: from SELF, datagrams / connects to every target that has not
#     counted SELF yet, then each target's counter read; until every target
#     counted SELF or WAIT_SECONDS passed. A target without ssh (an existing
#     KV store) answers when a tcp connect from SELF is accepted.
#  4. SELF's rules removed from every target again, passed or failed: the
#     hosts are the user's, and a probe run again sets fresh ones.
# Names each pair that did not arrive: `<self> -> <target> <proto>/<port>: no answer`.
STAG="$TAG-$SELF"
self=("$SELF_SSH" "$SELF_PORT" "$SELF_HOSTKEY")
target() { T=("${T_SSH[$1]}" "${T_SSHPORT[$1]}" "${T_HOSTKEY[$1]}"); }

self_addr=$(address_on "${self[@]}" "$IFACE") ||
    { echo "docker-overlay: cannot read the address of $IFACE (engine.advertiseInterface) on $SELF over ssh ($SELF_SSH port $SELF_PORT)" >&2; exit 1; }
declare -A ADDR=() SPECS=()
for i in "${!T_NAME[@]}"; do
    name=${T_NAME[$i]}
    if [ -z "${T_SSH[$i]}" ]; then
        ADDR[$name]=${T_ADDR[$i]}
        continue
    fi
    if [ -z "${ADDR[$name]:-}" ]; then
        target "$i"
        ADDR[$name]=$(address_on "${T[@]}" "$IFACE") ||
            { echo "docker-overlay: cannot read the address of $IFACE (engine.advertiseInterface) on $name over ssh (${T[0]} port ${T[1]})" >&2; exit 1; }
    fi
    SPECS[$name]+=" $self_addr ${T_PROTO[$i]} ${T_PORT[$i]}"
done
# clear_rules: SELF's rules off every target they were set on (a target that does not answer keeps them: they only count).
SET=()
clear_rules() {
    local i
    for i in "${SET[@]}"; do
        target "$i"
        probe_on "${T[@]}" watch-clear "$STAG" ||
            echo "docker-overlay: ${T_NAME[$i]} did not answer over ssh (${T[0]} port ${T[1]}); its counting rules for $SELF stay (they only count)" >&2
    done
}
for i in "${!T_NAME[@]}"; do
    name=${T_NAME[$i]}
    [ -n "${SPECS[$name]:-}" ] || continue
    target "$i"
    # shellcheck disable=SC2086 # the specs: address, protocol and port words
    if ! probe_on "${T[@]}" watch-reset "$STAG" "${ADDR[$name]}" ${SPECS[$name]}; then
        echo "docker-overlay: cannot set the underlay probe's counting rules on $name over ssh (${T[0]} port ${T[1]}; iptables as root, or sudo -n)" >&2
        clear_rules
        exit 1
    fi
    SET+=("$i")
    SPECS[$name]=""
done

pending=("${!T_NAME[@]}")
deadline=$((SECONDS + WAIT_SECONDS))
while :; do
    sends=()
    for i in "${pending[@]}"; do
        [ -z "${T_SSH[$i]}" ] || sends+=("${ADDR[${T_NAME[$i]}]}" "${T_PROTO[$i]}" "${T_PORT[$i]}")
    done
    if [ "${#sends[@]}" -gt 0 ]; then
        probe_on "${self[@]}" send "${sends[@]}" || true
        sleep 0.3
    fi
    still=()
    for i in "${pending[@]}"; do
        if [ -n "${T_SSH[$i]}" ]; then
            target "$i"
            n=$(probe_on "${T[@]}" watch-count "$STAG" "$self_addr" "${T_PROTO[$i]}" "${T_PORT[$i]}" 2>/dev/null) || n=0
            [ "${n:-0}" -gt 0 ] || still+=("$i")
        elif ! probe_on "${self[@]}" tcp-connect "${T_ADDR[$i]}" "${T_PORT[$i]}" 2 2>/dev/null; then
            still+=("$i")
        fi
    done
    pending=("${still[@]}")
    if [ "${#pending[@]}" -eq 0 ]; then
        clear_rules
        echo "docker-overlay: $SELF reaches ${#T_NAME[@]} target(s) on the underlay" >&2
        exit 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        break
    fi
done
clear_rules
echo "docker-overlay: the underlay does not carry what the cluster needs from $SELF (nothing of the cluster was created; open these and run up again):" >&2
for i in "${pending[@]}"; do
    echo "$SELF -> ${T_NAME[$i]} ${T_PROTO[$i]}/${T_PORT[$i]}: no answer" >&2
done
exit 1
