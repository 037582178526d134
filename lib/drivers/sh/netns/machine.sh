#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, KIND, NS, NS_PATH, VETH, STATE, RUN, PIDFILE and STOP_TIMEOUT come from the rendered header
# A netns machine's log line and the functions that take it down: shared by
# its create script (to clear what a failed attempt left) and its delete
# script. Expects wait_until and descendants.
log() { printf 'docker-overlay %s %s: %s\n' "$KIND" "$NAME" "$*" >&2; }
# Is $1 a live process of this machine? (Its command line names our state or
# run directory, so a recycled pid of some other process is never signalled.)
ours() {
    local cmd
    [ -r "/proc/$1/cmdline" ] || return 1
    cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    case "$cmd" in *"$STATE/"*|*"$RUN/"*) return 0 ;; *) return 1 ;; esac
}
# none_alive PID...: is none of the pids alive?
none_alive() {
    local p
    for p in "$@"; do if kill -0 "$p" 2>/dev/null; then return 1; fi; done
    return 0
}
# wait_gone SECONDS PID...: wait until none of the pids is alive.
wait_gone() {
    local seconds=$1; shift
    wait_until "$seconds" 0.1 none_alive "$@"
}
# Mount points at or below $1, deepest first. /proc/mounts escapes blanks as
# octal (\040); printf %b decodes them.
mounts_under() {
    local _dev mp _rest
    while read -r _dev mp _rest; do
        mp=$(printf '%b' "$mp")
        case "$mp" in "$1"|"$1"/*) printf '%s\n' "$mp" ;; esac
    done </proc/mounts | sort -ru
}
teardown() {
    local pid p m _ procs
    local -a pids below
    # 1. The daemon, by its pidfile: SIGTERM lets dockerd stop its containers and
    #    its managed containerd; SIGKILL only if it does not exit in time.
    if [ -s "$PIDFILE" ]; then
        pid=$(cat "$PIDFILE" 2>/dev/null || true)
        if [ -n "$pid" ] && ours "$pid"; then
            log "stopping pid $pid"
            kill -TERM "$pid" 2>/dev/null || true
            if ! wait_gone "$STOP_TIMEOUT" "$pid"; then
                log "pid $pid still running after ${STOP_TIMEOUT}s; killing it"
                kill -KILL "$pid" 2>/dev/null || true
                wait_gone 10 "$pid" || true
            fi
        fi
    fi
    # 2. Anything still running in the namespace (containerd, shims, a daemon
    #    whose pidfile was lost) and everything below it: a shim's container
    #    processes live in network namespaces of their own, so ip netns pids
    #    does not list them. Collected before anything is killed, while the
    #    shims are still their parents. (netns_pids: by every thread's namespace.)
    if [ -e "$NS_PATH" ]; then
        read -r -a pids <<<"$(netns_pids "$NS" | tr '\n' ' ' || true)"
        if [ "${#pids[@]}" -gt 0 ]; then
            read -r -a below <<<"$(descendants "${pids[@]}")"
            pids+=("${below[@]}")
            log "stopping what still runs in namespace $NS and below it: ${pids[*]}"
            kill -TERM "${pids[@]}" 2>/dev/null || true
            wait_gone 10 "${pids[@]}" || { kill -KILL "${pids[@]}" 2>/dev/null || true; wait_gone 5 "${pids[@]}" || true; }
        fi
    fi
    # 3. Mounts the daemon left under its state and run directories (overlay
    #    layers, container namespaces, shm), deepest first; lazily if busy.
    for _ in 1 2 3; do
        m=$( { mounts_under "$STATE"; mounts_under "$RUN"; } )
        [ -z "$m" ] && break
        log "unmounting $(wc -l <<<"$m") mount(s) under $STATE and $RUN"
        while IFS= read -r p; do
            umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || true
        done <<<"$m"
    done
    m=$( { mounts_under "$STATE"; mounts_under "$RUN"; } )
    if [ -n "$m" ]; then log "cannot unmount: $m"; return 1; fi
    # 4. The veth pair (deleting one end deletes both) and the namespace.
    if ip link show dev "$VETH" >/dev/null 2>&1; then ip link del dev "$VETH"; log "removed veth $VETH"; fi
    if [ -e "$NS_PATH" ]; then ip netns del "$NS"; log "removed namespace $NS"; fi
    # 5. State: --one-file-system so a mount we could not see is never followed.
    rm -rf --one-file-system -- "$STATE" "$RUN"
    # The stack's directories once its last machine is gone (and the
    # docker-overlay directory above them, if that is where they are).
    for p in "${STATE%/*}" "${RUN%/*}"; do
        rmdir -- "$p" 2>/dev/null || continue
        case "${p%/*}" in */docker-overlay) rmdir -- "${p%/*}" 2>/dev/null || true ;; esac
    done
    # dockerd and its containerd also create empty directories at fixed global
    # paths (plugin discovery, shim sockets). Remove them while empty, and only
    # when no dockerd or containerd of anyone runs any more.
    # (ps is read first: grep -q closing the pipe early would fail it under pipefail.)
    procs=$(ps -e -o comm=)
    if ! grep -qx -e dockerd -e containerd -e 'containerd-shim.*' <<<"$procs"; then
        rmdir /run/docker/plugins /run/docker /run/containerd/s /run/containerd 2>/dev/null || true
    fi
}
