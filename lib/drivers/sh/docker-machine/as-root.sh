#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME comes from the rendered header
# Each call is one `docker-machine ssh NAME COMMAND`: COMMAND goes as one
# argument, parsed by the machine's login shell (the external client,
# docker/machine libmachine/ssh/client.go:392-403; the native one would add a
# pty, client.go:292-318, so it is not asked for), as the underlay probe does
# (lib/probe/sh/probe-docker-machine.sh).
unset MACHINE_NATIVE_SSH
log() { printf 'docker-overlay engine %s: %s\n' "$NAME" "$*" >&2; }
# sq WORD: WORD single-quoted for any POSIX shell.
sq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
# as_root SCRIPT ARG...: SCRIPT under sh on the machine with ARG..., as root (sudo -n otherwise).
as_root() {
    local s=$1 a args=""
    shift
    for a in "$@"; do args+=" $(sq "$a")"; done
    # shellcheck disable=SC2016 # the machine's shell expands $s, $@ and $(...)
    docker-machine ssh "$NAME" "set --$args; s=$(sq "$s"); "'if [ "$(id -u)" = 0 ]; then sh -c "$s" engine-config "$@"; else sudo -n sh -c "$s" engine-config "$@"; fi'
}
