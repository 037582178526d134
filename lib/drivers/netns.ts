/**
 * netns driver, pure part: the bash scripts `command.local.Command` runs (as
 * root, on the machine running the program) to build the local lab and to take
 * it down again. No pulumi imports; components/machines/netns.ts wires them.
 *
 * The lab: one Linux bridge (the "fabric") carrying an underlay network, and
 * per machine a network namespace on that bridge through a veth pair. An engine
 * machine runs its own dockerd inside its namespace (own hostname, data-root,
 * exec-root, pidfile and unix socket); the KV machine runs consul, etcd or
 * zookeeper the same way. Every script is self-contained (no file of the repo is
 * read at run time), deterministic (same inputs, same text) and every value in
 * it is quoted with shQuote.
 *
 * Create scripts first remove whatever a failed earlier attempt left under the
 * same names, so a retried `pulumi up` starts clean. Delete scripts succeed when
 * things are already gone and leave nothing behind: no process, namespace,
 * veth, mount, iptables rule or state directory.
 *
 * Progress goes to stderr; the scripts print nothing on stdout.
 */
import { createHash } from "crypto";
import { KvBackend } from "../config/types";
import { allocateAddresses } from "../net/allocate";
import { shQuote } from "../render/shell";
import { FIRST_ENGINE_WITHOUT_CLUSTER_STORE, LAST_CLUSTER_STORE_ENGINE } from "../engine/clusterStore";
import { dockerdTlsFlags, KV_CLIENT_TLS_ENV, kvTlsStoreOpts, SERVER_TLS_ENV, tlsFiles } from "../tls/engine";

export interface Scripts {
    create: string;
    delete: string;
}

export interface NetnsFabricParams {
    stack: string;
    /** Bridge name in the root namespace (<= 15 chars). */
    bridge: string;
    /** Underlay CIDR, e.g. 10.199.0.0/24; the bridge gets its first usable address. */
    underlay: string;
}

export interface NetnsMachineParams {
    stack: string;
    /** Machine name; also the hostname its daemon sees. */
    name: string;
    bridge: string;
    underlay: string;
    /** The machine's IPv4 address inside the underlay. */
    address: string;
    /** The machine keeps data and logs in `<stateDir>/<name>`. */
    stateDir: string;
    /** The machine keeps sockets, pidfiles and its exec-root in `<runDir>/<name>`. */
    runDir: string;
}

export interface NetnsEngineParams extends NetnsMachineParams {
    /** Directory with dockerd, docker-proxy and docker; first on dockerd's PATH. */
    engineBin: string;
    /** Name of the namespace-side veth, the interface the engine advertises (e.g. eth1). */
    advertiseInterface: string;
    /** Extra dockerd flags, e.g. `--cluster-store=consul://10.199.0.2:8500`. */
    daemonFlags: string[];
    /** Rootfs tarballs `docker import`ed as `name` once the engine answers. */
    images: { name: string; rootfs: string }[];
    /**
     * A TLS API besides the unix socket (`engine.tls`): dockerd also listens on
     * `tcp://<address>:<apiPort>` with `--tlsverify`. The create script writes the
     * server's CA, certificate and key from its environment (SERVER_TLS_ENV) into
     * `netnsTlsDir`; they never appear in the script's text.
     */
    tls?: { apiPort: number };
    /**
     * A TLS KV store (`kvStore.tls`): the create script writes the engine's
     * client material from its environment (KV_CLIENT_TLS_ENV) into
     * `netnsKvTlsDir` and dockerd gets them as cluster-store-opts.
     */
    kvTls?: boolean;
}

export interface NetnsKvParams extends NetnsMachineParams {
    backend: KvBackend;
    /** Client port, on the machine's underlay address. */
    port: number;
    /** Directory with `consul`, `etcd` and `zookeeper-server` (scripts/lab-deps.sh installs them). */
    kvBin: string;
    /**
     * TLS with client certificates on the client port (`kvStore.tls`, consul and
     * etcd): the create script writes the store's CA, certificate and key from
     * its environment (SERVER_TLS_ENV) into `netnsTlsDir`.
     */
    tls?: boolean;
}

/** Seconds a create script waits for its daemon to answer. */
export const NETNS_START_TIMEOUT_SECONDS = 60;
/** Seconds a delete script waits for dockerd to stop after SIGTERM (it stops its containers first). */
export const NETNS_STOP_TIMEOUT_SECONDS = 45;
/** Interface name of the namespace-side veth on the KV machine. */
export const NETNS_KV_INTERFACE = "eth0";
/** Linux interface names are at most 15 bytes (IFNAMSIZ - 1). */
export const IFNAME_MAX = 15;

/** Where a namespace's mount lives; `nsenter --net=` takes this path. */
const NETNS_DIR = "/var/run/netns";
/** PATH for the daemons: nothing from the caller's environment leaks in. */
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function machineHash(stack: string, name: string): string {
    return createHash("sha256").update(`docker-overlay\0${stack}\0${name}`).digest("hex");
}

/** Keeps a readable name part to the characters a file name and `ip netns` take without fuss. */
function readable(s: string, max: number): string {
    return s.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, max);
}

/**
 * Namespace name of a machine: `dovl-<stack>-<name>-<hash>`, e.g.
 * `dovl-dev-swarm-node1-3c1f0a`. The readable part is for `ip netns list`;
 * the hash (of stack and name) keeps it unique when the readable parts are
 * ambiguous (`a-b`/`c` vs `a`/`b-c`) or had characters replaced.
 */
