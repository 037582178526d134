#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: PARALLEL_CALLS, PARALLEL_PINGS, CONVERGE_SECONDS, N, H, NETS, work, out and result_extra come from the rendered header and check-begin.sh
n=${#N[@]}

# At most PARALLEL_CALLS docker calls at a time.
throttle() { while [ "$(jobs -pr | wc -l)" -ge "$PARALLEL_CALLS" ]; do wait -n 2>/dev/null || true; done; }

# 1. Each container's address on each of its networks: one inspect per container.
addresses() {
  # shellcheck disable=SC2016 # a Go template for docker inspect, not shell
  dk "${H[$1]}" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}}{{"\n"}}{{end}}' "${N[$1]}" >"$work/ip.$1" 2>/dev/null || true
}
for ((i = 0; i < n; i++)); do throttle; addresses "$i" & done; wait
declare -A IP=()
for ((i = 0; i < n; i++)); do [ -f "$work/ip.$i" ] || continue; while read -r net ip; do [ -n "$net" ] && IP["$i $net"]=$ip; done <"$work/ip.$i"; done

# shared I J: SHARED becomes the first of I's networks (name order) that J is on too, or empty.
# (NETS entries are space-separated lists of network names: split on purpose.)
# shellcheck disable=SC2086
shared() { local net; SHARED=""; for net in ${NETS[$1]}; do case " ${NETS[$2]} " in *" $net "*) SHARED=$net; return ;; esac; done; }

# 2. From each container, every address and name it must (or must not) reach, pinged in
#    one exec: the other's address on the first network they share and its name, or, sharing
#    none, its addresses on each of its networks and its name. Inside the container (sh, not
#    bash): ping every target given, PARALLEL_PINGS at a time; one line per target, "ok
#    <target>" or "no <target>". A target "+<address>" (the address of a container it must
#    reach) gets one full-size packet instead: the MTU of the interface the route to it takes
#    (busybox ip), and one ping of that size minus 28 (IPv4 and ICMP headers); "big ok|no
#    <address> <mtu>", or "big - <address> -" when the MTU cannot be read (no ip in the image).
#    busybox ping has no -M do, but Linux sets do-not-fragment on every packet that fits the
#    sender's route (PMTU discovery, net.ipv4.ip_no_pmtu_disc=0, the default), and this one
#    fits its interface exactly; where the overlay's packets do not fit the underlay, the
#    VXLAN device answers "fragmentation needed" (Linux >= 5.9) and the ping gets no reply.
#    The sender then remembers the smaller path MTU (net.ipv4.route.mtu_expires, 600 s) and
#    fragments later packets instead: a check re-run within that time passes.
# shellcheck disable=SC2016 # $t, $i and $((...)) belong to the container's sh
PING_ALL='i=0; for t; do (case "$t" in +*) a=${t#+}; d=$(ip route get "$a" 2>/dev/null | sed -n "s/.* dev \([^ ]*\).*/\1/p"); m=$([ -n "$d" ] && ip link show dev "$d" 2>/dev/null | sed -n "s/.* mtu \([0-9]*\).*/\1/p"); if [ -z "$m" ]; then echo "big - $a -"; elif ping -c 1 -W 2 -s $((m - 28)) "$a" >/dev/null 2>&1; then echo "big ok $a $m"; else echo "big no $a $m"; fi ;; *) if ping -c 1 -W 2 "$t" >/dev/null 2>&1; then echo "ok $t"; else echo "no $t"; fi ;; esac) & i=$((i + 1)); [ $((i % '"$PARALLEL_PINGS"')) -ne 0 ] || wait; done; wait'
# A probe round: every target container I has not answered yet. Must-reach addresses and names
# that answered are not pinged again; a full-size probe is sent again only while its result is
# not final (see below). Isolated targets are pinged in every round: a late answer is a violation.
probes() {
  local i=$1 j net ip; local -a t=()
  for ((j = 0; j < n; j++)); do
    [ "$j" -eq "$i" ] && continue
    shared "$i" "$j"
    # shellcheck disable=SC2086 # a list of network names
    for net in ${SHARED:-${NETS[$j]}}; do ip=${IP["$j $net"]:-}; if [ -n "$ip" ] && [ -z "${OK["$i $ip"]:-}" ]; then t+=("$ip"); fi; done
    if [ -n "$SHARED" ]; then
      ip=${IP["$j $SHARED"]:-}
      if [ -n "$ip" ] && [ -z "${BIG["$i $ip"]:-}" ] && [ -z "${NOBIG["$i $ip"]:-}" ]; then t+=("+$ip"); fi
    fi
    if [ -z "${OK["$i ${N[$j]}"]:-}" ]; then t+=("${N[$j]}"); fi
  done
  [ ${#t[@]} -gt 0 ] || return 0
  dk "${H[$i]}" exec "${N[$i]}" sh -c "$PING_ALL" sh "${t[@]}" >"$work/probe.$i" 2>/dev/null || true
}
# A full-size result is final only when a small ping to the same address has answered (this
# round or before): then a lost big packet is the path's MTU, not an overlay still converging.
# Otherwise it is kept as the last seen (BIGLAST) and the probe is sent again next round.
declare -A OK=() BIG=() MTU=() BIGLAST=() MTULAST=() NOBIG=()
collect() {
  local i r t a m
  for ((i = 0; i < n; i++)); do
    [ -f "$work/probe.$i" ] || continue
    while read -r r t a m; do [ "$r" = ok ] && OK["$i $t"]=1; done <"$work/probe.$i"
    while read -r r t a m; do
      [ "$r" = big ] || continue
      case "$t" in
        ok | no)
          BIGLAST["$i $a"]=$([ "$t" = ok ] && echo true || echo false); MTULAST["$i $a"]=$m
          if [ -n "${OK["$i $a"]:-}" ]; then BIG["$i $a"]=${BIGLAST["$i $a"]}; MTU["$i $a"]=$m; fi ;;
        -) NOBIG["$i $a"]=1 ;;
      esac
    done <"$work/probe.$i"
    rm -f "$work/probe.$i"
  done
}
# pending: some pair that must reach has not answered (address, name, or a final full-size result).
pending() {
  local i j ip
  for ((i = 0; i < n; i++)); do
    for ((j = 0; j < n; j++)); do
      [ "$j" -eq "$i" ] && continue
      shared "$i" "$j"; [ -n "$SHARED" ] || continue
      ip=${IP["$j $SHARED"]:-}; [ -n "$ip" ] || continue
      if [ -z "${OK["$i $ip"]:-}" ] || [ -z "${OK["$i ${N[$j]}"]:-}" ]; then return 0; fi
      if [ -z "${BIG["$i $ip"]:-}" ] && [ -z "${NOBIG["$i $ip"]:-}" ]; then return 0; fi
    done
  done
  return 1
}
# Rounds until every pair that must reach has answered, or CONVERGE_SECONDS have passed: a
# cluster-store overlay learns its peers through serf gossip and the KV store, which can take
# seconds on a busy machine (measured in CI: a first round with no answer at all, a later one
# with every answer). DOCKER_OVERLAY_CHECK_CONVERGE_SECONDS overrides the window (0: one round).
converge=${DOCKER_OVERLAY_CHECK_CONVERGE_SECONDS:-$CONVERGE_SECONDS}
deadline=$((SECONDS + converge))
while :; do
  for ((i = 0; i < n; i++)); do throttle; probes "$i" & done; wait
  collect
  pending || break
  [ "$SECONDS" -lt "$deadline" ] || break
  sleep 1
