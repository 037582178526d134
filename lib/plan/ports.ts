/**
 * The ports each mode needs open between the hosts (and from the machine
 * running the program), as data: exported by the program as `ports`, checked
 * by validation for collisions, and listed in the README.
 */
import { ClusterConfig, EngineMode } from "../config/types";

/** Serf, the overlay's membership gossip (both modes). */
export const SERF_PORT = 7946;
/** VXLAN, the overlay's data plane (both modes). */
export const VXLAN_PORT = 4789;
/** Swarm's management port by default (raft, node join). */
export const SWARM_PORT = 2377;

/**
 * Who talks to whom, as data: the probes (lib/plan/probes.ts) turn each into
 * host pairs, `between` says it in words.
 */
export type PortPeers = "host-host" | "hosts-managers" | "hosts-kv" | "program-hosts";

const BETWEEN: Record<PortPeers, string> = {
    "host-host": "host <-> host",
    "hosts-managers": "hosts -> managers",
    "hosts-kv": "hosts -> KV store",
    "program-hosts": "program -> hosts",
};

export interface PortRule {
    /** Absent for ESP, an IP protocol (50) rather than a port. */
    port?: number;
    protocol: "tcp" | "udp" | "tcp+udp" | "esp";
    peers: PortPeers;
    /** Who talks to whom, in words (from `peers`). */
    between: string;
    why: string;
}

function rule(peers: PortPeers, r: Omit<PortRule, "peers" | "between">): PortRule {
    return { ...(r.port !== undefined ? { port: r.port } : {}), protocol: r.protocol, peers, between: BETWEEN[peers], why: r.why };
}

/** The overlay's own ports, in either mode: what must not be taken by anything else on a host. */
export function overlayPorts(mode: EngineMode, swarmPort = SWARM_PORT, dataPathPort = VXLAN_PORT): { port: number; what: string }[] {
    return [
        ...(mode === "swarm" ? [{ port: swarmPort, what: "swarm's management port" }] : []),
        { port: SERF_PORT, what: "serf (overlay gossip)" },
        { port: mode === "swarm" ? dataPathPort : VXLAN_PORT, what: "VXLAN (overlay data)" },
    ];
}

/** Every port the stack needs open, for its mode, KV store and TLS settings. */
export function requiredPorts(config: ClusterConfig): PortRule[] {
    const rules: PortRule[] = [];
    if (config.engine.mode === "swarm") {
        const port = config.engine.swarm?.port ?? SWARM_PORT;
        rules.push(rule("hosts-managers", { port, protocol: "tcp", why: "swarm management: join and raft" }));
    }
    rules.push(
        rule("host-host", { port: SERF_PORT, protocol: "tcp+udp", why: "overlay membership gossip (serf)" }),
        rule("host-host", {
            port: config.engine.swarm?.dataPathPort ?? VXLAN_PORT,
            protocol: "udp",
            why: `overlay data plane (VXLAN${config.engine.swarm !== undefined && config.engine.swarm.dataPathPort !== VXLAN_PORT ? ", engine.swarm.dataPathPort" : ""})`,
        }),
    );
    if (config.networks.some((n) => n.encrypted)) {
        rules.push(rule("host-host", { protocol: "esp", why: "encrypted overlays: IPsec ESP (IP protocol 50)" }));
    }
    if (config.engine.mode === "cluster-store" && config.kvStore !== undefined) {
        rules.push(rule("hosts-kv", { port: config.kvStore.port, protocol: "tcp", why: `the ${config.kvStore.backend} cluster store` }));
    }
    if (config.engine.tls && config.driver.kind !== "dind") {
        rules.push(rule("program-hosts", { port: config.engine.apiPort, protocol: "tcp", why: "the engine API, TLS with client certificates" }));
    }
    return rules;
}
