#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: BRIDGE, BRIDGE_ADDRESS, RULE_COMMENT (and MTU, when not 1500) come from the rendered header
log() { printf 'docker-overlay fabric %s: %s\n' "$BRIDGE" "$*" >&2; }

# The bridge is the lab's underlay: every machine's veth is a port of it. It
# holds the underlay's first address so the machine running the program (the
# docker CLI, the KV health checks) reaches the machines directly.
if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    ip link add name "$BRIDGE" type bridge
    log "created bridge"
fi
ip addr replace "$BRIDGE_ADDRESS" dev "$BRIDGE"
# driver.underlayMtu other than 1500: the bridge's MTU, set explicitly so it
# holds whatever ports join (every machine's veth gets the same).
if [ -n "${MTU:-}" ]; then ip link set dev "$BRIDGE" mtu "$MTU"; fi
ip link set dev "$BRIDGE" up

# Accept forwarding between the bridge's ports. A dockerd in the root namespace
# sets the FORWARD policy to DROP, and with br_netfilter
# (net.bridge.bridge-nf-call-iptables=1) frames switched between two ports of
# this bridge traverse FORWARD as `-i <bridge> -o <bridge>`: serf (7946
# tcp/udp), VXLAN (4789/udp) and the KV port would be dropped silently (names
# resolve, pings fail). The ACCEPT makes the lab independent of that policy
# and of whether br_netfilter is on. The DROP keeps the lab's traffic on the
# underlay even where net.ipv4.ip_forward is on: nothing a machine sends is
# routed off the bridge. Inserted only when missing (-C), so a re-run adds no
# duplicates.
accept=(-i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$RULE_COMMENT" -j ACCEPT)
drop=(-i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment "$RULE_COMMENT" -j DROP)
iptables -C FORWARD "${accept[@]}" 2>/dev/null || iptables -I FORWARD "${accept[@]}"
iptables -C FORWARD "${drop[@]}" 2>/dev/null || iptables -I FORWARD "${drop[@]}"

# net.ipv4.ip_forward is deliberately left alone: machine-to-machine traffic is
# switched on the bridge, not routed, and the program reaches the machines from
# the bridge's own address.
log "up with $BRIDGE_ADDRESS"
