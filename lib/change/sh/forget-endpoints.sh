#!/usr/bin/env bash
# shellcheck disable=SC2154 # a fragment: NAME, VIA and the E_NET/E_CTR columns come from the rendered header (lib/change/lost.ts), dk from docker-cli.sh
# A lost host's overlay endpoints, removed from the cluster store through an engine that
# answers (VIA): `docker network disconnect --force` of a container that engine does not
# run deletes the endpoint by its name from the store (moby v20.10.5
# daemon/container_operations.go DisconnectFromNetwork -> daemon/network.go ForceEndpointDelete).
# Left there, they keep each overlay "in use": its delete would never finish.
log() { printf 'docker-overlay forget %s: %s\n' "$NAME" "$*" >&2; }
for i in "${!E_NET[@]}"; do
    if out=$(dk "$VIA" network disconnect --force "${E_NET[i]}" "${E_CTR[i]}" 2>&1); then
        log "${E_CTR[i]}'s endpoint on ${E_NET[i]} removed"
    else
        case $out in
        *"not found"* | *"No such"* | *"not connected"*) log "${E_CTR[i]} has no endpoint on ${E_NET[i]} (already gone)" ;;
        *)
            log "cannot remove ${E_CTR[i]}'s endpoint on ${E_NET[i]} through $VIA: $out"
            exit 1
            ;;
        esac
    fi
done
