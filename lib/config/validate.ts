/**
 * Validation and normalization of the stack configuration.
 *
 * `validateConfig` is pure and total: it never throws, and it reports every
 * problem at once, each with the key path to fix (`networks[1].subnet`) and a
 * message that says what is wrong and what to write instead. The program calls
 * `normalizeConfig`, which validates first and throws one `ConfigError` listing
 * every problem before any resource is registered, so a typo never leaves a
 * half-built cluster behind.
 *
 * The rules are written per key below; the cross-key rules (addresses inside
 * subnets, constraints naming real hosts and labels, overlapping subnets) only
 * run on values that passed their own checks, so one mistake gives one problem
 * rather than a cascade.
 */
import { Address6 } from "ip-address";
import { formatHostKey, HostKey, parseHostKey } from "../ssh/hostKey";
import { chooseSwarmAddressPool, DEFAULT_POOL_MASK_LENGTH } from "../swarm/pool";
import { overlayPorts } from "../plan/ports";
import { CONSTRAINT_KEY, Constraint, NODE_KEY, parseConstraint, satisfiesAll, stripConstraintPrefix } from "../placement/constraints";
import { unsatisfiableMessage } from "../placement/place";
import {
    contains,
    cidrContains,
    firstUsable,
    Ipv4Network,
    lastUsable,
    nthHost,
    overlaps,
    parseCidr,
    parseIPv4,
    ParseResult,
    toText,
} from "../net/cidr";
import {
    CONFIG_KEYS,
    ClusterConfig,
    ContainerConfig,
    DRIVER_KINDS,
    DriverConfig,
    DriverKind,
    ENGINE_MODES,
    EngineConfig,
    EngineMode,
    HOST_ROLES,
    HostConfig,
    HostRole,
    KV_BACKENDS,
    KV_DEFAULT_PORT,
    KV_TLS_DEFAULT_PORT,
    KV_TLS_OPTS,
    KV_SCHEME,
    KvBackend,
    KvStoreConfig,
    NetworkConfig,
    PROJECT,
    RawConfig,
    RESERVED_NETWORK_NAMES,
} from "./types";

// ---------------------------------------------------------------- public interface

/** One problem: `path` is the key below `docker-overlay:` (e.g. `networks[1].subnet`). */
export interface ConfigProblem {
    path: string;
    message: string;
}

/** `docker-overlay:networks[1].subnet: "10.0.0.0/33" is not an IPv4 CIDR ...` */
export function formatProblem(p: ConfigProblem): string {
    return `${PROJECT}:${p.path}: ${p.message}`;
}

/** Thrown by `normalizeConfig`: every problem, one per line, under a header. */
export class ConfigError extends Error {
    readonly problems: readonly ConfigProblem[];

    constructor(problems: readonly ConfigProblem[]) {
        const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
        super([`${PROJECT}: ${count} in the stack configuration:`, ...problems.map(formatProblem)].join("\n"));
        this.name = "ConfigError";
        this.problems = problems;
    }
}

/**
 * A top-level value Pulumi could not hand over as an object (e.g. `cfg.getObject`
 * threw because the value is not JSON). `rawFromPulumiConfig` puts one in the
 * raw config so validation reports it with its key instead of crashing.
 */
export class UnreadableConfigValue {
    constructor(readonly reason: string) {}
}

/** Config keys the program reads itself (secrets), outside `RawConfig`; they are not "unknown". */
export const PROGRAM_CONFIG_KEYS: readonly string[] = ["sshPrivateKey"];

/** Every default `normalizeConfig` fills in, in one place. */
export const DEFAULTS = {
    driverKind: "netns" as DriverKind,
    netns: {
        underlay: "10.199.0.0/24",
        bridge: "dovl0",
        engineBin: "/opt/docker-overlay/engine/bin",
        kvBin: "/opt/docker-overlay/kv/bin",
        /** `<stateDirBase>/<stack>` */
        stateDirBase: "/var/lib/docker-overlay",
        /** `<runDirBase>/<stack>` */
        runDirBase: "/run/docker-overlay",
    },
    dind: {
        image: "docker:20.10.24-dind",
        network: "docker-overlay",
        subnet: "172.30.0.0/24",
        mtu: 1450,
        localDockerHost: "unix:///var/run/docker.sock",
    },
    ssh: { user: "root", port: 22 },
    dockerMachine: { machineDriver: "virtualbox", swarm: true, swarmImage: "swarm:1.2.9" },
    kvBackend: "consul" as KvBackend,
    /** The KV machine's name when neither `kvStore.machine` nor `kvStore.address` is given. */
    kvMachine: "kvstore",
    engine: { mode: "cluster-store" as EngineMode, advertiseInterface: "eth1", apiPort: 2376 },
    /**
     * `engine.tls` per driver: on where the engine API is TCP anyway (dind), off
     * where the program reaches engines over unix sockets (netns) or ssh:// (ssh).
     * docker-machine always secures its engines with certificates of its own.
     */
    tls: { netns: false, dind: true, ssh: false, "docker-machine": true } as Record<DriverKind, boolean>,
    swarm: { addressPoolMaskLength: DEFAULT_POOL_MASK_LENGTH, port: 2377 },
    hostRole: "worker" as HostRole,
} as const;

/** Overlay subnet prefix lengths accepted (see the networks rules). */
export const MIN_NETWORK_PREFIX = 8;
export const MAX_NETWORK_PREFIX = 30;
/** dind machine network MTU bounds: IPv6's minimum link MTU up to jumbo frames. */
export const MIN_MTU = 1280;
export const MAX_MTU = 9000;

// ---------------------------------------------------------------- name rules

/** RFC 1123 hostname label, lowercase: the machine name is also the engine's hostname. */
const HOSTNAME_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Any-case DNS label, for names of machines the program does not create (ssh addresses, KV hosts). */
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** Docker's rule for container and network names. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const DOTTED_DIGITS = /^[0-9.]+$/;
const IFNAME_MAX = 15;

function hostnameProblem(name: string): string | undefined {
    if (HOSTNAME_LABEL.test(name)) {
        return undefined;
    }
    const lower = name.toLowerCase();
    const hint = lower !== name && HOSTNAME_LABEL.test(lower) ? `; did you mean ${JSON.stringify(lower)}?` : "";
    return (
        `${JSON.stringify(name)} is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, ` +
        `not starting or ending with a hyphen (it becomes the machine's hostname)${hint}`
    );
}

const IFNAME_RULE = `a Linux interface name has 1 to ${IFNAME_MAX} characters, is not "." or "..", and has no "/", ":" or whitespace`;

/** Linux interface name rules (the kernel's dev_valid_name). */
function isIfname(name: string): boolean {
    return name !== "" && Buffer.byteLength(name) <= IFNAME_MAX && name !== "." && name !== ".." && !/[/:\s]/.test(name);
}

/** A DNS name (dotted labels) or an IPv4 address; `undefined` when fine. */
function hostOrIPv4Problem(host: string): string | undefined {
    if (DOTTED_DIGITS.test(host)) {
        const ip = parseIPv4(host);
        return ip.ok ? undefined : ip.reason;
    }
    if (host.length > 253 || !host.split(".").every((l) => DNS_LABEL.test(l))) {
        return `${JSON.stringify(host)} is neither a hostname nor an IPv4 address`;
    }
    return undefined;
}

// ---------------------------------------------------------------- did you mean

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) {
        d[0][j] = j;
    }
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}

