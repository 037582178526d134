/**
 * The stack configuration: what a user writes under `docker-overlay:*` in a
 * Pulumi.<stack>.yaml. Field names are fixed (docs/architecture.md, "Config schema"). These are the
 * types the program works with; the stack file's own description of each key
 * (type, enum, default, what it means) is the field table in fields.ts, from
 * which validation takes its key lists and enums and the JSON Schema is made,
 * and the default values are in defaults.ts.
 *
 * `RawConfig` is what arrives from YAML (anything may be missing or of the
 * wrong type); `validateConfig` checks it and `normalizeConfig` turns a valid
 * one into `ClusterConfig`, where every default is filled in.
 */

/** Project name: the namespace of every config key. */
export const PROJECT = "docker-overlay";

export type DriverKind = "netns" | "dind" | "ssh" | "docker-machine";
export const DRIVER_KINDS: readonly DriverKind[] = ["netns", "dind", "ssh", "docker-machine"];

export type KvBackend = "consul" | "etcd" | "zookeeper";
export const KV_BACKENDS: readonly KvBackend[] = ["consul", "etcd", "zookeeper"];

/** Default client port of each KV backend, and the URL scheme libkv expects. */
export const KV_DEFAULT_PORT: Record<KvBackend, number> = { consul: 8500, etcd: 2379, zookeeper: 2181 };
/** With `kvStore.tls`: consul's HTTPS port by convention; etcd serves TLS on its client port. */
export const KV_TLS_DEFAULT_PORT: Record<KvBackend, number> = { ...KV_DEFAULT_PORT, consul: 8501 };
/** The `cluster-store-opts` that carry the store's TLS files to libkv. */
export const KV_TLS_OPTS = { ca: "kv.cacertfile", cert: "kv.certfile", key: "kv.keyfile" } as const;
export const KV_SCHEME: Record<KvBackend, string> = { consul: "consul", etcd: "etcd", zookeeper: "zk" };

export type EngineMode = "cluster-store" | "swarm";
export const ENGINE_MODES: readonly EngineMode[] = ["cluster-store", "swarm"];

export type HostRole = "manager" | "worker";
export const HOST_ROLES: readonly HostRole[] = ["manager", "worker"];

/** Swarm's node availability (`docker node update --availability`). */
export type HostAvailability = "active" | "pause" | "drain";
export const HOST_AVAILABILITIES: readonly HostAvailability[] = ["active", "pause", "drain"];
/** Most managers a swarm takes: each raft write waits for a majority of them. */
export const MAX_SWARM_MANAGERS = 7;

/** Names Docker itself owns; an overlay of that name would clash with a built-in network. */
export const RESERVED_NETWORK_NAMES: readonly string[] = ["bridge", "host", "none", "docker_gwbridge", "ingress"];

/** An image made available to every engine without a registry (netns lab). */
export interface PreloadImage {
    /** Image reference as containers name it, e.g. `busybox:latest`. */
    name: string;
    /** A rootfs tarball on the machine running the program, imported with `docker import`. */
    rootfs: string;
}

export interface NetnsDriverConfig {
    kind: "netns";
    /** The lab bridge network the namespace hosts sit on, e.g. 10.199.0.0/24. Its first address is the bridge. */
    underlay: string;
    /** Bridge name in the root namespace (<= 15 chars). Default `dovl0`. */
    bridge: string;
    /** MTU of the lab bridge and every machine's veth: the underlay's MTU; overlays get 50 less (lib/plan/mtu.ts). Default 1500. */
    underlayMtu: number;
    /** Directory holding `dockerd` (and `docker-proxy`) for the hosts. Default `/opt/docker-overlay/engine/bin`. */
    engineBin: string;
    /** Directory holding the KV store binaries (`consul`, ...). Default `/opt/docker-overlay/kv/bin`. */
    kvBin: string;
    /** Where each host keeps its data-root and logs. Default `/var/lib/docker-overlay/<stack>`. */
    stateDir: string;
    /** Where each host keeps its exec-root, pidfiles and sockets. Default `/run/docker-overlay/<stack>`. */
    runDir: string;
    /** Images loaded into every engine after it starts (no registry needed). Default: the busybox scripts/lab-deps.sh prepares; `[]` means none. */
    images: PreloadImage[];
}

