#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NS, NS_PATH, VETH, IFNAME, BRIDGE, ADDRESS, PREFIX, GATEWAY and NS_PREFIX (and MTU, when not 1500) come from the rendered header
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
# A machine made again at the same address (a replacement) has a new MAC. It announces it
# (a gratuitous ARP) as its link comes up; else the bridge's other ends keep sending to the
# old one until their neighbour entry goes stale (measured: a replaced consul at the same
# address answered the lab after 40 s; with this, 7 s, its election included; a bare
# namespace at a reused address answered after 25 s without, at once with).
nsenter --net="$NS_PATH" sh -c "echo 1 >/proc/sys/net/ipv4/conf/$IFNAME/arp_notify"
ip -n "$NS" link set dev "$IFNAME" up
# That announcement can be lost (measured on a consul -> etcd switch: the root namespace
# and both engines' namespaces kept the old MAC REACHABLE for 39 s, until it expired,
# while the new machine's bridge port forwarded): it leaves as the link comes up, maybe
# before the bridge forwards on the new port. So the entries for this address are also
# dropped where the stack looks them up: this machine's neighbours resolve it again.
ip neigh flush to "$ADDRESS" dev "$BRIDGE" 2>/dev/null || true
for other in $(ip netns list | awk -v p="$NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    [ "$other" = "$NS" ] || ip -n "$other" neigh flush to "$ADDRESS" 2>/dev/null || true
done
ip -n "$NS" route replace default via "$GATEWAY" dev "$IFNAME"
log "namespace $NS: $IFNAME $ADDRESS/$PREFIX, veth $VETH on $BRIDGE"
