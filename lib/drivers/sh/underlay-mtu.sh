#!/bin/sh
# shellcheck disable=SC2154 # a fragment: HOST, INTERFACE, ADDRESS, MIN_MTU, VXLAN_OVERHEAD, ESP_OVERHEAD come from the rendered header, run_ip from its definition there
# The underlay MTU of this host: the MTU of the interface its engine advertises
# on (INTERFACE), or, when none is named, of the interface that holds ADDRESS.
# The number is the only line on stdout; everything else goes to stderr.
if [ -n "$INTERFACE" ]; then
    via=$INTERFACE
    if ! link=$(run_ip -o link show dev "$via" 2>/dev/null) || [ -z "$link" ]; then
        interfaces=$(run_ip -o link show 2>/dev/null | sed -n 's/^[0-9]*: *\([^:@ ]*\).*/\1/p' | tr '\n' ' ' | sed 's/ *$//')
        echo "docker-overlay: $HOST has no interface $via (engine.advertiseInterface), so its underlay MTU cannot be read; it has: $interfaces" >&2
        exit 1
    fi
else
    via=$(run_ip -o addr show 2>/dev/null | awk -v a="$ADDRESS" '$3 == "inet" || $3 == "inet6" { split($4, p, "/"); if (p[1] == a) { print $2; exit } }')
    if [ -z "$via" ]; then
        echo "docker-overlay: no interface on $HOST holds its address $ADDRESS, so its underlay MTU cannot be read (ip -o addr show)" >&2
        exit 1
    fi
    link=$(run_ip -o link show dev "$via")
fi
mtu=$(printf '%s\n' "$link" | sed -n 's/.* mtu \([0-9][0-9]*\).*/\1/p' | head -n 1)
if [ -z "$mtu" ]; then
    echo "docker-overlay: cannot read the MTU of $via on $HOST from ip -o link show dev $via: $link" >&2
    exit 1
fi
if [ "$mtu" -lt "$MIN_MTU" ]; then
    echo "docker-overlay: $HOST's underlay ($via) has MTU $mtu, less than the $MIN_MTU an overlay needs (IPv6's minimum link MTU; overlays get 50 less)" >&2
    exit 1
fi
# need KEY NETWORK MTU ENCRYPTED(0|1) NEEDS: fail unless this underlay carries networks[].mtu.
need() {
    if [ "$mtu" -lt "$5" ]; then
        if [ "$4" = 1 ]; then
            max=$((mtu - VXLAN_OVERHEAD - ESP_OVERHEAD)); max=$((max - max % 4)); how="$VXLAN_OVERHEAD bytes of VXLAN and $ESP_OVERHEAD of ESP, rounded down to a multiple of 4"
        else
            max=$((mtu - VXLAN_OVERHEAD)); how="$VXLAN_OVERHEAD bytes of VXLAN"
        fi
        echo "docker-overlay: $1 $3 (network $2) is more than host $HOST's underlay carries: $via has MTU $mtu, which leaves at most $max ($how); use at most $max, or raise the MTU of $via" >&2
        exit 1
    fi
}