export interface DindDriverConfig {
    kind: "dind";
    /** Docker image of each engine machine. Default `docker:20.10.24-dind`. */
    image: string;
    /** Image of the KV machine. Default per backend (`hashicorp/consul:1.16`, ...). */
    kvImage?: string;
    /** User-defined bridge network the machines share. Default `docker-overlay`. */
    network: string;
    /** Subnet of that network. Default 172.30.0.0/24. */
    subnet: string;
    /** MTU of the machines' network; the nested overlay's MTU is 50 less. Default 1450. */
    mtu: number;
    /** Docker endpoint that runs the machines. Default `unix:///var/run/docker.sock`. */
    localDockerHost: string;
}

export interface SshMachine {
    /** Address the program connects to over ssh. */
    address: string;
    user?: string;
    port?: number;
    /**
     * The machine's public host key, pinned (`<type> <base64>`, as
     * /etc/ssh/ssh_host_ed25519_key.pub reads): the remote commands refuse a
     * machine that presents another. Without it they accept any key.
     */
    hostKey?: string;
}

export interface SshDriverConfig {
    kind: "ssh";
    /** Default ssh user. Default `root`. */
    user: string;
    /** Default ssh port. Default 22. */
    port: number;
}

export interface DockerMachineDriverConfig {
    kind: "docker-machine";
    /** docker-machine driver (`virtualbox`, `generic`, ...). Default `virtualbox`. */
    machineDriver: string;
    /** Extra `docker-machine create` flags, e.g. `--virtualbox-memory=1024`. */
    createFlags: string[];
    /** Run classic swarm (`--swarm`, `--swarm-master`, `--swarm-discovery`). Default true in cluster-store mode; never in swarm mode. */
    swarm: boolean;
    /** Swarm image. Default `swarm:1.2.9`. */
    swarmImage: string;
}

export type DriverConfig = NetnsDriverConfig | DindDriverConfig | SshDriverConfig | DockerMachineDriverConfig;

export interface KvStoreConfig {
    backend: KvBackend;
    /** Name of the machine the driver creates for the store (exclusive with `address`). */
    machine?: string;
    /** An existing store, e.g. `consul://192.0.2.10:8500` (exclusive with `machine`). */
    address?: string;
    /** Client port; default per backend. */
    port: number;
    /** Key prefix where the program records the cluster (consul only). Default `docker-overlay/<stack>`. */
    recordPrefix: string;
    /**
     * TLS with client certificates on the store's client port (consul's HTTPS
     * API, etcd's client URL): the program makes a CA of the store's own, the
     * store's server certificate and one client certificate that the engines
     * (`cluster-store-opts` kv.cacertfile/kv.certfile/kv.keyfile) and the
     * program's consul provider present; the store refuses every other client.
     * A store the netns driver creates, consul or etcd. Default false.
     */
    tls: boolean;
}

export interface EngineConfig {
    /**
     * `cluster-store`: engines keep overlay state in the KV store (Docker <= 20.10).
     * `swarm`: the hosts form a swarm-mode cluster (any current engine). Default `cluster-store`.
     */
    mode: EngineMode;
    /** Interface whose address engines advertise (`cluster-advertise=<if>:<port>`, swarm's `--advertise-addr` on ssh hosts). Default `eth1`. */
    advertiseInterface: string;
    /** Port the engine's TCP API listens on (with TLS) and, in cluster-store mode, advertises. Default 2376. */
    apiPort: number;
    /** Extra `cluster-store-opts` (e.g. `kv.path`), rendered as `key=value`. cluster-store mode only. */
    clusterStoreOpts: Record<string, string>;
    /**
     * TLS on the engines' TCP API: the program makes a CA, a server certificate per
     * engine and one client certificate; engines run with `--tlsverify` and the
     * program's docker providers (and scripts) present the client certificate.
     * Defaults per driver, by whether the API leaves a unix socket anyway:
     * dind `true` (its API is TCP); netns `false` (unix sockets; `true` adds
     * `tcp://<address>:<apiPort>`); ssh `false` (the program reaches engines over
     * `ssh://`; `true` opens `tcp://0.0.0.0:<apiPort>` with TLS and uses it);
     * docker-machine: always TLS, with docker-machine's own certificates.
     */
    tls: boolean;
    /** Swarm-mode settings; present only with `mode: swarm`. */
    swarm?: SwarmEngineConfig;
}

