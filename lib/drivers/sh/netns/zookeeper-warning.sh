#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: $version comes from version-guard.sh
# Measured: every Docker 20.10 dockerd panics (nil endpoint count in libnetwork) when a
# container joins an overlay network on a zookeeper store: libkv's zookeeper List returns
# bare child names, so getNetworksFromStore never finds the network's endpoint_count.
if [ "$version" -eq 20 ]; then
    log "warning: Docker 20.10 crashes when a container joins an overlay on a zookeeper cluster store (libnetwork bug); use consul or etcd"
fi
