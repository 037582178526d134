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
import { probeRound, probeRoundDigest, renderProbeFromScript, renderProbeWatchScripts } from "../lib/probe/underlay";

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
        const digest = probeRoundDigest(round);
        const tag = args.config.stack;
        // A replaced machine is a new namespace without rules: the round runs again.
        const machineIds = Object.values(args.machines).flatMap((rs) => rs.map((r) => (r instanceof pulumi.CustomResource ? r.id : pulumi.output(""))));
        const watches = [...round.watches.entries()].map(([machine, ws]) => {
            const scripts = renderProbeWatchScripts({ tag, machine, address: args.addresses[machine], namespace: args.namespace(machine), watches: ws });
            return new command.local.Command(
                `${name}-watch-${machine}`,
                {
                    create: scripts.create,
                    delete: scripts.delete,
                    interpreter: ["/bin/bash", "-c"],
                    triggers: [digest, ...machineIds],
                },
                // `triggers` replace (PC `provider/pkg/provider/common/inputs.go:9-10` at 010bd8e0: replaceOnChanges);
                // the old watch's delete clears the stack's rules, so it must run before the new create.
                { parent: this, dependsOn: args.machines[machine], deleteBeforeReplace: true },
            );
        });
        this.ready = [...round.targets.entries()].map(
            ([host, targets]) =>
                new command.local.Command(
                    `${name}-from-${host}`,
                    {
                        create: renderProbeFromScript({ tag, host, address: args.addresses[host], namespace: args.namespace(host), targets }),
                        interpreter: ["/bin/bash", "-c"],
                        triggers: [digest, ...machineIds],
                    },
                    // After every watch: no datagram is sent before its counting rule exists.
                    { parent: this, dependsOn: [...watches, ...args.machines[host]] },
                ),
        );
        this.registerOutputs({});
    }
}
