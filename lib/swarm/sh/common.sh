#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: ROLE and NAME come from the rendered header; dk from docker-cli.sh
log() { printf 'docker-overlay %s %s: %s\n' "$ROLE" "$NAME" "$*" >&2; }
fail() { log "$*"; exit 1; }
# node_state HOST: the engine's LocalNodeState (inactive, pending, active, error, locked).
node_state() { dk "$1" info --format '{{.Swarm.LocalNodeState}}'; }
