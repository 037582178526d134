#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: DOCKER_CLI comes from the rendered header, the TLS material from the environment
# dk HOST ARGS... (the docker CLI against one engine, with --tlsverify and the
# client material for tcp:// hosts when the environment carries it), dk_within
# (the same, bounded in time) and cleanup_paths, removed on exit: scripts add
# paths, not traps.
cleanup_paths=()
trap 'rm -rf "${cleanup_paths[@]}"' EXIT
# TLS client material comes in the environment, never in this text; it is
# written to a private directory only for the docker CLI to read.
docker_tls=()
if [ -n "${DOCKER_OVERLAY_CLIENT_KEY:-}" ]; then
    tls_dir=$(umask 077 && mktemp -d)
    cleanup_paths+=("$tls_dir")
    (umask 077 && printf '%s\n' "$DOCKER_OVERLAY_CLIENT_CA" >"$tls_dir/ca.pem" && printf '%s\n' "$DOCKER_OVERLAY_CLIENT_CERT" >"$tls_dir/cert.pem" && printf '%s\n' "$DOCKER_OVERLAY_CLIENT_KEY" >"$tls_dir/key.pem")
    docker_tls=(--tlsverify "--tlscacert=$tls_dir/ca.pem" "--tlscert=$tls_dir/cert.pem" "--tlskey=$tls_dir/key.pem")
elif [ -n "${DOCKER_OVERLAY_CLIENT_CERT_DIR:-}" ]; then
    docker_tls=(--tlsverify "--tlscacert=$DOCKER_OVERLAY_CLIENT_CERT_DIR/ca.pem" "--tlscert=$DOCKER_OVERLAY_CLIENT_CERT_DIR/cert.pem" "--tlskey=$DOCKER_OVERLAY_CLIENT_CERT_DIR/key.pem")
fi
# dk_argv HOST: DK becomes the docker CLI's argv for one engine (TLS for tcp:// hosts).
dk_argv() {
    DK=("$DOCKER_CLI" -H "$1")
    case "$1" in
        tcp://*) DK+=("${docker_tls[@]}") ;;
    esac
}
# dk HOST ARGS...: the docker CLI against one engine.
dk() { local DK; dk_argv "$1"; shift; "${DK[@]}" "$@"; }
# dk_within SECONDS HOST ARGS...: dk, killed after SECONDS (exit 124, coreutils timeout):
# an engine that does not answer (a stopped machine behind tcp://, a swarm without a
# leader) must not hold the script.
dk_within() { local DK s=$1; dk_argv "$2"; shift 2; timeout "$s" "${DK[@]}" "$@"; }
