/**
 * docker-machine driver, pure part: the seed's own way of making the hosts.
 *
 *   docker-machine create -d virtualbox consul            (+ a consul container)
 *   docker-machine create -d virtualbox --swarm --swarm-master \
 *       --swarm-discovery=consul://<kv>:8500 \
 *       --engine-opt=cluster-store=consul://<kv>:8500 \
 *       --engine-opt=cluster-advertise=eth1:2376 swarm-manager
 *   docker-machine create ... --swarm --swarm-discovery=... swarm-node1
 *
 * The seed's machines start with cluster-store; the program's start without it and each
 * engine gets its cluster keys once the underlay probe passed (the create argv keeps
 * only the labels and classic swarm's flags; renderDockerMachineEngineConfigScript).
 *
 * Scripts write their chatter to stderr and print on stdout only what the
 * program reads back: a machine's IP, or its connection as JSON.
 */
import { EngineConfig, KvBackend } from "../config/types";
import { daemonJsonKeys, EngineOptions, renderEngineOptFlags } from "../render/engine";
import * as path from "path";
import { assign, bashPreamble, gossipListeningFunction, scriptFragment, waitUntilFunction } from "../render/script";
import { shJoin, shQuote } from "../render/shell";
import { kvAdvertiseUrl, kvServerSpec } from "../kv/server";
import { UnderlayMtuRequirement } from "../plan/mtu";
import { renderUnderlayMtuScript } from "./underlayMtu";
import { renderEngineVersionGuard } from "../engine/versionGuard";
import { FIRST_ENGINE_WITHOUT_CLUSTER_STORE, LAST_CLUSTER_STORE_ENGINE } from "../engine/clusterStore";

export interface DockerMachineSwarm {
    /** The classic swarm manager (`--swarm-master`). */
    master: boolean;
    /** `--swarm-discovery`: the seed points it at the same KV URL as cluster-store. */
    discovery: string;
    /** `--swarm-image`, e.g. `swarm:1.2.9`. */
    image: string;
}

export interface DockerMachineCreateArgs {
    /** Machine name; docker-machine also makes it the engine's hostname. */
    name: string;
    /** `-d`: virtualbox, generic, ... */
    machineDriver: string;
    /** Extra flags, passed as given (e.g. `--virtualbox-memory=1024`). */
    createFlags: string[];
    engine: EngineOptions;
    /** Classic swarm: absent for a plain engine. */
    swarm?: DockerMachineSwarm;
}

/**
 * argv of `docker-machine create` for one engine machine: its labels as flags, never its
 * cluster keys. The engine starts without its store and joins it once the underlay probe
 * passed (renderDockerMachineEngineConfigScript).
 */
export function renderDockerMachineCreate(args: DockerMachineCreateArgs): string[] {
    return [
        "docker-machine",
        "create",
        "-d",
        args.machineDriver,
        ...args.createFlags,
        ...renderEngineOptFlags({ clusterStoreOpts: {}, labels: args.engine.labels }),
        ...(args.swarm
            ? ["--swarm", ...(args.swarm.master ? ["--swarm-master"] : []), `--swarm-discovery=${args.swarm.discovery}`, `--swarm-image=${args.swarm.image}`]
            : []),
        args.name,
    ];
}

/** `docker-machine create` for a machine with a plain engine (the KV machine). */
export function renderDockerMachineCreatePlain(args: { name: string; machineDriver: string; createFlags: string[] }): string[] {
    return ["docker-machine", "create", "-d", args.machineDriver, ...args.createFlags, args.name];
}

/**
 * Create an engine machine and print its IP. Refuses a machine of that name that
 * already exists (it may run other engine options); on failure says how to clean up
 * rather than deleting a VM the user may want to inspect. With a cluster store the
 * script holds the engine's cluster keys (`CLUSTER_KEYS`, unused when it runs): a
 * running engine takes a global store once (libnetwork 20.10 `controller.go:463-485`),
 * so other keys must be a new machine.
 */
export function renderDockerMachineCreateScript(args: DockerMachineCreateArgs): string {
    const keys = dockerMachineDaemonJson(args.engine);
    return createScript(args.name, renderDockerMachineCreate(args), [], keys !== undefined ? [assign("CLUSTER_KEYS", keys)] : []);
}

/**
 * The daemon.json a cluster-store engine joins its store with: exactly its cluster keys
 * (store, advertise, store opts; its labels stay flags of `docker-machine create`, and
 * dockerd refuses a key given both ways, moby v20.10.5 `daemon/config/config.go:481-535`).
 * Undefined without a store.
 */
