/**
 * The underlay probes a stack's mode needs: for every rule of the `ports`
 * output (lib/plan/ports.ts, the one list of what must be open between which
 * hosts), the directed host pairs that must reach each other on it. `npm run
 * lab -- diagnose` runs them (lab/diagnose.ts); a failure is named by
 * `probeLabel`: `swarm-node1 -> swarm-node2 udp/4789`.
 *
 * Pairs are directed: a firewall drops one direction as readily as both, and
 * serf and VXLAN need both (each engine opens its own connections).
 */
import { ClusterConfig } from "../config/types";
import { kvMachineName, swarmManagerNames } from "./cluster";
import { PortRule, requiredPorts } from "./ports";

export interface Probe {
    /** Host names (the KV machine's name, or an existing store's address host, as a target). */
    from: string;
    to: string;
    protocol: "tcp" | "udp";
    port: number;
    /** The rule's `why`. */
    why: string;
}

export interface ProbePlan {
    probes: Probe[];
    /** Rules no probe between hosts can show, each with the reason. */
    notProbed: { rule: PortRule; reason: string }[];
}

/** `from -> to proto/port`, the name a result is reported under. */
export function probeLabel(p: Pick<Probe, "from" | "to" | "protocol" | "port">): string {
    return `${p.from} -> ${p.to} ${p.protocol}/${p.port}`;
}

/** Why ESP is listed but not probed. */
export const ESP_NOT_PROBED =
    "IPsec ESP (IP protocol 50) has no port to send to: a probe would need a security association on both hosts; " +
    "before an encrypted overlay is created each host's kernel is probed for ESP AES-GCM instead (lib/swarm/esp.ts)";
/** Why the engine API (with TLS) is listed but not probed between hosts. */
export const PROGRAM_NOT_PROBED = "from the machine running the program to each host, not between hosts: every command the program sends to an engine takes it";

/** The target of the hosts -> KV store rule: the machine the driver makes, or the host part of an existing store's address. */
function kvTarget(config: ClusterConfig): string | undefined {
    const machine = kvMachineName(config);
    if (machine !== undefined) {
        return machine;
    }
    const address = config.kvStore?.address;
    return address === undefined ? undefined : new URL(address).hostname;
}

/**
 * The hosts probed, in `hosts` order: every one but those marked lost (`hosts[].lost`: the
 * machine is gone for good, nothing answers there). Probing a pair with one would fail every
 * `up` that runs that probe again (an added host's, or one whose pairs changed), before any
 * engine is configured on ssh hosts.
 */
function probedHosts(config: ClusterConfig): string[] {
    return config.hosts.filter((h) => h.lost !== true).map((h) => h.name);
}

/**
 * Every probe the mode needs. `hostTargets`, when given, says which hosts each host
 * (by its index among the probed hosts, probedHosts) probes on the host-to-host rules,
 * in that order; every other host when not (formationProbes samples beyond
 * PROBE_ALL_PAIRS_UP_TO hosts).
 */
export function probePlan(config: ClusterConfig, hostTargets?: (from: number) => readonly string[]): ProbePlan {
    const hosts = probedHosts(config);
    const probes: Probe[] = [];
    const notProbed: ProbePlan["notProbed"] = [];
    for (const rule of requiredPorts(config)) {
        if (rule.protocol === "esp" || rule.port === undefined) {
            notProbed.push({ rule, reason: ESP_NOT_PROBED });
            continue;
        }
        const port = rule.port;
        const protocols: Probe["protocol"][] = rule.protocol === "tcp+udp" ? ["tcp", "udp"] : [rule.protocol];
        let targets: string[];
        switch (rule.peers) {
            case "host-host":
                targets = hosts;
                break;
            case "hosts-managers":
                targets = swarmManagerNames(config.hosts).filter((m) => hosts.includes(m));
                break;
            case "hosts-kv": {
                const kv = kvTarget(config);
                targets = kv === undefined ? [] : [kv];
                break;
            }
            case "program-hosts":
                notProbed.push({ rule, reason: PROGRAM_NOT_PROBED });
                continue;
        }
        for (const protocol of protocols) {
            hosts.forEach((from, i) => {
                for (const to of rule.peers === "host-host" && hostTargets !== undefined ? hostTargets(i) : targets) {
                    if (from !== to) {
                        probes.push({ from, to, protocol, port, why: rule.why });
                    }
                }
            });
        }
    }
    return { probes, notProbed };
}

/** Up to this many hosts, the probe before the cluster forms takes every directed host pair. */
export const PROBE_ALL_PAIRS_UP_TO = 16;

/**
 * The probes run before the cluster forms (components/underlayProbe.ts): every probe of
 * `probePlan` up to PROBE_ALL_PAIRS_UP_TO hosts. Beyond, a host-to-host rule is probed from
 * each host to the hosts 1, 2, 4, 8, ... places after it in `hosts` (wrapping): about
 * log2(n) targets a host, each host also the target of as many, so a host whose port is
 * closed either way, and a cut between two groups of hosts, still show; every pair is
 * n(n-1) probes, 89,700 a port at 300 hosts: minutes of probing on each `up` that changes
 * the round, and a plan of 300 hosts took 2.6 s and 380 MB more with them (bench plan
 * 300x10: 9.97 s, 1,246 MB, against 7.33 s, 866 MB without). Probes to the managers and the
 * store, and `npm run lab -- diagnose`, keep every pair.
 */
export function formationProbes(config: ClusterConfig): Probe[] {
    const hosts = probedHosts(config);
    if (hosts.length <= PROBE_ALL_PAIRS_UP_TO) {
        return probePlan(config).probes;
    }
    const offsets: number[] = [];
    for (let o = 1; o < hosts.length; o *= 2) {
        offsets.push(o);
    }
    // Each host's sampled targets, in `hosts` order (as the full plan orders them), made only when asked:
    // generating every pair first was 270,000 probes and 60 MB at 300 hosts.
    return probePlan(config, (i) => [...new Set(offsets.map((o) => (i + o) % hosts.length))].sort((a, b) => a - b).map((j) => hosts[j])).probes;
}

/**
 * The probes grouped into commands, one per host: each pair (both of its directions, every
 * port) belongs to the later of its two hosts in `hosts`, a probe to what is no host (the KV
 * store) to its sender. So adding a host at the end adds one command and changes no other
 * (issue #10: an added host creates only its own resources), and removing one changes only
 * the commands of the hosts after it that paired with it. Order: `hosts`, each command's
 * probes in the given order.
 */
export function probeOwners(config: ClusterConfig, probes: readonly Probe[]): Map<string, Probe[]> {
    const index = new Map(config.hosts.map((h, i) => [h.name, i]));
    const owners = new Map<string, Probe[]>(config.hosts.map((h) => [h.name, []]));
    for (const p of probes) {
        const to = index.get(p.to);
        const owner = to !== undefined && to > (index.get(p.from) ?? -1) ? p.to : p.from;
        owners.get(owner)?.push(p);
    }
    return new Map([...owners].filter(([, ps]) => ps.length > 0));
}
