/**
 * The underlay probed before the cluster forms: per participating machine a
 * watch (its counting rules), per host a probe of what it must reach, each
 * after its targets' watches (netns, lib/probe/underlay.ts says how; which
 * pairs: lib/plan/probes.ts formationProbes); on ssh hosts one
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
import { formationProbes } from "../lib/plan/probes";
import { renderSshProbeScript, SSH_KEY_ENV, sshProbeDigest, sshProbeTargets } from "../lib/probe/ssh";
import { machineProbeTag, probeRound, probeRoundDigest, renderProbeFromScript, renderProbeWatchScripts } from "../lib/probe/underlay";
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
        this.ready = args.access.kind === "ssh" ? this.overSsh(name, args, args.access) : this.inNamespaces(name, args, args.access);
        this.registerOutputs({});
    }

    private overSsh(name: string, args: UnderlayProbeArgs, access: SshProbeArgsAccess): pulumi.Resource[] {
        const iface = args.config.engine.advertiseInterface;
        const targets = sshProbeTargets(formationProbes(args.config), (h) => access.endpoint(h));
        const digest = sshProbeDigest(targets, iface, []);
        return [...targets.entries()].map(([host, ts]) => {
            const self = access.endpoint(host);
            if (self === undefined) {
                throw new Error(`underlay probe: no ssh endpoint for host "${host}"`);
            }
            // Its machines: its own and its targets' (a reconfigured engine is probed again).
            const machines = [host, ...new Set(ts.filter((t) => t.ssh !== undefined && args.machines[t.name] !== undefined).map((t) => t.name))];
            const tag = pulumi
                .all(machines.map((m) => machineIdOf(args.machines[m])))
                .apply((ids) => machineProbeTag(args.config.stack, digest, ids.join(" ")));
            return new command.local.Command(
                `${name}-from-${host}`,
                {
                    // Its rules at the targets go again before it ends: no delete (lib/probe/ssh.ts).
                    create: tag.apply((t) => renderSshProbeScript({ tag: t, host, self, iface, targets: ts })),
                    interpreter: ["/bin/bash", "-c"],
                    environment: { [SSH_KEY_ENV]: pulumi.secret(access.privateKey) },
                    triggers: [digest, tag],
                },
                // After its own and its targets' engines are configured.
                { parent: this, dependsOn: machines.flatMap((m) => args.machines[m] ?? []) },
            );
        });
    }

    private inNamespaces(name: string, args: UnderlayProbeArgs, access: NetnsProbeAccess): pulumi.Resource[] {
        const known = (m: string) => args.machines[m] !== undefined;
        const round = probeRound(
            formationProbes(args.config),
            (m) => access.addresses[m],
            (m) => (known(m) ? access.namespace(m) : undefined),
        );
        const digest = probeRoundDigest(round, []);
        // Each watch's tag: the round and its own machine's id (lib/probe/underlay.ts machineProbeTag).
        const tagOf = new Map(
            [...round.watches.keys()].map((m) => [m, machineIdOf(args.machines[m]).apply((id) => machineProbeTag(args.config.stack, digest, id))]),
        );
        const watchOf = new Map(
            [...round.watches.entries()].map(([machine, ws]) => {
                const tag = tagOf.get(machine)!;
                const scripts = tag.apply((t) =>
                    renderProbeWatchScripts({ tag: t, machine, address: access.addresses[machine], namespace: access.namespace(machine), watches: ws }),
                );
                // `triggers` replace (PC `provider/pkg/provider/common/inputs.go:9-10` at 010bd8e0: replaceOnChanges):
                // the successor (new tag) is created first, the old delete clears only the old tag's rules.
                const watch = new command.local.Command(
                    `${name}-watch-${machine}`,
                    // The round's digest known in a preview too, where the machine's id may not be.
                    { create: scripts.create, delete: scripts.delete, interpreter: ["/bin/bash", "-c"], triggers: [digest, tag] },
                    { parent: this, dependsOn: args.machines[machine] },
                );
                return [machine, watch] as const;
            }),
        );
        return [...round.targets.entries()].map(([host, targets]) => {
            const watched = [...new Set(targets.filter((t) => tagOf.has(t.name)).map((t) => t.name))];
            // What its run depends on: its own machine (a new namespace sends anew) and its targets' watches' tags.
            const key = pulumi.all([machineIdOf(args.machines[host]), ...watched.map((m) => tagOf.get(m)!)]);
            return new command.local.Command(
                `${name}-from-${host}`,
                {
                    create: key.apply(([, ...tags]) => {
                        const tagByName = new Map(watched.map((m, i) => [m, tags[i]]));
                        return renderProbeFromScript({
                            host,
                            address: access.addresses[host],
                            namespace: access.namespace(host),
                            targets: targets.map((t) => ({ ...t, tag: tagByName.get(t.name) ?? "" })),
                        });
                    }),
                    interpreter: ["/bin/bash", "-c"],
                    triggers: [digest, key.apply((k) => k.join(" "))],
                },
                // After its targets' watches: no datagram is sent before its counting rule exists.
                { parent: this, dependsOn: [...watched.map((m) => watchOf.get(m)!), ...args.machines[host]] },
            );
        });
    }
}

/** A machine's id: its first custom resource's (the one that makes it); a replaced machine has a new one. */
function machineIdOf(resources: pulumi.Resource[]): pulumi.Output<string> {
    const custom = resources.find((r): r is pulumi.CustomResource => r instanceof pulumi.CustomResource);
    return custom !== undefined ? custom.id : pulumi.output("");
}
