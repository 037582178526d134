#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NS, VETH, IFNAME, BRIDGE, ADDRESS, PREFIX and GATEWAY come from the rendered header
# The machine's namespace and its underlay link.
ip link show dev "$BRIDGE" >/dev/null 2>&1 || { log "bridge $BRIDGE does not exist (the fabric is created first)"; exit 1; }
ip netns add "$NS"
# The namespace-side end is created directly inside the namespace under its
# final name: no temporary name in the root namespace that could collide.
ip link add name "$VETH" type veth peer name "$IFNAME" netns "$NS"
ip link set dev "$VETH" master "$BRIDGE"
ip link set dev "$VETH" up
ip -n "$NS" link set dev lo up
ip -n "$NS" addr add "$ADDRESS/$PREFIX" dev "$IFNAME"
ip -n "$NS" link set dev "$IFNAME" up
ip -n "$NS" route replace default via "$GATEWAY" dev "$IFNAME"
log "namespace $NS: $IFNAME $ADDRESS/$PREFIX, veth $VETH on $BRIDGE"
