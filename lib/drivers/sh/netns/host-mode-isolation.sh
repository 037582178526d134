#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NS_PATH comes from the rendered header
# The overlay driver's host mode (lib/engine/strandedThreads.ts) puts every
# overlay's bridge (ov-<vni>-<id>) in this namespace, which then has a route to
# each overlay subnet. libnetwork's own filters (moby/libnetwork 3797618f,
# drivers/overlay/filter.go:96-130: DOCKER-OVERLAY, one chain per overlay bridge
# that accepts only what comes out of that bridge) are hooked into FORWARD when an
# overlay's sandbox is set up; the bridge driver inserts its docker_gwbridge rules
# above them when it makes that bridge, at a container's first overlay attachment,
# and `-i docker_gwbridge ! -o docker_gwbridge -j ACCEPT` then forwards a
# container's packet for another overlay's subnet (its default route is the
# gwbridge) into that overlay's bridge: a2 on net1 reached b1 on net2 on the same
# host (the lab's topology test, 2 of 2 runs). DOCKER-USER is FORWARD's first rule,
# kept first on every network creation (controller.go:914, firewall_linux.go:25-46)
# and never touched by the engine: nothing that does not come out of an overlay
# bridge is forwarded into one. Traffic between two overlay bridges stays with
# libnetwork's chains.
nsenter --net="$NS_PATH" iptables -w -N DOCKER-USER 2>/dev/null || true
nsenter --net="$NS_PATH" iptables -w -C DOCKER-USER ! -i ov-+ -o ov-+ -j DROP 2>/dev/null ||
    nsenter --net="$NS_PATH" iptables -w -I DOCKER-USER ! -i ov-+ -o ov-+ -j DROP
