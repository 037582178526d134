#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME, NO_CLUSTER_STORE_FROM and LAST_CLUSTER_STORE come from the rendered header, the create argv from its `set --`
# Refuse a machine of that name that already exists (it may run other engine
# options); on failure say how to clean up rather than deleting a VM the user
# may want to inspect.
if docker-machine inspect "$NAME" >/dev/null 2>&1; then
    echo "docker-overlay: a machine named $NAME already exists; remove it (docker-machine rm -y $NAME) or rename the host, then retry" >&2
    exit 1
fi
if ! "$@" >&2; then
    echo "docker-overlay: docker-machine create $NAME failed. If the engine it installed is Docker >= $NO_CLUSTER_STORE_FROM, cluster-store is gone (removed in $NO_CLUSTER_STORE_FROM.0): pin an engine <= $LAST_CLUSTER_STORE (e.g. --engine-install-url, or a boot2docker ISO <= v19.03). Inspect with docker-machine ls / docker-machine ssh $NAME; remove it with docker-machine rm -y $NAME before retrying." >&2
    exit 1
fi
