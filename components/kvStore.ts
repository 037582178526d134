import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, KV_SCHEME, KvBackend, KvStoreConfig } from "../lib/config/types";
import { Fabric, MachineDriver } from "./machines/types";

export interface KvStoreArgs {
    config: ClusterConfig;
    /** The store's settings (`config.kvStore`, present whenever there is a store). */
    kvStore: KvStoreConfig;
    driver: MachineDriver;
    fabric: Fabric;
    /** Underlay address for a managed machine, where the program allocates it (netns, dind). */
    address?: string;
}

/**
 * The key-value store the engines keep overlay state in: a machine the driver
 * creates (`kvStore.machine`) or an existing store (`kvStore.address`).
 * Exposes the `cluster-store` URL every engine is started with.
 */
export class KvStore extends pulumi.ComponentResource {
    public readonly backend: KvBackend;
    /** `cluster-store` URL, e.g. `consul://10.199.0.2:8500`. */
    public readonly url: pulumi.Output<string>;
    /** `host:port` clients (the consul provider, the lab) reach the store at. */
    public readonly endpoint: pulumi.Output<string>;
    /** What the engines must wait for; empty for an existing store. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: KvStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:kv:KvStore", name, {}, opts);
        const kv = args.kvStore;
        this.backend = kv.backend;
        if (kv.address !== undefined) {
            this.url = pulumi.output(kv.address);
            this.endpoint = pulumi.output(kv.address.replace(/^[a-z]+:\/\//, ""));
            this.ready = [];
        } else {
            const machine = args.driver.createKvMachine(
                `${name}-machine`,
                { config: args.config, name: kv.machine ?? name, address: args.address, fabric: args.fabric },
                this,
            );
            this.endpoint = pulumi.interpolate`${machine.address}:${kv.port}`;
            this.url = pulumi.interpolate`${KV_SCHEME[kv.backend]}://${this.endpoint}`;
            this.ready = machine.resources;
        }
        this.registerOutputs({ backend: this.backend, url: this.url, endpoint: this.endpoint });
    }
}
