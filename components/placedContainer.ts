import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABEL, MACHINE_TRIGGER } from "../lib/change/labels";
import { ContainerConfig } from "../lib/config/types";
import { DockerHost } from "./dockerHost";
import { OverlayNetwork } from "./overlayNetwork";

export interface PlacedContainerArgs {
    container: ContainerConfig;
    /** The host placement chose (resolved at plan time, so a preview shows it). */
    host: DockerHost;
    /** Every overlay network by name; the container attaches to those it lists. */
    networks: Record<string, OverlayNetwork>;
    /**
     * What makes the host a member of the cluster (swarm mode: its join), so that the container,
     * attached to the cluster's overlays, goes before its host leaves. Without this edge the
     * order of the two deletes is only the depth of their dependencies among what is deleted
     * (lab `scheduleDeletes`, as the engine schedules them), which the underlay probe deepened.
     */
    membership?: pulumi.Resource;
}

/**
 * A container on the host its constraints chose, attached to its overlays with its name as alias.
 *
 * Safe under change with the real engine: the image's `triggers` (ForceNew, K
 * `resource_docker_image.go:84-89`) and the container's `docker-overlay.machine` label (labels are
 * ForceNew, K `resource_docker_container.go:833-838`) carry the host's machine ids, so replacing the
 * machine replaces both (DockerHost.machineId says why nothing else would); the container's
 * `networksAdvanced` takes each network's `name` output, so a replaced network replaces it
 * (components/overlayNetwork.ts).
 */
export class PlacedContainer extends pulumi.ComponentResource {
    public readonly containerName: string;
    public readonly hostName: string;
    public readonly container: docker.Container;
    /** Network name -> the container's address on it, as the engine reports it. */
    public readonly addresses: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: PlacedContainerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:container:PlacedContainer", name, {}, opts);
        const c = args.container;
        this.containerName = c.name;
        this.hostName = args.host.hostName;
        const provider = args.host.provider;
        const image = new docker.RemoteImage(
            `${name}-image`,
            { name: c.image, keepLocally: true, triggers: { [MACHINE_TRIGGER]: args.host.machineId } },
            { parent: this, provider, dependsOn: args.host.ready, deletedWith: args.host.deletedWith },
        );
        this.container = new docker.Container(
            `${name}-container`,
            {
                name: c.name,
                image: image.name,
                hostname: c.name,
                ...(c.command.length > 0 ? { command: c.command } : {}),
                envs: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
                networksAdvanced: c.networks.map((attachment) => ({
                    name: args.networks[attachment.name].network.name,
                    ...(attachment.ipv4Address ? { ipv4Address: attachment.ipv4Address } : {}),
                    aliases: [c.name],
                })),
                labels: [
                    { label: LABEL.container, value: c.name },
                    { label: LABEL.host, value: args.host.hostName },
                    { label: LABEL.machine, value: args.host.machineId },
                ],
                // Come back with the engine: a restarted host must rejoin the overlay on its own.
                restart: "unless-stopped",
                mustRun: true,
            },
            { parent: this, provider, deletedWith: args.host.deletedWith, ...(args.membership !== undefined ? { dependsOn: [args.membership] } : {}) },
        );
        this.addresses = this.container.networkDatas.apply((datas) =>
            Object.fromEntries((datas ?? []).filter((d) => d.networkName !== undefined && d.ipAddress !== undefined).map((d) => [d.networkName, d.ipAddress])),
        );
        this.registerOutputs({ name: this.containerName, host: this.hostName, addresses: this.addresses });
    }
}
