#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: BRIDGE and RULE_COMMENT come from the rendered header
log() { printf 'docker-overlay fabric %s: %s\n' "$BRIDGE" "$*" >&2; }

# Remove exactly the rules create inserted (every copy), tolerating their absence.
accept=(-i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$RULE_COMMENT" -j ACCEPT)
drop=(-i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment "$RULE_COMMENT" -j DROP)
while iptables -C FORWARD "${accept[@]}" 2>/dev/null; do iptables -D FORWARD "${accept[@]}"; done
while iptables -C FORWARD "${drop[@]}" 2>/dev/null; do iptables -D FORWARD "${drop[@]}"; done
if ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    ports=$(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1 | tr '\n' ' ')
    [ -z "$ports" ] || log "still has ports: $ports(their machines lose the underlay)"
    ip link del dev "$BRIDGE"
    log "removed bridge"
else
    log "bridge already gone"
fi
