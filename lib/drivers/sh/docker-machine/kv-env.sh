#!/bin/sh
# shellcheck disable=SC2154,SC2034 # a fragment: NAME comes from the rendered header; kv_ip is read by the lines after it
kv_ip=$(docker-machine ip "$NAME")
# The documented way to point the docker CLI at a machine; bash syntax whatever the user's $SHELL is.
eval "$(docker-machine env --shell bash "$NAME")"
