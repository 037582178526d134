#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, SOCK, LOG, START_TIMEOUT and DAEMON_ARGV come from the rendered header
# dockerd starts and manages a containerd of its own (socket and state under
# its exec-root, content under its data-root), so several engines share no
# containerd and need no system one running.
start_daemon "${DAEMON_ARGV[@]}"
log "dockerd started (pid $DAEMON_PID), log $LOG"

# Wait until the engine answers on its socket (at most START_TIMEOUT seconds). The docker CLI is
# only run once the socket exists (a CLI run costs more CPU than the wait): with
# several engines starting at once on a small machine, the CPU is what they wait for.
engine_answers() {
    [ -S "$SOCK" ] && docker version >/dev/null 2>&1 && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || fail_with_log "dockerd exited during start"
    return 1
}
wait_until "$START_TIMEOUT" 0.05 engine_answers || fail_with_log "dockerd did not answer on $SOCK within ${START_TIMEOUT}s"
# The engine must see its own hostname, or the cluster store mixes engines up.
info=$(docker info --format '{{.Name}} {{.ClusterStore}}')
seen=${info%% *}
[ "$seen" = "$NAME" ] || fail_with_log "dockerd sees hostname \"$seen\", not \"$NAME\""
