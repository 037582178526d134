/**
 * Everything about the cluster that can be decided before any resource
 * exists: where each container lands, which underlay address each machine
 * gets, which host creates the networks. Components only wire this plan.
 */
import { ClusterConfig, KvStoreConfig } from "../config/types";
import { AddressPlan, allocateAddresses } from "../net/allocate";
import { placeContainers } from "../placement/place";

export interface ClusterPlan {
    /** Container name -> host name. */
    placements: Record<string, string>;
    /** Underlay addresses, for drivers whose machines the program addresses itself (netns, dind). */
    addresses?: AddressPlan;
    /** The host overlay networks are created through (the manager, else the first host). */
    networkHost: string;
}

export function planCluster(config: ClusterConfig): ClusterPlan {
    const placed = placeContainers(config.hosts, config.containers);
    if (placed.problems.length > 0) {
        // validateConfig reports these with their key paths first; reaching here is a bug.
        throw new Error(`placement failed: ${placed.problems.map((p) => p.message).join("; ")}`);
    }
    const manager = config.hosts.find((h) => h.role === "manager");
    return {
        placements: placed.placements,
        addresses: machineAddresses(config),
        networkHost: (manager ?? config.hosts[0]).name,
    };
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

function machineAddresses(config: ClusterConfig): AddressPlan | undefined {
    const cidr = config.driver.kind === "netns" ? config.driver.underlay : config.driver.kind === "dind" ? config.driver.subnet : undefined;
    if (cidr === undefined) {
        return undefined;
    }
    const kvMachine = kvMachineName(config) !== undefined ? [{ name: kvMachineName(config) as string }] : [];
    return allocateAddresses(cidr, [...kvMachine, ...config.hosts.map((h) => ({ name: h.name, address: h.address }))]);
}
