/**
 * The stack file's field table: every `docker-overlay:*` key, per section,
 * with its type, description, enum and default. One source for two readers:
 * validation takes its known-key lists and enums from here (validate/*.ts),
 * and the JSON Schema editors use (schema/stack.schema.json, made by
 * lib/config/schema.ts) is generated from it, so the two cannot drift
 * (tests/unit/config/schema.test.ts checks both directions).
 *
 * Defaults are the values in defaults.ts, which normalization fills in. A
 * default that depends on other keys (the stack name, the backend, the
 * driver) has no `default` here; its description says what it is.
 *
 * Key order is the order validation lists known keys in its messages.
 * Validation stays the authority for what a schema cannot say (overlaps,
 * addresses inside subnets, placement, manager counts (quorum), unique names).
 */
import {
    DEFAULTS,
    MAX_DATA_PATH_PORT,
    MAX_MTU,
    MAX_NETWORK_PREFIX,
    MAX_OVERLAY_MTU,
    MIN_DATA_PATH_PORT,
    MIN_MTU,
    MIN_NETWORK_PREFIX,
    MIN_OVERLAY_MTU,
} from "./defaults";
import {
    CONFIG_KEYS,
    DRIVER_KINDS,
    DriverKind,
    ENGINE_MODES,
    HOST_AVAILABILITIES,
    HOST_ROLES,
    KV_BACKENDS,
    MAX_SWARM_MANAGERS,
    RESERVED_NETWORK_NAMES,
} from "./types";

interface Common {
    description: string;
}
export interface StringField extends Common {
    type: "string";
    enum?: readonly string[];
    default?: string;
}
export interface IntegerField extends Common {
    type: "integer";
    minimum: number;
    maximum: number;
    default?: number;
}
export interface BooleanField extends Common {
    type: "boolean";
    default?: boolean;
}
/** An object with exactly these keys (validation reports any other as unknown). */
export interface ObjectField extends Common {
    type: "object";
    fields: Fields;
    required?: readonly string[];
}
/** An object of string values with names of the user's choosing (labels, env, options). */
export interface MapField extends Common {
    type: "map";
}
export interface ListField extends Common {
    type: "list";
    items: Field;
    minItems?: number;
    default?: readonly unknown[];
}
/** One of several shapes (a container's network: a name, or `{ name, ipv4Address }`). */
export interface OneOfField extends Common {
    type: "oneOf";
    options: readonly Field[];
}
export type Field = StringField | IntegerField | BooleanField | ObjectField | MapField | ListField | OneOfField;
export type Fields = Readonly<Record<string, Field>>;

/** The keys of a field table, in order: validation's known-key list. */
export function keysOf(fields: Fields): string[] {
    return Object.keys(fields);
}

const port = (description: string, fallback?: number): IntegerField => ({
    type: "integer",
    minimum: 1,
    maximum: 65535,
    description,
    ...(fallback !== undefined ? { default: fallback } : {}),
});

// ---------------------------------------------------------------- driver

export const DRIVER_KIND_FIELD = {
    type: "string",
    enum: DRIVER_KINDS,
    default: DEFAULTS.driverKind,
    description:
        "How machines are made: netns (network namespaces on this machine, the lab), dind (privileged docker:dind containers), " +
        "ssh (existing machines reached over ssh), docker-machine (machines docker-machine creates).",
} satisfies StringField;

export const PRELOAD_IMAGE_FIELDS = {
    name: { type: "string", description: "The image reference containers use, e.g. busybox:latest." },
    rootfs: { type: "string", description: "Absolute path of a rootfs tarball on the machine running the program, loaded with docker import." },
} satisfies Fields;