export function netnsName(p: { stack: string; name: string }): string {
    return `dovl-${readable(p.stack, 24)}-${readable(p.name, 40)}-${machineHash(p.stack, p.name).slice(0, 6)}`;
}

/**
 * Root-namespace end of a machine's veth pair: `dov` + 10 hex digits of the
 * same hash, 13 characters (Linux allows 15), unique per stack and machine.
 */
export function netnsVethName(p: { stack: string; name: string }): string {
    return `dov${machineHash(p.stack, p.name).slice(0, 10)}`;
}

/** Docker endpoint of a netns engine: its unix socket, reachable from the machine running the program. */
export function netnsDockerHost(p: { runDir: string; name: string }): string {
    return `unix://${machineRunDir(p.runDir, p.name)}/docker.sock`;
}

/** The TLS endpoint of a netns engine with `engine.tls`: its underlay address, reachable from the lab bridge. */
export function netnsTcpDockerHost(address: string, apiPort: number): string {
    return `tcp://${address}:${apiPort}`;
}

/** Where a netns machine keeps its server TLS files (engine API, KV store): `<stateDir>/<name>/tls` (removed with the machine). */
export function netnsTlsDir(p: { stateDir: string; name: string }): string {
    return `${machineStateDir(p.stateDir, p.name)}/tls`;
}

/** Where a netns engine keeps its client files for a TLS KV store: `<stateDir>/<name>/kv-tls`. */
export function netnsKvTlsDir(p: { stateDir: string; name: string }): string {
    return `${machineStateDir(p.stateDir, p.name)}/kv-tls`;
}

function machineRunDir(runDir: string, name: string): string {
    return `${runDir.replace(/\/+$/, "")}/${name}`;
}

function machineStateDir(stateDir: string, name: string): string {
    return `${stateDir.replace(/\/+$/, "")}/${name}`;
}

/** Bridge address and prefix length of the underlay (the bridge takes the first usable address). */
function underlayGateway(underlay: string): { gateway: string; prefixLength: number } {
    const plan = allocateAddresses(underlay, []);
    return { gateway: plan.gateway, prefixLength: plan.prefixLength };
}

function checkIfname(what: string, name: string): void {
    if (name === "" || Buffer.byteLength(name) > IFNAME_MAX || /[\s/:]/.test(name)) {
        throw new Error(`netns driver: ${what} "${name}" is not a valid interface name (1-${IFNAME_MAX} characters, no blanks, '/' or ':')`);
    }
}

function checkMachineName(name: string): void {
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0")) {
        throw new Error(`netns driver: machine name "${name}" cannot name a directory`);
    }
}

/**
 * The interpreter a command resource must run these scripts with. `command.local.Command`
 * defaults to `["/bin/sh", "-c"]`, which ignores the `#!` line, and Debian's sh (dash)
 * has no `pipefail`, arrays or `<<<`.
 */
export const NETNS_SCRIPT_INTERPRETER: readonly string[] = ["/bin/bash", "-c"];

function script(title: string, body: string[]): string {
    return [
        "#!/usr/bin/env bash",
        `# ${title}`,
        `[ -n "\${BASH_VERSION:-}" ] || { echo 'docker-overlay: this script needs bash (interpreter: ["/bin/bash", "-c"])' >&2; exit 2; }`,
        "set -euo pipefail",
        ...body,
        "",
    ].join("\n");
}

// ---------------------------------------------------------------- fabric

/** A tag on the fabric's iptables rules so a reader of `iptables -S` sees whose they are. */
function fabricRuleComment(p: NetnsFabricParams): string {
    return `docker-overlay ${p.stack} ${p.bridge}`;
}

/**
 * The fabric's FORWARD rules, as iptables arguments after `-I/-C/-D FORWARD`:
 * accept what is switched between the bridge's ports, drop what would be
 * routed from the bridge anywhere else.
 */
function fabricForwardRules(p: NetnsFabricParams): string[] {
    const comment = shQuote(fabricRuleComment(p));
    const br = shQuote(p.bridge);
    return [`-i ${br} -o ${br} -m comment --comment ${comment} -j ACCEPT`, `-i ${br} ! -o ${br} -m comment --comment ${comment} -j DROP`];
}

