#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: cleanup_paths comes from docker-cli.sh
passed=0; failed=0; sep=''
# record <from> <to> <expect> <network> <ip> <byIp> <byName> [<mtu> <fullSize>]
# mtu and fullSize belong to pairs that must reach: the MTU of the interface the
# sender reaches the other's address through, and whether one packet of exactly
# that size crossed (true/false; null where the MTU could not be read).
record() {
  local ok=false reason='' extra=''
  if [ "$3" = reach ]; then
    [ "$6" = true ] && [ "$7" = true ] && [ "${9:-null}" != false ] && ok=true
    extra=$(printf ',"mtu":%s,"fullSize":%s' "${8:-null}" "${9:-null}")
    if [ $ok = false ]; then
      if [ -z "$5" ]; then reason="$2 has no address on $4 (not running?)"
      elif [ "$6" = false ]; then reason="no answer from $5"; fi
      if [ "$7" = false ]; then reason="${reason:+$reason; }no answer from name $2"; fi
      if [ "$6" = true ] && [ "${9:-}" = false ]; then
        reason="${reason:+$reason; }a full-size packet ($8 bytes, do-not-fragment) got no answer while small ones did: the path between the hosts carries less than $4's MTU $8 (VXLAN adds 50 bytes; set driver.underlayMtu or networks[].mtu to what the underlay carries)"
      fi
    fi
  else
    [ "$6" = false ] && [ "$7" = false ] && ok=true
    if [ $ok = false ]; then reason="reached $([ "$6" = true ] && printf '%s' "$5")$([ "$6" = true ] && [ "$7" = true ] && printf ' and ')$([ "$7" = true ] && printf 'name %s' "$2") across networks"; fi
  fi
  if [ $ok = true ]; then passed=$((passed+1)); else failed=$((failed+1)); fi
  [ -z "$reason" ] || extra=$(printf '%s,"reason":"%s"' "$extra" "$reason")
  printf '%s{"from":"%s","to":"%s","expect":"%s","network":"%s","ip":"%s","byIp":%s,"byName":%s%s,"ok":%s}' "$sep" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$extra" $ok >>"$out"
  sep=','
  printf '%-12s -> %-12s %-9s %-10s %-15s ip:%-5s name:%-5s full:%-5s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${9:--}" "$([ $ok = true ] && echo ok || echo "FAIL: $reason")" >&2
}
work=$(mktemp -d); cleanup_paths+=("$work")
out="$work/records"; : >"$out"
# Fields the result document carries after the pairs (swarm mode: "swarm", "warnings"; check-quorum.sh).
# shellcheck disable=SC2034 # read by check-run.sh
result_extra=''

# The containers in name order: name, docker host, networks (in name order).
N=(); H=(); NETS=()
c() { N+=("$1"); H+=("$2"); NETS+=("$3"); }
