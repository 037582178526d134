/**
 * Normalization: the configuration with every default filled in (defaults.ts).
 * `normalizeConfig` validates first and throws one `ConfigError` listing every
 * problem before any resource is registered, so a typo never leaves a
 * half-built cluster behind. What is decided from the whole configuration
 * rather than defaulted per key (placement, machine addresses, swarm's address
 * pool) is the plan's (lib/plan/).
 */
import { stripConstraintPrefix } from "../placement/constraints";
import { firstUsable } from "../net/cidr";
import { formatHostKey, HostKey, parseHostKey } from "../ssh/hostKey";
import { DEFAULTS } from "./defaults";
import {
    ClusterConfig,
    ContainerConfig,
    DriverConfig,
    DriverKind,
    EngineConfig,
    EngineMode,
    HostAvailability,
    HostConfig,
    KV_DEFAULT_PORT,
    KV_TLS_DEFAULT_PORT,
    KvBackend,
    KvStoreConfig,
    NetworkConfig,
    PreloadImage,
    PROJECT,
    RawConfig,
} from "./types";
import { ConfigError } from "./validate/checker";
import { validateConfig } from "./validate/validateConfig";

/**
 * The configuration with every default filled in. Validates first and throws
 * a `ConfigError` listing every problem when `raw` is not valid.
 */
export function normalizeConfig(raw: RawConfig, stack: string): ClusterConfig {
    const problems = validateConfig(raw, stack);
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    const hosts = ((raw.hosts ?? []) as Record<string, unknown>[]).map(normalizeHost);
    const mode = opt<EngineMode>(record(raw.engine)["mode"], DEFAULTS.engine.mode);
    const driver = normalizeDriver(record(raw.driver), stack, mode);
    const networks = ((raw.networks ?? []) as Record<string, unknown>[]).map(normalizeNetwork);
    // Swarm mode keeps its state in the managers' raft store: a KV store only when configured.
    const kvStore = mode === "swarm" && raw.kvStore === undefined ? undefined : normalizeKvStore(record(raw.kvStore), stack);
    return {
        stack,
        driver,
        ...(kvStore !== undefined ? { kvStore } : {}),
        engine: normalizeEngine(record(raw.engine), driver),
        hosts,
        networks,
        containers: ((raw.containers ?? []) as Record<string, unknown>[]).map(normalizeContainer),
    };
}

function record(value: unknown): Record<string, unknown> {
    return (value ?? {}) as Record<string, unknown>;
}

function opt<T>(value: unknown, fallback: T): T {
    return value === undefined ? fallback : (value as T);
}

function normalizeDriver(d: Record<string, unknown>, stack: string, mode: EngineMode): DriverConfig {
    const kind = opt<DriverKind>(d["kind"], DEFAULTS.driverKind);
    switch (kind) {
        case "netns":
            return {
                kind,
                underlay: opt(d["underlay"], DEFAULTS.netns.underlay),
                bridge: opt(d["bridge"], DEFAULTS.netns.bridge),
                underlayMtu: opt(d["underlayMtu"], DEFAULTS.netns.underlayMtu),
                engineBin: opt(d["engineBin"], DEFAULTS.netns.engineBin),
                kvBin: opt(d["kvBin"], DEFAULTS.netns.kvBin),
                stateDir: opt(d["stateDir"], `${DEFAULTS.netns.stateDirBase}/${stack}`),
                runDir: opt(d["runDir"], `${DEFAULTS.netns.runDirBase}/${stack}`),
                images: opt<readonly PreloadImage[]>(d["images"], DEFAULTS.netns.images).map((i) => ({ name: i.name, rootfs: i.rootfs })),
            };
        case "dind":
            return {
                kind,
                image: opt(d["image"], DEFAULTS.dind.image),
                ...(d["kvImage"] !== undefined ? { kvImage: d["kvImage"] as string } : {}),
                network: opt(d["network"], DEFAULTS.dind.network),
                subnet: opt(d["subnet"], DEFAULTS.dind.subnet),
                mtu: opt(d["mtu"], DEFAULTS.dind.mtu),
                localDockerHost: opt(d["localDockerHost"], DEFAULTS.dind.localDockerHost),
            };
        case "ssh":
            return { kind, user: opt(d["user"], DEFAULTS.ssh.user), port: opt(d["port"], DEFAULTS.ssh.port) };
        case "docker-machine":
            return {
                kind,
                machineDriver: opt(d["machineDriver"], DEFAULTS.dockerMachine.machineDriver),
                createFlags: [...opt<string[]>(d["createFlags"], [])],
                // Classic swarm runs on a cluster store: never in swarm mode.
                swarm: mode === "cluster-store" && opt(d["swarm"], DEFAULTS.dockerMachine.swarm),
                swarmImage: opt(d["swarmImage"], DEFAULTS.dockerMachine.swarmImage),
            };
    }
}

