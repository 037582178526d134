import * as consul from "@pulumi/consul";
import * as pulumi from "@pulumi/pulumi";
import { TlsMaterial } from "./machines/types";

export interface ClusterRecordArgs {
    /** consul's HTTP endpoint, `host:port`. */
    endpoint: pulumi.Input<string>;
    /** With `kvStore.tls`: consul speaks HTTPS and wants this client certificate. */
    tls?: TlsMaterial;
    /** Key prefix the record is written under, e.g. `docker-overlay/dev`. */
    prefix: string;
    /** Relative key -> value (JSON documents), e.g. `hosts/swarm-node1`. */
    entries: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** The KV machine: the provider waits for it. */
    kvReady: pulumi.Resource[];
    /**
     * The ids of the KV machine's resources (KvStore.machineId). The record's `pathPrefix` (ForceNew,
     * TC `resource_consul_key_prefix.go:42-46`) takes its value through them: the prefix is the same
     * string, but a property dependency on the machine. When the machine is replaced (delete before
     * replace), the engine then deletes the record first, while the old consul still answers, as a
     * dependent whose diff with that input unknown says replace (E `step_generator.go:3009-3149`), and
     * writes it again into the new store (a new consul is empty). Without it the record was left for
     * the end: switching the store to etcd failed deleting it from a consul that was gone
     * (ECONNREFUSED), and a consul machine replaced kept no record at all. Undefined for an existing
     * store (no machine of the program's).
     */
    kvMachineId?: pulumi.Output<string>;
    /** The engines whose registration under `docker/nodes` is read back once they exist; undefined: nothing to read (swarm mode). */
    engines?: pulumi.Resource[];
    /** Deleted with this resource (Fabric.deletedWith): the store's machine goes with it. */
    deletedWith?: pulumi.Resource;
}

/**
 * With consul: records the cluster (hosts, networks, placements) under a key
 * prefix so operators see what the program built next to what the engines
 * wrote, and reads back the engines registered under `docker/nodes`.
 */
export class ClusterRecord extends pulumi.ComponentResource {
    public readonly provider: consul.Provider;
    /** `<ip>:<port>` of every engine registered in the store (libkv's `docker/nodes/<addr>`); null when not read. */
    public readonly registeredEngines: pulumi.Output<string[] | null>;

    constructor(name: string, args: ClusterRecordArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:kv:ClusterRecord", name, {}, opts);
        this.provider = new consul.Provider(
            `${name}-consul`,
            {
                address: args.endpoint,
                ...(args.tls !== undefined
                    ? { scheme: "https", caPem: args.tls.caCertPem, certPem: args.tls.certPem, keyPem: pulumi.secret(args.tls.keyPem) }
                    : { scheme: "http" }),
            },
            { parent: this, dependsOn: args.kvReady },
        );
        const record = new consul.KeyPrefix(
            `${name}-keys`,
            {
                pathPrefix: args.kvMachineId !== undefined ? args.kvMachineId.apply(() => `${args.prefix}/`) : `${args.prefix}/`,
                subkeys: args.entries,
            },
            // After the engines: a dind or docker-machine store counts as up once `consul members`
            // answers (lib/kv/server.ts), which a single server does before it elected itself, and a
            // write then fails "HTTP 500 No cluster leader" (met in CI). An engine in cluster-store
            // mode is up only once it registered in the store, which needs a leader.
            { parent: this, provider: this.provider, deletedWith: args.deletedWith, dependsOn: args.engines ?? [] },
        );
        if (args.engines === undefined) {
            this.registeredEngines = pulumi.output(null);
        } else if (pulumi.runtime.isDryRun()) {
            // A preview must not need a live consul (a pull request's preview runs where it cannot
            // reach it): the SDK runs an output-form invoke as soon as the ids of its dependencies
            // are known (NM `pulumi/runtime/invoke.js:176-232`), which they are for a deployed stack,
            // and the consul provider then asks consul (TC `data_source_consul_key_prefix.go:85-116`).
            // In a preview the read-back stays unknown; `up` reads it.
            this.registeredEngines = pulumi.output(pulumi.unknown as unknown as string[] | null);
        } else {
            const nodes = consul.getKeyPrefixOutput(
                { pathPrefix: "docker/nodes/" },
                { parent: this, provider: this.provider, dependsOn: [record, ...args.engines] },
            );
            this.registeredEngines = nodes.apply((n) => Object.keys(n.subkeys ?? {}).sort());
        }
        this.registerOutputs({ registeredEngines: this.registeredEngines });
    }
}
