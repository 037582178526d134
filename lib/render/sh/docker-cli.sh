#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: DOCKER_CLI comes from the rendered header, the TLS material from the environment
# dk HOST ARGS... (the docker CLI against one engine, with --tlsverify and the
# client material for tcp:// hosts when the environment carries it) and
# cleanup_paths, removed on exit: scripts add paths, not traps.
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
# dk HOST ARGS...: the docker CLI against one engine (TLS for tcp:// hosts).
dk() {
    local host=$1; shift
    case "$host" in
        tcp://*) "$DOCKER_CLI" -H "$host" "${docker_tls[@]}" "$@" ;;
        *) "$DOCKER_CLI" -H "$host" "$@" ;;
    esac
}
