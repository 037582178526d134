#!/usr/bin/env bash
# The engine's serf lines on a host (cluster-store mode), for `npm run diagnose`
# on an ssh stack: libnetwork's `serf: EventMember*` lines and its failed joins
# (lib/engine/gossip.ts says why an engine can be left out), which
# lab/diagnose.ts serfHistory replays into the engine's members.
#   serf-log.sh [LOG]
# From the docker unit's journal (this boot) where systemd runs the engine, else
# from LOG (default /var/log/docker.log: an engine started by `service`, as the
# ssh driver restarts it without systemd). Exit 3 when neither can be read. As
# root, or through `sudo -n` (never a prompt). SYSTEMD_RUN (tests) stands for
# /run/systemd/system, which exists where systemd runs.
set -uo pipefail
log=${1:-/var/log/docker.log}
if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo -n); fi
pattern='serf: EventMember|joining serf neighbor'
if command -v journalctl >/dev/null 2>&1 && [ -d "${SYSTEMD_RUN:-/run/systemd/system}" ]; then
    lines=$("${sudo[@]}" journalctl -u docker -b -o cat --no-pager) || exit 3
elif "${sudo[@]}" test -r "$log"; then
    lines=$("${sudo[@]}" cat "$log") || exit 3
else
    exit 3
fi
grep -E "$pattern" <<<"$lines" || true
