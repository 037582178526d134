/**
 * Everything about the cluster that can be decided before any resource
 * exists: where each container lands, which underlay address each machine
 * gets, which host creates the networks, and (swarm mode) the address pool
 * swarm allocates its ingress from. Components only wire this plan.
 */
import { ClusterConfig, HostConfig, KvStoreConfig } from "../config/types";
import { AddressPlan, allocateAddresses } from "../net/allocate";
import { ConfigError } from "../config/validate/checker";
import { placeContainers } from "../placement/place";
import { chooseSwarmAddressPool, SwarmAddressPool } from "../swarm/pool";

export interface ClusterPlan {
    /** Container name -> host name. */
    placements: Record<string, string>;
    /** Underlay addresses, for drivers whose machines the program addresses itself (netns, dind). */
    addresses?: AddressPlan;
    /** The host overlay networks are created through (the manager, else the first host). */
    networkHost: string;
    /** Swarm mode: `engine.swarm.addressPool` as configured, else the one chosen (see swarmAddressPool). */
    swarmAddressPool?: SwarmAddressPool;
}

/**
 * @param previous container -> host as the running stack has them (lib/plan/previous.ts):
 * those still fitting stay; empty for a new stack; undefined where they are not known
 * (lib/placement/place.ts).
 * @throws ConfigError for a container only lost hosts fit that the stack does not run there
 * (validateConfig, which knows no placements, reports every other placement problem first).
 */
export function planCluster(config: ClusterConfig, previous?: Readonly<Record<string, string>>): ClusterPlan {
    const placed = placeContainers(config.hosts, config.containers, previous);
    if (placed.problems.length > 0) {
        throw new ConfigError(
            placed.problems.map((p) => ({
                path: `containers[${p.index}].constraints${p.constraint !== undefined ? `[${p.constraint}]` : ""}`,
                message: p.message,
            })),
        );
    }
    const manager = config.hosts.find((h) => h.role === "manager");
    const pool = swarmAddressPool(config);
    return {
        placements: placed.placements,
        addresses: machineAddresses(config),
        networkHost: (manager ?? config.hosts[0]).name,
        ...(pool !== undefined ? { swarmAddressPool: pool } : {}),
    };
}

/**
 * Swarm mode: the pool swarm allocates `ingress` from (`--default-addr-pool`):
 * the configured `engine.swarm.addressPool`, else the first candidate pool
 * off every overlay subnet and the machines' network (lib/swarm/pool.ts).
 * undefined in cluster-store mode.
 */
export function swarmAddressPool(config: ClusterConfig): SwarmAddressPool | undefined {
    const swarm = config.engine.swarm;
    if (config.engine.mode !== "swarm" || swarm === undefined) {
        return undefined;
    }
    if (swarm.addressPool !== undefined) {
        return { pool: swarm.addressPool, maskLength: swarm.addressPoolMaskLength };
    }
    const driver = config.driver;
    const fabric = driver.kind === "netns" ? [driver.underlay] : driver.kind === "dind" ? [driver.subnet] : [];
    const chosen = chooseSwarmAddressPool([...config.networks.map((n) => n.subnet), ...fabric], swarm.addressPoolMaskLength);
    if (chosen === undefined) {
        throw new Error("planCluster: no swarm address pool (validateConfig reports this first; reaching here is a bug)");
    }
    return chosen;
}

/** The managers of a swarm, in config order: the hosts with role manager, else the first host. */
export function swarmManagerNames(hosts: readonly HostConfig[]): string[] {
    const managers = hosts.filter((h) => h.role === "manager");
    return (managers.length > 0 ? managers : hosts.slice(0, 1)).map((h) => h.name);
}

/** The KV store's config, for code that only runs when there is one (a driver's createKvMachine). */
export function requireKvStore(config: ClusterConfig, who: string): KvStoreConfig {
    if (config.kvStore === undefined) {
        throw new Error(`${who}: the stack has no KV store (engine.mode ${config.engine.mode} without docker-overlay:kvStore)`);
    }
    return config.kvStore;
}

/** The machine the driver creates for the KV store, if it creates one (none for an existing store, none without a store). */
export function kvMachineName(config: ClusterConfig): string | undefined {
    const kv = config.kvStore;
    return kv !== undefined && kv.address === undefined ? kv.machine : undefined;
}

/**
 * The underlay addresses of the machines a netns or dind driver creates (lib/net/allocate.ts:
 * the KV machine first, each host where its name points); undefined for the other drivers.
 */
export function machineAddresses(config: ClusterConfig): AddressPlan | undefined {
    const cidr = config.driver.kind === "netns" ? config.driver.underlay : config.driver.kind === "dind" ? config.driver.subnet : undefined;
    if (cidr === undefined) {
        return undefined;
    }
    const kvMachine = kvMachineName(config) !== undefined ? [{ name: kvMachineName(config) as string }] : [];
    return allocateAddresses(
        cidr,
        kvMachine,
        config.hosts.map((h) => ({ name: h.name, address: h.address })),
    );
}
