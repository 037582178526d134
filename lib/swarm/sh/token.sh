#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: KIND and MANAGERS come from the rendered header, the public key from the environment
[ -n "${DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY:-}" ] || fail "DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY is not set"
pick_manager || fail "no manager of the swarm answers (tried ${MANAGERS[*]}); start a manager's engine and retry"
token=$(dk "$MANAGER" swarm join-token -q "$KIND")
# RSA-OAEP to the sealing key, then base64: only ciphertext reaches stdout.
printf '%s' "$token" | openssl pkeyutl -encrypt -pubin -inkey <(printf '%s\n' "$DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY") -pkeyopt rsa_padding_mode:oaep | openssl base64 -A
echo
log "sealed the $KIND join token"