export function dockerMachineDaemonJson(engine: EngineOptions): string | undefined {
    return engine.clusterStore === undefined ? undefined : JSON.stringify(daemonJsonKeys({ ...engine, labels: {} }));
}

/** Where the engine's file and pid are on a docker-machine machine: dockerd's defaults. */
export const DOCKER_MACHINE_ENGINE_FILES = { config: "/etc/docker/daemon.json", pidfile: "/var/run/docker.pid" };

/** Seconds the config script waits for the store to be reported, then again for the gossip. */
export const DOCKER_MACHINE_JOIN_TIMEOUT_SECONDS = 60;

/**
 * The command that gives a machine's running engine its cluster store, once the underlay
 * probe passed (components/machines/storeJoin.ts): over `docker-machine ssh`, as root (sudo
 * -n otherwise), it writes the cluster keys into dockerd's default daemon.json (refusing
 * one the program did not write), has dockerd reload it (SIGHUP), and waits for `docker
 * info` to report the store and for the gossip to listen (lib/engine/gossip.ts: the next
 * engine joins after this one). Needs bash (interpreter ["/bin/bash", "-c"]). `files`
 * and `timeoutSeconds`: for tests.
 */
export function renderDockerMachineEngineConfigScript(args: {
    name: string;
    engine: EngineOptions;
    files?: { config: string; pidfile: string };
    timeoutSeconds?: number;
}): string {
    const json = dockerMachineDaemonJson(args.engine);
    if (json === undefined || args.engine.clusterStore === undefined) {
        throw new Error(`docker-machine driver: engine ${args.name} has no cluster store to join`);
    }
    const files = args.files ?? DOCKER_MACHINE_ENGINE_FILES;
    return [
        ...bashPreamble(`docker-overlay: the cluster store of the engine on docker-machine ${args.name}`),
        assign("NAME", args.name),
        assign("CONFIG", files.config),
        assign("PIDFILE", files.pidfile),
        assign("CLUSTER_STORE", args.engine.clusterStore),
        assign("DAEMON_JSON", json),
        assign("TIMEOUT", args.timeoutSeconds ?? DOCKER_MACHINE_JOIN_TIMEOUT_SECONDS),
        waitUntilFunction(),
        gossipListeningFunction(),
        sh("as-root.sh"),
        `engine_version_now() { as_root 'docker version --format "{{.Server.Version}}"' | tr -d '\\r'; }`,
        renderEngineVersionGuard(
            `Pin one on ${args.name} (e.g. --engine-install-url in driver.createFlags, or a boot2docker ISO <= v19.03), or use engine.mode: swarm.`,
        ),
        sh("engine-config.sh"),
        "",
    ].join("\n");
}

/** Remove a machine; succeeds when it is already gone. */
export function renderDockerMachineDeleteScript(name: string): string {
    return shScript([assign("NAME", name), sh("delete.sh")]);
}

/**
 * Print the machine's Docker connection as one line of JSON on stdout:
 * `{"host":"tcp://<ip>:2376","certPath":"<dir with ca.pem, cert.pem, key.pem>"}`,
 * what `docker-machine env` exports as DOCKER_HOST and DOCKER_CERT_PATH. Read
 * with `docker-machine url` and `inspect` (JSON-quoted path) rather than by
 * parsing `env`, whose syntax follows the caller's shell.
 */
export function renderDockerMachineConnectionScript(name: string): string {
    return shScript([assign("NAME", name), sh("connection.sh")]);
}

export interface DockerMachineConnection {
    host: string;
    certPath: string;
}

/** Parse the connection script's stdout; a clear error for anything else. */
export function parseDockerMachineConnection(machine: string, stdout: string): DockerMachineConnection {
    let doc: unknown;
    try {
        doc = JSON.parse(stdout.trim());
    } catch {
        throw new Error(`docker-machine driver: the connection of ${machine} is not JSON: ${JSON.stringify(stdout)}`);
    }
    const d = doc as Record<string, unknown> | null;
    if (!d || typeof d.host !== "string" || !/^tcp:\/\/.+/.test(d.host) || typeof d.certPath !== "string" || d.certPath === "") {
        throw new Error(`docker-machine driver: the connection of ${machine} must be {"host":"tcp://...","certPath":"..."}, got ${JSON.stringify(stdout)}`);
    }
    return { host: d.host, certPath: d.certPath };
}

