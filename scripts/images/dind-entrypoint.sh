#!/bin/sh
# docker-overlay's dind entrypoint: the lab's stand-in for docker:20.10.x-dind's
# dockerd-entrypoint.sh + dind (built into docker-overlay/dind by
# scripts/lab-images.sh). Same contract as the official image for what the dind
# driver (lib/drivers/dind.ts) passes: the command is `dockerd <flags>` (a first
# argument starting with `-` means dockerd too), the container runs privileged,
# /var/lib/docker is a volume of its own.
#
# Before dockerd it does what moby's hack/dind does, written for this image:
#  - `container=docker` (dockerd and runc adjust to running in a container),
#  - securityfs on /sys/kernel/security (AppArmor detection),
#  - a tmpfs on /tmp,
#  - cgroup v2: moves itself to /init and enables every controller for the
#    children (nesting), as hack/dind does;
#  - cgroup v1 (this lab's kernel): a privileged container normally gets every
#    hierarchy mounted read-write; when /sys/fs/cgroup lacks them (older
#    runtimes), mounts a tmpfs and each hierarchy named in /proc/self/cgroup,
#    as the original dind script did. Refuses to go on without the devices
#    hierarchy ("Devices cgroup isn't mounted" otherwise, much later).
# Then, once per data root, it loads the images baked into
# /usr/share/docker-overlay/preload (no registry is reachable in the lab) with a
# temporary dockerd on a private socket, so the engine's own socket, which the
# driver's health check asks, answers only when those images are there.
#
# Not done here: TLS certificates. docker:dind generates them when
# DOCKER_TLS_CERTDIR is set; this image refuses that setting instead of
# silently serving plain TCP (pass --tlsverify/--tlscacert/--tlscert/--tlskey
# with certificates you provide).
set -eu

log() { printf 'dind-entrypoint: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
    set -- dockerd "$@"
fi
if [ "$1" != dockerd ]; then
    exec "$@"
fi

if [ -n "${DOCKER_TLS_CERTDIR:-}" ]; then
    die "DOCKER_TLS_CERTDIR=$DOCKER_TLS_CERTDIR: this image does not generate TLS certificates (docker:dind does); give dockerd --tlsverify, --tlscacert, --tlscert and --tlskey with certificates you provide, or set DOCKER_TLS_CERTDIR=''"
fi

export container=docker

if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security; then
    mount -t securityfs none /sys/kernel/security || log "could not mount /sys/kernel/security (AppArmor detection may fail); is the container privileged?"
fi

if ! mountpoint -q /tmp; then
    mount -t tmpfs none /tmp
fi

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    # cgroup v2: a process may not sit in a cgroup whose controllers are
    # delegated to children, so move everything here to /init first.
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
    sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
else
    # cgroup v1.
    if ! mountpoint -q /sys/fs/cgroup/devices 2>/dev/null; then
        mkdir -p /sys/fs/cgroup
        mountpoint -q /sys/fs/cgroup || mount -n -t tmpfs -o uid=0,gid=0,mode=0755 cgroup /sys/fs/cgroup \
            || die "cannot mount a tmpfs on /sys/fs/cgroup: run the container privileged"
        # /proc/self/cgroup: `id:subsystems:path`; `name=systemd` is a named hierarchy.
        cut -d: -f2 /proc/self/cgroup | while IFS= read -r subsys; do
            [ -n "$subsys" ] || continue # the cgroup v2 line of a hybrid host
            dir=/sys/fs/cgroup/${subsys#name=}
            mkdir -p "$dir"
            mountpoint -q "$dir" || mount -n -t cgroup -o "$subsys" cgroup "$dir" \
                || die "cannot mount the $subsys cgroup hierarchy: run the container privileged"
        done
    fi
    mountpoint -q /sys/fs/cgroup/devices || die "the devices cgroup hierarchy is not mounted on /sys/fs/cgroup/devices; dockerd cannot start containers"
fi

# ------------------------------------------------------------------ preload
PRELOAD=/usr/share/docker-overlay/preload
data_root=/var/lib/docker
prev=
for a in "$@"; do
    case "$prev" in --data-root|-g) data_root=$a ;; esac
    case "$a" in --data-root=*) data_root=${a#--data-root=} ;; esac
    prev=$a
done
stamp=$data_root/.docker-overlay-preloaded
if [ -s "$PRELOAD/images" ] && ! cmp -s "$PRELOAD/images" "$stamp"; then
    started=$(date +%s)
    sock=/run/docker-overlay-preload.sock
    mkdir -p "$data_root"
    # Its own empty configuration: /etc/docker/daemon.json holds the machine's cluster store,
    # which this short-lived engine must not join.
    echo '{}' >/run/docker-overlay-preload.json
    dockerd --config-file=/run/docker-overlay-preload.json --data-root="$data_root" --host="unix://$sock" --pidfile=/run/docker-overlay-preload.pid \
        --bridge=none --iptables=false --ip-masq=false >/run/docker-overlay-preload.log 2>&1 &
    pid=$!
    tries=0
    until docker -H "unix://$sock" version >/dev/null 2>&1; do
        kill -0 "$pid" 2>/dev/null || { cat /run/docker-overlay-preload.log >&2; die "the preload dockerd exited"; }
        tries=$((tries + 1))
        [ "$tries" -lt 240 ] || { kill "$pid"; die "the preload dockerd did not answer within 60s"; }
        sleep 0.25
    done
    # images: one `<reference> <file in $PRELOAD>` per line.
    while read -r ref file; do
        [ -n "$ref" ] || continue
        if docker -H "unix://$sock" image inspect "$ref" >/dev/null 2>&1; then
            log "image $ref already present"
        else
            docker -H "unix://$sock" import "$PRELOAD/$file" "$ref" >/dev/null || { kill "$pid"; die "docker import $file as $ref failed"; }
            log "imported $ref from $PRELOAD/$file"
        fi
    done <"$PRELOAD/images"
    kill -TERM "$pid"
    wait "$pid" || :
    cp "$PRELOAD/images" "$stamp"
    log "preloaded images in $(( $(date +%s) - started ))s"
fi

exec "$@"
