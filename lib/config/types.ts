/**
 * The stack configuration: what a user writes under `docker-overlay:*` in a
 * Pulumi.<stack>.yaml. Field names are fixed by DESIGN.md; this file is the
 * one place that says what each field means and what it defaults to.
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
export const KV_SCHEME: Record<KvBackend, string> = { consul: "consul", etcd: "etcd", zookeeper: "zk" };

export type EngineMode = "cluster-store" | "swarm";
export const ENGINE_MODES: readonly EngineMode[] = ["cluster-store", "swarm"];

export type HostRole = "manager" | "worker";
export const HOST_ROLES: readonly HostRole[] = ["manager", "worker"];

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
    /** Directory holding `dockerd` (and `docker-proxy`) for the hosts. Default `/opt/docker-overlay/engine/bin`. */
    engineBin: string;
    /** Directory holding the KV store binaries (`consul`, ...). Default `/opt/docker-overlay/kv/bin`. */
    kvBin: string;
    /** Where each host keeps its data-root and logs. Default `/var/lib/docker-overlay/<stack>`. */
    stateDir: string;
    /** Where each host keeps its exec-root, pidfiles and sockets. Default `/run/docker-overlay/<stack>`. */
    runDir: string;
    /** Images loaded into every engine after it starts (no registry needed). */
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
    /** Run classic swarm (`--swarm`, `--swarm-master`, `--swarm-discovery`). Default true. */
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
}

export interface EngineConfig {
    mode: EngineMode;
    /** Interface whose address engines advertise (`cluster-advertise=<if>:<port>`). Default `eth1`. */
    advertiseInterface: string;
    /** Port the engine API listens on and advertises. Default 2376. */
    apiPort: number;
    /** Extra `cluster-store-opts` (e.g. `kv.path`), rendered as `key=value`. */
    clusterStoreOpts: Record<string, string>;
}

export interface HostConfig {
    /** Unique machine name; also the engine's hostname (the KV store tells engines apart by it). */
    name: string;
    role: HostRole;
    /** Engine labels, matched by `<label>==<value>` constraints. */
    labels: Record<string, string>;
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
    kvStore: KvStoreConfig;
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