/** Each driver kind's own keys (besides `kind`). */
export const DRIVER_FIELDS = {
    netns: {
        underlay: {
            type: "string",
            default: DEFAULTS.netns.underlay,
            description:
                "IPv4 CIDR of the bridge network the namespace hosts sit on; its first address is the bridge's. Room for the KV machine and every host.",
        },
        bridge: {
            type: "string",
            default: DEFAULTS.netns.bridge,
            description: "Name of the bridge in the root namespace (a Linux interface name, at most 15 characters).",
        },
        underlayMtu: {
            type: "integer",
            minimum: MIN_MTU,
            maximum: MAX_MTU,
            default: DEFAULTS.netns.underlayMtu,
            description:
                "MTU of the bridge and every machine's link to it (the underlay); overlays get 50 less (76, rounded down to a multiple of 4, encrypted).",
        },
        engineBin: {
            type: "string",
            default: DEFAULTS.netns.engineBin,
            description: "Absolute path of the directory holding dockerd (and docker-proxy) for the hosts.",
        },
        kvBin: {
            type: "string",
            default: DEFAULTS.netns.kvBin,
            description: "Absolute path of the directory holding the KV store binaries (consul, etcd, ...).",
        },
        stateDir: {
            type: "string",
            description: `Absolute path where each host keeps its data-root and logs. Default ${DEFAULTS.netns.stateDirBase}/<stack>.`,
        },
        runDir: {
            type: "string",
            description: `Absolute path where each host keeps its exec-root, pidfiles and sockets. Default ${DEFAULTS.netns.runDirBase}/<stack>.`,
        },
        images: {
            type: "list",
            items: {
                type: "object",
                fields: PRELOAD_IMAGE_FIELDS,
                required: ["name", "rootfs"],
                description: "An image loaded into every engine: its name and rootfs tarball.",
            },
            default: DEFAULTS.netns.images,
            description:
                "Images loaded into every engine after it starts (the engines reach no registry). Without the key, the busybox image scripts/lab-deps.sh prepares; [] means none.",
        },
    },
    dind: {
        image: {
            type: "string",
            default: DEFAULTS.dind.image,
            description: "Docker image of each engine machine (cluster-store mode needs an engine <= 20.10).",
        },
        kvImage: { type: "string", description: "Image of the KV machine. Default per backend (hashicorp/consul:1.16, ...)." },
        network: { type: "string", default: DEFAULTS.dind.network, description: "User-defined bridge network the machines share (a Docker network name)." },
        subnet: {
            type: "string",
            default: DEFAULTS.dind.subnet,
            description: "IPv4 CIDR of that network; its first address is the gateway. Room for the KV machine and every host.",
        },
        mtu: {
            type: "integer",
            minimum: MIN_MTU,
            maximum: MAX_MTU,
            default: DEFAULTS.dind.mtu,
            description: "MTU of the machines' network; the overlays inside get 50 less.",
        },
        localDockerHost: {
            type: "string",
            default: DEFAULTS.dind.localDockerHost,
            description: "This machine's Docker, which runs the machines: a unix:// or npipe:// socket, or tcp://127.0.0.1:<port>.",
        },
    },
    ssh: {
        user: { type: "string", default: DEFAULTS.ssh.user, description: "Default ssh user (hosts[].ssh.user overrides it)." },
        port: port("Default ssh port (hosts[].ssh.port overrides it).", DEFAULTS.ssh.port),
    },
    "docker-machine": {
        machineDriver: { type: "string", default: DEFAULTS.dockerMachine.machineDriver, description: "docker-machine driver (virtualbox, generic, ...)." },
        createFlags: {
            type: "list",
            items: { type: "string", description: "One flag." },
            description: "Extra docker-machine create flags, e.g. --virtualbox-memory=1024.",
        },
        swarm: {
            type: "boolean",
            description: "Run classic swarm (--swarm, --swarm-master, --swarm-discovery). Default true in cluster-store mode; never with engine.mode swarm.",
        },
        swarmImage: { type: "string", default: DEFAULTS.dockerMachine.swarmImage, description: "Classic swarm image." },
    },
} satisfies Record<DriverKind, Fields>;

/** `driver`'s known keys for a kind: `kind`, then the kind's own. */
export function driverKeys(kind: DriverKind): string[] {
    return ["kind", ...keysOf(DRIVER_FIELDS[kind])];
}

export const DRIVER_DESCRIPTION = "How the machines (the KV machine and the Docker hosts) are made; each kind has settings of its own.";

// ---------------------------------------------------------------- kvStore

export const KV_STORE_FIELDS = {
    backend: { type: "string", enum: KV_BACKENDS, default: DEFAULTS.kvBackend, description: "The KV store: consul, etcd or zookeeper." },
    machine: {
        type: "string",
        description: `Name of the machine the driver creates for the store (a lowercase hostname, not a host's). Default ${DEFAULTS.kvMachine}. Exclusive with address.`,
    },
    address: { type: "string", description: "An existing store instead, as <scheme>://<host>:<port>, e.g. consul://192.0.2.10:8500. Exclusive with machine." },
    port: port("Client port. Default per backend: consul 8500 (8501 with tls), etcd 2379, zookeeper 2181; with address, the address's port."),
    recordPrefix: { type: "string", description: "Consul key prefix where the program records the cluster (consul only). Default docker-overlay/<stack>." },
    tls: {
        type: "boolean",
        default: false,
        description: "TLS with client certificates on the store's client port, from a CA of the store's own (a store the netns driver runs; consul or etcd).",
    },
} satisfies Fields;

export const KV_STORE_DESCRIPTION =
    "The KV store: always in engine.mode cluster-store (defaulted to a machine named kvstore); in swarm mode only when configured (consul then records the cluster).";

// ---------------------------------------------------------------- engine

