#!/usr/bin/env bash
# What the dind lab needs beyond scripts/lab-deps.sh, from Debian's packages (no
# registry is reachable here): the laptop's engine and the images of the dind
# driver's machines. Idempotent: a second run finds everything in place and
# changes nothing. Run as root on Debian 12, after scripts/lab-deps.sh.
#
#   bash scripts/lab-dind-deps.sh                  install the laptop engine, build the images
#   bash scripts/lab-dind-deps.sh --import HOST    ... and `docker import` the images into the
#                                                  engine at HOST (unix:///path/docker.sock)
#   bash scripts/lab-dind-deps.sh --list           print `<image reference> <rootfs tarball>`
#
# The laptop's engine (tools/laptop.ts runs it in a namespace of its own):
#   /opt/docker-overlay/laptop/bin   dockerd, docker-proxy, docker from bookworm's
#       docker.io 20.10.24, unpacked privately (apt-get download + dpkg-deb -x; no
#       package is installed, no service started): Debian's current engine, as
#       on "any machine with Docker"; the laptop needs no cluster store, only the
#       nested engines do (20.10.5, in the dind image). This machine's capability
#       bounding set lacks CAP_SYS_RESOURCE, and every Docker 20.10 (5 and 24,
#       measured) gives a privileged container all capabilities the kernel
#       knows, so runc fails ("unable to apply caps: operation not permitted";
#       moby/moby#42906, fixed in later engines by moby/moby#42933). So the
#       laptop's engine runs with --default-runtime runc-bounded:
#   /opt/docker-overlay/laptop/bin/runc-bounded   scripts/images/runc-bounded.sh, runc
#       minus the capabilities missing from this machine's bounding set (a no-op
#       where none are missing).
#
# The images (a stack names them in driver.image and driver.kvImage):
#   docker-overlay/dind:<engine version>   stand-in for docker:20.10.x-dind. A
#       bookworm minbase rootfs (debootstrap) with containerd, runc, iptables,
#       iproute2, tini (docker-init), procps, kmod, netcat-openbsd (the
#       underlay probe's nc, as busybox's is in the Alpine image); bullseye's dockerd,
#       docker-proxy and docker CLI from /opt/docker-overlay/engine/bin (the
#       last Debian engine with the consul cluster store); the entrypoint
#       scripts/images/dind-entrypoint.sh (moby's hack/dind steps, cgroup v1
#       included); and busybox:latest (lab-deps.sh's rootfs) in
#       /usr/share/docker-overlay/preload, which the entrypoint imports into
#       each nested engine before the engine's socket answers.
#       VOLUME /var/lib/docker: every machine gets its own data root, and its
#       dockerd creates its own identity (key.json) on first start; the image
#       holds none.
#   docker-overlay/consul:<consul version>   stand-in for hashicorp/consul: a
#       bookworm minbase rootfs with bullseye's consul 1.8.7 (MPL 2.0, the last
#       Debian consul; lab-deps.sh installs it in /opt/docker-overlay/kv/bin)
#       and scripts/images/consul-entrypoint.sh.
#
# Where things go:
#   /var/cache/docker-overlay/images/rootfs-*   debootstrap trees (cached; a stamp
#                                               records the suite and packages)
#   /var/lib/docker-overlay/images/*.rootfs.tar  the images' rootfs tarballs, each
#                                               with a .inputs file: the hash of
#                                               everything it was built from
# A tarball is rebuilt only when that hash changes; `--import` skips an image
# whose label org.docker-overlay.inputs already carries the hash.
#
# The Debian archive is the one this machine's apt sources use for bookworm
# (as in lab-deps.sh); DOCKER_OVERLAY_DEBIAN_MIRROR overrides it.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/consul-version.sh
source "$HERE/lib/consul-version.sh"
ENGINE_BIN=/opt/docker-overlay/engine/bin
KV_BIN=/opt/docker-overlay/kv/bin
LAPTOP_BIN=/opt/docker-overlay/laptop/bin
# The laptop engine: bookworm's docker.io, 20.10.x (see the header for why not 20.10.5).
LAPTOP_VERSION_PREFIX="20.10."
IMAGES_DIR=/var/lib/docker-overlay/images
BUSYBOX_TAR="$IMAGES_DIR/busybox-rootfs.tar"
CACHE=/var/cache/docker-overlay/images
LOCK=/run/lock/docker-overlay-lab-dind-deps.lock
SUITE=bookworm
# Packages the nested dockerd needs at run time, beyond minbase. dockerd 20.10.5
# starts its own containerd (and the runc shim) from PATH; iptables for its
# NAT and isolation rules; iproute2 for the overlay's netlink debugging; tini
# is docker-init; procps/kmod for ps and the modprobe dockerd tries;
# libdevmapper is linked into Debian's dockerd; nc for the underlay probe, which
# runs under the image's sh (lib/probe/sh/underlay-probe.sh: `nc -u -w`, `nc -z -w`,
# forms the Alpine image's busybox nc takes too).
DIND_PKGS=(containerd runc iptables iproute2 tini procps kmod libdevmapper1.02.1 netcat-openbsd)
CONSUL_PKGS=()
# Bump when the way images are assembled changes (forces a rebuild).
RECIPE=1

