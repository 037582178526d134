import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, KV_SCHEME, KvBackend, KvStoreConfig } from "../lib/config/types";
import { machineLabelValue } from "../lib/change/labels";
import { KV_SERVER_USES } from "../lib/tls/engine";
import { kvServerCertNames } from "../lib/tls/names";
import { Fabric, MachineDriver, TlsMaterial } from "./machines/types";
import { ClusterPki, serverCertificate } from "./pki";

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
 * Exposes the `cluster-store` URL every engine is started with. With
 * `kvStore.tls` the store has a CA of its own (components/pki.ts; a
 * certificate the engines hold for the store must not open their APIs), the
 * machine a server certificate from it, and `clientTls` is what its clients
 * present.
 */
export class KvStore extends pulumi.ComponentResource {
    public readonly backend: KvBackend;
    /** `cluster-store` URL, e.g. `consul://10.199.0.2:8500`. */
    public readonly url: pulumi.Output<string>;
    /** `host:port` clients (the consul provider, the lab) reach the store at. */
    public readonly endpoint: pulumi.Output<string>;
    /** What the engines must wait for; empty for an existing store. */
    public readonly ready: pulumi.Resource[];
    /** The ids of the machine's resources, comma-separated (as DockerHost.machineId); undefined for an existing store. */
    public readonly machineId: pulumi.Output<string> | undefined;
    /** With `kvStore.tls`: what a client presents to the store (the store's CA, the client certificate and its secret key). */
    public readonly clientTls: TlsMaterial | undefined;

    constructor(name: string, args: KvStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:kv:KvStore", name, {}, opts);
        const kv = args.kvStore;
        this.backend = kv.backend;
        // Validation allows kvStore.tls only for a store the driver creates.
        const pki = kv.tls ? new ClusterPki("kv-pki", { stack: args.config.stack, scope: "kv" }, { parent: this }) : undefined;
        if (kv.address !== undefined) {
            this.url = pulumi.output(kv.address);
            this.endpoint = pulumi.output(kv.address.replace(/^[a-z]+:\/\//, ""));
            this.ready = [];
            this.machineId = undefined;
        } else {
            const machineName = kv.machine ?? name;
            const tls: TlsMaterial | undefined =
                pki !== undefined
                    ? {
                          caCertPem: pki.caCertPem,
                          ...serverCertificate(`${name}-tls`, pki, machineName, kvServerCertNames(machineName, args.address), this, KV_SERVER_USES),
                      }
                    : undefined;
            const machine = args.driver.createKvMachine(
                `${name}-machine`,
                { config: args.config, name: machineName, address: args.address, fabric: args.fabric, ...(tls !== undefined ? { tls } : {}) },
                this,
            );
            this.endpoint = pulumi.interpolate`${machine.address}:${kv.port}`;
            this.url = pulumi.interpolate`${KV_SCHEME[kv.backend]}://${this.endpoint}`;
            this.ready = machine.resources;
            this.machineId = pulumi.all(machine.resources.map((r) => r.id)).apply((ids) => machineLabelValue(ids));
        }
        this.clientTls = pki !== undefined ? { caCertPem: pki.caCertPem, certPem: pki.client.certPem, keyPem: pki.client.keyPem } : undefined;
        this.registerOutputs({ backend: this.backend, url: this.url, endpoint: this.endpoint });
    }
}
