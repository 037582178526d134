/**
 * The guardrails of the docker-overlay policy pack, as plain functions over a
 * resource's type and inputs. `policy/index.ts` wraps them for CrossGuard
 * (`pulumi preview --policy-pack policy`); tests feed them the registrations
 * of `npm run plan` directly, so no Pulumi CLI is needed to test them.
 */
import { MAX_MTU, MIN_OVERLAY_MTU } from "../lib/config/defaults";
import { isCidr, overlaps } from "../lib/net/cidr";
import { VXLAN_OVERHEAD } from "../lib/plan/mtu";
import { DIND_CLUSTER_KEYS_LABEL } from "../lib/drivers/dind";
import {
    dockerImageEngineVersion,
    FIRST_ENGINE_WITHOUT_CLUSTER_STORE,
    hasClusterStore,
    LAST_CLUSTER_STORE_ENGINE as LAST_ENGINE,
} from "../lib/engine/clusterStore";

export interface CheckedResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
}

export interface Violation {
    message: string;
    urn?: string;
}

const DOCKER_PROVIDER = "pulumi:providers:docker";
const DOCKER_CONTAINER = "docker:index/container:Container";
const DOCKER_NETWORK = "docker:index/network:Network";
const LOCAL_COMMAND = "command:local:Command";
const REMOTE_COMMAND = "command:remote:Command";

/** A property as text: scalars as written, lists and objects as JSON (not "[object Object]"). */
function propText(v: unknown): string {
    if (typeof v === "object" && v !== null) {
        return JSON.stringify(v);
    }
    return String(v);
}

/** The newest engine line that still has `cluster-store`, as [major, minor] (the rule itself: lib/engine/clusterStore.ts). */
export const LAST_CLUSTER_STORE_ENGINE: readonly [number, number] = [LAST_ENGINE.major, LAST_ENGINE.minor];

// ------------------------------------------------------------ TLS