say() { printf 'lab-dind-deps: %s\n' "$*" >&2; }
die() { printf 'lab-dind-deps: ERROR: %s\n' "$*" >&2; exit 1; }

mode=build
import_host=
case "${1:-}" in
    '') ;;
    --list) mode=list ;;
    --import)
        [ $# -eq 2 ] || die "usage: $0 --import unix:///path/docker.sock"
        mode=import
        import_host=$2
        ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see $0 --help)" ;;
esac

# ------------------------------------------------------------------ versions
{ [ -x "$ENGINE_BIN/dockerd" ] && [ -x "$KV_BIN/consul" ] && [ -s "$BUSYBOX_TAR" ]; } \
    || die "run scripts/lab-deps.sh first (needs $ENGINE_BIN/dockerd, $KV_BIN/consul, $BUSYBOX_TAR)"
engine_version=$("$ENGINE_BIN/dockerd" --version | sed -n 's/^Docker version \([0-9][0-9.]*\).*/\1/p')
consul_version=$(consul_version "$KV_BIN/consul" | sed -n '1s/^Consul v\([0-9][0-9.]*\).*/\1/p')
{ [ -n "$engine_version" ] && [ -n "$consul_version" ]; } || die "cannot tell the engine or consul version"
DIND_REF="docker-overlay/dind:$engine_version"
CONSUL_REF="docker-overlay/consul:$consul_version"
DIND_TAR="$IMAGES_DIR/dind-$engine_version.rootfs.tar"
CONSUL_TAR="$IMAGES_DIR/consul-$consul_version.rootfs.tar"

if [ "$mode" = list ]; then
    printf '%s %s\n' "$DIND_REF" "$DIND_TAR" "$CONSUL_REF" "$CONSUL_TAR"
    exit 0
fi

[ "$(id -u)" -eq 0 ] || die "must run as root"
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
flock -w 900 9 || die "another lab-dind-deps run holds $LOCK"
started=$(date +%s)

# ------------------------------------------------------------------ laptop engine
laptop_ok() {
    [ -x "$LAPTOP_BIN/dockerd" ] && [ -x "$LAPTOP_BIN/docker-proxy" ] && [ -x "$LAPTOP_BIN/docker" ] \
        && [[ "$("$LAPTOP_BIN/dockerd" --version 2>/dev/null)" == *"version $LAPTOP_VERSION_PREFIX"* ]]
}
if ! laptop_ok; then
    ver=$(apt-cache policy docker.io 2>/dev/null | sed -n 's/^ *Candidate: //p')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        apt-get -o DPkg::Lock::Timeout=600 -q update >/dev/null || die "apt-get update failed"
        ver=$(apt-cache policy docker.io 2>/dev/null | sed -n 's/^ *Candidate: //p')
    fi
    [[ "$ver" == "$LAPTOP_VERSION_PREFIX"* ]] || die "bookworm's docker.io candidate is \"$ver\", not $LAPTOP_VERSION_PREFIX*"
    dl=$(mktemp -d /tmp/lab-dind-deps-dl.XXXXXX)
    chmod 755 "$dl" # apt-get download drops privileges to _apt where it can
    (cd "$dl" && apt-get -q download "docker.io=$ver" >/dev/null 2>&1) || { rm -rf "$dl"; die "apt-get download docker.io=$ver failed"; }
    dpkg-deb -x "$dl"/docker.io_*.deb "$dl/x"
    install -d -m 755 "$LAPTOP_BIN"
    install -m 755 "$dl/x/usr/sbin/dockerd" "$dl/x/usr/sbin/docker-proxy" "$dl/x/usr/bin/docker" "$LAPTOP_BIN/"
    rm -rf "$dl"
    say "installed the laptop engine: dockerd $("$LAPTOP_BIN/dockerd" --version | sed 's/^Docker version //') in $LAPTOP_BIN"
