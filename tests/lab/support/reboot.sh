#!/usr/bin/env bash
# reboot.sh STACK BRIDGE RUN_DIR STATE_DIR: what a reboot of the lab machine does to a netns
# stack, by hand: every process in its namespaces (and below them, the containers) killed,
# nothing mounted under its run and state directories, its namespaces and bridge gone, its
# run directory (on tmpfs /run) empty. The state directory (/var/lib) survives, as on disk.
set -euo pipefail
stack=$1 bridge=$2 run=$3 state=$4
# shellcheck source=lib/drivers/sh/netns/descendants.sh
source "$(dirname "$0")/../../../lib/drivers/sh/netns/descendants.sh"
mapfile -t nss < <(ip netns list | awk '{ print $1 }' | grep -E "^dovl-${stack}-" || true)
[ "${#nss[@]}" -gt 0 ] || { echo "no network namespace of stack $stack" >&2; exit 1; }
# Every process with a thread in one of the namespaces (netns_pids, descendants.sh): with
# `ip netns pids` (main threads only) an engine whose main thread sat in a container's
# namespace outlived the "reboot" (seen once in a full CI run).
pids=()
for ns in "${nss[@]}"; do
    mapfile -t p < <(netns_pids "$ns")
    pids+=("${p[@]}")
done
[ "${#pids[@]}" -gt 0 ] || { echo "nothing runs in the namespaces of stack $stack" >&2; exit 1; }
read -r -a below <<<"$(descendants "${pids[@]}")"
all=("${pids[@]}" "${below[@]}")
kill -KILL "${all[@]}" 2>/dev/null || true
for _ in $(seq 100); do
    left=0
    for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
done
[ "$left" = 0 ] || { echo "processes still alive after SIGKILL: ${all[*]}" >&2; exit 1; }
awk -v r="$run" -v s="$state" '$2 == r || index($2, r "/") == 1 || $2 == s || index($2, s "/") == 1 { print $2 }' /proc/mounts |
    sort -ru | while IFS= read -r m; do umount -l "$m"; done
for ns in "${nss[@]}"; do ip netns del "$ns"; done
if ip link show dev "$bridge" >/dev/null 2>&1; then ip link del dev "$bridge"; fi
rm -rf --one-file-system -- "$run"
# /run is a tmpfs: the directory above the stack's is gone too (kept here while another stack uses it).
rmdir -- "${run%/*}" 2>/dev/null || true
echo "killed ${#all[@]} processes; removed ${#nss[@]} namespaces, bridge $bridge and $run"