export const SWARM_FIELDS = {
    addressPool: {
        type: "string",
        description:
            "--default-addr-pool: IPv4 CIDR swarm allocates its ingress network from. Default: chosen off every overlay subnet and the machines' network.",
    },
    addressPoolMaskLength: {
        type: "integer",
        minimum: MIN_NETWORK_PREFIX,
        maximum: MAX_NETWORK_PREFIX,
        default: DEFAULTS.swarm.addressPoolMaskLength,
        description: "--default-addr-pool-mask-length: the prefix length of each network swarm allocates from the pool.",
    },
    port: port("Swarm's management port (--listen-addr / --advertise-addr).", DEFAULTS.swarm.port),
    dataPathPort: {
        type: "integer",
        minimum: MIN_DATA_PATH_PORT,
        maximum: MAX_DATA_PATH_PORT,
        default: DEFAULTS.swarm.dataPathPort,
        description: "--data-path-port: the UDP port of the overlays' VXLAN traffic between nodes (swarm init accepts 1024-49151).",
    },
    dataPathAddress: {
        type: "string",
        description:
            "--data-path-addr: IPv4 address or interface the manager sends overlay data from, apart from management traffic. Default: the advertise address.",
    },
    rotateTokens: {
        type: "string",
        description:
            "A trigger, any non-empty string: setting or changing it rotates the worker and manager join tokens (docker swarm join-token --rotate) and the program reads the new ones; the old tokens are refused. No host is rebuilt.",
    },
} satisfies Fields;

export const ENGINE_FIELDS = {
    mode: {
        type: "string",
        enum: ENGINE_MODES,
        default: DEFAULTS.engine.mode,
        description:
            "cluster-store: engines keep overlay state in the KV store (Docker <= 20.10). swarm: the hosts form a swarm-mode cluster (any current engine).",
    },
    advertiseInterface: {
        type: "string",
        default: DEFAULTS.engine.advertiseInterface,
        description: "Interface (or, except with netns, IPv4 address) whose address engines advertise (cluster-advertise, swarm's --advertise-addr).",
    },
    apiPort: port("Port of the engine's TCP API (with TLS) and, in cluster-store mode, the advertised port.", DEFAULTS.engine.apiPort),
    clusterStoreOpts: { type: "map", description: "Extra cluster-store-opts (e.g. kv.path), rendered as name=value. cluster-store mode only." },
    tls: {
        type: "boolean",
        description:
            "TLS on the engines' TCP API with certificates the program makes. Default per driver: dind true, netns false, ssh false; docker-machine always has TLS.",
    },
    swarm: { type: "object", fields: SWARM_FIELDS, description: "Swarm-mode settings (engine.mode swarm only)." },
} satisfies Fields;

export const ENGINE_DESCRIPTION = "How the engines form the overlay: mode, API port, TLS, cluster-store options or swarm settings.";

// ---------------------------------------------------------------- hosts

export const SSH_MACHINE_FIELDS = {
    address: { type: "string", description: "Hostname or IP address the program reaches the machine at over ssh (an IPv6 address without brackets)." },
    user: { type: "string", description: "ssh user; default driver.user." },
    port: port("ssh port; default driver.port."),
    hostKey: {
        type: "string",
        description: "The machine's public host key, pinned: <type> <base64>, as /etc/ssh/ssh_host_ed25519_key.pub reads. Without it any key is accepted.",
    },
} satisfies Fields;

export const HOST_FIELDS = {
    name: {
        type: "string",
        description: "Unique machine name, a lowercase RFC 1123 hostname; also the engine's hostname (the KV store tells engines apart by it).",
    },
    role: {
        type: "string",
        enum: HOST_ROLES,
        default: DEFAULTS.hostRole,
        description:
            `The first manager creates the networks (and inits the swarm). Cluster-store mode: at most one manager. ` +
            `Swarm mode: an odd number of managers, at most ${MAX_SWARM_MANAGERS} (1, 3 or 5 usual), for the raft quorum; the others join as managers.`,
    },
    labels: { type: "map", description: "Engine labels, matched by <label>==<value> constraints (node is not a label)." },
    ssh: { type: "object", fields: SSH_MACHINE_FIELDS, required: ["address"], description: "ssh driver only, and required there: where the machine is." },
    address: {
        type: "string",
        description:
            "netns and dind: the host's IPv4 address on the machines' network. Default: the address the host's name picks in that network (lib/net/allocate.ts): adding or removing another host never changes it.",
    },
    availability: {
        type: "string",
        enum: HOST_AVAILABILITIES,
        description:
            "Swarm mode only: the node's availability (docker node update --availability), applied in place. Unset: as swarm has it (active). Containers on an overlay are not placed on a pause or drain host (swarm starts no new task there, an overlay attachment included).",
    },
    lost: {
        type: "boolean",
        description:
            "ssh driver: the machine is gone for good (true). Nothing on it changes, but everything the stack has on it is kept when deleted (retainOnDelete): a later `up` without the host, or a `destroy`, drops it from the state without asking its engine. No container is placed on it anew: one the stack does not run there that only lost hosts fit is refused by name before anything is made. Not for a manager, nor for the host the overlays are created on.",
    },
} satisfies Fields;

