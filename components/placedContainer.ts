import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LABEL, MACHINE_TRIGGER } from "../lib/change/labels";
import { ContainerConfig } from "../lib/config/types";
import { containerSpec, containerSpecKey } from "../lib/plan/container";
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
    /** Swarm mode: the container's settle on its host (Swarm.settle), run before it starts and after it goes. */
    settle?: ContainerSettle;
}

/** A settle command's script and how to run it (lib/swarm/scripts.ts renderSwarmSettleScript). */
export interface ContainerSettle {
    script: pulumi.Input<string>;
    interpreter: string[];
    environment: Record<string, pulumi.Input<string>>;
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
 *
 * In swarm mode a container on an overlay comes with `<name>-settle`, a command on its host that
 * waits while a copy of one of its overlays is being torn down there (the last container on it
 * having just left: a container started meanwhile fails "network <id> not found"). The container
 * is delete-before-replace (pulumi-docker, for its fixed name), so nothing could go between its
 * removal and its new start; the settle does: its trigger is the container's spec
 * (lib/plan/container.ts), so it is replaced exactly when the container is, delete-before-replace
 * too, and the container's machine label takes its URN, a property dependency with an unchanged
 * value. The engine then runs one chain (step_generator.go:1926-2035): the container
 * goes, the settle's delete waits on the old host, its create on the new one, then the container
 * starts. The label's value is the machine ids as before, so stacks made before keep their
 * containers.
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
        const spec = containerSpec(c, args.host.hostName);
        const settle =
            args.settle !== undefined
                ? new command.local.Command(
                      `${name}-settle`,
                      {
                          create: args.settle.script,
                          delete: args.settle.script,
                          interpreter: args.settle.interpreter,
                          environment: args.settle.environment,
                          triggers: [containerSpecKey(spec)],
                      },
                      {
                          parent: this,
                          dependsOn: [...args.host.ready, ...(args.membership !== undefined ? [args.membership] : [])],
                          deleteBeforeReplace: true,
                          ...args.host.onHost,
                      },
                  )
                : undefined;
        const image = new docker.RemoteImage(
            `${name}-image`,
            { name: spec.image, keepLocally: true, triggers: { [MACHINE_TRIGGER]: args.host.machineId } },
            { parent: this, provider, dependsOn: args.host.ready, ...args.host.onHost },
        );
        this.container = new docker.Container(
            `${name}-container`,
            {
                name: spec.name,
                image: image.name,
                hostname: spec.name,
                ...(spec.command.length > 0 ? { command: spec.command } : {}),
                envs: spec.envs,
                networksAdvanced: spec.networks.map((attachment) => ({
                    name: args.networks[attachment.name].network.name,
                    ...(attachment.ipv4Address !== undefined ? { ipv4Address: attachment.ipv4Address } : {}),
                    aliases: [spec.name],
                })),
                labels: [
                    { label: LABEL.container, value: spec.name },
                    { label: LABEL.host, value: spec.host },
                    {
                        label: LABEL.machine,
                        // The settle joins the value's dependencies, not the value: through its URN, known
                        // in a preview too (a new settle's stdout would not be, and the preview of a stack
                        // made before would show every container replaced).
                        value: settle !== undefined ? pulumi.all([args.host.machineId, settle.urn]).apply(([ids]) => ids) : args.host.machineId,
                    },
                ],
                // Come back with the engine: a restarted host must rejoin the overlay on its own.
                restart: "unless-stopped",
                mustRun: true,
            },
            { parent: this, provider, ...args.host.onHost, ...(args.membership !== undefined ? { dependsOn: [args.membership] } : {}) },
        );
        this.addresses = this.container.networkDatas.apply((datas) =>
            Object.fromEntries((datas ?? []).filter((d) => d.networkName !== undefined && d.ipAddress !== undefined).map((d) => [d.networkName, d.ipAddress])),
        );
        this.registerOutputs({ name: this.containerName, host: this.hostName, addresses: this.addresses });
    }
}
