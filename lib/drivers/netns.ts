/**
 * netns driver, pure part: the bash scripts `command.local.Command` runs (as
 * root, on the machine running the program) to build the local lab and to take
 * it down again. No pulumi imports; components/machines/netns.ts wires them.
 *
 * The lab: one Linux bridge (the "fabric") carrying an underlay network, and
 * per machine a network namespace on that bridge through a veth pair. An engine
 * machine runs its own dockerd inside its namespace (own hostname, data-root,
 * exec-root, pidfile and unix socket); the KV machine runs consul, etcd or
 * zookeeper the same way. The shell is in lib/drivers/sh/netns/*.sh (with the
 * shared lib/render/sh/wait-until.sh); this file renders the header of values
 * in front of it (lib/render/script.ts). Every rendered script is
 * self-contained (the fragments are inlined: no file of the repo is read at run
 * time), deterministic (same inputs, same text) and every value in it is
 * quoted with shQuote.
 *
 * (Over 500 lines: the names, the engine's dockerd flags and the three KV
 * backends' daemon recipes belong together; the shell itself is no longer here.)
 *
 * Create scripts first remove whatever a failed earlier attempt left under the
 * same names, so a retried `pulumi up` starts clean. Delete scripts succeed when
 * things are already gone and leave nothing behind: no process, namespace,
 * veth, mount, iptables rule or state directory.
 *
 * Progress goes to stderr; the scripts print nothing on stdout.
 */
import { DEFAULT_UNDERLAY_MTU } from "../plan/mtu";
import { createHash } from "crypto";
import { KvBackend } from "../config/types";
import { allocateAddresses } from "../net/allocate";
import * as path from "path";
import { shJoin, shQuote } from "../render/shell";
import { daemonJsonKeys, EngineOptions, labelList } from "../render/engine";
import { assign, bashPreamble, gossipListeningFunction, labelsListedFunction, scriptFragment, waitUntilFunction } from "../render/script";
import { FIRST_ENGINE_WITHOUT_CLUSTER_STORE, LAST_CLUSTER_STORE_ENGINE } from "../engine/clusterStore";
import { OVERLAY_HOST_MODE_ENV } from "../engine/strandedThreads";
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
    /** The bridge's MTU (driver.underlayMtu). Default 1500, the kernel's own: then the script sets none. */
    underlayMtu?: number;
}

export interface NetnsMachineParams {
    stack: string;
    /** Machine name; also the hostname its daemon sees. */
    name: string;
    bridge: string;
    underlay: string;
    /** MTU of the machine's veth pair (driver.underlayMtu). Default 1500, the kernel's own: then the script sets none. */
    underlayMtu?: number;
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
    /**
     * The engine's cluster keys (cluster-store mode). The machine starts its engine
     * without them; the config command (renderNetnsEngineConfigScript) writes them
     * into its daemon.json with the labels and has it reload. Never flags: dockerd
     * refuses a key given both ways (moby v20.10.5 `daemon/config/config.go:481-535`),
     * and a reload reads only the file. The machine's create script keeps the keys
     * too (`CLUSTER_KEYS`), so other keys are a new machine: a running engine takes a
     * global store once (libnetwork 20.10 `controller.go:463-478`). Undefined for an engine without
     * a cluster store (swarm mode, the laptop).
     */
    engine?: EngineOptions;
    /** Extra dockerd flags, e.g. the laptop's runtime; never cluster keys or labels (`engine`). */
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
    return `${netnsStackPrefix(p.stack)}${readable(p.name, 40)}-${machineHash(p.stack, p.name).slice(0, 6)}`;
}

/** What every namespace of a stack's machines starts with (`dovl-<stack>-`). */
export function netnsStackPrefix(stack: string): string {
    return `dovl-${readable(stack, 24)}-`;
}

