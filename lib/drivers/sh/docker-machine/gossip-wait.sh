#!/bin/sh
# shellcheck disable=SC2154 # a fragment: NAME comes from the rendered header; wait_until and gossip_listening from the fragments before
# The engine counts as started only once its overlay gossip listens
# (lib/engine/gossip.ts): the next engine of the stack starts after this one
# and must find it there.
if ! wait_until 60 1 gossip_listening docker-machine ssh "$NAME"; then
    echo "docker-overlay: the engine on $NAME did not start its overlay gossip (serf, tcp 7946) within 60s: it has not seen itself registered in the cluster store; inspect with docker-machine ssh $NAME (the engine's log), remove it with docker-machine rm -y $NAME before retrying" >&2
    exit 1
fi
