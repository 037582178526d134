/**
 * Everything about the cluster that can be decided before any resource
 * exists: where each container lands, which underlay address each machine
 * gets, which host creates the networks. Components only wire this plan.
 */
import { ClusterConfig } from "../config/types";
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

function machineAddresses(config: ClusterConfig): AddressPlan | undefined {
    const cidr = config.driver.kind === "netns" ? config.driver.underlay : config.driver.kind === "dind" ? config.driver.subnet : undefined;
    if (cidr === undefined) {
        return undefined;
    }
    const kvMachine = config.kvStore.address === undefined && config.kvStore.machine !== undefined ? [{ name: config.kvStore.machine }] : [];
    return allocateAddresses(cidr, [...kvMachine, ...config.hosts.map((h) => ({ name: h.name, address: h.address }))]);
}
