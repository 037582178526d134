#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME comes from the rendered header
if docker-machine inspect "$NAME" >/dev/null 2>&1; then
    docker-machine rm -y "$NAME" >&2
else
    echo "docker-overlay: machine $NAME is already gone" >&2
fi