/**
 * The candidate closest to `word` (case-insensitive), if it is close enough to
 * be a likely typo: one edit for short words, two for words of 5+ characters.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
    const limit = word.length >= 5 ? 2 : 1;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const distance = editDistance(word.toLowerCase(), c.toLowerCase());
        if (distance < bestDistance) {
            best = c;
            bestDistance = distance;
        }
    }
    return bestDistance <= limit ? best : undefined;
}

function suggestion(word: string, candidates: readonly string[]): string {
    const guess = didYouMean(word, candidates);
    return guess === undefined ? "" : `; did you mean ${JSON.stringify(guess)}?`;
}

// ---------------------------------------------------------------- paths and values

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function keyPath(path: string, key: string): string {
    if (!IDENTIFIER.test(key)) {
        return `${path}[${JSON.stringify(key)}]`;
    }
    return path === "" ? key : `${path}.${key}`;
}

function indexPath(path: string, index: number): string {
    return `${path}[${index}]`;
}

/** How a value reads in a message: `the string "x"`, `the number 5`, `a list`, ... */
function got(value: unknown): string {
    if (value === null) {
        return "an empty value";
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    switch (typeof value) {
        case "string":
            return `the string ${JSON.stringify(value)}`;
        case "number":
            return `the number ${value}`;
        case "boolean":
            return `${value}`;
        case "object":
            return "an object";
        default:
            return `a ${typeof value}`;
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof UnreadableConfigValue);
}

function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Collects problems; each check returns the value when it is well-formed, `undefined` otherwise. */
class Checker {
    readonly problems: ConfigProblem[] = [];

    add(path: string, message: string): void {
        this.problems.push({ path, message });
    }

    /**
     * An object whose keys are all in `known`. `foreign(key)` may explain a key
     * that belongs elsewhere (e.g. a setting of another driver).
     */
    object(path: string, value: unknown, known: readonly string[], foreign?: (key: string) => string | undefined): Record<string, unknown> | undefined {
        if (!isRecord(value)) {
            this.add(path, `must be an object (key: value pairs), got ${got(value)}`);
            return undefined;
        }
        for (const key of Object.keys(value)) {
            if (known.includes(key)) {
                continue;
            }
            const elsewhere = foreign?.(key);
            this.add(keyPath(path, key), elsewhere ?? `unknown key${suggestion(key, known)} (known keys: ${known.join(", ")})`);
        }
        return value;
    }

    list(path: string, value: unknown): unknown[] | undefined {
        if (!Array.isArray(value)) {
            const hint = typeof value === "string" ? `; write it as a list: [${value}]` : "";
            this.add(path, `must be a list, got ${got(value)}${hint}`);
            return undefined;
        }
        return value;
    }

    string(path: string, value: unknown, what = "a string"): string | undefined {
        if (typeof value !== "string") {
            const hint = typeof value === "number" || typeof value === "boolean" ? `; quote it: "${value}"` : "";
            this.add(path, `must be ${what}, got ${got(value)}${hint}`);
            return undefined;
        }
        return value;
    }

    /** A string `parse` accepts: its text and value, or undefined once the problem is added. */
    parsed<T>(path: string, value: unknown, what: string, parse: (text: string) => ParseResult<T>): { text: string; value: T } | undefined {
        const text = this.string(path, value, what);
        if (text === undefined) {
            return undefined;
        }
        const result = parse(text);
        if (!result.ok) {
            this.add(path, result.reason);
            return undefined;
        }
        return { text, value: result.value };
    }

    /** An IPv4 CIDR: its text and the network. */
    cidr(path: string, value: unknown): { text: string; value: Ipv4Network } | undefined {
        return this.parsed(path, value, "an IPv4 CIDR", parseCidr);
    }

    /** An IPv4 address: its text and its value. */
    ipv4(path: string, value: unknown): { text: string; value: bigint } | undefined {
        return this.parsed(path, value, "an IPv4 address", parseIPv4);
    }

    /** A string that is not empty and has no whitespace (image references, user names, ...). */
    word(path: string, value: unknown, what: string): string | undefined {
        const s = this.string(path, value, what);
        if (s === undefined) {
            return undefined;
        }
        if (s === "" || /\s/.test(s)) {
            this.add(path, `must be ${what}, not empty and without whitespace, got ${got(s)}`);
            return undefined;
        }
        return s;
    }

    absolutePath(path: string, value: unknown): string | undefined {
        const s = this.string(path, value, "an absolute path");
        if (s !== undefined && !s.startsWith("/")) {
            this.add(path, `must be an absolute path (starting with /), got ${got(s)}`);
            return undefined;
        }
        return s;
    }

    integer(path: string, value: unknown, min: number, max: number, why = ""): number | undefined {
        if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
            const hint = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? "; remove the quotes" : "";
            this.add(path, `must be an integer from ${min} to ${max}${why}, got ${got(value)}${hint}`);
            return undefined;
        }
        return value;
    }

    port(path: string, value: unknown): number | undefined {
        return this.integer(path, value, 1, 65535, " (a TCP port)");
    }

    boolean(path: string, value: unknown): boolean | undefined {
        if (typeof value !== "boolean") {
            const hint = value === "true" || value === "false" ? "; remove the quotes" : "";
            this.add(path, `must be true or false, got ${got(value)}${hint}`);
            return undefined;
        }
        return value;
    }

    oneOf<T extends string>(path: string, value: unknown, options: readonly T[]): T | undefined {
        if (typeof value === "string" && (options as readonly string[]).includes(value)) {
            return value as T;
        }
        const hint = typeof value === "string" ? suggestion(value, options) : "";
        this.add(path, `must be one of ${options.join(" | ")}, got ${got(value)}${hint}`);
        return undefined;
    }

    /** An object of string values; `keyProblem` vets each key. Returns only the well-formed entries. */
    stringMap(path: string, value: unknown, keyProblem: (key: string) => string | undefined): Record<string, string> | undefined {
        if (!isRecord(value)) {
            this.add(path, `must be an object of strings (key: value pairs), got ${got(value)}`);
            return undefined;
        }
        const good: Record<string, string> = {};
        for (const [key, v] of Object.entries(value)) {
            const problem = keyProblem(key);
            if (problem !== undefined) {
                this.add(keyPath(path, key), problem);
                continue;
            }
            const s = this.string(keyPath(path, key), v);
            if (s !== undefined) {
                good[key] = s;
            }
        }
        return good;
    }

    stringList(path: string, value: unknown, example: string): string[] | undefined {
        if (!Array.isArray(value)) {
            const hint = typeof value === "string" ? `; write it as a list, e.g. ${example}` : "";
            this.add(path, `must be a list of strings, got ${got(value)}${hint}`);
            return undefined;
        }
        let ok = true;
        value.forEach((item, i) => {
            if (this.string(indexPath(path, i), item) === undefined) {
                ok = false;
            }
        });
        return ok ? (value as string[]) : undefined;
    }
}

// ---------------------------------------------------------------- facts shared between sections

/** The network the driver's machines sit on, when the driver has one (netns underlay, dind subnet). */
interface Fabric {
    /** The config key: `driver.underlay` or `driver.subnet`. */
    key: string;
    net: Ipv4Network;
    /** `the underlay` / `the dind subnet`. */
    noun: string;
    /** What the first usable address is: `the bridge's address`. */
    firstIs: string;
    defaulted: boolean;
}

interface DriverFacts {
    /** undefined when `driver.kind` is invalid: driver-dependent rules are skipped. */
    kind?: DriverKind;
    fabric?: Fabric;
}

interface EngineFacts {
    mode?: EngineMode;
    /** `engine.swarm.addressPool` when given and a valid CIDR. */
    addressPool?: Ipv4Network;
    /** `engine.swarm.addressPoolMaskLength`, when valid (or the default). */
    maskLength?: number;
}

/** What constraints are checked against: the hosts whose name is valid, with their valid labels. */
interface HostFacts {
    names: string[];
    targets: { name: string; labels: Record<string, string> }[];
    labelKeys: Set<string>;
    /** Every host has a valid, unique name: `node==x` can be checked against `names`. */
    namesComplete: boolean;
    /** Every host's labels are valid: label constraints can be checked against `labelKeys`. */
    labelsComplete: boolean;
}

/** The networks containers can refer to. */
interface NetworkIndex {
    networks: NetworkFacts[];
    /** Every network has a valid name: an attachment naming none of them is a mistake of its own. */
    complete: boolean;
}

interface NetworkFacts {
    index: number;
    name: string;
    net?: Ipv4Network;
    gateway?: string;
}

// ---------------------------------------------------------------- entry point

const TOP_LEVEL_KEYS: readonly string[] = [...CONFIG_KEYS, ...PROGRAM_CONFIG_KEYS];

const EXPECTED_TOP_LEVEL: Record<(typeof CONFIG_KEYS)[number], string> = {
    driver: "an object",
    kvStore: "an object",
    engine: "an object",
    hosts: "a list",
    networks: "a list",
    containers: "a list",
};

/**
 * Every problem in `raw`, in key order (unknown top-level keys first). Never
 * throws. No rule depends on the stack's name (it only shapes defaults such as
 * `stateDir`); the parameter keeps the call symmetric with `normalizeConfig`.
 */
