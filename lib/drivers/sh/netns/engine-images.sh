#!/usr/bin/env bash
# No registry is reachable: images come from rootfs tarballs.
import_image() {
    if docker image inspect "$1" >/dev/null 2>&1; then
        log "image $1 already present"
    else
        [ -r "$2" ] || { log "image rootfs $2 not found (scripts/lab-deps.sh builds the busybox one)"; exit 1; }
        docker import "$2" "$1" >/dev/null
        log "imported $2 as $1"
    fi
}