export function renderNetnsFabricScripts(p: NetnsFabricParams): Scripts {
    checkIfname("bridge", p.bridge);
    const { gateway, prefixLength } = underlayGateway(p.underlay);
    const rules = fabricForwardRules(p);
    const vars = [
        `BRIDGE=${shQuote(p.bridge)}`,
        `BRIDGE_ADDRESS=${shQuote(`${gateway}/${prefixLength}`)}`,
        "log() { printf 'docker-overlay fabric %s: %s\\n' \"$BRIDGE\" \"$*\" >&2; }",
    ];

    const create = script(`docker-overlay: create the lab bridge ${p.bridge} (${p.underlay}) for stack ${p.stack}`, [
        ...vars,
        "",
        "# The bridge is the lab's underlay: every machine's veth is a port of it. It",
        "# holds the underlay's first address so the machine running the program (the",
        "# docker CLI, the KV health checks) reaches the machines directly.",
        'if ! ip link show dev "$BRIDGE" >/dev/null 2>&1; then',
        '    ip link add name "$BRIDGE" type bridge',
        '    log "created bridge"',
        "fi",
        'ip addr replace "$BRIDGE_ADDRESS" dev "$BRIDGE"',
        'ip link set dev "$BRIDGE" up',
        "",
        "# Accept forwarding between the bridge's ports. A dockerd in the root namespace",
        "# sets the FORWARD policy to DROP, and with br_netfilter",
        "# (net.bridge.bridge-nf-call-iptables=1) frames switched between two ports of",
        "# this bridge traverse FORWARD as `-i <bridge> -o <bridge>`: serf (7946",
        "# tcp/udp), VXLAN (4789/udp) and the KV port would be dropped silently (names",
        "# resolve, pings fail). The ACCEPT makes the lab independent of that policy",
        "# and of whether br_netfilter is on. The DROP keeps the lab's traffic on the",
        "# underlay even where net.ipv4.ip_forward is on: nothing a machine sends is",
        "# routed off the bridge. Inserted only when missing (-C), so a re-run adds no",
        "# duplicates.",
        ...rules.flatMap((r) => [`iptables -C FORWARD ${r} 2>/dev/null || iptables -I FORWARD ${r}`]),
        "",
        "# net.ipv4.ip_forward is deliberately left alone: machine-to-machine traffic is",
        "# switched on the bridge, not routed, and the program reaches the machines from",
        "# the bridge's own address.",
        'log "up with $BRIDGE_ADDRESS"',
    ]);

    const del = script(`docker-overlay: remove the lab bridge ${p.bridge} of stack ${p.stack}`, [
        ...vars,
        "",
        "# Remove exactly the rules create inserted (every copy), tolerating their absence.",
        ...rules.map((r) => `while iptables -C FORWARD ${r} 2>/dev/null; do iptables -D FORWARD ${r}; done`),
        'if ip link show dev "$BRIDGE" >/dev/null 2>&1; then',
        '    ports=$(ip -o link show master "$BRIDGE" 2>/dev/null | awk -F\': \' \'{ print $2 }\' | cut -d@ -f1 | tr \'\\n\' \' \')',
        '    [ -z "$ports" ] || log "still has ports: $ports(their machines lose the underlay)"',
        '    ip link del dev "$BRIDGE"',
        '    log "removed bridge"',
        "else",
        '    log "bridge already gone"',
        "fi",
    ]);
    return { create, delete: del };
}

// --------------------------------------------------- machine plumbing

interface MachineLayout {
    ns: string;
    veth: string;
    ifname: string;
    stateDir: string;
    runDir: string;
    gateway: string;
    prefixLength: number;
}

function layout(p: NetnsMachineParams, ifname: string): MachineLayout {
    checkMachineName(p.name);
    checkIfname("bridge", p.bridge);
    checkIfname("namespace-side interface", ifname);
    const { gateway, prefixLength } = underlayGateway(p.underlay);
    return {
        ns: netnsName(p),
        veth: netnsVethName(p),
        ifname,
        stateDir: machineStateDir(p.stateDir, p.name),
        runDir: machineRunDir(p.runDir, p.name),
        gateway,
        prefixLength,
    };
}

/** Variables every machine script starts with: all values of the machine, quoted once. */
function machineVars(p: NetnsMachineParams, l: MachineLayout, kind: string): string[] {
    return [
        `NAME=${shQuote(p.name)}`,
        `NS=${shQuote(l.ns)}`,
        `NS_PATH=${shQuote(`${NETNS_DIR}/${l.ns}`)}`,
        `VETH=${shQuote(l.veth)}`,
        `IFNAME=${shQuote(l.ifname)}`,
        `BRIDGE=${shQuote(p.bridge)}`,
        `ADDRESS=${shQuote(p.address)}`,
        `PREFIX=${shQuote(String(l.prefixLength))}`,
        `GATEWAY=${shQuote(l.gateway)}`,
        `STATE=${shQuote(l.stateDir)}`,
        `RUN=${shQuote(l.runDir)}`,
        `log() { printf 'docker-overlay ${kind} %s: %s\\n' "$NAME" "$*" >&2; }`,
    ];
}

/**
 * Shell functions that take a machine down. Shared by its create script (to
 * clear what a failed attempt left) and its delete script. Expects the
 * machineVars and `$PIDFILE`, the daemon's pidfile.
 */
