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

export interface PortRule {
    /** Absent for ESP, an IP protocol (50) rather than a port. */
    port?: number;
    protocol: "tcp" | "udp" | "tcp+udp" | "esp";
    /** Who talks to whom. */
    between: string;
    why: string;
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
        rules.push({ port, protocol: "tcp", between: "hosts -> manager", why: "swarm management: join and raft" });
    }
    rules.push(
        { port: SERF_PORT, protocol: "tcp+udp", between: "host <-> host", why: "overlay membership gossip (serf)" },
        {
            port: config.engine.swarm?.dataPathPort ?? VXLAN_PORT,
            protocol: "udp",
            between: "host <-> host",
            why: `overlay data plane (VXLAN${config.engine.swarm !== undefined && config.engine.swarm.dataPathPort !== VXLAN_PORT ? ", engine.swarm.dataPathPort" : ""})`,
        },
    );
    if (config.networks.some((n) => n.encrypted)) {
        rules.push({ protocol: "esp", between: "host <-> host", why: "encrypted overlays: IPsec ESP (IP protocol 50)" });
    }
    if (config.engine.mode === "cluster-store" && config.kvStore !== undefined) {
        rules.push({ port: config.kvStore.port, protocol: "tcp", between: "hosts -> KV store", why: `the ${config.kvStore.backend} cluster store` });
    }
    if (config.engine.tls && config.driver.kind !== "dind") {
        rules.push({ port: config.engine.apiPort, protocol: "tcp", between: "program -> hosts", why: "the engine API, TLS with client certificates" });
    }
    return rules;
}
