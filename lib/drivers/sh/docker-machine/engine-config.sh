#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, CONFIG, PIDFILE, CLUSTER_STORE, DAEMON_JSON and TIMEOUT come from the rendered header; wait_until, gossip_listening, log and as_root from the fragments before
# The machine's engine started without its store (`docker-machine create` got no
# cluster keys); once the underlay probe passed it takes them from daemon.json on
# SIGHUP: dockerd enables discovery "for the first time if it was not previously
# enabled" (moby v20.10.5 daemon/reload.go, reloadClusterDiscovery) and libnetwork takes a
# global store after boot (libnetwork 20.10 controller.go:463-485). CONFIG is
# dockerd's default file; boot2docker links /etc/docker into its persistent
# disk (boot2docker files/init.d/docker:94-98), so the keys outlive a reboot.
# docker-machine gives every other option as a flag (its profile or unit), never
# in this file: a daemon.json the program did not write (its copy beside it,
# CONFIG.docker-overlay, differs) is someone's, and is refused as it is.
# On the machine as_root (as-root.sh) runs each step; the engine's version was
# checked before (lib/engine/sh/version-guard.sh): dockerd 23 has no cluster-store, and its
# failed reload would be logged only on the machine.
started=$SECONDS
# On the machine: the engine running, the file ours or absent; then written whole
# (renamed, so a reload never reads half a file), its copy kept, and the signal.
# shellcheck disable=SC2016 # expanded by sh on the machine
WRITE_AND_RELOAD='config=$1 pidfile=$2 json=$3
pid=$(cat "$pidfile" 2>/dev/null) || pid=""
if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "its dockerd is not running (no live pid in $pidfile)" >&2
    exit 3
fi
if [ -e "$config" ] && ! cmp -s "$config" "$config.docker-overlay"; then
    echo "its $config was not written by docker-overlay; docker-machine gives the engine its options as flags: move them to driver.createFlags (--engine-opt), remove the file, and run up again" >&2
    exit 3
fi
mkdir -p "${config%/*}"
printf "%s\n" "$json" >"$config.tmp"
cp "$config.tmp" "$config.docker-overlay"
mv -f "$config.tmp" "$config"
kill -HUP "$pid"'
if ! as_root "$WRITE_AND_RELOAD" "$CONFIG" "$PIDFILE" "$DAEMON_JSON"; then
    log "could not give the engine its cluster store (above: what the machine said); nothing was changed on it unless it says so"
    exit 1
fi
store_now() { as_root 'docker info --format "{{.ClusterStore}}"' 2>/dev/null | tr -d '\r'; }
reported() { [ "$(store_now)" = "$CLUSTER_STORE" ]; }
if ! wait_until "$TIMEOUT" 0.5 reported; then
    log "the engine reports cluster store \"$(store_now)\", not \"$CLUSTER_STORE\", ${TIMEOUT}s after the reload; inspect its log with docker-machine ssh $NAME"
    exit 1
fi
# Joined only once its overlay gossip listens (lib/engine/gossip.ts): the next
# engine of the stack joins after this one and must find it there.
if ! wait_until "$TIMEOUT" 1 gossip_listening docker-machine ssh "$NAME"; then
    log "dockerd did not start its overlay gossip (serf, tcp 7946) within ${TIMEOUT}s: it has not seen itself registered in the cluster store $CLUSTER_STORE; inspect its log with docker-machine ssh $NAME"
    exit 1
fi
log "in the cluster store $CLUSTER_STORE, gossip listening, in $((SECONDS - started))s"
