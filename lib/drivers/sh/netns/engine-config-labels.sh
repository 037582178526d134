#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: CLUSTER_STORE and started come from the script before it, labels_listed from the rendered header
if ! labels_listed; then
    log "after the reload the engine lists these labels: [$(labels_now | paste -sd, -)], not [$(labels_want | paste -sd, -)]"
    exit 1
fi
log "in the cluster store $CLUSTER_STORE, gossip listening, labels set ($(labels_want | wc -l)) in $((SECONDS - started))s"