// ---------------------------------------------------------------- networks

export const NETWORK_FIELDS = {
    name: { type: "string", description: `Overlay network name (a Docker network name, unique, not one of ${RESERVED_NETWORK_NAMES.join(", ")}).` },
    subnet: { type: "string", description: `IPv4 CIDR of the overlay, /${MIN_NETWORK_PREFIX} to /${MAX_NETWORK_PREFIX}, overlapping no other network.` },
    gateway: { type: "string", description: "IPv4 gateway address, a usable address of the subnet. Default: the subnet's first usable address." },
    ipRange: { type: "string", description: "IPv4 CIDR inside the subnet that containers get dynamic addresses from." },
    internal: { type: "boolean", default: false, description: "No route out of the overlay." },
    encrypted: { type: "boolean", default: false, description: "IPsec-encrypted overlay traffic (engine.mode swarm; not with dind)." },
    mtu: {
        type: "integer",
        minimum: MIN_OVERLAY_MTU,
        maximum: MAX_OVERLAY_MTU,
        description:
            "The overlay's MTU (its containers' interfaces). Default: the underlay's minus VXLAN's 50 bytes (and ESP's 26, rounded down to a multiple of 4, when encrypted); never more than that.",
    },
    renamedFrom: {
        type: "string",
        description:
            "The network's name before a rename (an alias of its resource): the `up` replaces the old network with the new one, deleting the old one and its containers first, so the subnet can stay. Without it a renamed network is a new one, created before the old one is deleted, which Docker refuses while the subnet is the same. Harmless once applied; remove it when you like.",
    },
} satisfies Fields;

// ---------------------------------------------------------------- containers

export const ATTACHMENT_FIELDS = {
    name: { type: "string", description: "The network to attach." },
    ipv4Address: { type: "string", description: "A fixed IPv4 address on that network: in its subnet, not its gateway, unique there." },
} satisfies Fields;

export const CONTAINER_FIELDS = {
    name: { type: "string", description: "Container name (a Docker name), unique in the stack." },
    image: { type: "string", description: "The image to run, e.g. busybox:latest (with netns, one of driver.images)." },
    command: { type: "list", items: { type: "string", description: "One argument." }, description: 'Command and arguments, e.g. ["top"].' },
    env: { type: "map", description: "Environment variables." },
    networks: {
        type: "list",
        minItems: 1,
        items: {
            type: "oneOf",
            options: [
                { type: "string", description: "A network's name." },
                { type: "object", fields: ATTACHMENT_FIELDS, required: ["name"], description: "A network and a fixed address on it." },
            ],
            description: "A network of docker-overlay:networks, by name or as { name, ipv4Address }.",
        },
        description: "The overlay networks to attach, each once.",
    },
    constraints: {
        type: "list",
        items: { type: "string", description: "node==<host>, node!=<host>, <label>==<value> or <label>!=<value> (an optional constraint: prefix is dropped)." },
        description: "Placement constraints; the container goes on a host that satisfies all of them.",
    },
} satisfies Fields;

// ---------------------------------------------------------------- the top level

/** A top-level key: an object section (`fields`; the driver is made from DRIVER_FIELDS), or a list of `item`s. */
export interface Section {
    description: string;
    fields?: Fields;
    item?: ObjectField;
    minItems?: number;
}

/** The sections, in CONFIG_KEYS order. */
export const SECTIONS = {
    driver: { description: DRIVER_DESCRIPTION },
    kvStore: { description: KV_STORE_DESCRIPTION, fields: KV_STORE_FIELDS },
    engine: { description: ENGINE_DESCRIPTION, fields: ENGINE_FIELDS },
    hosts: {
        description: "The Docker hosts (at least one).",
        item: { type: "object", fields: HOST_FIELDS, required: ["name"], description: "A Docker host." } satisfies ObjectField,
        minItems: 1,
    },
    networks: {
        description: "The overlay networks.",
        item: { type: "object", fields: NETWORK_FIELDS, required: ["name", "subnet"], description: "An overlay network." } satisfies ObjectField,
    },
    containers: {
        description: "The containers, each placed on a host by its constraints.",
        item: { type: "object", fields: CONTAINER_FIELDS, required: ["name", "image", "networks"], description: "A container." } satisfies ObjectField,
    },
} satisfies Record<(typeof CONFIG_KEYS)[number], Section>;

/** The program's own secret keys (read with cfg.getSecret, not part of RawConfig). */
export const SECRET_KEYS = {
    sshPrivateKey: "ssh driver: the private key the program connects with (pulumi config set --secret docker-overlay:sshPrivateKey < key).",
} as const;