function teardownFunctions(stopTimeout: number): string[] {
    return [
        "# Is $1 a live process of this machine? (Its command line names our state or",
        "# run directory, so a recycled pid of some other process is never signalled.)",
        "ours() {",
        '    local cmd',
        '    [ -r "/proc/$1/cmdline" ] || return 1',
        "    cmd=$(tr '\\0' ' ' <\"/proc/$1/cmdline\" 2>/dev/null) || return 1",
        '    case "$cmd" in *"$STATE/"*|*"$RUN/"*) return 0 ;; *) return 1 ;; esac',
        "}",
        "# wait_gone SECONDS PID...: wait until none of the pids is alive.",
        "wait_gone() {",
        "    local t=$(( $1 * 10 )) p alive; shift",
        "    while [ \"$t\" -gt 0 ]; do",
        "        alive=no",
        '        for p in "$@"; do if kill -0 "$p" 2>/dev/null; then alive=yes; fi; done',
        '        [ "$alive" = no ] && return 0',
        "        sleep 0.1; t=$(( t - 1 ))",
        "    done",
        "    return 1",
        "}",
        ...DESCENDANTS_FUNCTION.split("\n"),
        "# Mount points at or below $1, deepest first. /proc/mounts escapes blanks as",
        "# octal (\\040); printf %b decodes them.",
        "mounts_under() {",
        '    local _dev mp _rest',
        '    while read -r _dev mp _rest; do',
        "        mp=$(printf '%b' \"$mp\")",
        '        case "$mp" in "$1"|"$1"/*) printf \'%s\\n\' "$mp" ;; esac',
        "    done </proc/mounts | sort -ru",
        "}",
        "teardown() {",
        "    local pid pids p m _",
        "    # 1. The daemon, by its pidfile: SIGTERM lets dockerd stop its containers and",
        "    #    its managed containerd; SIGKILL only if it does not exit in time.",
        '    if [ -s "$PIDFILE" ]; then',
        '        pid=$(cat "$PIDFILE" 2>/dev/null || true)',
        '        if [ -n "$pid" ] && ours "$pid"; then',
        '            log "stopping pid $pid"',
        '            kill -TERM "$pid" 2>/dev/null || true',
        `            if ! wait_gone ${stopTimeout} "$pid"; then`,
        `                log "pid $pid still running after ${stopTimeout}s; killing it"`,
        '                kill -KILL "$pid" 2>/dev/null || true',
        '                wait_gone 10 "$pid" || true',
        "            fi",
        "        fi",
        "    fi",
        "    # 2. Anything still running in the namespace (containerd, shims, a daemon",
        "    #    whose pidfile was lost) and everything below it: a shim's container",
        "    #    processes live in network namespaces of their own, so ip netns pids",
        "    #    does not list them. Collected before anything is killed, while the",
        "    #    shims are still their parents.",
        '    if [ -e "$NS_PATH" ]; then',
        '        pids=$(ip netns pids "$NS" 2>/dev/null | tr \'\\n\' \' \' || true)',
        '        if [ -n "${pids// /}" ]; then',
        '            pids="$pids $(descendants $pids)"',
        '            log "stopping what still runs in namespace $NS and below it: $pids"',
        "            kill -TERM $pids 2>/dev/null || true",
        "            wait_gone 10 $pids || { kill -KILL $pids 2>/dev/null || true; wait_gone 5 $pids || true; }",
        "        fi",
        "    fi",
        "    # 3. Mounts the daemon left under its state and run directories (overlay",
        "    #    layers, container namespaces, shm), deepest first; lazily if busy.",
        "    for _ in 1 2 3; do",
        '        m=$( { mounts_under "$STATE"; mounts_under "$RUN"; } )',
        '        [ -z "$m" ] && break',
        '        log "unmounting $(wc -l <<<"$m") mount(s) under $STATE and $RUN"',
        '        while IFS= read -r p; do',
        '            umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || true',
        '        done <<<"$m"',
        "    done",
        '    m=$( { mounts_under "$STATE"; mounts_under "$RUN"; } )',
        '    if [ -n "$m" ]; then log "cannot unmount: $m"; return 1; fi',
        "    # 4. The veth pair (deleting one end deletes both) and the namespace.",
        '    if ip link show dev "$VETH" >/dev/null 2>&1; then ip link del dev "$VETH"; log "removed veth $VETH"; fi',
        '    if [ -e "$NS_PATH" ]; then ip netns del "$NS"; log "removed namespace $NS"; fi',
        "    # 5. State: --one-file-system so a mount we could not see is never followed.",
        '    rm -rf --one-file-system -- "$STATE" "$RUN"',
        "    # The stack's directories once its last machine is gone (and the",
        "    # docker-overlay directory above them, if that is where they are).",
        '    for p in "${STATE%/*}" "${RUN%/*}"; do',
        '        rmdir -- "$p" 2>/dev/null || continue',
        '        case "${p%/*}" in */docker-overlay) rmdir -- "${p%/*}" 2>/dev/null || true ;; esac',
        "    done",
        "    # dockerd and its containerd also create empty directories at fixed global",
        "    # paths (plugin discovery, shim sockets). Remove them while empty, and only",
        "    # when no dockerd or containerd of anyone runs any more.",
        "    # (ps is read first: grep -q closing the pipe early would fail it under pipefail.)",
        "    p=$(ps -e -o comm=)",
        "    if ! grep -qx -e dockerd -e containerd -e 'containerd-shim.*' <<<\"$p\"; then",
        "        rmdir /run/docker/plugins /run/docker /run/containerd/s /run/containerd 2>/dev/null || true",
        "    fi",
        "}",
    ];
}

/** Shell lines that build the namespace and its underlay link. Expects the machineVars. */
function plumbingLines(): string[] {
    return [
        'ip link show dev "$BRIDGE" >/dev/null 2>&1 || { log "bridge $BRIDGE does not exist (the fabric is created first)"; exit 1; }',
        'ip netns add "$NS"',
        "# The namespace-side end is created directly inside the namespace under its",
        "# final name: no temporary name in the root namespace that could collide.",
        'ip link add name "$VETH" type veth peer name "$IFNAME" netns "$NS"',
        'ip link set dev "$VETH" master "$BRIDGE"',
        'ip link set dev "$VETH" up',
        'ip -n "$NS" link set dev lo up',
        'ip -n "$NS" addr add "$ADDRESS/$PREFIX" dev "$IFNAME"',
        'ip -n "$NS" link set dev "$IFNAME" up',
        'ip -n "$NS" route replace default via "$GATEWAY" dev "$IFNAME"',
        'log "namespace $NS: $IFNAME $ADDRESS/$PREFIX, veth $VETH on $BRIDGE"',
    ];
}

