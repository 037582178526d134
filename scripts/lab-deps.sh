#!/usr/bin/env bash
# Installs what the real-daemon lab (driver.kind: netns) needs, from Debian's own
# packages only. Idempotent: a second run finds everything in place, changes
# nothing and takes seconds. Run as root on Debian 12 (bookworm).
#
#   bash scripts/lab-deps.sh
#
# What it puts where:
#   bookworm packages (apt-get)  containerd, runc, iptables, iproute2, etcd-server,
#                                zookeeper, busybox-static, tini, curl, ...
#                                openssh-server (sshd for the ssh driver's lab
#                                machines; its own service is never started)
#   /opt/docker-overlay/engine/bin  dockerd, docker-proxy, docker, docker-init
#                                   from bullseye's docker.io 20.10.5
#   /opt/docker-overlay/kv/bin      consul (bullseye's 1.8.7), etcd (-> bookworm),
#                                   zookeeper-server (foreground launcher)
#   /var/lib/docker-overlay/images/busybox-rootfs.tar  rootfs for `docker import`
#
# Why bullseye: `cluster-store` was removed in Docker 23; bookworm's docker.io
# (20.10.24) is old enough but Debian patched the consul store out of it
# ("discovery service not supported"). Bullseye's 20.10.5 still has the consul,
# etcd and zookeeper stores, and runs with bookworm's containerd and runc. Consul
# left Debian after bullseye (licence), so it comes from there too. Both are
# fetched through a PRIVATE apt configuration (own sources file, own lists dir,
# own cache) and unpacked with dpkg-deb: the system's apt sources, package
# database and installed docker (if any) are never touched.
#
# The archive addresses are the ones this machine's own apt sources already use
# for bookworm and bookworm-security (read from /etc/apt/sources.list.d/*.sources
# or /etc/apt/sources.list); the same archive serves bullseye. Overrides:
#   DOCKER_OVERLAY_DEBIAN_MIRROR    the Debian archive URI
#   DOCKER_OVERLAY_SECURITY_MIRROR  the Debian security archive URI
set -euo pipefail

ENGINE_BIN=/opt/docker-overlay/engine/bin
KV_BIN=/opt/docker-overlay/kv/bin
IMAGES_DIR=/var/lib/docker-overlay/images
BUSYBOX_TAR="$IMAGES_DIR/busybox-rootfs.tar"
CACHE=/var/cache/docker-overlay/apt-bullseye
LOCK=/run/lock/docker-overlay-lab-deps.lock
# shellcheck source=scripts/lib/apt-archive.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apt-archive.sh"
# shellcheck source=scripts/lib/consul-version.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/consul-version.sh"
DEBIAN_MIRROR="${DOCKER_OVERLAY_DEBIAN_MIRROR:-$(system_archive bookworm | head -n1)}"
SECURITY_MIRROR="${DOCKER_OVERLAY_SECURITY_MIRROR:-$(system_archive bookworm-security | head -n1)}"
if [ -z "$DEBIAN_MIRROR" ] || [ -z "$SECURITY_MIRROR" ]; then
    echo "lab-deps: cannot find the Debian archive in this machine's apt sources; set DOCKER_OVERLAY_DEBIAN_MIRROR and DOCKER_OVERLAY_SECURITY_MIRROR" >&2
    exit 1
fi

# Bookworm packages the lab uses. containerd/runc: dockerd 20.10.5 runs its own
# managed containerd from PATH. tini: docker-init. netcat-openbsd: zookeeper's
# `ruok` probe. zookeeper pulls in a Java runtime.
BOOKWORM_PKGS=(
    containerd runc tini libdevmapper1.02.1
    iptables iproute2 util-linux procps kmod
    etcd-server zookeeper
    busybox-static netcat-openbsd curl ca-certificates
)
# From bullseye, unpacked privately. The version prefixes are what we rely on.
BULLSEYE_PKGS=(docker.io consul)
DOCKER_VERSION_PREFIX="20.10."
CONSUL_VERSION_PREFIX="1.8."

export DEBIAN_FRONTEND=noninteractive
# Wait for dpkg/apt locks held by someone else instead of failing at once.
APT_LOCK_OPTS=(-o DPkg::Lock::Timeout=600)

CHANGES=()
say() { printf 'lab-deps: %s\n' "$*"; }
did() { CHANGES+=("$*"); say "$*"; }
die() { printf 'lab-deps: ERROR: %s\n' "$*" >&2; exit 1; }
on_exit() {
    local rc=$?
    [ "$rc" -eq 0 ] || printf 'lab-deps: FAILED (exit %s); see the messages above\n' "$rc" >&2
}
trap on_exit EXIT

[ "$(id -u)" -eq 0 ] || die "must run as root"
{ command -v dpkg >/dev/null && command -v apt-get >/dev/null; } || die "needs a Debian system (dpkg, apt-get)"

