#!/bin/sh
# docker-overlay's consul entrypoint (built into docker-overlay/consul by
# scripts/lab-images.sh): the part of hashicorp/consul's docker-entrypoint.sh
# the dind driver relies on. `agent ...` (or flags alone) runs
# `consul agent -data-dir=/consul/data -config-dir=/consul/config ...`; another
# consul subcommand runs `consul <subcommand> ...`; any other program runs as is.
set -eu
case "${1:-}" in
    agent)
        shift
        set -- consul agent -data-dir=/consul/data -config-dir=/consul/config "$@"
        ;;
    -*)
        set -- consul agent -data-dir=/consul/data -config-dir=/consul/config "$@"
        ;;
    '')
        set -- consul agent -dev -client 0.0.0.0 -data-dir=/consul/data -config-dir=/consul/config
        ;;
    *)
        command -v "$1" >/dev/null 2>&1 || set -- consul "$@"
        ;;
esac
exec "$@"