/** `start_daemon` and `fail_with_log`. Expects the machineVars, `$LOG` and `$DAEMON_PATH`. */
function startDaemonFunction(): string[] {
    return [
        "# start_daemon ARGV...: run ARGV as this machine's daemon, detached.",
        "# - nsenter --net, not `ip netns exec`: ip netns exec also enters a new mount",
        "#   namespace and remounts /sys, which hides the cgroup mounts from dockerd",
        "#   (\"Devices cgroup isn't mounted\").",
        "# - unshare --uts + hostname: each machine gets its own hostname (the cluster",
        "#   store tells engines apart by it) and the real machine's stays untouched.",
        "# - env -i with a fixed PATH: nothing of the caller's environment (DOCKER_HOST,",
        "#   proxies, another dockerd on PATH) reaches the daemon.",
        "# - setsid nohup, output to $LOG, stdin from /dev/null: detached from the",
        "#   caller, so this script returns while the daemon runs. Every wrapper execs",
        "#   the next, so $! is the daemon's own pid.",
        "start_daemon() {",
        '    env -i PATH="$DAEMON_PATH" HOME=/root \\',
        '        setsid nohup nsenter --net="$NS_PATH" unshare --uts -- \\',
        '        sh -c \'hostname "$1" && shift && exec "$@"\' set-hostname "$NAME" "$@" \\',
        '        </dev/null >>"$LOG" 2>&1 &',
        "    DAEMON_PID=$!",
        "}",
        "fail_with_log() {",
        '    log "$1; last lines of $LOG:"',
        '    tail -n 40 "$LOG" >&2 || true',
        "    exit 1",
        "}",
    ];
}

/** Shell lines that clear leftovers of an earlier, failed attempt before create. */
function clearLeftovers(): string[] {
    return [
        "# A failed earlier attempt may have left this machine half-built under the",
        "# same names: take it down first, so create always starts from nothing.",
        'if [ -e "$NS_PATH" ] || ip link show dev "$VETH" >/dev/null 2>&1 || [ -e "$STATE" ] || [ -e "$RUN" ]; then',
        '    log "clearing leftovers of an earlier attempt"',
        "    teardown",
        "fi",
        "# A create that fails records no resource, so no delete would ever run for it:",
        "# take the machine down again on failure (DOCKER_OVERLAY_KEEP_FAILED=1 keeps it",
        "# for inspection; the next create clears it).",
        "on_exit() {",
        "    local rc=$?",
        '    if [ "$rc" -ne 0 ] && [ "${DOCKER_OVERLAY_KEEP_FAILED:-}" != 1 ]; then',
        '        log "create failed; taking the machine down again"',
        "        teardown || true",
        "    fi",
        '    return "$rc"',
        "}",
        "trap on_exit EXIT",
    ];
}

/**
 * `descendants PID...`: prints every process below the given ones (children
 * first found with pgrep -P, then theirs), space-separated.
 */
export const DESCENDANTS_FUNCTION = [
    "# descendants PID...: every process below the given ones, space-separated.",
    "descendants() {",
    "    local p c",
    '    for p in "$@"; do',
    '        for c in $(pgrep -P "$p" 2>/dev/null || true); do printf \'%s \' "$c"; descendants "$c"; done',
    "    done",
    "}",
].join("\n");

// ---------------------------------------------------------------- engine

/**
 * The engine's daemon.json: only its identity file. dockerd 20.10 otherwise
 * keeps the key its engine ID comes from in /etc/docker/key.json, shared by
 * every engine on the machine (one ID for all hosts) and left behind on the
 * machine running the namespaces. 20.10 takes the path from daemon.json only
 * (`deprecated-key-path`; as a flag it is unknown).
 */
export function netnsDaemonJson(p: NetnsEngineParams): string {
    return JSON.stringify({ "deprecated-key-path": `${machineStateDir(p.stateDir, p.name)}/key.json` });
}

/** The dockerd flags of an engine machine: its own roots, pidfile and socket, then `daemonFlags`. */
export function netnsDockerdArgs(p: NetnsEngineParams): string[] {
    const state = machineStateDir(p.stateDir, p.name);
    const run = machineRunDir(p.runDir, p.name);
    return [
        `--data-root=${state}/docker`,
        `--exec-root=${run}/exec`,
        `--pidfile=${run}/docker.pid`,
        `--host=${netnsDockerHost(p)}`,
        // Never /etc/docker/daemon.json: a system engine's file must not leak into the lab.
        `--config-file=${state}/daemon.json`,
        // Namespace hosts reach no nameserver beyond the bridge: a name the embedded
        // DNS does not know (a container on a network this one does not share)
        // would wait out the resolver's default 5 s x 2 attempts; one try of 1 s.
        "--dns-opt=timeout:1",
        "--dns-opt=attempts:1",
        ...(p.tls !== undefined ? dockerdTlsFlags(tlsFiles(netnsTlsDir(p)), netnsTcpDockerHost(p.address, p.tls.apiPort)) : []),
        ...(p.kvTls === true ? kvTlsStoreOpts(tlsFiles(netnsKvTlsDir(p))).map((o) => `--cluster-store-opt=${o}`) : []),
        ...p.daemonFlags,
    ];
}