/** A dockerd command line that opens a TCP API: `-H tcp://...`, `--host=tcp://...`, `-H=tcp://...`. */
const TCP_LISTEN = /(?:^|\s)(?:-H|--host)(?:=|\s+)['"]?tcp:\/\//;

/**
 * No Docker API on TCP without TLS: a docker provider on `tcp://` must carry
 * client certificates, and a dockerd started with a TCP listener must verify
 * clients (`--tlsverify`).
 */
export function dockerApiTls(r: CheckedResource): Violation[] {
    if (r.type === DOCKER_PROVIDER) {
        const host = propText(r.props["host"] ?? "");
        if (host.startsWith("tcp://")) {
            const hasMaterial = ["caMaterial", "certMaterial", "keyMaterial"].every((k) => r.props[k] !== undefined && r.props[k] !== "");
            if (!hasMaterial && r.props["certPath"] === undefined) {
                return [
                    {
                        message: `docker provider ${r.name} reaches ${host} over TCP without client certificates; set caMaterial, certMaterial and keyMaterial (or certPath)`,
                    },
                ];
            }
        }
        return [];
    }
    const commandLines = dockerdCommandLines(r);
    return commandLines
        .filter((line) => TCP_LISTEN.test(line) && !/--tlsverify\b/.test(line))
        .map(() => ({ message: `${r.name} starts dockerd with a TCP API but without --tlsverify; anyone who reaches the port controls the engine` }));
}

/** The dockerd invocations a resource makes: a container's command, or lines of a command's scripts. */
function dockerdCommandLines(r: CheckedResource): string[] {
    if (r.type === DOCKER_CONTAINER) {
        const command = r.props["command"];
        const line = Array.isArray(command) ? command.map(String).join(" ") : "";
        return /(?:^|\s|\/)dockerd(?:\s|$)/.test(line) ? [line] : [];
    }
    if (r.type === LOCAL_COMMAND || r.type === REMOTE_COMMAND) {
        const script = propText(r.props["create"] ?? "");
        // Join continued lines so one invocation is one line.
        return script
            .replace(/\\\n/g, " ")
            .split("\n")
            .filter((line) => /(?:^|\s|\/|")dockerd["']?(?:\s|$)/.test(line) && !line.trimStart().startsWith("#"));
    }
    return [];
}

// ---------------------------------------------------- engine versions

/**
 * `cluster-store` only with engines <= 20.10: a dind engine container whose
 * engine joins a cluster store (its keys in its DIND_CLUSTER_KEYS_LABEL, which
 * its config command writes into daemon.json; or a `--cluster-store` flag in its
 * command, as a hand-written one may have) must run a `docker:<= 20.10>` image.
 */
export function clusterStoreEngineVersion(r: CheckedResource): Violation[] {
    if (r.type !== DOCKER_CONTAINER) {
        return [];
    }
    const command = Array.isArray(r.props["command"]) ? (r.props["command"] as unknown[]).map(String) : [];
    const labels = Array.isArray(r.props["labels"]) ? (r.props["labels"] as { label?: unknown }[]) : [];
    if (!command.some((arg) => arg.startsWith("--cluster-store")) && !labels.some((l) => l.label === DIND_CLUSTER_KEYS_LABEL)) {
        return [];
    }
    const image = propText(r.props["image"] ?? "");
    const version = dockerImageEngineVersion(image);
    const last = `${LAST_ENGINE.major}.${LAST_ENGINE.minor}`;
    if (version === undefined) {
        return [
            {
                message: `${r.name} runs an engine with cluster-store from image "${image}", whose version cannot be told; pin docker:${last}.x-dind (cluster-store was removed in ${FIRST_ENGINE_WITHOUT_CLUSTER_STORE}.0)`,
            },
        ];
    }
    if (!hasClusterStore(version)) {
        return [
            {
                message: `${r.name} runs Docker ${version.major}.${version.minor} with cluster-store, which engines after ${last} no longer have; use docker:${last}.x-dind or engine.mode: swarm`,
            },
        ];
    }
    return [];
}

// ------------------------------------------------------------ subnets

export interface SubnetPolicyConfig {
    /** Networks the hosts sit on (e.g. the netns lab's underlay) that overlays must stay out of. */
    underlays?: string[];
}

/**
 * Overlay subnets must not overlap each other, nor the networks the hosts
 * sit on: the configured underlays and every non-overlay docker network of
 * the stack (the dind machines' network).
 */
export function overlaySubnetsDisjoint(resources: readonly CheckedResource[], config: SubnetPolicyConfig): Violation[] {
    const subnetsOf = (r: CheckedResource): string[] =>
        (Array.isArray(r.props["ipamConfigs"]) ? (r.props["ipamConfigs"] as Record<string, unknown>[]) : [])
            .map((c) => propText(c["subnet"] ?? ""))
            .filter(isCidr);
    const networks = resources.filter((r) => r.type === DOCKER_NETWORK);
    const overlays = networks.filter((r) => r.props["driver"] === "overlay").flatMap((r) => subnetsOf(r).map((subnet) => ({ r, subnet })));
    const underlays = [
        ...(config.underlays ?? []).filter(isCidr).map((subnet) => ({ what: `underlay ${subnet}`, subnet })),
        ...networks
            .filter((r) => r.props["driver"] !== "overlay")
            .flatMap((r) => subnetsOf(r).map((subnet) => ({ what: `host network ${propText(r.props["name"] ?? r.name)} ${subnet}`, subnet }))),
    ];
    const violations: Violation[] = [];
    overlays.forEach((a, i) => {
        for (const b of overlays.slice(i + 1)) {
            if (overlaps(a.subnet, b.subnet)) {
                violations.push({
                    message: `overlay ${propText(a.r.props["name"])} ${a.subnet} overlaps overlay ${propText(b.r.props["name"])} ${b.subnet}`,
                    urn: b.r.urn,
                });
            }
        }
        for (const u of underlays) {
            if (overlaps(a.subnet, u.subnet)) {
                violations.push({ message: `overlay ${propText(a.r.props["name"])} ${a.subnet} overlaps the ${u.what}`, urn: a.r.urn });
            }
        }
    });
    return violations;
}

// ------------------------------------------------------------ limits

export interface LimitsPolicyConfig {
    /** Require every container to set a memory limit. Default false. */
    requireMemory?: boolean;
    /** Require every container to set cpu shares. Default false. */
    requireCpuShares?: boolean;
}

/** Containers must carry resource limits, where the pack's config requires them. */
export function containerLimits(r: CheckedResource, config: LimitsPolicyConfig): Violation[] {
    if (r.type !== DOCKER_CONTAINER) {
        return [];
    }
    const missing: string[] = [];
    if (config.requireMemory && !(Number(r.props["memory"]) > 0)) {
        missing.push("memory");
    }
    if (config.requireCpuShares && !(Number(r.props["cpuShares"]) > 0)) {
        missing.push("cpuShares");
    }
    return missing.length === 0
        ? []
        : [{ message: `container ${propText(r.props["name"] ?? r.name)} sets no ${missing.join(" or ")} limit, which this stack's policy requires` }];
}

// ------------------------------------------------------------ data path and MTU

/** swarm init's accepted `--data-path-port` range, and the ports it must not take. */
const DATA_PATH_PORTS = { min: 1024, max: 49151 } as const;
const SERF = 7946;

/**
 * The swarm's data path (`engine.swarm.dataPathPort`): a `swarm init` command
 * rendering `--data-path-port` must name a port swarm init accepts
 * (1024-49151) and not one the overlay already uses between hosts (serf 7946,
 * the swarm's management port).
 */
export function swarmDataPath(r: CheckedResource): Violation[] {
    if (r.type !== LOCAL_COMMAND && r.type !== REMOTE_COMMAND) {
        return [];
    }
    const create = r.props["create"];
    if (typeof create !== "string" || !create.includes("swarm init")) {
        return [];
    }
    const flags = /^DATA_PATH=\((.*)\)$/m.exec(create)?.[1] ?? "";
    const m = /'?--data-path-port'?\s+'?(\d+)'?/.exec(flags);
    if (m === null) {
        return [];
    }
    const port = Number(m[1]);
    const swarmPort = Number(/^PORT='?(\d+)'?$/m.exec(create)?.[1] ?? "2377");
    if (port < DATA_PATH_PORTS.min || port > DATA_PATH_PORTS.max) {
        return [{ message: `${r.name} initialises a swarm with --data-path-port ${port}; swarm init accepts ${DATA_PATH_PORTS.min}-${DATA_PATH_PORTS.max}` }];
    }
    if (port === SERF || port === swarmPort) {
        const what = port === SERF ? "serf's gossip port" : "the swarm's management port";
        return [
            { message: `${r.name} initialises a swarm with --data-path-port ${port}, which is ${what}; the overlays' VXLAN traffic needs a port of its own` },
        ];
    }
    return [];
}

/**
 * What the overlay option may say: the same range validation gives
 * `networks[].mtu` (lib/config/defaults.ts) plus VXLAN's 50 bytes, up to a
 * jumbo underlay. One source, so the pack never flags a stack validation accepts.
 */
const OPTION_MTU = { min: MIN_OVERLAY_MTU + VXLAN_OVERHEAD, max: MAX_MTU } as const;

/**
 * Overlay networks carry `com.docker.network.driver.mtu` (the underlay's MTU
 * Docker subtracts VXLAN's 50 bytes from) within what a link can have; a
 * number outside it is a typo that leaves containers with an MTU their
 * packets cannot cross with.
 */
export function overlayMtuOption(r: CheckedResource): Violation[] {
    if (r.type !== DOCKER_NETWORK || r.props["driver"] !== "overlay") {
        return [];
    }
    const options = (r.props["options"] ?? {}) as Record<string, unknown>;
    const value = options["com.docker.network.driver.mtu"];
    if (value === undefined) {
        return [];
    }
    const mtu = Number(value);
    if (!Number.isInteger(mtu) || mtu < OPTION_MTU.min || mtu > OPTION_MTU.max) {
        return [
            {
                message: `overlay network ${r.name} sets com.docker.network.driver.mtu ${JSON.stringify(value)}; it is the underlay's MTU, an integer from ${OPTION_MTU.min} to ${OPTION_MTU.max}`,
            },
        ];
    }
    return [];
}
