#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: MANAGERS comes from the rendered header
pick_manager || fail "no manager of the swarm answers (tried ${MANAGERS[*]}); start a manager's engine and retry"
# New tokens for both roles: the old ones are refused from now on. Nodes already
# in the swarm keep their membership; the token commands read the new tokens.
for kind in worker manager; do
    dk "$MANAGER" swarm join-token --rotate -q "$kind" >/dev/null
done
log "rotated the worker and manager join tokens"
# Unique per run: the token commands are replaced (read again) whenever this runs.
printf '{"rotatedAt":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)"