function flagValue(flags: readonly string[], name: string): string | undefined {
    for (let i = flags.length - 1; i >= 0; i--) {
        const f = flags[i];
        if (f.startsWith(`${name}=`)) return f.slice(name.length + 1);
        if (f === name && i + 1 < flags.length) return flags[i + 1];
    }
    return undefined;
}

/**
 * Create-script lines writing TLS material from the environment into `dir`
 * (ca.pem, cert.pem, key.pem; the key never in the script's text).
 */
function tlsFileLines(dir: string, env: { ca: string; cert: string; key: string }, what: string): string[] {
    const files = tlsFiles(dir);
    return [
        `# ${what} comes in the environment (never in this text): a CA, a certificate and its key.`,
        `for v in ${env.ca} ${env.cert} ${env.key}; do`,
        `    [ -n "\${!v:-}" ] || { log "$v is not set: ${what} is missing"; exit 1; }`,
        "done",
        `mkdir -p -m 0700 ${shQuote(files.dir)}`,
        `(umask 077 && printf '%s\\n' "$${env.ca}" >${shQuote(files.ca)} && printf '%s\\n' "$${env.cert}" >${shQuote(files.cert)} && printf '%s\\n' "$${env.key}" >${shQuote(files.key)})`,
    ];
}

/** The engine's TLS files: its API's server material, its client material for a TLS KV store. */
function engineTlsFileLines(p: NetnsEngineParams): string[] {
    return [
        ...(p.tls !== undefined ? tlsFileLines(netnsTlsDir(p), SERVER_TLS_ENV, "the TLS material of the engine's API") : []),
        ...(p.kvTls === true ? tlsFileLines(netnsKvTlsDir(p), KV_CLIENT_TLS_ENV, "the engine's client material for the KV store") : []),
    ];
}

export function renderNetnsEngineScripts(p: NetnsEngineParams): Scripts {
    const l = layout(p, p.advertiseInterface);
    const timeout = NETNS_START_TIMEOUT_SECONDS;
    const vars = [
        ...machineVars(p, l, "engine"),
        `ENGINE_BIN=${shQuote(p.engineBin)}`,
        `PIDFILE=${shQuote(`${l.runDir}/docker.pid`)}`,
        `SOCK=${shQuote(`${l.runDir}/docker.sock`)}`,
        `LOG=${shQuote(`${l.stateDir}/dockerd.log`)}`,
        // engineBin first: dockerd finds docker-proxy and docker-init there; containerd and runc come from the system.
        `DAEMON_PATH=${shQuote(`${p.engineBin}:${SYSTEM_PATH}`)}`,
        `docker() { "$ENGINE_BIN/docker" -H "unix://$SOCK" "$@"; }`,
    ];
    const clusterStore = flagValue(p.daemonFlags, "--cluster-store");
    const versionGuard =
        clusterStore === undefined
            ? []
            : [
                  "# cluster-store was removed in Docker 23.0: refuse a newer engine with a clear message.",
                  `version=$("$ENGINE_BIN/dockerd" --version 2>/dev/null | sed -n 's/^Docker version \\([0-9][0-9]*\\)\\..*/\\1/p') || version=''`,
                  `if [ -z "$version" ]; then log "cannot run $ENGINE_BIN/dockerd (install the lab's engine with scripts/lab-deps.sh)"; exit 1; fi`,
                  `if [ "$version" -ge ${FIRST_ENGINE_WITHOUT_CLUSTER_STORE} ]; then`,
                  `    log "$ENGINE_BIN/dockerd is Docker $version: cluster-store was removed in ${FIRST_ENGINE_WITHOUT_CLUSTER_STORE}.0; the legacy overlay needs an engine <= ${LAST_CLUSTER_STORE_ENGINE.major}.${LAST_CLUSTER_STORE_ENGINE.minor}"`,
                  "    exit 1",
                  "fi",
                  ...(clusterStore.startsWith("zk://")
                      ? [
                            "# Measured: every Docker 20.10 dockerd panics (nil endpoint count in libnetwork) when a",
                            "# container joins an overlay network on a zookeeper store: libkv's zookeeper List returns",
                            "# bare child names, so getNetworksFromStore never finds the network's endpoint_count.",
                            `if [ "$version" -eq 20 ]; then`,
                            `    log "warning: Docker 20.10 crashes when a container joins an overlay on a zookeeper cluster store (libnetwork bug); use consul or etcd"`,
                            "fi",
                        ]
                      : []),
              ];
    const dockerdArgv = [`"$ENGINE_BIN/dockerd"`, ...netnsDockerdArgs(p).map(shQuote)];

    const create = script(`docker-overlay: create engine machine ${p.name} (${p.address}) of stack ${p.stack}`, [
        ...vars,
        ...teardownFunctions(NETNS_STOP_TIMEOUT_SECONDS),
        ...startDaemonFunction(),
        "",
        ...clearLeftovers(),
        ...versionGuard,
        "started=$SECONDS",
        ...plumbingLines(),
        "",
        'mkdir -p "$STATE" "$RUN"',
        `printf '%s\\n' ${shQuote(netnsDaemonJson(p))} >"$STATE/daemon.json"`,
        ...engineTlsFileLines(p),
        "# dockerd starts and manages a containerd of its own (socket and state under",
        "# its exec-root, content under its data-root), so several engines share no",
        "# containerd and need no system one running.",
        `start_daemon ${dockerdArgv.join(" \\\n    ")}`,
        'log "dockerd started (pid $DAEMON_PID), log $LOG"',
        "",
        `# Wait until the engine answers on its socket (at most ${timeout}s). The docker CLI is`,
        "# only run once the socket exists (a CLI run costs more CPU than the wait): with",
        "# several engines starting at once on a small machine, the CPU is what they wait for.",
        `deadline=$(( SECONDS + ${timeout} ))`,
        'until [ -S "$SOCK" ] && docker version >/dev/null 2>&1; do',
        '    kill -0 "$DAEMON_PID" 2>/dev/null || fail_with_log "dockerd exited during start"',
        `    [ "$SECONDS" -lt "$deadline" ] || fail_with_log "dockerd did not answer on $SOCK within ${timeout}s"`,
        "    sleep 0.05",
        "done",
        "# The engine must see its own hostname, or the cluster store mixes engines up.",
        "info=$(docker info --format '{{.Name}} {{.ClusterStore}}')",
        'seen=${info%% *}',
        '[ "$seen" = "$NAME" ] || fail_with_log "dockerd sees hostname \\"$seen\\", not \\"$NAME\\""',
        ...(clusterStore === undefined
            ? []
            : [
                  'store=${info#* }',
                  `[ "$store" = ${shQuote(clusterStore)} ] || fail_with_log "dockerd reports cluster store \\"$store\\", not "${shQuote(`"${clusterStore}"`)}`,
              ]),
        "",
        "# No registry is reachable: images come from rootfs tarballs.",
        "import_image() {",
        '    if docker image inspect "$1" >/dev/null 2>&1; then',
        '        log "image $1 already present"',
        "    else",
        '        [ -r "$2" ] || { log "image rootfs $2 not found (scripts/lab-deps.sh builds the busybox one)"; exit 1; }',
        '        docker import "$2" "$1" >/dev/null',
        '        log "imported $2 as $1"',
        "    fi",
        "}",
        ...p.images.map((img) => `import_image ${shQuote(img.name)} ${shQuote(img.rootfs)}`),
        'log "engine up in $(( SECONDS - started ))s at unix://$SOCK"',
    ]);

    const del = script(`docker-overlay: delete engine machine ${p.name} of stack ${p.stack}`, [
        ...vars,
        ...teardownFunctions(NETNS_STOP_TIMEOUT_SECONDS),
        "",
        "teardown",
        'log "removed"',
    ]);
    return { create, delete: del };
}

