#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: ENGINE_BIN, NO_CLUSTER_STORE_FROM and LAST_CLUSTER_STORE come from the rendered header
# cluster-store was removed in Docker 23.0: refuse a newer engine with a clear message.
version=$("$ENGINE_BIN/dockerd" --version 2>/dev/null | sed -n 's/^Docker version \([0-9][0-9]*\)\..*/\1/p') || version=''
if [ -z "$version" ]; then log "cannot run $ENGINE_BIN/dockerd (install the lab's engine with scripts/lab-deps.sh)"; exit 1; fi
if [ "$version" -ge "$NO_CLUSTER_STORE_FROM" ]; then
    log "$ENGINE_BIN/dockerd is Docker $version: cluster-store was removed in $NO_CLUSTER_STORE_FROM.0; the legacy overlay needs an engine <= $LAST_CLUSTER_STORE"
    exit 1
fi
