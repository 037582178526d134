#!/bin/sh
# wait_until SECONDS INTERVAL COMMAND [ARG...]: run COMMAND every INTERVAL
# seconds until it succeeds (returns 0), or until at least SECONDS have passed
# since the first try (returns 1; `date +%s` counts whole seconds, so it gives
# up within SECONDS+1). COMMAND may end the script itself (e.g. when the daemon
# it waits for died). POSIX sh: shared by the bash and the sh scripts.
wait_until() {
    wu_limit=$1 wu_every=$2
    shift 2
    wu_start=$(date +%s)
    until "$@"; do
        [ $(( $(date +%s) - wu_start )) -le "$wu_limit" ] || return 1
        sleep "$wu_every"
    done
}