// -------------------------------------------------------------------- kv

/** The KV daemon's argv and how to tell it answers, per backend. */
function kvDaemon(p: NetnsKvParams, l: MachineLayout): { argv: string[]; setup: string[]; ready: string; what: string } {
    const bin = (b: string) => `"$KV_BIN"/${shQuote(b)}`;
    const url = `${p.tls === true ? "https" : "http"}://${p.address}:${p.port}`;
    const files = tlsFiles(netnsTlsDir(p));
    // With TLS the store's own files, written by the create script before it starts.
    const tlsSetup = p.tls === true ? tlsFileLines(files.dir, SERVER_TLS_ENV, "the KV store's TLS material") : [];
    // The readiness probe presents the store's own certificate (signed by the store's CA, as a client's is).
    const curl = `curl -fsS --noproxy '*' --max-time 2${p.tls === true ? ` --cacert ${shQuote(files.ca)} --cert ${shQuote(files.cert)} --key ${shQuote(files.key)}` : ""}`;
    if (p.tls === true && p.backend === "zookeeper") {
        throw new Error("netns driver: a zookeeper store has no TLS here (libkv's zookeeper client has none)");
    }
    switch (p.backend) {
        case "consul":
            return {
                argv: [
                    bin("consul"),
                    "agent",
                    "-server",
                    "-bootstrap-expect=1",
                    `-node=${p.name}`,
                    // Node IDs derived from the host would be equal for every namespace.
                    "-disable-host-node-id=true",
                    `-data-dir=${l.stateDir}/consul`,
                    `-bind=${p.address}`,
                    `-client=${p.address}`,
                    // With TLS only HTTPS on the port, and only for clients with a certificate of the store's CA.
                    ...(p.tls === true
                        ? [
                              `-hcl=ports { http = -1, https = ${p.port} }`,
                              `-hcl=ca_file = ${JSON.stringify(files.ca)}`,
                              `-hcl=cert_file = ${JSON.stringify(files.cert)}`,
                              `-hcl=key_file = ${JSON.stringify(files.key)}`,
                              "-hcl=verify_incoming_https = true",
                          ]
                        : [`-http-port=${p.port}`]),
                    "-dns-port=-1",
                    // Raft timing at consul's production recommendation (1) instead of its
                    // default 5 (sized for the smallest cloud VMs): a single server then
                    // elects itself in ~1-2 s instead of the 5-10 s heartbeat timeout that
                    // every engine, hence the whole cluster, waited for (bench/RESULTS.md).
                    "-hcl=performance { raft_multiplier = 1 }",
                ].map((a, i) => (i === 0 ? a : shQuote(a))),
                setup: ['mkdir -p "$STATE/consul"', ...tlsSetup],
                // The leader's address once elected; `""` before.
                ready: `[ "$(${curl} ${shQuote(`${url}/v1/status/leader`)} 2>/dev/null | tr -d '"[:space:]')" != "" ]`,
                what: `consul leader elected at ${url}`,
            };
        case "etcd":
            return {
                argv: [
                    bin("etcd"),
                    `--name=${p.name}`,
                    `--data-dir=${l.stateDir}/etcd`,
                    `--listen-client-urls=${url}`,
                    `--advertise-client-urls=${url}`,
                    // Peer traffic stays on the machine's loopback: a single-member cluster.
                    "--listen-peer-urls=http://127.0.0.1:2380",
                    "--initial-advertise-peer-urls=http://127.0.0.1:2380",
                    `--initial-cluster=${p.name}=http://127.0.0.1:2380`,
                    "--initial-cluster-state=new",
                    // libkv (Docker's cluster store) speaks etcd's v2 API only.
                    "--enable-v2=true",
                    // With TLS only clients with a certificate of the store's CA.
                    ...(p.tls === true ? [`--cert-file=${files.cert}`, `--key-file=${files.key}`, `--trusted-ca-file=${files.ca}`, "--client-cert-auth"] : []),
                ].map((a, i) => (i === 0 ? a : shQuote(a))),
                setup: tlsSetup,
                ready: `${curl} ${shQuote(`${url}/v2/keys/`)} >/dev/null 2>&1`,
                what: `etcd v2 API at ${url}`,
            };
        case "zookeeper": {
            const conf = [
                "tickTime=2000",
                `dataDir=${l.stateDir}/zookeeper/data`,
                `clientPortAddress=${p.address}`,
                `clientPort=${p.port}`,
                "maxClientCnxns=0",
                // No admin web server (8080), and the one four-letter word the readiness check uses.
                "admin.enableServer=false",
                "4lw.commands.whitelist=ruok,srvr,stat",
            ];
            return {
                argv: [bin("zookeeper-server"), shQuote(`${l.stateDir}/zookeeper`)],
                setup: [
                    'mkdir -p "$STATE/zookeeper/data"',
                    `printf '%s\\n' ${conf.map(shQuote).join(" ")} >"$STATE/zookeeper/zoo.cfg"`,
                ],
                // `ruok` answered by `imok`; bash's /dev/tcp needs no netcat.
                ready: `[ "$(timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf ruok >&3 && cat <&3' ruok ${shQuote(p.address)} ${shQuote(String(p.port))} 2>/dev/null)" = imok ]`,
                what: `zookeeper answers ruok at ${p.address}:${p.port}`,
            };
        }
        default: {
            const never: never = p.backend;
            throw new Error(`netns driver: unknown KV backend ${String(never)}`);
        }
    }
}

