#!/usr/bin/env bash
# Builds the benchmark's network-tools image rootfs from Debian's own packages:
# iperf3 (throughput), iputils-ping (RTT, and `ping -M do` for the MTU proof:
# busybox's ping cannot forbid fragmentation) and busybox-static (a shell and
# `top`), with the shared libraries they need (libc6, libssl3, ...) from the
# same archive. The tarball is `docker import`ed by every lab engine through
# the stack's driver.images, like the busybox image scripts/lab-deps.sh builds.
#
#   bash bench/build-images.sh        (root; Debian 12)
#
# Idempotent: packages are fetched with `apt-get download` into a cache of
# their own (the system's package database is not touched, nothing is
# installed), the rootfs is built deterministically (sorted, fixed mtime and
# owners) and the tarball is only replaced when its content changed. Prints the
# tarball's path on stdout.
#
# It could be called from scripts/lab-deps.sh as well; it is kept here because
# only the benchmark uses these tools.
set -euo pipefail

IMAGES_DIR=/var/lib/docker-overlay/images
TAR="$IMAGES_DIR/bench-net-rootfs.tar"
CACHE=/var/cache/docker-overlay/bench-debs
LOCK=/run/lock/docker-overlay-bench-images.lock
# The tools and everything they load (apt-cache depends, minus what a rootfs
# without a package manager or init does not need: debconf, adduser,
# init-system-helpers, libcap2-bin).
PKGS=(
    iperf3 libiperf0 libsctp1 libssl3
    iputils-ping libcap2 libidn2-0 libunistring2
    libc6 libgcc-s1
    busybox-static
)

say() { printf 'bench-images: %s\n' "$*" >&2; }
die() { printf 'bench-images: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root"
mkdir -p "$(dirname "$LOCK")" "$CACHE" "$IMAGES_DIR"
exec 9>"$LOCK"
flock -w 600 9 || die "another build holds $LOCK"

arch=$(dpkg --print-architecture)
debs=()
# first_match GLOB-RESULTS...: the first of the paths that exists (a glob that matched nothing stays literal).
first_match() {
    local f
    for f in "$@"; do [ -e "$f" ] && { printf '%s\n' "$f"; return 0; }; done
    return 0
}
for p in "${PKGS[@]}"; do
    ver=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
        say "no candidate for $p; refreshing the package lists"
        apt-get -q update >/dev/null
        ver=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
        { [ -n "$ver" ] && [ "$ver" != "(none)" ]; } || die "Debian serves no $p"
    fi
    # apt-get download names files <pkg>_<version with : as %3a>_<arch|all>.deb
    f=$(first_match "$CACHE/${p}_${ver//:/%3a}_"*.deb)
    if [ -z "$f" ]; then
        (cd "$CACHE" && apt-get -q download "$p=$ver" >/dev/null 2>&1) || die "apt-get download $p=$ver failed"
        f=$(first_match "$CACHE/${p}_${ver//:/%3a}_"*.deb)
        [ -n "$f" ] || die "apt-get download $p=$ver left no .deb in $CACHE"
        say "downloaded $(basename "$f")"
    fi
    debs+=("$f")
done

tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT
root="$tmpd/rootfs"
mkdir -p "$root"
for f in "${debs[@]}"; do dpkg-deb -x "$f" "$root"; done
# What a container rootfs needs beyond the packages' files.
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,root,tmp,var,run}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
# bookworm is merged-/usr: /bin, /sbin and /lib* are links into /usr; packages
# unpacked with dpkg-deb put files in both places, so merge them.
for d in bin sbin lib lib64; do
    if [ -d "$root/$d" ] && [ ! -L "$root/$d" ]; then
        mkdir -p "$root/usr/$d"
        cp -a "$root/$d/." "$root/usr/$d/"
        rm -rf "${root:?}/$d"
    fi
    [ -e "$root/usr/$d" ] && ln -sfn "usr/$d" "$root/$d"
done
# busybox applets for everything the packages do not provide (sh, top, ip, ...).
"$root/usr/bin/busybox" --list-full | while read -r applet; do
    case "$applet" in bin/busybox) continue ;; esac
    target="$root/usr/${applet#usr/}"
    [ -e "$target" ] || [ -L "$target" ] || { mkdir -p "$(dirname "$target")"; ln -s /usr/bin/busybox "$target"; }
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
# Not needed in the image: documentation, and glibc's charset converters (gconv; no tool here loads iconv modules).
rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/share/locale" "$root/usr/lib/x86_64-linux-gnu/gconv"

# The tools must run from this rootfs alone (its own loader and libraries).
for tool in "iperf3 --version" "ping -V" "sh -c true" "top -b -n 1"; do
    read -r -a argv <<<"$tool"
    out=$(chroot "$root" /usr/bin/env "${argv[@]}" 2>&1) || die "'$tool' does not run in the rootfs: $out"
done
missing=$(chroot "$root" /lib64/ld-linux-x86-64.so.2 --list /usr/bin/iperf3 2>&1 | grep 'not found' || true)
[ -z "$missing" ] || die "iperf3 misses libraries: $missing"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$root" -cf "$tmpd/rootfs.tar" .
if ! cmp -s "$tmpd/rootfs.tar" "$TAR"; then
    mv "$tmpd/rootfs.tar" "$TAR"
    chmod 644 "$TAR"
    say "wrote $TAR ($(du -k "$TAR" | cut -f1) KiB) from ${#debs[@]} Debian packages ($arch)"
fi
echo "$TAR"
