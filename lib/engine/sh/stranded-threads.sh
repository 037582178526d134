#!/usr/bin/env bash
# docker-overlay: the ids of an engine's threads stranded in a deleted network
# namespace (lib/engine/strandedThreads.ts says which engine bug leaves them),
# one per line: the threads of the dockerd whose pidfile is $1 (default
# /var/run/docker.pid) that sit neither in the namespace this script runs in
# (the engine's: run it there, as the ssh session or `nsenter --net` does) nor
# in a sandbox the engine's exec-root still holds (every live container or
# overlay sandbox is bind-mounted under <exec-root>/netns). Exit 3 when no
# engine runs. Run as root. PROC (default /proc) is for tests.
set -u
proc=${PROC:-/proc}
pidfile=${1:-/var/run/docker.pid}
pid=$(cat "$pidfile" 2>/dev/null) || { echo "no engine: cannot read $pidfile" >&2; exit 3; }
[ -d "$proc/$pid/task" ] || { echo "no engine: pid $pid from $pidfile does not run" >&2; exit 3; }
# The exec-root from dockerd's command line (--exec-root=X or --exec-root X); daemon.json's is not read.
exec_root=/var/run/docker
prev=
while IFS= read -r -d '' arg; do
    case $arg in
        --exec-root=*) exec_root=${arg#--exec-root=} ;;
        *) [ "$prev" = --exec-root ] && exec_root=$arg ;;
    esac
    prev=$arg
done < "$proc/$pid/cmdline"
own=$(stat -L -c %d:%i "$proc/self/ns/net") || exit 1
live=" "
for f in "$exec_root"/netns/*; do
    [ -e "$f" ] && live+="$(stat -L -c %d:%i "$f" 2>/dev/null) "
done
for t in "$proc/$pid"/task/*; do
    # a thread that just ended, or a sandbox being removed: not counted
    ns=$(stat -L -c %d:%i "$t/ns/net" 2>/dev/null) || continue
    [ "$ns" = "$own" ] && continue
    case $live in *" $ns "*) continue ;; esac
    echo "${t##*/}"
done
exit 0
