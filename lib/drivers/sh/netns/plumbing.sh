#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NS, VETH, IFNAME, BRIDGE, ADDRESS, PREFIX and GATEWAY (and MTU, when not 1500) come from the rendered header
# The machine's namespace and its underlay link.
ip link show dev "$BRIDGE" >/dev/null 2>&1 || { log "bridge $BRIDGE does not exist (the fabric is created first)"; exit 1; }
ip netns add "$NS"
# The namespace-side end is created directly inside the namespace under its
# final name: no temporary name in the root namespace that could collide.
ip link add name "$VETH" type veth peer name "$IFNAME" netns "$NS"
# driver.underlayMtu other than 1500: both ends of the veth carry the underlay's MTU.
if [ -n "${MTU:-}" ]; then
    ip link set dev "$VETH" mtu "$MTU"
    ip -n "$NS" link set dev "$IFNAME" mtu "$MTU"
fi
ip link set dev "$VETH" master "$BRIDGE"
ip link set dev "$VETH" up
ip -n "$NS" link set dev lo up
ip -n "$NS" addr add "$ADDRESS/$PREFIX" dev "$IFNAME"
ip -n "$NS" link set dev "$IFNAME" up
ip -n "$NS" route replace default via "$GATEWAY" dev "$IFNAME"
log "namespace $NS: $IFNAME $ADDRESS/$PREFIX, veth $VETH on $BRIDGE"