done
# reached I TARGET: R becomes true when container I pinged TARGET (an address or a name).
reached() { R=false; if [ -n "$2" ] && [ -n "${OK["$1 $2"]:-}" ]; then R=true; fi; }

# 3. One record per pair (per network of the other for pairs sharing none), in connectivityPairs' order.
for ((i = 0; i < n; i++)); do
  for ((j = 0; j < n; j++)); do
    [ "$j" -eq "$i" ] && continue
    shared "$i" "$j"
    reached "$i" "${N[$j]}"; by_name=$R
    if [ -n "$SHARED" ]; then
      ip=${IP["$j $SHARED"]:-}
      reached "$i" "$ip"; record "${N[$i]}" "${N[$j]}" reach "$SHARED" "$ip" "$R" "$by_name" "${MTU["$i $ip"]:-${MTULAST["$i $ip"]:-}}" "${BIG["$i $ip"]:-${BIGLAST["$i $ip"]:-}}"
    else
      # shellcheck disable=SC2086 # a list of network names
      for net in ${NETS[$j]}; do
        ip=${IP["$j $net"]:-}
        reached "$i" "$ip"; record "${N[$i]}" "${N[$j]}" isolated "$net" "$ip" "$R" "$by_name"
      done
    fi
  done
done
printf '{"pairs":[%s],"passed":%d,"failed":%d%s}\n' "$(cat "$out")" "$passed" "$failed" "$result_extra"
[ "$failed" -eq 0 ]
