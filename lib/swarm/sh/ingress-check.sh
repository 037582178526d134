#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2153 # a fragment: NETWORK, SUBNET and MANAGERS come from the rendered header
# ip_int A.B.C.D: the address as an integer.
ip_int() { local IFS=.; local a b c d; read -r a b c d <<<"$1"; echo $(( (a << 24) | (b << 16) | (c << 8) | d )); }
# overlaps CIDR CIDR: do the two networks share an address?
overlaps() {
    local s1 e1 s2 e2 n
    n=$(( 1 << (32 - ${1#*/}) )); s1=$(( $(ip_int "${1%/*}") & ~(n - 1) & 0xffffffff )); e1=$(( s1 + n - 1 ))
    n=$(( 1 << (32 - ${2#*/}) )); s2=$(( $(ip_int "${2%/*}") & ~(n - 1) & 0xffffffff )); e2=$(( s2 + n - 1 ))
    [ "$s1" -le "$e2" ] && [ "$s2" -le "$e1" ]
}

pick_manager || fail "no manager of the swarm answers (tried ${MANAGERS[*]}); start a manager's engine and retry"
ingress=$(dk "$MANAGER" network inspect ingress --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}') || fail "the swarm has no ingress network"
# A swarm made earlier (a re-run, or hosts already in a swarm) keeps its own
# pool: its ingress must still stay off every overlay, or attaching to that
# overlay fails at container start with only "context deadline exceeded".
for subnet in $ingress; do
    if overlaps "$subnet" "$SUBNET"; then
        fail "the swarm ingress network is on $subnet, which overlaps $NETWORK ($SUBNET): containers could not attach to $NETWORK (\"context deadline exceeded\"). Re-create the ingress network on a free subnet (docker network rm ingress; docker network create --ingress -d overlay --subnet <free> ingress) or choose another subnet for $NETWORK"
    fi
done
log "the ingress network ($ingress) stays off $NETWORK ($SUBNET)"
