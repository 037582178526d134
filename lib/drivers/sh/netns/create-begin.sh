#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2034 # a fragment: NAME, NS, NS_PATH, VETH, STATE, RUN, LOG and DAEMON_PATH come from the rendered header; DAEMON_PID is read by the fragments after it
# start_daemon ARGV...: run ARGV as this machine's daemon, detached.
# - nsenter --net, not `ip netns exec`: ip netns exec also enters a new mount
#   namespace and remounts /sys, which hides the cgroup mounts from dockerd
#   ("Devices cgroup isn't mounted").
# - unshare --uts + hostname: each machine gets its own hostname (the cluster
#   store tells engines apart by it) and the real machine's stays untouched.
# - env -i with a fixed PATH: nothing of the caller's environment (DOCKER_HOST,
#   proxies, another dockerd on PATH) reaches the daemon.
# - setsid nohup, output to $LOG, stdin from /dev/null: detached from the
#   caller, so this script returns while the daemon runs. Every wrapper execs
#   the next, so $! is the daemon's own pid.
start_daemon() {
    # shellcheck disable=SC2016 # $1 and $@ belong to the inner sh
    env -i PATH="$DAEMON_PATH" HOME=/root \
        setsid nohup nsenter --net="$NS_PATH" unshare --uts -- \
        sh -c 'hostname "$1" && shift && exec "$@"' set-hostname "$NAME" "$@" \
        </dev/null >>"$LOG" 2>&1 &
    DAEMON_PID=$!
}
fail_with_log() {
    log "$1; last lines of $LOG:"
    tail -n 40 "$LOG" >&2 || true
    exit 1
}
# write_tls DIR CA_VAR CERT_VAR KEY_VAR WHAT: TLS material comes in the
# environment (never in this text): a CA, a certificate and its key, written
# to DIR/ca.pem, cert.pem and key.pem, readable by root only.
write_tls() {
    local dir=$1 what=$5 v
    for v in "$2" "$3" "$4"; do
        [ -n "${!v:-}" ] || { log "$v is not set: $what is missing"; exit 1; }
    done
    mkdir -p "$dir"
    chmod 0700 "$dir"
    (umask 077 && printf '%s\n' "${!2}" >"$dir/ca.pem" && printf '%s\n' "${!3}" >"$dir/cert.pem" && printf '%s\n' "${!4}" >"$dir/key.pem")
}

# A failed earlier attempt may have left this machine half-built under the
# same names: take it down first, so create always starts from nothing.
if [ -e "$NS_PATH" ] || ip link show dev "$VETH" >/dev/null 2>&1 || [ -e "$STATE" ] || [ -e "$RUN" ]; then
    log "clearing leftovers of an earlier attempt"
    teardown
fi
# A create that fails records no resource, so no delete would ever run for it:
# take the machine down again on failure (DOCKER_OVERLAY_KEEP_FAILED=1 keeps it
# for inspection; the next create clears it).
on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ "${DOCKER_OVERLAY_KEEP_FAILED:-}" != 1 ]; then
        log "create failed; taking the machine down again"
        teardown || true
    fi
    return "$rc"
}
trap on_exit EXIT