# One run at a time (a CI run and a developer may start it together).
mkdir -p "$(dirname "$LOCK")"
exec 9>"$LOCK"
flock -w 900 9 || die "another lab-deps run holds $LOCK"

started=$(date +%s)

# ---------------------------------------------------------------- bookworm
pkg_installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]; }
# (Output captured first: `grep -q` closing the pipe early would fail it under pipefail.)
has_candidate() { local out; out=$(apt-cache policy "$1" 2>/dev/null || true); grep -q 'Candidate: [^(]' <<<"$out"; }

missing=()
for p in "${BOOKWORM_PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
    # `apt-get update` only when the lists cannot serve what is missing.
    need_update=0
    for p in "${missing[@]}"; do has_candidate "$p" || need_update=1; done
    if [ "$need_update" -eq 1 ]; then
        did "apt-get update (package lists lack: ${missing[*]})"
        apt-get "${APT_LOCK_OPTS[@]}" -q update >/dev/null
    fi
    apt_log=$(mktemp /tmp/lab-deps-apt.XXXXXX.log)
    apt_install() { apt-get "${APT_LOCK_OPTS[@]}" -q -y --no-install-recommends install "${missing[@]}" >"$apt_log" 2>&1; }
    if ! apt_install; then
        # Stale lists give 404s: refresh once and retry.
        say "apt-get install failed; refreshing package lists and retrying"
        apt-get "${APT_LOCK_OPTS[@]}" -q update >/dev/null
        apt_install || { tail -n 30 "$apt_log" >&2; die "apt-get install ${missing[*]} failed (log: $apt_log)"; }
    fi
    rm -f "$apt_log"
    did "installed from bookworm: ${missing[*]}"
fi

# Debian's etcd-server ships a service; on a machine whose init lets postinst
# start it, it would be listening in the root namespace on 2379/2380. The lab
# runs its own etcd/zookeeper inside namespaces, so stop (and disable) any
# packaged service, then check with ss that nothing of theirs listens here.
stop_packaged_service() {
    local svc=$1
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        if systemctl is-active --quiet "$svc" 2>/dev/null || systemctl is-enabled --quiet "$svc" 2>/dev/null; then
            systemctl disable --now "$svc" >/dev/null 2>&1 || true
            did "stopped and disabled the packaged $svc service"
        fi
    elif [ -x "/etc/init.d/$svc" ] && "/etc/init.d/$svc" status >/dev/null 2>&1; then
        "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
        did "stopped the packaged $svc service"
    fi
}
stop_packaged_service etcd
stop_packaged_service zookeeper
listeners=$(ss -Hltnp 2>/dev/null | grep -E '"(etcd|java)"' | grep -E ':(2379|2380|2181|2888|3888)\b' || true)
[ -z "$listeners" ] || die "a packaged etcd/zookeeper still listens in the root namespace; stop it first:
$listeners"

# ------------------------------------------------------------ openssh-server
# The ssh driver's lab fixture (tests/lab/fixtures/sshMachines.ts) runs
# Debian's own sshd inside each namespace machine, with a config, host key and
# authorized key of its own. The packaged service must never run in the root
# namespace (it would listen on this machine's port 22): the package is
# installed with service starts refused (a policy-rc.d answering 101, put in
# place only for the install when the machine has none), and if its service
# runs anyway after we installed it, it is stopped and disabled. An sshd that
# was installed before this script ran is left alone.
if ! pkg_installed openssh-server; then
    has_candidate openssh-server || apt-get "${APT_LOCK_OPTS[@]}" -q update >/dev/null
    policy=/usr/sbin/policy-rc.d
    own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# Temporary, from docker-overlay scripts/lab-deps.sh: no service starts during its install.\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        own_policy=1
        # Removed again however the script ends; on_exit still sees the exit status
        # (`||`: under `set -e` a failing first command would end the trap early).
        drop_policy() { local rc=$?; rm -f /usr/sbin/policy-rc.d; return "$rc"; }
        trap 'drop_policy || on_exit' EXIT
    fi
    apt_log=$(mktemp /tmp/lab-deps-apt.XXXXXX.log)
    if ! apt-get "${APT_LOCK_OPTS[@]}" -q -y --no-install-recommends install openssh-server >"$apt_log" 2>&1; then
        tail -n 30 "$apt_log" >&2
        die "apt-get install openssh-server failed (log: $apt_log)"
    fi
    rm -f "$apt_log"
    if [ "$own_policy" -eq 1 ]; then
        rm -f "$policy"
        trap on_exit EXIT
    fi
    did "installed from bookworm: openssh-server (service not started)"
    stop_packaged_service ssh
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
        systemctl disable --now ssh.socket >/dev/null 2>&1 || true
    fi
