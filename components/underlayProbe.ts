/**
 * The underlay probed before the cluster forms (lib/probe/underlay.ts says
 * how): per participating machine a watch (its counting rules), per host a
 * probe of what it must reach, each after every watch. What forms the cluster
 * (swarm init and the joins) depends on `ready`.
 *
 *   <name>-watch-<machine>   counting rules in the machine's namespace; delete removes them
 *   <name>-from-<host>       sends from the host, reads the targets' counters; fails naming each pair
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../lib/config/types";
import { probePlan } from "../lib/plan/probes";
import { probeRound, probeRoundDigest, probeRoundTag, renderProbeFromScript, renderProbeWatchScripts } from "../lib/probe/underlay";

export interface UnderlayProbeArgs {
    config: ClusterConfig;
    /** Machine name -> underlay address (the plan's). */
    addresses: Record<string, string>;
    /** Machine name -> its network namespace (MachineDriver.probeNamespace). */
    namespace: (machine: string) => string;
    /** Machine name -> the resources that make it (its namespace exists once they do). */
    machines: Record<string, pulumi.Resource[]>;
}

export class UnderlayProbe extends pulumi.ComponentResource {
    /** Every host's probe: whatever forms the cluster waits for all of them. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: UnderlayProbeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:probe:UnderlayProbe", name, {}, opts);
        const known = (m: string) => args.machines[m] !== undefined;
        const round = probeRound(
            probePlan(args.config).probes,
            (m) => args.addresses[m],
            (m) => (known(m) ? args.namespace(m) : undefined),
        );
        // A replaced machine is a new namespace without rules: its id is part of the round.
        const machineIds = Object.values(args.machines).flatMap((rs) => rs.map((r) => (r instanceof pulumi.CustomResource ? r.id : pulumi.output(""))));
        const tag = pulumi.all(machineIds).apply((ids) => probeRoundTag(args.config.stack, probeRoundDigest(round, ids)));
        const watches = [...round.watches.entries()].map(([machine, ws]) => {
            const scripts = tag.apply((t) =>
                renderProbeWatchScripts({ tag: t, machine, address: args.addresses[machine], namespace: args.namespace(machine), watches: ws }),
            );
            // `triggers` replace (PC `provider/pkg/provider/common/inputs.go:9-10` at 010bd8e0: replaceOnChanges):
            // the successor (new tag) is created first, the old delete clears only the old tag's rules.
            return new command.local.Command(
                `${name}-watch-${machine}`,
                { create: scripts.create, delete: scripts.delete, interpreter: ["/bin/bash", "-c"], triggers: [tag] },
                { parent: this, dependsOn: args.machines[machine] },
            );
        });
        this.ready = [...round.targets.entries()].map(
            ([host, targets]) =>
                new command.local.Command(
                    `${name}-from-${host}`,
                    {
                        create: tag.apply((t) =>
                            renderProbeFromScript({ tag: t, host, address: args.addresses[host], namespace: args.namespace(host), targets }),
                        ),
                        interpreter: ["/bin/bash", "-c"],
                        triggers: [tag],
                    },
                    // After every watch: no datagram is sent before its counting rule exists.
                    { parent: this, dependsOn: [...watches, ...args.machines[host]] },
                ),
        );
        this.registerOutputs({});
    }
}