export function validateConfig(raw: RawConfig, _stack?: string): ConfigProblem[] {
    const c = new Checker();
    if (!isRecord(raw)) {
        c.add("", `the configuration must be an object of docker-overlay:* keys, got ${got(raw)}`);
        return c.problems;
    }
    const top = raw as Record<string, unknown>;
    for (const key of Object.keys(top)) {
        if (!TOP_LEVEL_KEYS.includes(key) && top[key] !== undefined) {
            const known = TOP_LEVEL_KEYS.map((k) => `${PROJECT}:${k}`);
            const guess = didYouMean(key, TOP_LEVEL_KEYS);
            const hint = guess === undefined ? "" : `; did you mean "${PROJECT}:${guess}"?`;
            c.add(key, `unknown config key${hint} (known keys: ${known.join(", ")})`);
        }
    }
    for (const key of CONFIG_KEYS) {
        const value = top[key];
        if (value instanceof UnreadableConfigValue) {
            c.add(key, `must be ${EXPECTED_TOP_LEVEL[key]}, but Pulumi could not read the value as one: ${value.reason}`);
        }
    }
    const value = (key: (typeof CONFIG_KEYS)[number]): unknown => (top[key] instanceof UnreadableConfigValue ? undefined : top[key]);
    const readable = (key: (typeof CONFIG_KEYS)[number]): boolean => !(top[key] instanceof UnreadableConfigValue);

    const rawHosts = Array.isArray(value("hosts")) ? (value("hosts") as unknown[]) : [];
    const hostNames = rawHosts.flatMap((h) => (isRecord(h) && typeof h["name"] === "string" ? [h["name"]] : []));

    // The mode shapes rules of earlier sections (a KV store is required only in
    // cluster-store mode), so it is read ahead; its own problems are reported under engine.
    const mode = readable("engine") ? modeOf(value("engine")) : undefined;
    const driver = readable("driver") ? checkDriver(c, value("driver"), rawHosts.length, kvMachineCount(value("kvStore"), mode), mode) : {};
    if (readable("kvStore")) {
        checkKvStore(c, value("kvStore"), driver, hostNames, mode);
    }
    const engine = readable("engine") ? checkEngine(c, value("engine"), driver, rawHosts.length) : {};
    if (readable("kvStore") && readable("engine")) {
        checkKvTlsOpts(c, value("kvStore"), value("engine"));
    }
    const hosts = readable("hosts") ? checkHosts(c, value("hosts"), driver) : emptyHostFacts(false);
    const networks = readable("networks") ? checkNetworks(c, value("networks"), driver, engine) : { networks: [], complete: false };
    if (readable("containers")) {
        checkContainers(c, value("containers"), hosts, networks);
    }
    if (engine.mode === "swarm" && readable("networks")) {
        checkSwarmAddressPool(c, driver, engine, networks);
    }
    return c.problems;
}

/** 1 when the driver will create a machine for the store, else 0: none for an existing store (`kvStore.address`), none unless configured in swarm mode. */
function kvMachineCount(kvStore: unknown, mode: EngineMode | undefined): number {
    if (mode === "swarm" && kvStore === undefined) {
        return 0;
    }
    return isRecord(kvStore) && kvStore["address"] !== undefined ? 0 : 1;
}

/** `engine.mode` when it is valid (or defaulted), else undefined. */
function modeOf(engine: unknown): EngineMode | undefined {
    if (engine === undefined) {
        return DEFAULTS.engine.mode;
    }
    if (!isRecord(engine)) {
        return undefined;
    }
    const mode = engine["mode"] ?? DEFAULTS.engine.mode;
    return (ENGINE_MODES as readonly unknown[]).includes(mode) ? (mode as EngineMode) : undefined;
}

// ---------------------------------------------------------------- driver

const DRIVER_KEYS: Record<DriverKind, readonly string[]> = {
    netns: ["kind", "underlay", "bridge", "engineBin", "kvBin", "stateDir", "runDir", "images"],
    dind: ["kind", "image", "kvImage", "network", "subnet", "mtu", "localDockerHost"],
    ssh: ["kind", "user", "port"],
    "docker-machine": ["kind", "machineDriver", "createFlags", "swarm", "swarmImage"],
};

function checkDriver(c: Checker, value: unknown, hostCount: number, kvMachines: number, mode: EngineMode | undefined): DriverFacts {
    if (value === undefined) {
        value = {};
    }
    if (!isRecord(value)) {
        c.add("driver", `must be an object (key: value pairs), got ${got(value)}; e.g. { kind: netns }`);
        return {};
    }
    const kind = value["kind"] === undefined ? DEFAULTS.driverKind : c.oneOf("driver.kind", value["kind"], DRIVER_KINDS);
    if (kind === undefined) {
        return {};
    }
    const d = c.object("driver", value, DRIVER_KEYS[kind], (key) => {
        const owner = DRIVER_KINDS.find((k) => k !== kind && DRIVER_KEYS[k].includes(key));
        return owner === undefined ? undefined : `is a setting of the ${owner} driver, not of ${kind}; remove it or set driver.kind: ${owner}`;
    });
    if (d === undefined) {
        return { kind };
    }
    const machines = hostCount + (kind === "ssh" ? 0 : kvMachines);
    switch (kind) {
        case "netns": {
            if (d["bridge"] !== undefined) {
                const bridge = c.string("driver.bridge", d["bridge"], "a Linux interface name");
                if (bridge !== undefined && !isIfname(bridge)) {
                    c.add("driver.bridge", `${JSON.stringify(bridge)} is not a valid bridge name: ${IFNAME_RULE}`);
                }
            }
            for (const key of ["engineBin", "kvBin", "stateDir", "runDir"]) {
                if (d[key] !== undefined) {
                    c.absolutePath(`driver.${key}`, d[key]);
                }
            }
            if (d["images"] !== undefined) {
                checkPreloadImages(c, d["images"]);
            }
            const fabric = checkFabric(c, d["underlay"], {
                key: "driver.underlay",
                fallback: DEFAULTS.netns.underlay,
                noun: "the underlay",
                firstIs: "the bridge's address",
                machines,
                kvMachines,
            });
            return { kind, fabric };
        }
        case "dind": {
            for (const key of ["image", "kvImage"]) {
                if (d[key] !== undefined) {
                    c.word(`driver.${key}`, d[key], "an image reference");
                }
            }
            if (typeof d["image"] === "string" && mode === "cluster-store") {
                const version = dockerImageVersion(d["image"]);
                if (version !== undefined && (version[0] > 20 || (version[0] === 20 && version[1] > 10))) {
                    c.add(
                        "driver.image",
                        `${JSON.stringify(d["image"])} runs Docker ${version[0]}.${version[1]}, but engine.mode cluster-store needs an engine <= 20.10 ` +
                            `(cluster-store was deprecated in 20.10 and removed in 23.0); use docker:20.10.24-dind, or engine.mode: swarm for current engines`,
                    );
                }
            }
            if (d["network"] !== undefined) {
                const network = c.string("driver.network", d["network"]);
                if (network !== undefined && !DOCKER_NAME.test(network)) {
                    c.add("driver.network", `${JSON.stringify(network)} is not a valid Docker network name: start with a letter or digit, then letters, digits, _, . or -`);
                }
            }
            if (d["mtu"] !== undefined) {
                c.integer("driver.mtu", d["mtu"], MIN_MTU, MAX_MTU, " (IPv6's minimum link MTU to jumbo frames; overlays inside get 50 less)");
            }
            if (d["localDockerHost"] !== undefined) {
                const endpoint = c.string("driver.localDockerHost", d["localDockerHost"]);
                if (endpoint !== undefined && !isLocalDockerEndpoint(endpoint)) {
                    c.add(
                        "driver.localDockerHost",
                        `${JSON.stringify(endpoint)} is not this machine's Docker: use unix:///var/run/docker.sock, an npipe:// pipe, ` +
                            `or tcp://127.0.0.1:<port> (the engines' API ports are published on 127.0.0.1 of that Docker)`,
                    );
                }
            }
            const fabric = checkFabric(c, d["subnet"], {
                key: "driver.subnet",
                fallback: DEFAULTS.dind.subnet,
                noun: "the dind subnet",
                firstIs: "the dind network's gateway",
                machines,
                kvMachines,
            });
            return { kind, fabric };
        }
        case "ssh":
            if (d["user"] !== undefined) {
                c.word("driver.user", d["user"], "an ssh user name");
            }
            if (d["port"] !== undefined) {
                c.port("driver.port", d["port"]);
            }
            return { kind };
        case "docker-machine":
            if (d["machineDriver"] !== undefined) {
                c.word("driver.machineDriver", d["machineDriver"], "a docker-machine driver name (virtualbox, generic, ...)");
            }
            if (d["createFlags"] !== undefined) {
                c.stringList("driver.createFlags", d["createFlags"], `["--virtualbox-memory=1024"]`);
            }
            if (d["swarm"] !== undefined) {
                const classic = c.boolean("driver.swarm", d["swarm"]);
                if (classic === true && mode === "swarm") {
                    c.add(
                        "driver.swarm",
                        "classic swarm (--swarm, --swarm-discovery) needs a cluster store; with engine.mode swarm the program forms a swarm-mode cluster itself, so remove driver.swarm",
                    );
                }
            }
            if (d["swarmImage"] !== undefined) {
                c.word("driver.swarmImage", d["swarmImage"], "an image reference");
            }
            return { kind };
    }
}

/** `[major, minor]` of a `docker:<major>.<minor>...` image tag (e.g. docker:20.10.24-dind), else undefined. */
function dockerImageVersion(image: string): [number, number] | undefined {
    const m = /^(?:.*\/)?docker:(\d+)\.(\d+)/.exec(image);
    return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

/** unix and npipe sockets, and tcp on a loopback address, are this machine's Docker. */
function isLocalDockerEndpoint(endpoint: string): boolean {
    if (/^(unix|npipe):\/\/./.test(endpoint)) {
        return true;
    }
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+)(:\d+)?\/?$/.exec(endpoint);
    return m !== null && ["127.0.0.1", "localhost", "[::1]"].includes(m[1]);
}

