#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME comes from the rendered header
# The documented way to point the docker CLI at a machine; bash syntax whatever the user's $SHELL is.
eval "$(docker-machine env --shell bash "$NAME")"