/** Parse the IP a create script prints (`docker-machine ip`). */
export function parseDockerMachineIp(machine: string, stdout: string): string {
    const ip = stdout.trim();
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
        throw new Error(`docker-machine driver: \`docker-machine ip ${machine}\` printed ${JSON.stringify(stdout)}, not an IPv4 address`);
    }
    return ip;
}

export interface DockerMachineKvArgs {
    name: string;
    machineDriver: string;
    createFlags: string[];
    backend: KvBackend;
    port: number;
    /** Default per backend (lib/kv/server.ts KV_DEFAULT_IMAGE). */
    image?: string;
}

/** `docker run` argv of the KV container on the KV machine, the seed's `docker run -d -p 8500:8500 -h consul ...`. */
export function renderKvDockerRun(args: { backend: KvBackend; port: number; image?: string }): string[] {
    const kv = kvServerSpec(args.backend, args.port, args.image);
    return [
        "docker",
        "run",
        "-d",
        `--name=${args.backend}`,
        "-p",
        `${args.port}:${args.port}`,
        "-h",
        args.backend,
        "--restart",
        "always",
        ...kv.env.flatMap((e) => ["-e", e]),
        // Passed through from the script's environment, where it is set from the machine's IP.
        ...(kv.advertiseUrlEnv ? ["-e", kv.advertiseUrlEnv] : []),
        kv.image,
        ...kv.command,
    ];
}

/**
 * Create the KV machine, start the store on it (as a container, published on
 * the store's port), print the machine's IP.
 */
export function renderDockerMachineKvCreateScript(args: DockerMachineKvArgs): string {
    const kv = kvServerSpec(args.backend, args.port, args.image);
    const run = [
        sh("kv-env.sh"),
        ...(kv.advertiseUrlEnv
            ? ['kv_ip=$(docker-machine ip "$NAME")', `${kv.advertiseUrlEnv}="${kvAdvertiseUrl("${kv_ip}", args.port)}"`, `export ${kv.advertiseUrlEnv}`]
            : []),
        `${shJoin(renderKvDockerRun(args))} >&2`,
    ];
    return createScript(args.name, renderDockerMachineCreatePlain(args), run);
}

/**
 * The interface an engine machine advertises on, where the program names one: in cluster-store
 * mode `engine.advertiseInterface` (its `--engine-opt=cluster-advertise`); undefined in swarm
 * mode, where it advertises the machine's IP (`docker-machine ip`). Its underlay MTU and its
 * address for the underlay probe are read there.
 */
export function dockerMachineAdvertiseInterface(engine: EngineConfig): string | undefined {
    return engine.mode === "cluster-store" ? engine.advertiseInterface : undefined;
}

/**
 * Read the machine's underlay MTU over `docker-machine ssh`: the MTU of the
 * interface its engine advertises on, `advertiseInterface` in cluster-store
 * mode (cluster-advertise), else (swarm mode, which advertises the machine's
 * IP) the interface that holds `address`. Needs bash (interpreter
 * ["/bin/bash", "-c"]): the remote shell re-parses the command line, so each
 * argument is quoted with bash's printf %q.
 */
export function renderDockerMachineUnderlayMtuScript(args: {
    name: string;
    advertiseInterface?: string;
    address: string;
    requirements: readonly UnderlayMtuRequirement[];
}): string {
    return renderUnderlayMtuScript({
        host: args.name,
        ...(args.advertiseInterface !== undefined ? { interface: args.advertiseInterface } : {}),
        address: args.address,
        runIp: `docker-machine ssh ${shQuote(args.name)} "ip $(printf '%q ' "$@")"`,
        requirements: args.requirements,
    });
}

/** The docker-machine scripts' shell, in lib/drivers/sh/docker-machine/*.sh (POSIX sh). */
const SH = path.join(__dirname, "sh", "docker-machine");
const sh = (file: string): string => scriptFragment(SH, file);

function shScript(body: string[]): string {
    return ["#!/bin/sh", "set -eu", ...body, ""].join("\n");
}

/** Create a machine (`create`, passed as the script's positional parameters), run `after`, print its IP; `header`: more assignments. */
function createScript(name: string, create: string[], after: string[], header: string[] = []): string {
    return shScript([
        assign("NAME", name),
        ...header,
        assign("NO_CLUSTER_STORE_FROM", FIRST_ENGINE_WITHOUT_CLUSTER_STORE),
        assign("LAST_CLUSTER_STORE", `${LAST_CLUSTER_STORE_ENGINE.major}.${LAST_CLUSTER_STORE_ENGINE.minor}`),
        `set -- ${shJoin(create)}`,
        sh("create.sh"),
        ...after,
        sh("print-ip.sh"),
    ]);
}