function checkPreloadImages(c: Checker, value: unknown): void {
    const images = c.list("driver.images", value);
    const seen = new Map<string, number>();
    images?.forEach((item, i) => {
        const path = indexPath("driver.images", i);
        const image = c.object(path, item, ["name", "rootfs"]);
        if (image === undefined) {
            return;
        }
        if (image["name"] === undefined) {
            c.add(`${path}.name`, "is required: the image reference containers use, e.g. busybox:latest");
        } else {
            const name = c.word(`${path}.name`, image["name"], "an image reference");
            if (name !== undefined) {
                const first = seen.get(name);
                if (first !== undefined) {
                    c.add(`${path}.name`, `${JSON.stringify(name)} is also the name of driver.images[${first}]; list each image once`);
                } else {
                    seen.set(name, i);
                }
            }
        }
        if (image["rootfs"] === undefined) {
            c.add(`${path}.rootfs`, "is required: the absolute path of a rootfs tarball to docker import");
        } else {
            c.absolutePath(`${path}.rootfs`, image["rootfs"]);
        }
    });
}

/**
 * The machines' network: a CIDR with room for every machine the driver
 * creates (the KV machine and the hosts) after the network, broadcast and
 * first (bridge / gateway) addresses.
 */
function checkFabric(
    c: Checker,
    value: unknown,
    o: { key: string; fallback: string; noun: string; firstIs: string; machines: number; kvMachines: number },
): Fabric | undefined {
    const defaulted = value === undefined;
    const text = defaulted ? o.fallback : c.string(o.key, value, "an IPv4 CIDR");
    if (text === undefined) {
        return undefined;
    }
    const parsed = parseCidr(text);
    if (!parsed.ok) {
        c.add(o.key, parsed.reason);
        return undefined;
    }
    const net = parsed.value;
    const room = net.prefix <= 30 ? Number(net.end - net.start + 1n) - 3 : 0;
    if (o.machines > room) {
        const hosts = o.machines - o.kvMachines;
        const who = o.kvMachines > 0 ? `the KV machine and ${plural(hosts, "host")}` : plural(hosts, "host");
        const subject = defaulted ? `the default ${text}` : JSON.stringify(text);
        c.add(
            o.key,
            `${subject} has room for ${plural(Math.max(room, 0), "machine")} but the stack needs ${o.machines} (${who}; ` +
                `the network, broadcast and first addresses are taken); use a larger network, e.g. ${largerNetwork(net, o.machines)}`,
        );
    }
    return { key: o.key, net, noun: o.noun, firstIs: o.firstIs, defaulted };
}

/** The smallest network at the same start with room for `machines` (plus network, broadcast, first). */
function largerNetwork(net: Ipv4Network, machines: number): string {
    let prefix = 30;
    while (prefix > 0 && 2 ** (32 - prefix) - 3 < machines) {
        prefix--;
    }
    const hostBits = (1n << BigInt(32 - prefix)) - 1n;
    return `${toText(net.start & ~hostBits & 0xffffffffn)}/${prefix}`;
}

// ---------------------------------------------------------------- kvStore

function checkKvStore(c: Checker, value: unknown, driver: DriverFacts, hostNames: readonly string[], mode: EngineMode | undefined): void {
    const ssh = driver.kind === "ssh";
    if (value === undefined) {
        // Swarm mode keeps its state in the managers' raft store: no KV store unless configured.
        if (ssh && mode === "cluster-store") {
            c.add("kvStore.address", "is required with driver.kind ssh: the ssh driver creates no machines, so point it at an existing store, e.g. consul://192.0.2.10:8500");
        }
        return;
    }
    const kv = c.object("kvStore", value, ["backend", "machine", "address", "port", "recordPrefix", "tls"]);
    if (kv === undefined) {
        return;
    }
    const backend = kv["backend"] === undefined ? DEFAULTS.kvBackend : c.oneOf("kvStore.backend", kv["backend"], KV_BACKENDS);
    if (backend === "zookeeper" && (driver.kind === "netns" || driver.kind === "dind") && mode === "cluster-store") {
        // Measured in the lab: engines register in zookeeper and networks propagate, but
        // the first container joining an overlay panics dockerd (libnetwork's zookeeper
        // store lists the endpoint-count key by its bare child name since 2019, in every
        // 20.10). These drivers run 20.10 engines (netns: Debian's 20.10.5; dind: 20.10.24).
        c.add(
            "kvStore.backend",
            `zookeeper crashes the Docker 20.10 engines the ${driver.kind} driver runs as soon as a container joins an overlay ` +
                `(a libnetwork bug in its zookeeper store); use consul or etcd, or engines <= 19.03 through the ssh or docker-machine driver`,
        );
    }

    if (kv["machine"] !== undefined && kv["address"] !== undefined) {
        c.add("kvStore", "sets both machine and address; keep machine for a store the driver creates, or address for an existing one");
    }
    if (kv["machine"] !== undefined) {
        const machine = c.string("kvStore.machine", kv["machine"], "a machine name");
        if (machine !== undefined) {
            const problem = hostnameProblem(machine);
            if (problem !== undefined) {
                c.add("kvStore.machine", problem);
            } else if (hostNames.includes(machine)) {
                c.add(
                    "kvStore.machine",
                    `${JSON.stringify(machine)} is also the name of an engine host; the KV store needs a machine of its own, so give it another name (e.g. kvstore)`,
                );
            }
        }
        if (ssh) {
            c.add("kvStore.machine", "the ssh driver creates no machines; remove machine and set kvStore.address to an existing store, e.g. consul://192.0.2.10:8500");
        }
    } else if (kv["address"] === undefined) {
        if (ssh) {
            c.add("kvStore.address", "is required with driver.kind ssh: the ssh driver creates no machines, so point it at an existing store, e.g. consul://192.0.2.10:8500");
        } else if (hostNames.includes(DEFAULTS.kvMachine)) {
            c.add(
                "kvStore.machine",
                `defaults to "${DEFAULTS.kvMachine}", which is also the name of an engine host; set kvStore.machine to another name`,
            );
        }
    }

    let addressPort: number | undefined;
    if (kv["address"] !== undefined) {
        const address = c.string("kvStore.address", kv["address"], "a URL");
        if (address !== undefined) {
            addressPort = checkKvAddress(c, address, backend);
        }
    }
    if (kv["port"] !== undefined) {
        const port = c.port("kvStore.port", kv["port"]);
        if (port !== undefined && addressPort !== undefined && port !== addressPort) {
            c.add("kvStore.port", `${port} conflicts with the port in kvStore.address (${addressPort}); remove port, the address already says it`);
        }
    }
    if (kv["tls"] !== undefined && c.boolean("kvStore.tls", kv["tls"]) === true) {
        if (kv["address"] !== undefined) {
            c.add(
                "kvStore.tls",
                `makes certificates for a store the program runs; for an existing TLS store, put its files on the hosts and name them in engine.clusterStoreOpts (${Object.values(KV_TLS_OPTS).join(", ")}), or remove tls`,
            );
        } else if (driver.kind !== undefined && driver.kind !== "netns") {
            c.add("kvStore.tls", `is supported for a store the netns driver runs; the ${driver.kind} driver cannot give its KV machine certificates yet, so remove tls`);
        }
        if (backend === "zookeeper") {
            c.add("kvStore.tls", "is supported for consul and etcd; libkv's zookeeper client has no TLS, so remove tls or use another backend");
        }
    }
    if (kv["recordPrefix"] !== undefined) {
        const prefix = c.string("kvStore.recordPrefix", kv["recordPrefix"], "a consul key prefix");
        if (prefix !== undefined && (prefix === "" || prefix.startsWith("/") || prefix.endsWith("/") || /\s/.test(prefix))) {
            c.add("kvStore.recordPrefix", `${JSON.stringify(prefix)} must be a consul key path without leading or trailing / or whitespace, e.g. docker-overlay/dev`);
        }
        if (backend !== undefined && backend !== "consul") {
            c.add("kvStore.recordPrefix", `is only used with the consul backend (the cluster is recorded in consul); remove it for ${backend}`);
        }
    }
}

/** With `kvStore.tls` the program sets the store's TLS cluster-store-opts itself: the user's would contradict them. */
function checkKvTlsOpts(c: Checker, kvStore: unknown, engine: unknown): void {
    if (!isRecord(kvStore) || kvStore["tls"] !== true || !isRecord(engine) || !isRecord(engine["clusterStoreOpts"])) {
        return;
    }
    for (const opt of Object.values(KV_TLS_OPTS)) {
        if (engine["clusterStoreOpts"][opt] !== undefined) {
            c.add(`engine.clusterStoreOpts.${opt}`, "is set by kvStore.tls (the program writes the store's certificate files on each host); remove it");
        }
    }
}

