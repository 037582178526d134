/**
 * How a driver turns configured machines into resources. Each driver module in
 * this folder only wires resources; what it runs (scripts, flags, files) is
 * rendered by pure functions in lib/drivers/.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HostConfig } from "../../lib/config/types";
import { EngineOptions } from "../../lib/render/engine";

/** What every machine of a driver shares (the lab bridge, the dind network), created before any machine. */
export interface Fabric {
    /** Resources every machine depends on; empty when the driver needs none. */
    resources: pulumi.Resource[];
}

export interface EngineMachineArgs {
    config: ClusterConfig;
    host: HostConfig;
    /** The host's underlay address where the program decides it (netns, dind); undefined otherwise. */
    address?: string;
    /** The engine's options; an Output because the cluster-store URL is known only once the KV store exists. */
    engine: pulumi.Output<EngineOptions>;
    fabric: Fabric;
    /** Resources the engine must wait for (the KV store). */
    dependsOn: pulumi.Resource[];
}

export interface EngineMachine {
    /** Docker endpoint for this host's docker provider: `unix://...`, `tcp://...:2376`, `ssh://...`. */
    dockerHost: pulumi.Output<string>;
    /** The host's address on the underlay (what it advertises). */
    address: pulumi.Output<string>;
    /** Extra docker provider arguments (TLS material) for this host. */
    providerArgs: Record<string, pulumi.Input<string>>;
    /** The resources that make the engine; the provider and everything on the host depend on them. */
    resources: pulumi.Resource[];
}

export interface KvMachineArgs {
    config: ClusterConfig;
    /** The machine's name (`kvStore.machine`). */
    name: string;
    address?: string;
    fabric: Fabric;
}

export interface KvMachine {
    /** Address clients reach the store at. */
    address: pulumi.Output<string>;
    resources: pulumi.Resource[];
}

/** A driver: creates the fabric, engine machines and the KV machine, all parented to `parent`. */
export interface MachineDriver {
    createFabric(name: string, config: ClusterConfig, parent: pulumi.Resource): Fabric;
    createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine;
    createKvMachine(name: string, args: KvMachineArgs, parent: pulumi.Resource): KvMachine;
}
