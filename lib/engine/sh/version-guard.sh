#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME, NO_CLUSTER_STORE_FROM and CLUSTER_STORE_NEEDS come from the rendered header
# Fail unless the engine still has cluster-store (older than NO_CLUSTER_STORE_FROM); defines $engine_version.
engine_version=$(engine_version_now) || engine_version=""
engine_major=${engine_version%%.*}
case "$engine_major" in
    ''|*[!0-9]*)
        echo "docker-overlay: cannot tell the Docker Engine version on $NAME (got \"$engine_version\"); is the engine installed and running?" >&2
        exit 1 ;;
esac
if [ "$engine_major" -ge "$NO_CLUSTER_STORE_FROM" ]; then
    echo "docker-overlay: $NAME runs Docker Engine $engine_version: $CLUSTER_STORE_NEEDS" >&2
    exit 1
fi