fi

# ---------------------------------------------------------------- bullseye
# Private apt configuration: nothing under /etc/apt or /var/lib/apt is read
# for sources or written.
apt_bullseye() {
    apt-get \
        -o Dir::Etc::sourcelist="$CACHE/bullseye.sources" \
        -o Dir::Etc::sourceparts=- \
        -o Dir::State::Lists="$CACHE/lists" \
        -o Dir::Cache="$CACHE/cache" \
        -o Dir::Cache::archives="$CACHE/cache/archives" \
        -o APT::Sandbox::User=root \
        "$@"
}
apt_cache_bullseye() {
    apt-cache \
        -o Dir::Etc::sourcelist="$CACHE/bullseye.sources" \
        -o Dir::Etc::sourceparts=- \
        -o Dir::State::Lists="$CACHE/lists" \
        -o Dir::Cache="$CACHE/cache" \
        "$@"
}
bullseye_stamp="$ENGINE_BIN/../.bullseye-debs"

engine_ok() {
    [ -x "$ENGINE_BIN/dockerd" ] && [ -x "$ENGINE_BIN/docker-proxy" ] && [ -x "$ENGINE_BIN/docker" ] \
        && [ -x "$KV_BIN/consul" ] && [ -s "$bullseye_stamp" ] \
        && [[ "$("$ENGINE_BIN/dockerd" --version 2>/dev/null)" == *"version $DOCKER_VERSION_PREFIX"* ]] \
        && [[ "$(consul_version "$KV_BIN/consul" 2>/dev/null)" == "Consul v$CONSUL_VERSION_PREFIX"* ]]
}

if ! engine_ok; then
    mkdir -p "$CACHE/lists/partial" "$CACHE/cache/archives/partial" "$CACHE/debs"
    cat >"$CACHE/bullseye.sources.new" <<EOF
# Private to scripts/lab-deps.sh (docker-overlay): bullseye's docker.io and consul.
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bullseye
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: bullseye-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    mv "$CACHE/bullseye.sources.new" "$CACHE/bullseye.sources"
    apt_bullseye -q update >/dev/null || die "apt-get update of the private bullseye lists failed"
    did "refreshed private bullseye package lists in $CACHE/lists"

    debs=()
    for p in "${BULLSEYE_PKGS[@]}"; do
        ver=$(apt_cache_bullseye policy "$p" | sed -n 's/^ *Candidate: //p')
        { [ -n "$ver" ] && [ "$ver" != "(none)" ]; } || die "bullseye serves no $p"
        f="$CACHE/debs/${p}_${ver//:/%3a}_$(dpkg --print-architecture).deb"
        if [ ! -s "$f" ]; then
            (cd "$CACHE/debs" && apt_bullseye -q download "$p=$ver" >/dev/null) || die "apt-get download $p=$ver failed"
            if [ ! -s "$f" ]; then
                # The newest name in sort order, as `ls | tail -n 1` would pick.
                for g in "$CACHE/debs/${p}_"*.deb; do [ -e "$g" ] && f=$g; done
            fi
            did "downloaded $(basename "$f")"
        fi
        debs+=("$f")
    done

    stage=$(mktemp -d "$CACHE/stage.XXXXXX")
    for f in "${debs[@]}"; do dpkg-deb -x "$f" "$stage"; done
    # Debian's bookworm docker.io lost the consul store; make sure this one has it.
    grep -aq 'libkv/store/consul' "$stage/usr/sbin/dockerd" \
        || die "$(basename "${debs[0]}")'s dockerd has no consul cluster store"
    install -d -m 755 "$ENGINE_BIN" "$KV_BIN"
    install -m 755 "$stage/usr/sbin/dockerd" "$stage/usr/sbin/docker-proxy" "$stage/usr/bin/docker" "$ENGINE_BIN/"
    install -m 755 "$stage/usr/bin/consul" "$KV_BIN/"
    rm -rf "$stage"
    printf '%s\n' "${debs[@]##*/}" >"$bullseye_stamp"
    did "installed dockerd $("$ENGINE_BIN/dockerd" --version | sed 's/^Docker version //') into $ENGINE_BIN"
    did "installed $(consul_version "$KV_BIN/consul" | head -n 1) into $KV_BIN"
fi

# docker.io's docker-init is a symlink to tini-static (package tini).
link() { # link TARGET NAME: make NAME a symlink to TARGET unless it already is
    [ -e "$1" ] || die "$1 is missing"
    if [ "$(readlink "$2" 2>/dev/null || true)" != "$1" ]; then
        ln -sfn "$1" "$2"
        did "linked $2 -> $1"
    fi
}
link /usr/bin/tini-static "$ENGINE_BIN/docker-init"
link /usr/bin/etcd "$KV_BIN/etcd"