/** `<scheme>://<host>:<port>` with the backend's scheme; returns the port when the address is well-formed. */
function checkKvAddress(c: Checker, address: string, backend: KvBackend | undefined): number | undefined {
    const path = "kvStore.address";
    const example = backend === undefined ? "consul://192.0.2.10:8500" : `${KV_SCHEME[backend]}://192.0.2.10:${KV_DEFAULT_PORT[backend]}`;
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(address);
    if (m === null) {
        c.add(path, `${JSON.stringify(address)} is not a store URL: write <scheme>://<host>:<port>, e.g. ${example}`);
        return undefined;
    }
    const scheme = m[1];
    if (backend !== undefined && scheme !== KV_SCHEME[backend]) {
        c.add(path, `${JSON.stringify(address)} must start with ${KV_SCHEME[backend]}:// for the ${backend} backend, e.g. ${example}`);
        return undefined;
    }
    let url: URL;
    try {
        url = new URL(address);
    } catch {
        c.add(path, `${JSON.stringify(address)} is not a store URL: write <scheme>://<host>:<port>, e.g. ${example}`);
        return undefined;
    }
    if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "" || (url.pathname !== "" && url.pathname !== "/") || address.endsWith("/")) {
        c.add(path, `${JSON.stringify(address)} must be just <scheme>://<host>:<port>, with nothing after the port (a key prefix goes in engine.clusterStoreOpts as kv.path)`);
        return undefined;
    }
    if (!/:\d+$/.test(m[2])) {
        c.add(path, `${JSON.stringify(address)} has no port; write ${scheme}://${url.hostname || "<host>"}:<port>, e.g. ${example}`);
        return undefined;
    }
    const hostProblem = url.hostname === "" ? "the host is missing" : hostOrIPv4Problem(url.hostname);
    if (hostProblem !== undefined) {
        c.add(path, `${JSON.stringify(address)} has an invalid host: ${hostProblem}`);
        return undefined;
    }
    // WHATWG URL drops a scheme's default port, but these schemes have none; an empty port here means 0 or out of range.
    const port = Number(m[2].slice(m[2].lastIndexOf(":") + 1));
    if (!(port >= 1 && port <= 65535)) {
        c.add(path, `${JSON.stringify(address)} has port ${port}; a port must be from 1 to 65535`);
        return undefined;
    }
    return port;
}

// ---------------------------------------------------------------- engine

const ENGINE_KEYS = ["mode", "advertiseInterface", "apiPort", "clusterStoreOpts", "tls", "swarm"];
const SWARM_KEYS = ["addressPool", "addressPoolMaskLength", "port"];

function checkEngine(c: Checker, value: unknown, driver: DriverFacts, hostCount: number): EngineFacts {
    if (value === undefined) {
        return { mode: DEFAULTS.engine.mode, maskLength: DEFAULTS.swarm.addressPoolMaskLength };
    }
    const e = c.object("engine", value, ENGINE_KEYS);
    if (e === undefined) {
        return {};
    }
    const mode = e["mode"] === undefined ? DEFAULTS.engine.mode : c.oneOf("engine.mode", e["mode"], ENGINE_MODES);
    if (e["advertiseInterface"] !== undefined) {
        const advertise = c.string("engine.advertiseInterface", e["advertiseInterface"], "an interface name or IPv4 address");
        if (advertise !== undefined) {
            checkAdvertise(c, advertise, driver);
        }
    }
    let swarmPort: number | undefined = DEFAULTS.swarm.port;
    const facts: EngineFacts = { mode, maskLength: DEFAULTS.swarm.addressPoolMaskLength };
    if (e["swarm"] !== undefined) {
        if (mode === "cluster-store") {
            c.add("engine.swarm", "is only used with engine.mode: swarm; remove it, or set engine.mode: swarm");
        }
        const sw = c.object("engine.swarm", e["swarm"], SWARM_KEYS);
        if (sw !== undefined) {
            if (sw["port"] !== undefined) {
                swarmPort = c.port("engine.swarm.port", sw["port"]);
            }
            if (sw["addressPoolMaskLength"] !== undefined) {
                facts.maskLength = c.integer(
                    "engine.swarm.addressPoolMaskLength",
                    sw["addressPoolMaskLength"],
                    MIN_NETWORK_PREFIX,
                    MAX_NETWORK_PREFIX,
                    " (the prefix length of each network swarm allocates from the pool)",
                );
            }
            if (sw["addressPool"] !== undefined) {
                const pool = c.cidr("engine.swarm.addressPool", sw["addressPool"]);
                if (pool !== undefined && facts.maskLength !== undefined && pool.value.prefix >= facts.maskLength) {
                    c.add(
                        "engine.swarm.addressPool",
                        `${JSON.stringify(pool.text)} is not larger than the /${facts.maskLength} networks swarm allocates from it (engine.swarm.addressPoolMaskLength); use a shorter prefix, e.g. /16`,
                    );
                } else if (pool !== undefined) {
                    facts.addressPool = pool.value;
                }
            }
        }
    }
    if (e["apiPort"] !== undefined) {
        const port = c.port("engine.apiPort", e["apiPort"]);
        // dind publishes each engine's API on apiPort + the host's index.
        if (port !== undefined && driver.kind === "dind" && port + hostCount - 1 > 65535) {
            c.add(
                "engine.apiPort",
                `${port} is too high for ${plural(hostCount, "host")}: the dind driver publishes host i's API on apiPort + i, up to ${port + hostCount - 1}; use at most ${65536 - hostCount}`,
            );
        }
        // The API listens next to the overlay's own ports on each host (with TLS, or dind's always).
        const clash = port === undefined || mode === undefined ? undefined : overlayPorts(mode, swarmPort).find((p) => p.port === port);
        if (clash !== undefined) {
            c.add("engine.apiPort", `${port} is ${clash.what}, which the overlay uses on every host; the engine API needs another port (default ${DEFAULTS.engine.apiPort})`);
        }
    }
    if (mode === "swarm" && swarmPort !== undefined) {
        const clash = overlayPorts("cluster-store").find((p) => p.port === swarmPort);
        if (clash !== undefined) {
            c.add("engine.swarm.port", `${swarmPort} is ${clash.what}, which the overlay uses on every host; use another port (default ${DEFAULTS.swarm.port})`);
        }
    }
    if (e["clusterStoreOpts"] !== undefined) {
        c.stringMap("engine.clusterStoreOpts", e["clusterStoreOpts"], (key) =>
            key === "" || /[=\s]/.test(key) ? `option names must not be empty or contain "=" or whitespace (they are rendered as name=value)` : undefined,
        );
        if (mode === "swarm") {
            c.add("engine.clusterStoreOpts", "is only used with engine.mode: cluster-store (swarm mode has no cluster store); remove it");
        }
    }
    if (e["tls"] !== undefined) {
        const tls = c.boolean("engine.tls", e["tls"]);
        if (tls === false && driver.kind === "docker-machine") {
            c.add("engine.tls", "docker-machine always secures its engines' API with TLS certificates of its own; remove engine.tls");
        }
    }
    return facts;
}

/**
 * Swarm mode: the pool swarm allocates `ingress` from must stay off every
 * overlay (and the machines' network). A configured pool that overlaps one is
 * an error; without one, the program chooses a free pool, and says so when
 * there is none.
 */
function checkSwarmAddressPool(c: Checker, driver: DriverFacts, engine: EngineFacts, networks: NetworkIndex): void {
    const taken = [
        ...networks.networks.flatMap((n) => (n.net === undefined ? [] : [{ cidr: n.net.cidr, what: `${n.name}'s subnet ${n.net.cidr} (networks[${n.index}])` }])),
        ...(driver.fabric === undefined ? [] : [{ cidr: driver.fabric.net.cidr, what: `${driver.fabric.noun} ${driver.fabric.net.cidr} (${driver.fabric.key})` }]),
    ];
    const why =
        "swarm allocates its ingress network from this pool, and an attachable overlay on addresses the ingress holds fails at container start with only \"attaching to network failed ... context deadline exceeded\"";
    if (engine.addressPool !== undefined) {
        const clash = taken.find((t) => overlaps(t.cidr, engine.addressPool!.cidr));
        if (clash !== undefined) {
            c.add(
                "engine.swarm.addressPool",
                `${JSON.stringify(engine.addressPool.cidr)} overlaps ${clash.what}; ${why}; choose a pool outside every overlay subnet, or leave addressPool out to have one chosen`,
            );
        }
        return;
    }
    if (chooseSwarmAddressPool(taken.map((t) => t.cidr), engine.maskLength) === undefined) {
        c.add(
            "engine.swarm.addressPool",
            `is required here: every /16 the program chooses from (those of 10.0.0.0/8, then 172.31.0.0/16 down to 172.18.0.0/16) overlaps the stack's networks; ${why}; set a pool that overlaps none of them`,
        );
    }
}

