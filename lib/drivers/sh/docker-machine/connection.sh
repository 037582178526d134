#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME comes from the rendered header
url=$(docker-machine url "$NAME")
cert_path=$(docker-machine inspect --format '{{json .HostOptions.AuthOptions.StorePath}}' "$NAME")
printf '{"host":"%s","certPath":%s}\n' "$url" "$cert_path"
