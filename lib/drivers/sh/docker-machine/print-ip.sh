#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME comes from the rendered header
# The machine's IP: the only line on stdout.
docker-machine ip "$NAME"