function checkAdvertise(c: Checker, advertise: string, driver: DriverFacts): void {
    const path = "engine.advertiseInterface";
    if (DOTTED_DIGITS.test(advertise)) {
        const ip = parseIPv4(advertise);
        if (!ip.ok) {
            c.add(path, `${ip.reason}; give an interface name (e.g. eth1) or an IPv4 address`);
        } else if (driver.kind === "netns") {
            c.add(path, `the netns driver names each host's underlay interface after engine.advertiseInterface, so it must be an interface name (e.g. eth1), not an address`);
        }
        return;
    }
    if (!isIfname(advertise)) {
        const port = /:\d+$/.test(advertise) ? "; the port goes in engine.apiPort" : "";
        c.add(path, `${JSON.stringify(advertise)} is neither an interface name nor an IPv4 address (${IFNAME_RULE})${port}`);
    } else if (driver.kind === "netns" && advertise === "lo") {
        c.add(path, `"lo" is each namespace's loopback; the netns driver needs another name for the underlay interface, e.g. eth1`);
    }
}

// ---------------------------------------------------------------- hosts

const HOST_KEYS = ["name", "role", "labels", "ssh", "address"];

function emptyHostFacts(complete: boolean): HostFacts {
    return { names: [], targets: [], labelKeys: new Set(), namesComplete: complete, labelsComplete: complete };
}

function checkHosts(c: Checker, value: unknown, driver: DriverFacts): HostFacts {
    if (value === undefined) {
        c.add("hosts", "is required: list the Docker hosts, e.g. [{ name: swarm-node1 }, { name: swarm-node2 }]");
        return emptyHostFacts(false);
    }
    const list = c.list("hosts", value);
    if (list === undefined) {
        return emptyHostFacts(false);
    }
    if (list.length === 0) {
        c.add("hosts", "must list at least one host, e.g. [{ name: swarm-node1 }]");
        return emptyHostFacts(false);
    }
    const facts = emptyHostFacts(true);
    const names = new Map<string, number>();
    const addresses = new Map<string, number>();
    let manager: number | undefined;
    list.forEach((item, i) => {
        const path = indexPath("hosts", i);
        const host = c.object(path, item, HOST_KEYS);
        if (host === undefined) {
            facts.namesComplete = false;
            facts.labelsComplete = false;
            return;
        }
        let name: string | undefined;
        if (host["name"] === undefined) {
            c.add(`${path}.name`, "is required: the machine's name, which is also its engine's hostname");
        } else {
            name = c.string(`${path}.name`, host["name"], "a hostname");
            const problem = name === undefined ? undefined : hostnameProblem(name);
            if (problem !== undefined) {
                c.add(`${path}.name`, problem);
                name = undefined;
            } else if (name !== undefined && names.has(name)) {
                c.add(
                    `${path}.name`,
                    `${JSON.stringify(name)} is also the name of hosts[${names.get(name)}]; host names must be unique, because the KV store ` +
                        `tells engines apart by hostname and two engines with one name would overwrite each other's overlay state`,
                );
                name = undefined;
            } else if (name !== undefined) {
                names.set(name, i);
            }
        }

        if (host["role"] !== undefined) {
            const role = c.oneOf(`${path}.role`, host["role"], HOST_ROLES);
            if (role === "manager") {
                if (manager !== undefined) {
                    c.add(`${path}.role`, `hosts[${manager}] is already the manager and a cluster has at most one; make this host a worker`);
                } else {
                    manager = i;
                }
            }
        }

        let labels: Record<string, string> = {};
        if (host["labels"] !== undefined) {
            const before = c.problems.length;
            labels = c.stringMap(`${path}.labels`, host["labels"], labelKeyProblem) ?? {};
            if (c.problems.length > before) {
                facts.labelsComplete = false;
            }
        }
        if (name === undefined) {
            facts.namesComplete = false;
        } else {
            facts.names.push(name);
            facts.targets.push({ name, labels });
            Object.keys(labels).forEach((k) => facts.labelKeys.add(k));
        }

        if (host["ssh"] !== undefined) {
            checkSshMachine(c, `${path}.ssh`, host["ssh"], driver);
        } else if (driver.kind === "ssh") {
            c.add(`${path}.ssh`, "is required with driver.kind ssh: give the machine's address, e.g. { address: 192.0.2.21 }");
        }
        if (host["address"] !== undefined) {
            checkHostAddress(c, `${path}.address`, host["address"], driver, addresses, i);
        }
    });
    return facts;
}

function labelKeyProblem(key: string): string | undefined {
    if (key === NODE_KEY) {
        return `"node" cannot be a label: node==<name> constraints match the host's name, so a node label could never be matched; rename it`;
    }
    if (!CONSTRAINT_KEY.test(key)) {
        return `${JSON.stringify(key)} is not a valid label key: start with a letter or _, then letters, digits, _, . or - (so constraints can name it)`;
    }
    return undefined;
}

function checkSshMachine(c: Checker, path: string, value: unknown, driver: DriverFacts): void {
    if (driver.kind !== undefined && driver.kind !== "ssh") {
        c.add(path, `is only used by the ssh driver; remove it or set driver.kind: ssh`);
        return;
    }
    const ssh = c.object(path, value, ["address", "user", "port", "hostKey"]);
    if (ssh === undefined) {
        return;
    }
    if (ssh["address"] === undefined) {
        c.add(`${path}.address`, "is required: the hostname or IP address the program reaches the machine at over ssh");
    } else {
        const address = c.word(`${path}.address`, ssh["address"], "a hostname or IP address");
        if (address !== undefined && address.includes(":")) {
            if (!Address6.isValid(address)) {
                c.add(`${path}.address`, `${JSON.stringify(address)} is not a hostname or IP address (write an IPv6 address without brackets, and the port in ssh.port)`);
            }
        } else if (address !== undefined) {
            const problem = hostOrIPv4Problem(address);
            if (problem !== undefined) {
                c.add(`${path}.address`, problem);
            }
        }
    }
    if (ssh["user"] !== undefined) {
        c.word(`${path}.user`, ssh["user"], "an ssh user name");
    }
    if (ssh["port"] !== undefined) {
        c.port(`${path}.port`, ssh["port"]);
    }
    if (ssh["hostKey"] !== undefined) {
        const text = c.string(`${path}.hostKey`, ssh["hostKey"], "a public ssh host key");
        const key = text === undefined ? undefined : parseHostKey(text);
        if (typeof key === "string") {
            c.add(
                `${path}.hostKey`,
                `${key}: write the machine's public host key as "<type> <base64>", e.g. the content of /etc/ssh/ssh_host_ed25519_key.pub there, or ssh-keyscan -t ed25519 <address> without its first column`,
            );
        }
    }
}

/** netns / dind: a host's own address on the machines' network. */
function checkHostAddress(c: Checker, path: string, value: unknown, driver: DriverFacts, taken: Map<string, number>, index: number): void {
    if (driver.kind === "ssh") {
        c.add(path, "is only used by the netns and dind drivers; with driver.kind ssh, give the machine's address in ssh.address");
        return;
    }
    if (driver.kind === "docker-machine") {
        c.add(path, "is only used by the netns and dind drivers; docker-machine assigns machine addresses itself, so remove it");
        return;
    }
    const ip = c.ipv4(path, value);
    if (ip === undefined) {
        return;
    }
    const address = ip.text;
    const fabric = driver.fabric;
    if (fabric !== undefined) {
        const cidr = fabric.net.cidr;
        const range = fabric.net.prefix <= 30 && fabric.net.end - fabric.net.start >= 3n ? `pick one from ${nthHost(cidr, 2)} to ${lastUsable(cidr)}` : "use a larger network";
        const where = `${fabric.noun} ${cidr} (${fabric.key}${fabric.defaulted ? ", the default" : ""})`;
        if (!contains(cidr, address)) {
            c.add(path, `${address} is outside ${where}; ${range}, or leave address out to have one allocated`);
            return;
        }
        if (ip.value === fabric.net.start) {
            c.add(path, `${address} is the network address of ${where}; ${range}`);
            return;
        }
        if (ip.value === fabric.net.end) {
            c.add(path, `${address} is the broadcast address of ${where}; ${range}`);
            return;
        }
        if (address === firstUsable(cidr)) {
            c.add(path, `${address} is ${fabric.firstIs}, the first address of ${where}; ${range}`);
            return;
        }
    }
    const other = taken.get(address);
    if (other !== undefined) {
        c.add(path, `${address} is also the address of hosts[${other}]; give each host its own address`);
        return;
    }
    taken.set(address, index);
}