export interface SwarmEngineConfig {
    /**
     * `--default-addr-pool`: where swarm allocates its `ingress` network (and any
     * network without a subnet), as the user configured it. Without it the plan
     * chooses one away from every overlay subnet and the machines' network
     * (`ClusterPlan.swarmAddressPool`, lib/swarm/pool.ts), because the engine's
     * own default puts `ingress` on 10.0.0.0/24.
     */
    addressPool?: string;
    /** `--default-addr-pool-mask-length`. Default 24. */
    addressPoolMaskLength: number;
    /** Swarm's management port (`--listen-addr` / `--advertise-addr`). Default 2377. */
    port: number;
    /** `--data-path-port`: the UDP port of the overlays' VXLAN traffic (1024-49151). Default 4789. */
    dataPathPort: number;
    /** `--data-path-addr`: the address (or interface) the manager sends overlay data from, apart from the management traffic. Default: the advertise address. */
    dataPathAddress?: string;
    /** A trigger: setting or changing it rotates the join tokens (`docker swarm join-token --rotate`). */
    rotateTokens?: string;
}

export interface HostConfig {
    /** Unique machine name; also the engine's hostname (the KV store tells engines apart by it). */
    name: string;
    role: HostRole;
    /** Engine labels, matched by `<label>==<value>` constraints. */
    labels: Record<string, string>;
    /** Swarm mode: the node's availability, applied in place; unset leaves it as swarm has it. */
    availability?: HostAvailability;
    /** ssh driver: the machine is gone for good; what the stack has on it is retained on delete (`hosts[].lost`). */
    lost?: true;
    /** ssh driver: where the machine is. */
    ssh?: SshMachine;
    /** netns driver: the host's underlay address (default: allocated from the underlay in host order). */
    address?: string;
}

export interface NetworkConfig {
    name: string;
    subnet: string;
    /** Default: first usable address of the subnet. */
    gateway: string;
    ipRange?: string;
    internal: boolean;
    encrypted: boolean;
    /**
     * The overlay's own MTU (its containers' interfaces). Default: the
     * underlay's minus VXLAN's 50 bytes (and ESP's when encrypted), see
     * lib/plan/mtu.ts; never above that where the plan knows the underlay.
     */
    mtu?: number;
    /** The network's name before a rename: its resource's alias (components/overlayNetwork.ts). */
    renamedFrom?: string;
}

export interface ContainerNetworkAttachment {
    name: string;
    ipv4Address?: string;
}

export interface ContainerConfig {
    name: string;
    image: string;
    command: string[];
    networks: ContainerNetworkAttachment[];
    /** Normalized constraints (`constraint:` prefix removed). */
    constraints: string[];
    env: Record<string, string>;
}

/** A validated, defaulted configuration: what components are built from. */
export interface ClusterConfig {
    stack: string;
    driver: DriverConfig;
    /**
     * The KV store. Always present in cluster-store mode (defaulted to a `kvstore`
     * machine); in swarm mode only when `docker-overlay:kvStore` is configured
     * (the engines do not use it; with consul the program records the cluster there).
     */
    kvStore?: KvStoreConfig;
    engine: EngineConfig;
    hosts: HostConfig[];
    networks: NetworkConfig[];
    containers: ContainerConfig[];
}

/** The config as read from YAML before validation: every key optional and untrusted. */
export interface RawConfig {
    driver?: unknown;
    kvStore?: unknown;
    engine?: unknown;
    hosts?: unknown;
    networks?: unknown;
    containers?: unknown;
}

/** The keys `RawConfig` may carry, in the order errors are reported. */
export const CONFIG_KEYS = ["driver", "kvStore", "engine", "hosts", "networks", "containers"] as const;