/** The mount of a machine's namespace, what `nsenter --net=` takes (`ip netns exec` would remount /sys). */
export function netnsPath(p: { stack: string; name: string }): string {
    return `${NETNS_DIR}/${netnsName(p)}`;
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

/** An engine machine's pidfile and exec-root (its sandboxes' namespaces are under `<execRoot>/netns`). */
export function netnsEngineRunPaths(p: { runDir: string; name: string }): { pidFile: string; execRoot: string } {
    const run = machineRunDir(p.runDir, p.name);
    return { pidFile: `${run}/docker.pid`, execRoot: `${run}/exec` };
}

function machineStateDir(stateDir: string, name: string): string {
    return `${stateDir.replace(/\/+$/, "")}/${name}`;
}

/** Bridge address and prefix length of the underlay (the bridge takes the first usable address). */
function underlayGateway(underlay: string): { gateway: string; prefixLength: number } {
    const plan = allocateAddresses(underlay, [], []);
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
    return [...bashPreamble(title), ...body, ""].join("\n");
}

/** The netns scripts' shell, in lib/drivers/sh/netns/*.sh. */
const SH = path.join(__dirname, "sh", "netns");
const sh = (file: string): string => scriptFragment(SH, file);

// ---------------------------------------------------------------- fabric

/** A tag on the fabric's iptables rules so a reader of `iptables -S` sees whose they are. */
function fabricRuleComment(p: NetnsFabricParams): string {
    return `docker-overlay ${p.stack} ${p.bridge}`;
}

/**
 * The fabric: a bridge holding the underlay's first address, and FORWARD
 * rules accepting what is switched between its ports and dropping what would
 * be routed off it (lib/drivers/sh/netns/fabric-*.sh).
 */
export function renderNetnsFabricScripts(p: NetnsFabricParams): Scripts {
    checkIfname("bridge", p.bridge);
    const { gateway, prefixLength } = underlayGateway(p.underlay);
    const vars = [assign("BRIDGE", p.bridge), assign("RULE_COMMENT", fabricRuleComment(p))];
    const create = script(`docker-overlay: create the lab bridge ${p.bridge} (${p.underlay}) for stack ${p.stack}`, [
        ...vars,
        assign("BRIDGE_ADDRESS", `${gateway}/${prefixLength}`),
        ...mtuVars(p.underlayMtu),
        sh("fabric-create.sh"),
    ]);
    const del = script(`docker-overlay: remove the lab bridge ${p.bridge} of stack ${p.stack}`, [...vars, sh("fabric-delete.sh")]);
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

/** Variables every machine script starts with (what teardown needs): the machine's values, quoted once. */
function machineVars(p: NetnsMachineParams, l: MachineLayout, kind: string): string[] {
    return [
        assign("NAME", p.name),
        assign("KIND", kind),
        assign("NS", l.ns),
        assign("NS_PATH", `${NETNS_DIR}/${l.ns}`),
        assign("VETH", l.veth),
        assign("STATE", l.stateDir),
        assign("RUN", l.runDir),
    ];
}

/** Variables of a create script's plumbing (plumbing.sh). */
function plumbingVars(p: NetnsMachineParams, l: MachineLayout): string[] {
    return [
        assign("IFNAME", l.ifname),
        assign("BRIDGE", p.bridge),
        assign("ADDRESS", p.address),
        assign("PREFIX", String(l.prefixLength)),
        assign("GATEWAY", l.gateway),
        assign("NS_PREFIX", netnsStackPrefix(p.stack)),
        ...mtuVars(p.underlayMtu),
    ];
}

/**
 * `MTU=` for the fabric and plumbing scripts when the underlay's MTU is not
 * the kernel's default 1500: a stack without driver.underlayMtu renders the
 * same scripts as before the key existed (no machine is rebuilt for it).
 */
function mtuVars(mtu: number | undefined): string[] {
    return mtu === undefined || mtu === DEFAULT_UNDERLAY_MTU ? [] : [assign("MTU", mtu)];
}

/**
 * Shell functions that take a machine down (lib/drivers/sh/netns/machine.sh),
 * with the shared wait_until and descendants. Shared by its create script (to
 * clear what a failed attempt left) and its delete script.
 */
function machineFunctions(): string[] {
    return [waitUntilFunction(), DESCENDANTS_FUNCTION, sh("machine.sh")];
}

/**
 * `descendants PID...`: prints every process below the given ones (children
 * first found with pgrep -P, then theirs), space-separated; `netns_pids NAME`:
 * every process with a thread in a named network namespace.
 */
export const DESCENDANTS_FUNCTION = sh("descendants.sh");

/** A create-script line writing TLS material from the environment into `dir` (write_tls, create-begin.sh). */
function writeTlsLine(dir: string, env: { ca: string; cert: string; key: string }, what: string): string {
    return `write_tls ${shJoin([dir, env.ca, env.cert, env.key, what])}`;
}

/** The bash array of a daemon's argv, on one line (the policy pack reads dockerd's flags from it). */
function daemonArgv(first: string, rest: readonly string[]): string {
    return `DAEMON_ARGV=(${[first, ...rest.map(shQuote)].join(" ")})`;
}

// ---------------------------------------------------------------- engine

/**
 * The daemon.json an engine machine starts from: its identity file only. dockerd 20.10
 * otherwise keeps the key its engine ID comes from in /etc/docker/key.json, shared by
 * every engine on the machine (one ID for all hosts) and left behind on the
 * machine running the namespaces. 20.10 takes the path from daemon.json only
 * (`deprecated-key-path`; as a flag it is unknown). No cluster keys: a cluster-store
 * engine starts without its store and is given it by its config command
 * (renderNetnsEngineConfigScript), once the underlay probe passed.
 */
export function netnsDaemonJson(p: NetnsEngineParams): string {
    return JSON.stringify({ "deprecated-key-path": identityKeyPath(p) });
}

/**
 * The daemon.json a cluster-store engine runs with once its config command ran: its
 * identity file, its cluster keys and its labels (as a list even when empty: a reload
 * leaves the labels as they are unless the file sets the key, moby v20.10.5
 * `daemon/reload.go:230`).
 */
export function netnsEngineConfigJson(p: NetnsEngineParams, labels: Readonly<Record<string, string>>): string {
    if (p.engine?.clusterStore === undefined) {
        throw new Error(`netns driver: engine ${p.name} has no cluster store: its labels are swarm node labels`);
    }
    return JSON.stringify({ "deprecated-key-path": identityKeyPath(p), ...engineClusterKeys(p), labels: labelList(labels) });
}

/** A cluster-store engine's cluster keys as daemon.json has them: store, advertise, store opts. */
function engineClusterKeys(p: NetnsEngineParams): Record<string, unknown> {
    return p.engine === undefined ? {} : daemonJsonKeys({ ...p.engine, clusterStoreOpts: engineStoreOpts(p), labels: {} });
}

function identityKeyPath(p: NetnsEngineParams): string {
    return `${machineStateDir(p.stateDir, p.name)}/key.json`;
}

/** The engine's cluster-store-opts: the stack's, and with a TLS KV store the engine's client files. */
function engineStoreOpts(p: NetnsEngineParams): Record<string, string> {
    return { ...(p.engine?.clusterStoreOpts ?? {}), ...(p.kvTls === true ? kvTlsStoreOpts(tlsFiles(netnsKvTlsDir(p))) : {}) };
}

/** The dockerd flags of an engine machine: its own roots, pidfile and socket, then `daemonFlags`. */
export function netnsDockerdArgs(p: NetnsEngineParams): string[] {
    const state = machineStateDir(p.stateDir, p.name);
    const { execRoot, pidFile } = netnsEngineRunPaths(p);
    return [
        `--data-root=${state}/docker`,
        `--exec-root=${execRoot}`,
        `--pidfile=${pidFile}`,
        `--host=${netnsDockerHost(p)}`,
        // Never /etc/docker/daemon.json: a system engine's file must not leak into the lab.
        `--config-file=${state}/daemon.json`,
        // Namespace hosts reach no nameserver beyond the bridge: a name the embedded
        // DNS does not know (a container on a network this one does not share)
        // would wait out the resolver's default 5 s x 2 attempts; one try of 1 s.
        "--dns-opt=timeout:1",
        "--dns-opt=attempts:1",
        ...(p.tls !== undefined ? dockerdTlsFlags(tlsFiles(netnsTlsDir(p)), netnsTcpDockerHost(p.address, p.tls.apiPort)) : []),
        ...p.daemonFlags,
    ];
}

/** The engine's TLS files: its API's server material, its client material for a TLS KV store. */
function engineTlsFileLines(p: NetnsEngineParams): string[] {
    return [
        ...(p.tls !== undefined ? [writeTlsLine(netnsTlsDir(p), SERVER_TLS_ENV, "the TLS material of the engine's API")] : []),
        ...(p.kvTls === true ? [writeTlsLine(netnsKvTlsDir(p), KV_CLIENT_TLS_ENV, "the engine's client material for the KV store")] : []),
    ];
}

/**
 * An engine machine: create (clear leftovers, refuse engines without
 * cluster-store, plumb, start dockerd, wait, check, import images) and delete.
 * A cluster-store engine starts without its store (netnsDaemonJson, `CLUSTER_STORE`
 * empty): its config command joins it. The shell is
 * lib/drivers/sh/netns/{create-begin,version-guard,plumbing,engine-start,engine-in-store,engine-images,machine}.sh.
 */
export function renderNetnsEngineScripts(p: NetnsEngineParams): Scripts {
    const l = layout(p, p.advertiseInterface);
    const engineVars = [...machineVars(p, l, "engine"), assign("PIDFILE", netnsEngineRunPaths(p).pidFile), assign("STOP_TIMEOUT", NETNS_STOP_TIMEOUT_SECONDS)];
    const clusterStore = p.engine?.clusterStore;
    const versionGuard = clusterStore === undefined ? [] : [sh("version-guard.sh"), ...(clusterStore.startsWith("zk://") ? [sh("zookeeper-warning.sh")] : [])];

    const create = script(`docker-overlay: create engine machine ${p.name} (${p.address}) of stack ${p.stack}`, [
        ...engineVars,
        ...plumbingVars(p, l),
        assign("ENGINE_BIN", p.engineBin),
        assign("SOCK", `${l.runDir}/docker.sock`),
        assign("LOG", `${l.stateDir}/dockerd.log`),
        // engineBin first: dockerd finds docker-proxy and docker-init there; containerd and runc come from the system.
        assign("DAEMON_PATH", `${p.engineBin}:${SYSTEM_PATH}`),
        assign("START_TIMEOUT", NETNS_START_TIMEOUT_SECONDS),
        // The store the engine starts with: none (engine-in-store.sh checks one where it is set).
        assign("CLUSTER_STORE", ""),
        ...(clusterStore === undefined
            ? []
            : [
                  // The cluster keys this engine joins with (its config command): in the machine's
                  // script, so that other keys are a new machine (a running engine takes a global
                  // store once: libnetwork 20.10 controller.go:463-478).
                  assign("CLUSTER_KEYS", JSON.stringify(engineClusterKeys(p))),
                  assign("NO_CLUSTER_STORE_FROM", FIRST_ENGINE_WITHOUT_CLUSTER_STORE),
                  assign("LAST_CLUSTER_STORE", `${LAST_CLUSTER_STORE_ENGINE.major}.${LAST_CLUSTER_STORE_ENGINE.minor}`),
              ]),
        assign("DAEMON_JSON", netnsDaemonJson(p)),
        // Cluster-store engines run with the overlay driver's host mode: lib/engine/strandedThreads.ts says why.
        daemonArgv(
            clusterStore === undefined
                ? `"$ENGINE_BIN/dockerd"`
                : `env ${Object.entries(OVERLAY_HOST_MODE_ENV)
                      .map(([k, v]) => shQuote(`${k}=${v}`))
                      .join(" ")} "$ENGINE_BIN/dockerd"`,
            netnsDockerdArgs(p),
        ),
        `docker() { "$ENGINE_BIN/docker" -H "unix://$SOCK" "$@"; }`,
        ...machineFunctions(),
        sh("create-begin.sh"),
        "",
        ...versionGuard,
        "started=$SECONDS",
        sh("plumbing.sh"),
        "",
        'mkdir -p "$STATE" "$RUN"',
        `printf '%s\\n' "$DAEMON_JSON" >"$STATE/daemon.json"`,
        ...engineTlsFileLines(p),
        sh("engine-start.sh"),
        sh("engine-in-store.sh"),
        "",
        sh("engine-images.sh"),
        // Host mode routes between overlay subnets in the engine's namespace: keep them apart.
        ...(clusterStore === undefined ? [] : [sh("host-mode-isolation.sh")]),
        ...p.images.map((img) => `import_image ${shQuote(img.name)} ${shQuote(img.rootfs)}`),
        clusterStore === undefined
            ? 'log "engine up in $(( SECONDS - started ))s at unix://$SOCK"'
            : 'log "engine up in $(( SECONDS - started ))s at unix://$SOCK, in no cluster store yet (its config command joins it: $CLUSTER_KEYS)"',
    ]);

    const del = script(`docker-overlay: delete engine machine ${p.name} of stack ${p.stack}`, [
        ...engineVars,
        ...machineFunctions(),
        "",
        "teardown",
        'log "removed"',
    ]);
    return { create, delete: del };
}

/** Seconds the config script waits for dockerd to log that its reload is through. */
export const NETNS_RELOAD_TIMEOUT_SECONDS = 10;

/**
 * A cluster-store engine's configuration, given to the running engine: the script
 * writes its daemon.json with the cluster keys and the labels (netnsEngineConfigJson)
 * and has dockerd reload it (SIGHUP, moby v20.10.5 `cmd/dockerd/daemon_unix.go:78-84`,
 * `daemon/reload.go:57`, `:228-232`); it waits for dockerd's log to say the reload is
 * through (a reload dockerd refuses fails with what it logged), for `docker info` to
 * report the store, for the engine's gossip to listen (lib/engine/gossip.ts: the next
 * engine joins after this one and must find it there) and for the labels.
 *
 * The first run joins the store: a reload enables discovery "for the first time if it
 * was not previously enabled" (moby 20.10 `daemon/reload.go` reloadClusterDiscovery)
 * and gives libnetwork its global store "after boot" (libnetwork 20.10
 * `controller.go:463-485` ReloadConfiguration). Measured on this project's dockerd
 * 20.10.5: registered under `docker/nodes`, gossip listening 0.6 s after the signal,
 * a global overlay created. Until then the engine is in no store, so the underlay
 * probe runs before any engine registers. A later run (a changed label) rewrites the
 * same cluster keys: the reload sees no change to them and leaves discovery alone
 * (`daemon/reload.go:188-190`). No delete script: the file goes with the machine.
 */
export function renderNetnsEngineConfigScript(p: NetnsEngineParams, labels: Readonly<Record<string, string>>): string {
    const l = layout(p, p.advertiseInterface);
    return script(`docker-overlay: cluster store and labels of engine ${p.name} of stack ${p.stack}`, [
        assign("NAME", p.name),
        assign("KIND", "engine"),
        assign("ENGINE_BIN", p.engineBin),
        assign("SOCK", `${l.runDir}/docker.sock`),
        assign("PIDFILE", netnsEngineRunPaths(p).pidFile),
        assign("LOG", `${l.stateDir}/dockerd.log`),
        assign("NS_PATH", `${NETNS_DIR}/${l.ns}`),
        assign("CONFIG", `${l.stateDir}/daemon.json`),
        assign("CLUSTER_STORE", p.engine?.clusterStore ?? ""),
        assign("DAEMON_JSON", netnsEngineConfigJson(p, labels)),
        assign("RELOAD_TIMEOUT", NETNS_RELOAD_TIMEOUT_SECONDS),
        assign("START_TIMEOUT", NETNS_START_TIMEOUT_SECONDS),
        `docker() { "$ENGINE_BIN/docker" -H "unix://$SOCK" "$@"; }`,
        waitUntilFunction(),
        gossipListeningFunction(),
        // What `docker info` lists once the reload is through.
        labelsListedFunction(labelList(labels)),
        sh("engine-config.sh"),
        // The same check as for an engine that starts with its store: the store reported, the gossip listening.
        sh("engine-in-store.sh"),
        sh("engine-config-labels.sh"),
    ]);
}

// -------------------------------------------------------------------- kv

/** The KV daemon's argv and how to tell it answers, per backend. */
function kvDaemon(p: NetnsKvParams, l: MachineLayout): { argv: string[]; setup: string[]; ready: string; what: string } {
    const bin = (b: string) => `"$KV_BIN"/${shQuote(b)}`;
    const url = `${p.tls === true ? "https" : "http"}://${p.address}:${p.port}`;
    const files = tlsFiles(netnsTlsDir(p));
    // With TLS the store's own files, written by the create script before it starts.
    const tlsSetup = p.tls === true ? [writeTlsLine(files.dir, SERVER_TLS_ENV, "the KV store's TLS material")] : [];
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
                setup: ['mkdir -p "$STATE/zookeeper/data"', `printf '%s\\n' ${conf.map(shQuote).join(" ")} >"$STATE/zookeeper/zoo.cfg"`],
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

/**
 * The KV machine: create (clear leftovers, plumb, start the store, wait until
 * it answers) and delete. The per-backend argv, setup and readiness probe are
 * rendered here; the rest is lib/drivers/sh/netns/{create-begin,plumbing,kv-start,machine}.sh.
 */
export function renderNetnsKvScripts(p: NetnsKvParams): Scripts {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
        throw new Error(`netns driver: KV port ${p.port} is not a TCP port`);
    }
    const l = layout(p, NETNS_KV_INTERFACE);
    const d = kvDaemon(p, l);
    const vars = [...machineVars(p, l, `${p.backend}`), assign("PIDFILE", `${l.runDir}/${p.backend}.pid`), assign("STOP_TIMEOUT", 15)];

    const create = script(`docker-overlay: create ${p.backend} machine ${p.name} (${p.address}:${p.port}) of stack ${p.stack}`, [
        ...vars,
        ...plumbingVars(p, l),
        assign("KV_BIN", p.kvBin),
        assign("LOG", `${l.stateDir}/${p.backend}.log`),
        assign("DAEMON_PATH", `${p.kvBin}:${SYSTEM_PATH}`),
        assign("PORT", p.port),
        assign("START_TIMEOUT", NETNS_START_TIMEOUT_SECONDS),
        assign("READY_WHAT", d.what),
        `DAEMON_ARGV=(${d.argv.join(" ")})`,
        `# Does the store answer? ${d.what}`,
        ...(p.backend === "zookeeper" ? ["# shellcheck disable=SC2016 # $1 and $2 belong to the inner bash"] : []),
        `kv_ready() { ${d.ready}; }`,
        ...machineFunctions(),
        sh("create-begin.sh"),
        "",
        "started=$SECONDS",
        sh("plumbing.sh"),
        "",
        'mkdir -p "$STATE" "$RUN"',
        ...d.setup,
        sh("kv-start.sh"),
    ]);

    const del = script(`docker-overlay: delete ${p.backend} machine ${p.name} of stack ${p.stack}`, [
        ...vars,
        ...machineFunctions(),
        "",
        "teardown",
        'log "removed"',
    ]);
    return { create, delete: del };
}