// ---------------------------------------------------------------- networks

const NETWORK_KEYS = ["name", "subnet", "gateway", "ipRange", "internal", "encrypted"];

function checkNetworks(c: Checker, value: unknown, driver: DriverFacts, engine: EngineFacts): NetworkIndex {
    if (value === undefined) {
        return { networks: [], complete: true };
    }
    const list = c.list("networks", value);
    if (list === undefined) {
        return { networks: [], complete: false };
    }
    const facts: NetworkFacts[] = [];
    let complete = true;
    const names = new Map<string, number>();
    list.forEach((item, i) => {
        const path = indexPath("networks", i);
        const n = c.object(path, item, NETWORK_KEYS);
        if (n === undefined) {
            complete = false;
            return;
        }
        let name: string | undefined;
        if (n["name"] === undefined) {
            c.add(`${path}.name`, "is required: the overlay network's name, which containers' networks refer to");
        } else {
            name = c.string(`${path}.name`, n["name"], "a network name");
            if (name !== undefined && !DOCKER_NAME.test(name)) {
                c.add(`${path}.name`, `${JSON.stringify(name)} is not a valid Docker network name: start with a letter or digit, then letters, digits, _, . or -`);
                name = undefined;
            } else if (name !== undefined && RESERVED_NETWORK_NAMES.includes(name)) {
                c.add(
                    `${path}.name`,
                    `${JSON.stringify(name)} is a network Docker creates itself (reserved: ${RESERVED_NETWORK_NAMES.join(", ")}); choose another name`,
                );
                name = undefined;
            } else if (name !== undefined && names.has(name)) {
                c.add(`${path}.name`, `${JSON.stringify(name)} is also the name of networks[${names.get(name)}]; network names must be unique`);
                name = undefined;
            } else if (name !== undefined) {
                names.set(name, i);
            }
        }
        if (name === undefined && !names.has(String(n["name"]))) {
            // Which name was meant is unclear: skip "no network is named" follow-ons.
            complete = false;
        }
        // A reserved or malformed name still identifies this network for the
        // subnet checks (overlaps, gateway, static addresses), which stay useful.
        const refName = name ?? (typeof n["name"] === "string" && !facts.some((f) => f.name === n["name"]) ? (n["name"] as string) : undefined);
        const label = refName === undefined ? path : refName;

        let net: Ipv4Network | undefined;
        if (n["subnet"] === undefined) {
            c.add(`${path}.subnet`, "is required: the overlay's IPv4 subnet, e.g. 10.0.0.0/24");
        } else {
            net = checkOverlaySubnet(c, `${path}.subnet`, n["subnet"], label, facts, driver);
        }

        let gateway: string | undefined;
        if (n["gateway"] !== undefined) {
            const ip = c.ipv4(`${path}.gateway`, n["gateway"]);
            gateway = ip?.text;
            if (ip !== undefined && net !== undefined) {
                const problem = reservedAddressProblem(ip.value, ip.text, net, `${label}'s subnet`);
                if (problem !== undefined) {
                    c.add(`${path}.gateway`, `${problem}; the gateway must be a usable address of the subnet`);
                    gateway = undefined;
                }
            }
        } else if (net !== undefined) {
            gateway = firstUsable(net.cidr);
        }

        if (n["ipRange"] !== undefined) {
            const range = c.cidr(`${path}.ipRange`, n["ipRange"]);
            if (range !== undefined && net !== undefined && !cidrContains(net.cidr, range.text)) {
                c.add(`${path}.ipRange`, `${JSON.stringify(range.text)} is not inside the subnet ${net.cidr}; the range containers get addresses from must be part of the subnet`);
            }
        }
        if (n["internal"] !== undefined) {
            c.boolean(`${path}.internal`, n["internal"]);
        }
        if (n["encrypted"] !== undefined) {
            const encrypted = c.boolean(`${path}.encrypted`, n["encrypted"]);
            if (encrypted === true && engine.mode === "cluster-store") {
                c.add(
                    `${path}.encrypted`,
                    "encrypted overlays need swarm mode's key distribution, which engine.mode cluster-store does not have; remove encrypted or use engine.mode: swarm",
                );
            } else if (encrypted === true && driver.kind === "dind") {
                // The probe needs `ip xfrm` where the machines' kernel is; the docker:dind image's busybox ip has no xfrm.
                c.add(
                    `${path}.encrypted`,
                    "the dind driver cannot check its machines' kernel for IPsec ESP AES-GCM, without which encrypted overlays silently drop traffic; use the netns, ssh or docker-machine driver, or remove encrypted",
                );
            }
        }
        if (refName !== undefined) {
            facts.push({ index: i, name: refName, net, gateway });
        }
    });
    return { networks: facts, complete };
}

function checkOverlaySubnet(c: Checker, path: string, value: unknown, label: string, earlier: readonly NetworkFacts[], driver: DriverFacts): Ipv4Network | undefined {
    const parsed = c.cidr(path, value);
    if (parsed === undefined) {
        return undefined;
    }
    const subnet = parsed.text;
    const net = parsed.value;
    if (net.prefix > MAX_NETWORK_PREFIX) {
        c.add(
            path,
            `${JSON.stringify(subnet)} is too small: an overlay subnet needs a prefix from /${MIN_NETWORK_PREFIX} to /${MAX_NETWORK_PREFIX}, ` +
                `because a /31 or /32 leaves no address for the gateway and containers besides the network and broadcast addresses`,
        );
        return undefined;
    }
    if (net.prefix < MIN_NETWORK_PREFIX) {
        c.add(
            path,
            `${JSON.stringify(subnet)} is too large: an overlay subnet needs a prefix from /${MIN_NETWORK_PREFIX} to /${MAX_NETWORK_PREFIX}; ` +
                `a /8 (16 million addresses) is already more than any overlay can use`,
        );
        return undefined;
    }
    for (const other of earlier) {
        if (other.net !== undefined && overlaps(other.net.cidr, subnet)) {
            c.add(
                path,
                `${JSON.stringify(subnet)} (${label}) overlaps ${other.net.cidr} of ${other.name} (networks[${other.index}]); ` +
                    `overlay subnets must not share addresses, or containers' routes become ambiguous`,
            );
            return undefined;
        }
    }
    const fabric = driver.fabric;
    if (fabric !== undefined && overlaps(fabric.net.cidr, subnet)) {
        c.add(
            path,
            `${JSON.stringify(subnet)} (${label}) overlaps ${fabric.noun} ${fabric.net.cidr} (${fabric.key}${fabric.defaulted ? ", the default" : ""}) the hosts sit on; ` +
                `choose a subnet outside it, or traffic for containers would be routed to the hosts' network instead`,
        );
        return undefined;
    }
    return net;
}

/** Network and broadcast addresses are never usable; `undefined` when `ip` is inside `net` and usable. */
function reservedAddressProblem(ip: bigint, text: string, net: Ipv4Network, what: string): string | undefined {
    if (ip < net.start || ip > net.end) {
        return `${text} is outside ${what} ${net.cidr}`;
    }
    if (ip === net.start) {
        return `${text} is the network address of ${what} ${net.cidr}`;
    }
    if (ip === net.end) {
        return `${text} is the broadcast address of ${what} ${net.cidr}`;
    }
    return undefined;
}

// ---------------------------------------------------------------- containers

const CONTAINER_KEYS = ["name", "image", "command", "env", "networks", "constraints"];

function checkContainers(c: Checker, value: unknown, hosts: HostFacts, networks: NetworkIndex): void {
    if (value === undefined) {
        return;
    }
    const list = c.list("containers", value);
    if (list === undefined) {
        return;
    }
    const names = new Map<string, number>();
    /** network name -> static address -> container index */
    const staticAddresses = new Map<string, Map<string, number>>();
    list.forEach((item, i) => {
        const path = indexPath("containers", i);
        const ct = c.object(path, item, CONTAINER_KEYS);
        if (ct === undefined) {
            return;
        }
        let name: string | undefined;
        if (ct["name"] === undefined) {
            c.add(`${path}.name`, "is required: the container's name, unique in the stack");
        } else {
            name = c.string(`${path}.name`, ct["name"], "a container name");
            if (name !== undefined && !DOCKER_NAME.test(name)) {
                c.add(`${path}.name`, `${JSON.stringify(name)} is not a valid container name: start with a letter or digit, then letters, digits, _, . or -`);
            } else if (name !== undefined && names.has(name)) {
                c.add(`${path}.name`, `${JSON.stringify(name)} is also the name of containers[${names.get(name)}]; container names must be unique`);
            } else if (name !== undefined) {
                names.set(name, i);
            }
        }
        if (ct["image"] === undefined) {
            c.add(`${path}.image`, "is required: the image to run, e.g. busybox:latest");
        } else {
            c.word(`${path}.image`, ct["image"], "an image reference");
        }
        if (ct["command"] !== undefined) {
            c.stringList(`${path}.command`, ct["command"], `["top"]`);
        }
        if (ct["env"] !== undefined) {
            c.stringMap(`${path}.env`, ct["env"], (key) =>
                key === "" || /[=\s]/.test(key) ? `environment variable names must not be empty or contain "=" or whitespace` : undefined,
            );
        }
        checkAttachments(c, path, ct["networks"], networks, staticAddresses, i);
        if (ct["constraints"] !== undefined) {
            checkConstraints(c, `${path}.constraints`, ct["constraints"], hosts);
        }
    });
}

