import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { EngineMode, NetworkConfig } from "../lib/config/types";

export interface OverlayNetworkArgs {
    network: NetworkConfig;
    mode: EngineMode;
    /** Provider of the host the network is created through; the KV store (or swarm) shares it with all hosts. */
    provider: docker.Provider;
    dependsOn: pulumi.Resource[];
    /** Driver options from the machine driver (dind: the overlay's MTU), merged under the network's own. */
    driverOptions?: Record<string, string>;
}

/** An overlay network with an explicit name and subnet, created through one host and visible on all. */
export class OverlayNetwork extends pulumi.ComponentResource {
    public readonly networkName: string;
    public readonly subnet: string;
    public readonly network: docker.Network;

    constructor(name: string, args: OverlayNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:network:OverlayNetwork", name, {}, opts);
        const net = args.network;
        this.networkName = net.name;
        this.subnet = net.subnet;
        this.network = new docker.Network(
            `${name}-network`,
            {
                name: net.name,
                driver: "overlay",
                ipamConfigs: [{ subnet: net.subnet, gateway: net.gateway, ...(net.ipRange ? { ipRange: net.ipRange } : {}) }],
                internal: net.internal,
                // Swarm-scoped overlays take standalone containers only when attachable;
                // KV-backed (cluster-store) overlays are global scope and need no flag.
                ...(args.mode === "swarm" ? { attachable: true } : {}),
                ...(net.encrypted || args.driverOptions !== undefined
                    ? { options: { ...(args.driverOptions ?? {}), ...(net.encrypted ? { encrypted: "" } : {}) } }
                    : {}),
                labels: [{ label: "docker-overlay.network", value: net.name }],
            },
            { parent: this, provider: args.provider, dependsOn: args.dependsOn },
        );
        this.registerOutputs({ name: this.networkName, subnet: this.subnet, id: this.network.id });
    }
}
