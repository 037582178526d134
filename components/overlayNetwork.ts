import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { KEPT_MACHINES_ENV, keptMachineIds, LABEL, optionsLabelValue } from "../lib/change/labels";
import { EngineMode, NetworkConfig } from "../lib/config/types";

export interface OverlayNetworkArgs {
    network: NetworkConfig;
    mode: EngineMode;
    /** Provider of the host the network is created through; the KV store (or swarm) shares it with all hosts. */
    provider: docker.Provider;
    /** Deleted with this resource (Fabric.deletedWith) where the machines have one. */
    deletedWith?: pulumi.Resource;
    dependsOn: pulumi.Resource[];
    /**
     * Driver options (the MTU option, lib/plan/mtu.ts), merged under the network's own `encrypted`.
     * An Output where they come from the machines (ssh, docker-machine: their reported underlay MTU).
     */
    driverOptions?: pulumi.Input<Record<string, string>>;
    /**
     * Ids of the machines the network lives on (the network host's; in cluster-store mode also the KV
     * machine's, where overlays are kept), as one string: a replaced machine replaces the network.
     */
    machineIds: pulumi.Input<string>;
}

/**
 * An overlay network with an explicit name and subnet, created through one host and visible on all.
 *
 * Safe under change with the real engine (docs/provider-rules.md, short names as there):
 * - Every `docker_network` field is ForceNew (K `resource_docker_network.go:25-137`), so any change
 *   replaces it, and the name is fixed: the network is delete-before-replace. The bridge already
 *   makes it so for an explicitly set auto-name field (B `pkg/tfbridge/provider.go:1275-1276`); the
 *   option says it here too, so it holds whatever the bridge decides. In that replacement the engine
 *   also replaces, before deleting the network, every container whose `networksAdvanced` takes this
 *   network's `name` (a property dependency; ForceNew, K `resource_docker_container.go:909-913`;
 *   E `step_generator.go:3009-3149`), and through their ids the connectivity check.
 * - `options` is Optional+Computed+ForceNew, and Read records every option the engine reports (swarm
 *   adds `com.docker.network.driver.overlay.vxlanid_list`, K `resource_docker_network_funcs.go:185-194`);
 *   the bridge diffs the program's map against that record (B `provider.go:1137-1185`), so a network
 *   with options would be replaced on every `up`. `ignoreChanges: ["options"]` stops that: the engine
 *   keeps the old input (E `step_generator.go:1151-1156`) and the bridge drops every `options.*`
 *   attribute from its diff (B `pkg/tfbridge/provider.go:1184-1190`, `diff.go:272-336`,
 *   `pkg/tfshim/sdk-v2/instance_diff.go:95-109`). The options the program asks for are also written
 *   into the `docker-overlay.options` label (labels are ForceNew, K `resource_docker_network.go:32-38`),
 *   so a real change (encrypted, MTU) still replaces the network, and the replacement is created
 *   with the new options: a replacement re-checks the program's inputs, not the ignored ones
 *   (E `step_generator.go:1886-1890`, `News: goal.Properties`).
 * - The `docker-overlay.machine` label carries the ids of the machines it was made on (see DockerHost),
 *   kept (keptMachineLabel).
 */
export class OverlayNetwork extends pulumi.ComponentResource {
    public readonly networkName: string;
    public readonly subnet: string;
    public readonly network: docker.Network;

    constructor(name: string, args: OverlayNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:network:OverlayNetwork", name, {}, opts);
        const net = args.network;
        this.networkName = net.name;
        this.subnet = net.subnet;
        const withEncrypted = (driverOptions: Record<string, string> | undefined): Record<string, string> | undefined =>
            net.encrypted || (driverOptions !== undefined && Object.keys(driverOptions).length > 0)
                ? { ...(driverOptions ?? {}), ...(net.encrypted ? { encrypted: "" } : {}) }
                : undefined;
        const labels = (options: Record<string, string> | undefined, machineIds: pulumi.Input<string>) => [
            { label: LABEL.network, value: net.name },
            ...(options !== undefined ? [{ label: LABEL.options, value: optionsLabelValue(options) }] : []),
            { label: LABEL.machine, value: machineIds },
        ];
        // Options known at plan time (netns, dind, networks[].mtu) stay plain values: the inputs the plan always had.
        const known = args.driverOptions === undefined || !pulumi.Output.isInstance(args.driverOptions);
        const options = known ? withEncrypted(args.driverOptions as Record<string, string> | undefined) : undefined;
        const reported = known ? undefined : pulumi.output(args.driverOptions!).apply((o) => withEncrypted(o));
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
                ...(options !== undefined ? { options } : {}),
                ...(reported !== undefined ? { options: reported } : {}),
                labels: reported !== undefined ? pulumi.all([reported, args.machineIds]).apply(([o, ids]) => labels(o, ids)) : labels(options, args.machineIds),
            },
            {
                parent: this,
                provider: args.provider,
                dependsOn: args.dependsOn,
                deleteBeforeReplace: true,
                deletedWith: args.deletedWith,
                ...(options !== undefined || reported !== undefined ? { ignoreChanges: ["options"] } : {}),
            },
        );
        this.registerOutputs({ name: this.networkName, subnet: this.subnet, id: this.network.id });
    }
}

/**
 * The overlays' `docker-overlay.machine` label: the ids of the machines they live on (the
 * network host's; in cluster-store mode also the KV machine's) as they were when the stack
 * first made its overlays, and a property dependency on the machines they live on now.
 *
 * - A machine replaced (every driver's is delete-before-replace) replaces the overlay: the
 *   engine's walk puts a resource whose property depends on the replaced one into the chain
 *   when the provider's diff, with that property unknown, replaces it (E `step_generator.go`
 *   `calculateDependentReplacements`; labels are ForceNew, K `resource_docker_network.go:32-38`),
 *   and re-creates whatever it deleted so, whatever its new inputs (`recreating`).
 * - The network's host becoming another (the first host or manager removed) changes neither the
 *   value nor the network: the overlay lives in the swarm or the store, not on that host, and
 *   its new provider is no replacement (docs/provider-rules.md, `host`). With the ids themselves
 *   as the value, the overlay was replaced through the old host: in swarm mode after that host
 *   had left, so nothing was deleted and the new one failed `network with name net1 already exists`.
 *
 * The value is kept by a command that runs nothing: its state is its inputs (PC
 * `local/commandController.go:41`, `:51`: no `create`, nothing run), and it ignores changes
 * of its environment (the engine keeps the old input, E `step_generator.go:1151-1156`; a
 * command's inputs are updates, never a replacement, docs/provider-rules.md). The label reads
 * the command's `environment` output, which a preview knows even while the command is being
 * created (its preview Create returns the inputs, `:41-49`): a stack made before it existed
 * sees its overlays' value unchanged, in the preview as in the `up`.
 */
export function keptMachineLabel(name: string, machineIds: pulumi.Output<string>, parent: pulumi.Resource): pulumi.Output<string> {
    const kept = new command.local.Command(name, { environment: { [KEPT_MACHINES_ENV]: machineIds } }, { parent, ignoreChanges: ["environment"] });
    return pulumi.all([kept.environment, machineIds]).apply(([env]) => keptMachineIds(env));
}