# ------------------------------------------------------- zookeeper launcher
# Debian's zookeeper package has no foreground launcher that takes a config
# dir (zkServer.sh insists on /etc/zookeeper). This one runs the server in the
# foreground with Debian's jars: `zookeeper-server <confdir>` reads
# <confdir>/zoo.cfg and logs to stdout.
zk_launcher=$(cat <<'EOF'
#!/bin/sh
# zookeeper-server CONFDIR: run a standalone ZooKeeper in the foreground with
# CONFDIR/zoo.cfg, using Debian's zookeeper jars. Installed by lab-deps.sh.
set -eu
[ $# -eq 1 ] && [ -f "$1/zoo.cfg" ] || { echo "usage: zookeeper-server CONFDIR (with CONFDIR/zoo.cfg)" >&2; exit 2; }
conf=$(cd "$1" && pwd)
# zookeeper.jar's manifest lists its dependencies (Class-Path), as Debian's own
# /etc/zookeeper/conf_example/environment relies on. slf4j-simple (libslf4j-java)
# makes it log to stderr; without it the server runs silently.
cp="$conf:/usr/share/java/zookeeper.jar"
[ -f /usr/share/java/slf4j-simple.jar ] && cp="$cp:/usr/share/java/slf4j-simple.jar"
exec java -Xmx256m -Dzookeeper.log.dir="$conf" -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$cp" org.apache.zookeeper.server.quorum.QuorumPeerMain "$conf/zoo.cfg"
EOF
)
if [ "$(cat "$KV_BIN/zookeeper-server" 2>/dev/null || true)" != "$zk_launcher" ]; then
    printf '%s\n' "$zk_launcher" >"$KV_BIN/zookeeper-server.new"
    chmod 755 "$KV_BIN/zookeeper-server.new"
    mv "$KV_BIN/zookeeper-server.new" "$KV_BIN/zookeeper-server"
    did "wrote $KV_BIN/zookeeper-server"
fi

# ------------------------------------------------------ busybox rootfs tar
# No registry is reachable, so the lab's image is a rootfs tarball that each
# engine `docker import`s as busybox:latest: the static busybox plus a symlink
# per applet (sh, ping, top, nslookup, ip, wget, nc, ...). /etc/hosts and
# /etc/resolv.conf are bind-mounted by docker. Built deterministically (sorted,
# fixed mtime and owners) so a rebuild is byte-identical and only replaces the
# file when busybox itself changed.
[ -x /bin/busybox ] || die "/bin/busybox missing (busybox-static)"
file_static() { ! ldd "$1" >/dev/null 2>&1; }
file_static /bin/busybox || die "/bin/busybox is not statically linked (is busybox-static installed?)"
tmpd=$(mktemp -d)
root="$tmpd/rootfs"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,root,var,tmp,home}
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
cp /bin/busybox "$root/bin/busybox"
/bin/busybox --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    mkdir -p "$root/$(dirname "$applet")"
    ln -sf /bin/busybox "$root/$applet"
done
for a in sh ping top nslookup ip wget nc; do
    [ -L "$root/bin/$a" ] || [ -L "$root/sbin/$a" ] || [ -L "$root/usr/bin/$a" ] || [ -L "$root/usr/sbin/$a" ] \
        || die "busybox has no '$a' applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$root" -cf "$tmpd/rootfs.tar" .
mkdir -p "$IMAGES_DIR"
if cmp -s "$tmpd/rootfs.tar" "$BUSYBOX_TAR"; then
    :
else
    mv "$tmpd/rootfs.tar" "$BUSYBOX_TAR"
    chmod 644 "$BUSYBOX_TAR"
    did "wrote $BUSYBOX_TAR ($(du -k "$BUSYBOX_TAR" | cut -f1) KiB)"
fi
rm -rf "$tmpd"

# ------------------------------------------------------------------- check
for b in "$ENGINE_BIN/dockerd" "$ENGINE_BIN/docker-proxy" "$ENGINE_BIN/docker" "$ENGINE_BIN/docker-init" \
         "$KV_BIN/consul" "$KV_BIN/etcd" "$KV_BIN/zookeeper-server" \
         /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 /usr/sbin/runc \
         /usr/sbin/iptables /usr/bin/nsenter /usr/bin/unshare /usr/bin/java \
         /usr/sbin/sshd /usr/bin/ssh-keygen /usr/sbin/service /sbin/start-stop-daemon; do
    [ -x "$b" ] || die "$b is missing after install"
done

elapsed=$(( $(date +%s) - started ))
if [ "${#CHANGES[@]}" -eq 0 ]; then
    say "everything already in place; nothing changed (${elapsed}s)"
else
    say "done: ${#CHANGES[@]} change(s) in ${elapsed}s"
fi
