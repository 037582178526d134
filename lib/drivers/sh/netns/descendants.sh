#!/usr/bin/env bash
# descendants PID...: every process below the given ones, space-separated.
descendants() {
    local p c
    for p in "$@"; do
        for c in $(pgrep -P "$p" 2>/dev/null || true); do printf '%s ' "$c"; descendants "$c"; done
    done
}
# netns_pids NAME: every process with a thread in the named network namespace, one a line.
# Not `ip netns pids`, which reads each process's main thread only (/proc/PID/ns/net): a Go
# daemon's main thread can be left in another namespace (dockerd's, in a container's or an
# overlay's: tests/lab/support/lab.ts namedNetnsOf), and the daemon would be missed.
netns_pids() {
    local ino
    ino=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || return 0
    find /proc/[0-9]*/task/[0-9]*/ns -maxdepth 1 -name net -lname "net:\[$ino\]" 2>/dev/null | cut -d/ -f3 | sort -un
}
