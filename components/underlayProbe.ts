/**
 * The underlay probed before the cluster forms: per participating machine a
 * watch (its counting rules), per host a probe of what it must reach, each
 * after every watch (netns, lib/probe/underlay.ts says how); on ssh hosts one
 * command per host that sets its own rules at its targets, sends and reads
 * (lib/probe/ssh.ts). What forms the cluster (swarm init and the joins; with a
 * cluster store, the overlays) depends on `ready`.
 *
 *   <name>-watch-<machine>   netns: counting rules in the machine's namespace; delete removes them
 *   <name>-from-<host>       sends from the host, reads the targets' counters; fails naming each pair
 *                            (ssh: it sets its own rules at its targets, and removes them before it ends)
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../lib/config/types";
import { probePlan } from "../lib/plan/probes";
import { renderSshProbeScript, SSH_KEY_ENV, sshProbeDigest, sshProbeTargets } from "../lib/probe/ssh";
import { probeRound, probeRoundDigest, probeRoundTag, renderProbeFromScript, renderProbeWatchScripts } from "../lib/probe/underlay";
import { SshProbeAccess } from "./machines/types";

/** netns: every machine's namespace, entered from the program's machine. */
export interface NetnsProbeAccess {
    kind: "netns";
    /** Machine name -> underlay address (the plan's). */
    addresses: Record<string, string>;
    /** Machine name -> its network namespace (MachineDriver.probeNamespace). */
    namespace: (machine: string) => string;
}

/** ssh: every host logged in to from the program's machine (MachineDriver.probeSsh). */
export interface SshProbeArgsAccess extends SshProbeAccess {
    kind: "ssh";
}

export interface UnderlayProbeArgs {
    config: ClusterConfig;
    access: NetnsProbeAccess | SshProbeArgsAccess;
    /** Machine name -> the resources that make it (its namespace exists once they do). */
    machines: Record<string, pulumi.Resource[]>;
}

export class UnderlayProbe extends pulumi.ComponentResource {
    /** Every host's probe: whatever forms the cluster waits for all of them. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: UnderlayProbeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:probe:UnderlayProbe", name, {}, opts);
        // A replaced machine is a new namespace (a restarted engine) without rules: its id is part of the round.
        const machineIds = pulumi.all(
            Object.values(args.machines).flatMap((rs) => rs.map((r) => (r instanceof pulumi.CustomResource ? r.id : pulumi.output("")))),
        );
        this.ready = args.access.kind === "ssh" ? this.overSsh(name, args, args.access, machineIds) : this.inNamespaces(name, args, args.access, machineIds);
        this.registerOutputs({});
    }

    private overSsh(name: string, args: UnderlayProbeArgs, access: SshProbeArgsAccess, machineIds: pulumi.Output<string[]>): pulumi.Resource[] {
        const iface = args.config.engine.advertiseInterface;
        const targets = sshProbeTargets(probePlan(args.config).probes, (h) => access.endpoint(h));
        const tag = machineIds.apply((ids) => probeRoundTag(args.config.stack, sshProbeDigest(targets, iface, ids)));
        const allMachines = Object.values(args.machines).flat();
        return [...targets.entries()].map(([host, ts]) => {
            const self = access.endpoint(host);
            if (self === undefined) {
                throw new Error(`underlay probe: no ssh endpoint for host "${host}"`);
            }
            return new command.local.Command(
                `${name}-from-${host}`,
                {
                    // Its rules at the targets go again before it ends: no delete (lib/probe/ssh.ts).
                    create: tag.apply((t) => renderSshProbeScript({ tag: t, host, self, iface, targets: ts })),
                    interpreter: ["/bin/bash", "-c"],
                    environment: { [SSH_KEY_ENV]: pulumi.secret(access.privateKey) },
                    triggers: [tag],
                },
                // After every machine: each target's engine is configured (and its rules would go with a new one).
                { parent: this, dependsOn: allMachines },
            );
        });
    }

    private inNamespaces(name: string, args: UnderlayProbeArgs, access: NetnsProbeAccess, machineIds: pulumi.Output<string[]>): pulumi.Resource[] {
        const known = (m: string) => args.machines[m] !== undefined;
        const round = probeRound(
            probePlan(args.config).probes,
            (m) => access.addresses[m],
            (m) => (known(m) ? access.namespace(m) : undefined),
        );
        const tag = machineIds.apply((ids) => probeRoundTag(args.config.stack, probeRoundDigest(round, ids)));
        const watches = [...round.watches.entries()].map(([machine, ws]) => {
            const scripts = tag.apply((t) =>
                renderProbeWatchScripts({ tag: t, machine, address: access.addresses[machine], namespace: access.namespace(machine), watches: ws }),
            );
            // `triggers` replace (PC `provider/pkg/provider/common/inputs.go:9-10` at 010bd8e0: replaceOnChanges):
            // the successor (new tag) is created first, the old delete clears only the old tag's rules.
            return new command.local.Command(
                `${name}-watch-${machine}`,
                { create: scripts.create, delete: scripts.delete, interpreter: ["/bin/bash", "-c"], triggers: [tag] },
                { parent: this, dependsOn: args.machines[machine] },
            );
        });
        return [...round.targets.entries()].map(
            ([host, targets]) =>
                new command.local.Command(
                    `${name}-from-${host}`,
                    {
                        create: tag.apply((t) =>
                            renderProbeFromScript({ tag: t, host, address: access.addresses[host], namespace: access.namespace(host), targets }),
                        ),
                        interpreter: ["/bin/bash", "-c"],
                        triggers: [tag],
                    },
                    // After every watch: no datagram is sent before its counting rule exists.
                    { parent: this, dependsOn: [...watches, ...args.machines[host]] },
                ),
        );
    }
}
