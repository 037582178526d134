#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: KIND, ADDRESS, PORT, PIDFILE, START_TIMEOUT, DAEMON_ARGV, READY_WHAT and kv_ready come from the rendered header
start_daemon "${DAEMON_ARGV[@]}"
echo "$DAEMON_PID" >"$PIDFILE"
log "$KIND started (pid $DAEMON_PID), log $LOG"

# Wait until the store answers (at most START_TIMEOUT seconds). Every engine
# waits for the store: notice it promptly (the probes are light).
kv_answers() {
    kv_ready && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || fail_with_log "$KIND exited during start"
    return 1
}
wait_until "$START_TIMEOUT" 0.1 kv_answers || fail_with_log "$KIND did not answer within ${START_TIMEOUT}s"
log "$KIND up in $(( SECONDS - started ))s at $ADDRESS:$PORT: $READY_WHAT"
