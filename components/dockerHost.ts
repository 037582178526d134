import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HostConfig } from "../lib/config/types";
import { EngineOptions, engineOptions } from "../lib/render/engine";
import { Fabric, MachineDriver } from "./machines/types";

export interface DockerHostArgs {
    config: ClusterConfig;
    host: HostConfig;
    driver: MachineDriver;
    fabric: Fabric;
    /** The KV store's `cluster-store` URL. */
    clusterStore: pulumi.Output<string>;
    /** Underlay address where the program allocates it (netns, dind). */
    address?: string;
    /** What the engine must wait for (the KV store). */
    dependsOn: pulumi.Resource[];
}

/**
 * One Docker host: a machine made by the driver whose engine runs with
 * `cluster-store` / `cluster-advertise`, and a docker provider named after the
 * host through which everything placed on it is created.
 */
export class DockerHost extends pulumi.ComponentResource {
    public readonly hostName: string;
    public readonly engine: pulumi.Output<EngineOptions>;
    public readonly dockerHost: pulumi.Output<string>;
    public readonly address: pulumi.Output<string>;
    public readonly provider: docker.Provider;
    /** The resources that make the engine: whatever runs on the host depends on them. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:host:DockerHost", name, {}, opts);
        this.hostName = args.host.name;
        this.engine = args.clusterStore.apply((url) => engineOptions(args.config, args.host, url));
        const machine = args.driver.createEngineMachine(
            `${name}-engine`,
            {
                config: args.config,
                host: args.host,
                address: args.address,
                engine: this.engine,
                fabric: args.fabric,
                dependsOn: args.dependsOn,
            },
            this,
        );
        this.dockerHost = machine.dockerHost;
        this.address = machine.address;
        this.ready = machine.resources;
        this.provider = new docker.Provider(
            name,
            { host: machine.dockerHost, ...machine.providerArgs },
            { parent: this, dependsOn: machine.resources },
        );
        this.registerOutputs({ dockerHost: this.dockerHost, address: this.address, engine: this.engine });
    }
}