fi
[ "$(readlink "$LAPTOP_BIN/docker-init" 2>/dev/null || true)" = /usr/bin/tini-static ] || ln -sfn /usr/bin/tini-static "$LAPTOP_BIN/docker-init"
# The laptop engine's default runtime: runc minus the capabilities this machine's
# bounding set lacks (see scripts/images/runc-bounded.sh). jq edits the OCI spec.
command -v jq >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q -y --no-install-recommends install jq >/dev/null \
        || die "apt-get install jq failed"
    say "installed jq (bookworm)"
}
if ! cmp -s "$HERE/images/runc-bounded.sh" "$LAPTOP_BIN/runc-bounded"; then
    install -m 755 "$HERE/images/runc-bounded.sh" "$LAPTOP_BIN/runc-bounded"
    say "installed $LAPTOP_BIN/runc-bounded"
fi

# ------------------------------------------------------------------ debootstrap
# shellcheck source=scripts/lib/apt-archive.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-archive.sh"

# base_rootfs NAME PKG...: a cached `debootstrap --variant=minbase` tree with PKGs; prints its path.
base_rootfs() {
    local name=$1; shift
    local dir="$CACHE/rootfs-$name" want have mirror log include
    want="suite=$SUITE variant=minbase include=$(IFS=,; echo "$*")"
    have=$(cat "$dir.stamp" 2>/dev/null || true)
    if [ "$have" != "$want" ] || [ ! -x "$dir/bin/sh" ]; then
        command -v debootstrap >/dev/null || {
            say "installing debootstrap (bookworm)"
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -q -y --no-install-recommends install debootstrap >/dev/null \
                || die "apt-get install debootstrap failed"
        }
        mirror="${DOCKER_OVERLAY_DEBIAN_MIRROR:-$(system_archive "$SUITE" | head -n1)}"
        [ -n "$mirror" ] || die "cannot find the Debian archive for $SUITE in this machine's apt sources; set DOCKER_OVERLAY_DEBIAN_MIRROR"
        rm -rf --one-file-system "$dir" "$dir.stamp"
        mkdir -p "$CACHE"
        log=$(mktemp /tmp/lab-dind-deps-debootstrap.XXXXXX.log)
        say "debootstrap $SUITE minbase${*:+ + $*} into $dir (from $mirror)"
        include=()
        [ $# -eq 0 ] || include=(--include="$(IFS=,; echo "$*")")
        debootstrap --variant=minbase "${include[@]}" "$SUITE" "$dir" "$mirror" >"$log" 2>&1 \
            || { tail -n 20 "$log" >&2; die "debootstrap failed (log: $log)"; }
        rm -f "$log"
        printf '%s\n' "$want" >"$dir.stamp"
    fi
    printf '%s\n' "$dir"
}

# ------------------------------------------------------------------ assembly
# Trims a copied debootstrap tree to what an image needs.
trim_rootfs() {
    local r=$1
    rm -rf "$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/*.bin "$r"/var/lib/apt/lists/* \
        "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* "$r"/var/log/*.log "$r"/var/log/apt/* \
        "$r"/debootstrap
    # Docker bind-mounts these per container; the machine id would be shared by every container.
    rm -f "$r"/etc/hostname "$r"/etc/resolv.conf "$r"/etc/machine-id "$r"/var/lib/dbus/machine-id
    : >"$r/etc/hosts"
}

# pack ROOTFS OUT: a tarball of ROOTFS (sorted, numeric owners, extended attributes
# such as file capabilities kept: POSIX format).
pack() {
    tar --sort=name --numeric-owner --format=posix --xattrs --xattrs-include='*' -C "$1" -cf "$2.new" . \
        || die "tar of $1 failed"
    mv "$2.new" "$2"
    chmod 644 "$2"
}

# inputs_hash FILE...: what decides an image's content (file contents, not their paths).
inputs_hash() {
    local f
    { echo "recipe=$RECIPE"; for f in "$@"; do sha256sum <"$f"; done; } | sha256sum | cut -c1-16
}

# build NAME TAR HASH ASSEMBLE_FN: rebuild TAR unless TAR.inputs says HASH.
build() {
    local name=$1 tar=$2 hash=$3 assemble=$4 work
    if [ -s "$tar" ] && [ "$(cat "$tar.inputs" 2>/dev/null || true)" = "$hash" ]; then
        say "$name: up to date ($tar, inputs $hash)"
        return 0
    fi
    work=$(mktemp -d "$CACHE/work.XXXXXX")
    "$assemble" "$work/rootfs"
    mkdir -p "$IMAGES_DIR"
    pack "$work/rootfs" "$tar"
    rm -rf --one-file-system "$work"
    printf '%s\n' "$hash" >"$tar.inputs"
    say "$name: wrote $tar ($(du -m "$tar" | cut -f1) MiB, inputs $hash)"
}

assemble_dind() {
    local r=$1
    cp -a "$DIND_BASE" "$r"
    trim_rootfs "$r"
    install -m 755 "$ENGINE_BIN/dockerd" "$ENGINE_BIN/docker-proxy" "$ENGINE_BIN/docker" "$r/usr/local/bin/"
    ln -sfn /usr/bin/tini-static "$r/usr/local/bin/docker-init"
    install -m 755 "$HERE/images/dind-entrypoint.sh" "$r/usr/local/bin/dockerd-entrypoint.sh"
    install -d -m 755 "$r/usr/share/docker-overlay/preload" "$r/var/lib/docker" "$r/etc/docker"
    install -m 644 "$BUSYBOX_TAR" "$r/usr/share/docker-overlay/preload/busybox-latest.rootfs.tar"
    printf 'busybox:latest busybox-latest.rootfs.tar\n' >"$r/usr/share/docker-overlay/preload/images"
    # Each engine must make its own identity: never ship one.
    rm -f "$r/etc/docker/key.json"
}

assemble_consul() {
    local r=$1
    cp -a "$CONSUL_BASE" "$r"
    trim_rootfs "$r"
    install -m 755 "$KV_BIN/consul" "$r/usr/local/bin/consul"
    install -m 755 "$HERE/images/consul-entrypoint.sh" "$r/usr/local/bin/docker-entrypoint.sh"
    install -d -m 755 "$r/consul/data" "$r/consul/config"
}

DIND_BASE=$(base_rootfs dind "${DIND_PKGS[@]}")
CONSUL_BASE=$(base_rootfs minbase "${CONSUL_PKGS[@]}")
DIND_HASH=$(inputs_hash "$DIND_BASE.stamp" "$ENGINE_BIN/dockerd" "$ENGINE_BIN/docker-proxy" "$ENGINE_BIN/docker" \
    "$HERE/images/dind-entrypoint.sh" "$BUSYBOX_TAR" "$0")
CONSUL_HASH=$(inputs_hash "$CONSUL_BASE.stamp" "$KV_BIN/consul" "$HERE/images/consul-entrypoint.sh" "$0")
build "$DIND_REF" "$DIND_TAR" "$DIND_HASH" assemble_dind
build "$CONSUL_REF" "$CONSUL_TAR" "$CONSUL_HASH" assemble_consul

# ------------------------------------------------------------------ import
# The image configuration docker:dind / hashicorp/consul declare, as `docker import --change`s.
DIND_CHANGES=(
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    'VOLUME /var/lib/docker'
    'EXPOSE 2375 2376'
    'ENTRYPOINT ["/usr/local/bin/dockerd-entrypoint.sh"]'
    'CMD ["dockerd", "--host=unix:///var/run/docker.sock"]'
)
CONSUL_CHANGES=(
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    'VOLUME /consul/data'
    'EXPOSE 8300 8301 8301/udp 8302 8302/udp 8500 8600 8600/udp'
    'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]'
    'CMD ["agent", "-dev", "-client", "0.0.0.0"]'
)

# import_image REF TAR HASH CHANGE...
import_image() {
    local ref=$1 tar=$2 hash=$3 have args=() c
    shift 3
    have=$(docker -H "$import_host" image inspect -f '{{index .Config.Labels "org.docker-overlay.inputs"}}' "$ref" 2>/dev/null || true)
    if [ "$have" = "$hash" ]; then
        say "$ref: already on $import_host"
        return 0
    fi
    for c in "$@" "LABEL org.docker-overlay.inputs=$hash" "LABEL org.docker-overlay.built-by=scripts/lab-dind-deps.sh"; do
        args+=(--change "$c")
    done
    docker -H "$import_host" import "${args[@]}" "$tar" "$ref" >/dev/null || die "docker import $tar as $ref into $import_host failed"
    say "$ref: imported into $import_host"
}

if [ "$mode" = import ]; then
    case "$import_host" in unix:///*) ;; *) die "--import takes a unix:///path socket, not $import_host" ;; esac
    docker() { "$ENGINE_BIN/docker" "$@"; }
    docker -H "$import_host" version >/dev/null 2>&1 || die "no engine answers at $import_host"
    import_image "$DIND_REF" "$DIND_TAR" "$DIND_HASH" "${DIND_CHANGES[@]}"
    import_image "$CONSUL_REF" "$CONSUL_TAR" "$CONSUL_HASH" "${CONSUL_CHANGES[@]}"
fi

say "done in $(( $(date +%s) - started ))s"