function checkAttachments(
    c: Checker,
    path: string,
    value: unknown,
    index: NetworkIndex,
    staticAddresses: Map<string, Map<string, number>>,
    containerIndex: number,
): void {
    const netPath = `${path}.networks`;
    const networks = index.networks;
    if (value === undefined) {
        const where = networks.length === 0 ? " (define networks under docker-overlay:networks)" : "";
        c.add(netPath, `is required: list the overlay networks to attach, e.g. [net1]${where}`);
        return;
    }
    const list = c.list(netPath, value);
    if (list === undefined) {
        return;
    }
    if (list.length === 0) {
        c.add(netPath, "must list at least one network: a container on no overlay is outside what this stack builds");
        return;
    }
    const known = networks.map((n) => n.name);
    const attached = new Map<string, number>();
    list.forEach((item, j) => {
        const itemPath = indexPath(netPath, j);
        let name: string | undefined;
        let namePath = itemPath;
        let ipv4Address: unknown;
        if (typeof item === "string") {
            name = item;
        } else if (isRecord(item)) {
            const a = c.object(itemPath, item, ["name", "ipv4Address"]);
            namePath = `${itemPath}.name`;
            if (a !== undefined && a["name"] === undefined) {
                c.add(namePath, "is required: the network to attach");
            } else if (a !== undefined) {
                name = c.string(namePath, a["name"], "a network name");
            }
            ipv4Address = a?.["ipv4Address"];
        } else {
            c.add(itemPath, `must be a network name or { name, ipv4Address }, got ${got(item)}`);
            return;
        }
        if (name === undefined) {
            return;
        }
        const network = networks.find((n) => n.name === name);
        if (network === undefined) {
            if (index.complete) {
                const defined = known.length === 0 ? "no networks are defined under docker-overlay:networks" : `networks: ${known.join(", ")}`;
                c.add(namePath, `no network is named ${JSON.stringify(name)}${suggestion(name, known)} (${defined})`);
            }
            return;
        }
        const first = attached.get(name);
        if (first !== undefined) {
            c.add(namePath, `${JSON.stringify(name)} is already attached at networks[${first}]; attach each network once`);
            return;
        }
        attached.set(name, j);
        if (ipv4Address !== undefined) {
            checkStaticAddress(c, `${itemPath}.ipv4Address`, ipv4Address, network, staticAddresses, containerIndex);
        }
    });
}

/**
 * A container's fixed address: inside the network's subnet and not its
 * network, broadcast or gateway address, unique on the network. It may lie
 * outside `ipRange`: Docker hands out dynamic addresses only from the range
 * but accepts any static address of the subnet, and keeping static
 * addresses outside the range is how they avoid colliding with dynamic ones.
 */
function checkStaticAddress(
    c: Checker,
    path: string,
    value: unknown,
    network: NetworkFacts,
    staticAddresses: Map<string, Map<string, number>>,
    containerIndex: number,
): void {
    const ip = c.ipv4(path, value);
    if (ip === undefined) {
        return;
    }
    const address = ip.text;
    if (network.net === undefined) {
        return;
    }
    const problem = reservedAddressProblem(ip.value, address, network.net, `${network.name}'s subnet`);
    if (problem !== undefined) {
        c.add(path, `${problem}; pick a usable address of the subnet`);
        return;
    }
    if (address === network.gateway) {
        c.add(path, `${address} is the gateway of ${network.name}; pick another address of ${network.net.cidr}`);
        return;
    }
    const onNetwork = staticAddresses.get(network.name) ?? new Map<string, number>();
    staticAddresses.set(network.name, onNetwork);
    const other = onNetwork.get(address);
    if (other !== undefined && other !== containerIndex) {
        c.add(path, `${address} on ${network.name} is also the address of containers[${other}]; give each container its own address`);
        return;
    }
    onNetwork.set(address, containerIndex);
}

function checkConstraints(c: Checker, path: string, value: unknown, hosts: HostFacts): void {
    const texts = c.stringList(path, value, `["node==swarm-node1"]`);
    if (texts === undefined) {
        return;
    }
    const parsed: Constraint[] = [];
    let referencesOk = true;
    texts.forEach((text, k) => {
        const itemPath = indexPath(path, k);
        const result = parseConstraint(text);
        if (!result.ok) {
            c.add(itemPath, `${result.reason}`);
            referencesOk = false;
            return;
        }
        const constraint = result.constraint;
        if (constraint.key === NODE_KEY) {
            if (hosts.namesComplete && !hosts.names.includes(constraint.value)) {
                c.add(itemPath, `${JSON.stringify(text)} names no host${suggestion(constraint.value, hosts.names)} (hosts: ${hosts.names.join(", ")})`);
                referencesOk = false;
            }
        } else if (hosts.labelsComplete && !hosts.labelKeys.has(constraint.key)) {
            const keys = [...hosts.labelKeys].sort();
            const inUse =
                keys.length === 0
                    ? `no host has labels; add labels: { ${constraint.key}: <value> } to a host`
                    : `labels in use: ${keys.join(", ")}; add the label to a host or fix the constraint`;
            c.add(itemPath, `${JSON.stringify(text)} uses the label ${JSON.stringify(constraint.key)}, which no host has${suggestion(constraint.key, keys)} (${inUse})`);
            referencesOk = false;
        }
        parsed.push(constraint);
    });
    // Whether some host fits does not depend on where earlier containers went, so this is checked per container.
    const hostsKnown = hosts.namesComplete && hosts.labelsComplete && hosts.targets.length > 0;
    if (referencesOk && hostsKnown && !hosts.targets.some((h) => satisfiesAll(h, parsed))) {
        c.add(path, unsatisfiableMessage(hosts.targets, parsed));
    }
}

// ---------------------------------------------------------------- normalization

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
        engine: normalizeEngine(record(raw.engine), driver, networks),
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
                engineBin: opt(d["engineBin"], DEFAULTS.netns.engineBin),
                kvBin: opt(d["kvBin"], DEFAULTS.netns.kvBin),
                stateDir: opt(d["stateDir"], `${DEFAULTS.netns.stateDirBase}/${stack}`),
                runDir: opt(d["runDir"], `${DEFAULTS.netns.runDirBase}/${stack}`),
                images: opt<{ name: string; rootfs: string }[]>(d["images"], []).map((i) => ({ name: i.name, rootfs: i.rootfs })),
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

function normalizeEngine(e: Record<string, unknown>, driver: DriverConfig, networks: readonly NetworkConfig[]): EngineConfig {
    const mode = opt<EngineMode>(e["mode"], DEFAULTS.engine.mode);
    const engine: EngineConfig = {
        mode,
        advertiseInterface: opt(e["advertiseInterface"], DEFAULTS.engine.advertiseInterface),
        apiPort: opt(e["apiPort"], DEFAULTS.engine.apiPort),
        clusterStoreOpts: { ...opt<Record<string, string>>(e["clusterStoreOpts"], {}) },
        tls: opt(e["tls"], DEFAULTS.tls[driver.kind]),
    };
    if (mode === "swarm") {
        const sw = record(e["swarm"]);
        const maskLength = opt<number>(sw["addressPoolMaskLength"], DEFAULTS.swarm.addressPoolMaskLength);
        const fabric = driver.kind === "netns" ? [driver.underlay] : driver.kind === "dind" ? [driver.subnet] : [];
        const chosen = chooseSwarmAddressPool([...networks.map((n) => n.subnet), ...fabric], maskLength);
        const addressPool = opt<string | undefined>(sw["addressPool"], chosen?.pool);
        if (addressPool === undefined) {
            throw new Error("normalizeConfig: no swarm address pool (validateConfig reports this first; reaching here is a bug)");
        }
        engine.swarm = { addressPool, addressPoolMaskLength: maskLength, port: opt(sw["port"], DEFAULTS.swarm.port) };
    }
    return engine;
}

function normalizeHost(h: Record<string, unknown>): HostConfig {
    const ssh = h["ssh"] as Record<string, unknown> | undefined;
    return {
        name: h["name"] as string,
        role: opt(h["role"], DEFAULTS.hostRole),
        labels: { ...opt<Record<string, string>>(h["labels"], {}) },
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