function normalizeKvStore(kv: Record<string, unknown>, stack: string): KvStoreConfig {
    const backend = opt<KvBackend>(kv["backend"], DEFAULTS.kvBackend);
    const recordPrefix = opt(kv["recordPrefix"], `${PROJECT}/${stack}`);
    if (kv["address"] !== undefined) {
        const address = kv["address"] as string;
        return { backend, address, port: Number(address.slice(address.lastIndexOf(":") + 1)), recordPrefix, tls: false };
    }
    const tls = opt(kv["tls"], false);
    return {
        backend,
        machine: opt(kv["machine"], DEFAULTS.kvMachine),
        port: opt(kv["port"], (tls ? KV_TLS_DEFAULT_PORT : KV_DEFAULT_PORT)[backend]),
        recordPrefix,
        tls,
    };
}

function normalizeEngine(e: Record<string, unknown>, driver: DriverConfig): EngineConfig {
    const mode = opt<EngineMode>(e["mode"], DEFAULTS.engine.mode);
    const engine: EngineConfig = {
        mode,
        advertiseInterface: opt(e["advertiseInterface"], DEFAULTS.engine.advertiseInterface),
        apiPort: opt(e["apiPort"], DEFAULTS.engine.apiPort),
        clusterStoreOpts: { ...opt<Record<string, string>>(e["clusterStoreOpts"], {}) },
        tls: opt(e["tls"], DEFAULTS.tls[driver.kind]),
    };
    if (mode === "swarm") {
        // The pool is the user's, or none: the plan chooses one (lib/plan/swarmPool.ts).
        const sw = record(e["swarm"]);
        engine.swarm = {
            ...(sw["addressPool"] !== undefined ? { addressPool: sw["addressPool"] as string } : {}),
            addressPoolMaskLength: opt<number>(sw["addressPoolMaskLength"], DEFAULTS.swarm.addressPoolMaskLength),
            port: opt(sw["port"], DEFAULTS.swarm.port),
            dataPathPort: opt(sw["dataPathPort"], DEFAULTS.swarm.dataPathPort),
            ...(sw["dataPathAddress"] !== undefined ? { dataPathAddress: sw["dataPathAddress"] as string } : {}),
            ...(sw["rotateTokens"] !== undefined ? { rotateTokens: sw["rotateTokens"] as string } : {}),
        };
    }
    return engine;
}

function normalizeHost(h: Record<string, unknown>): HostConfig {
    const ssh = h["ssh"] as Record<string, unknown> | undefined;
    return {
        name: h["name"] as string,
        role: opt(h["role"], DEFAULTS.hostRole),
        labels: { ...opt<Record<string, string>>(h["labels"], {}) },
        ...(h["availability"] !== undefined ? { availability: h["availability"] as HostAvailability } : {}),
        ...(h["lost"] === true ? { lost: true as const } : {}),
        ...(ssh !== undefined
            ? {
                  ssh: {
                      address: ssh["address"] as string,
                      ...(ssh["user"] !== undefined ? { user: ssh["user"] as string } : {}),
                      ...(ssh["port"] !== undefined ? { port: ssh["port"] as number } : {}),
                      ...(ssh["hostKey"] !== undefined ? { hostKey: formatHostKey(parseHostKey(ssh["hostKey"] as string) as HostKey) } : {}),
                  },
              }
            : {}),
        ...(h["address"] !== undefined ? { address: h["address"] as string } : {}),
    };
}

function normalizeNetwork(n: Record<string, unknown>): NetworkConfig {
    const subnet = n["subnet"] as string;
    return {
        name: n["name"] as string,
        subnet,
        gateway: opt(n["gateway"], firstUsable(subnet)),
        ...(n["ipRange"] !== undefined ? { ipRange: n["ipRange"] as string } : {}),
        internal: opt(n["internal"], false),
        encrypted: opt(n["encrypted"], false),
        // The default depends on the driver's underlay: lib/plan/mtu.ts computes it.
        ...(n["mtu"] !== undefined ? { mtu: n["mtu"] as number } : {}),
        ...(n["renamedFrom"] !== undefined ? { renamedFrom: n["renamedFrom"] as string } : {}),
    };
}

function normalizeContainer(ct: Record<string, unknown>): ContainerConfig {
    const networks = (ct["networks"] as unknown[]).map((a) => {
        if (typeof a === "string") {
            return { name: a };
        }
        const o = a as Record<string, unknown>;
        return { name: o["name"] as string, ...(o["ipv4Address"] !== undefined ? { ipv4Address: o["ipv4Address"] as string } : {}) };
    });
    return {
        name: ct["name"] as string,
        image: ct["image"] as string,
        command: [...opt<string[]>(ct["command"], [])],
        networks,
        constraints: opt<string[]>(ct["constraints"], []).map(stripConstraintPrefix),
        env: { ...opt<Record<string, string>>(ct["env"], {}) },
    };
}
