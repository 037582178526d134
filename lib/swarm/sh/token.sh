#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: MANAGER comes from the rendered header, the public key from the environment
[ -n "${DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY:-}" ] || fail "DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY is not set"
token=$(dk "$MANAGER" swarm join-token -q worker)
# RSA-OAEP to the sealing key, then base64: only ciphertext reaches stdout.
printf '%s' "$token" | openssl pkeyutl -encrypt -pubin -inkey <(printf '%s\n' "$DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY") -pkeyopt rsa_padding_mode:oaep | openssl base64 -A
echo
log "sealed the worker join token"