export function renderNetnsKvScripts(p: NetnsKvParams): Scripts {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
        throw new Error(`netns driver: KV port ${p.port} is not a TCP port`);
    }
    const l = layout(p, NETNS_KV_INTERFACE);
    const d = kvDaemon(p, l);
    const timeout = NETNS_START_TIMEOUT_SECONDS;
    const vars = [
        ...machineVars(p, l, `${p.backend}`),
        `KV_BIN=${shQuote(p.kvBin)}`,
        `PIDFILE=${shQuote(`${l.runDir}/${p.backend}.pid`)}`,
        `LOG=${shQuote(`${l.stateDir}/${p.backend}.log`)}`,
        `DAEMON_PATH=${shQuote(`${p.kvBin}:${SYSTEM_PATH}`)}`,
    ];

    const create = script(`docker-overlay: create ${p.backend} machine ${p.name} (${p.address}:${p.port}) of stack ${p.stack}`, [
        ...vars,
        ...teardownFunctions(15),
        ...startDaemonFunction(),
        "",
        ...clearLeftovers(),
        'started=$SECONDS',
        ...plumbingLines(),
        "",
        'mkdir -p "$STATE" "$RUN"',
        ...d.setup,
        `start_daemon ${d.argv.join(" \\\n    ")}`,
        'echo "$DAEMON_PID" >"$PIDFILE"',
        `log "${p.backend} started (pid $DAEMON_PID), log $LOG"`,
        "",
        `# Wait until the store answers: ${d.what} (at most ${timeout}s).`,
        `deadline=$(( SECONDS + ${timeout} ))`,
        `until ${d.ready}; do`,
        `    kill -0 "$DAEMON_PID" 2>/dev/null || fail_with_log "${p.backend} exited during start"`,
        `    [ "$SECONDS" -lt "$deadline" ] || fail_with_log "${p.backend} did not answer within ${timeout}s"`,
        "    # Every engine waits for the store: notice it promptly (the probes are light).",
        "    sleep 0.1",
        "done",
        `log "${p.backend} up in $(( SECONDS - started ))s at $ADDRESS:"${shQuote(String(p.port))}`,
    ]);

    const del = script(`docker-overlay: delete ${p.backend} machine ${p.name} of stack ${p.stack}`, [
        ...vars,
        ...teardownFunctions(15),
        "",
        "teardown",
        'log "removed"',
    ]);
    return { create, delete: del };
}
