#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: cleanup_paths comes from docker-cli.sh
passed=0; failed=0; sep=''
# record <from> <to> <expect> <network> <ip> <byIp> <byName>
record() {
  local ok=false
  if [ "$3" = reach ]; then [ "$6" = true ] && [ "$7" = true ] && ok=true
  else [ "$6" = false ] && [ "$7" = false ] && ok=true; fi
  if [ $ok = true ]; then passed=$((passed+1)); else failed=$((failed+1)); fi
  printf '%s{"from":"%s","to":"%s","expect":"%s","network":"%s","ip":"%s","byIp":%s,"byName":%s,"ok":%s}' "$sep" "$1" "$2" "$3" "$4" "$5" "$6" "$7" $ok >>"$out"
  sep=','
  printf '%-12s -> %-12s %-9s %-10s %-15s ip:%-5s name:%-5s %s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$([ $ok = true ] && echo ok || echo FAIL)" >&2
}
work=$(mktemp -d); cleanup_paths+=("$work")
out="$work/records"; : >"$out"

# The containers in name order: name, docker host, networks (in name order).
N=(); H=(); NETS=()
c() { N+=("$1"); H+=("$2"); NETS+=("$3"); }
