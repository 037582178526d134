/**
 * The underlay probed before the cluster forms: one command per host, run where
 * the program runs, for the pairs that host is the later of (lib/plan/probes.ts
 * probeOwners; which pairs: formationProbes). Each sets its own counting rules
 * at its targets, sends, reads, and removes its rules before it ends, passed or
 * failed (lib/probe/underlay.ts says how); on netns it enters the machines'
 * namespaces, on ssh hosts it logs in with the driver's key, on dind it enters
 * the engine machines' containers with `docker exec`, on docker-machine its VMs
 * with `docker-machine ssh`. What forms the
 * cluster (swarm init and the joins; with a cluster store, the overlays)
 * depends on `ready`; on ssh hosts, which exist before the stack, every
 * engine's configuration does too (components/cluster.ts).
 *
 *   <name>-<host>   the pairs between the host and the hosts before it (both directions), and
 *                   its own probes to the store; fails naming each pair that did not arrive
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../lib/config/types";
import { formationProbes, probeOwners } from "../lib/plan/probes";
import { SSH_KEY_ENV } from "../lib/probe/ssh";
import {
    dockerMachineProbeMachine,
    ProbeMachine,
    probeTables,
    probeTablesDigest,
    ProbeTransport,
    renderProbeScript,
    sshProbeMachine,
} from "../lib/probe/underlay";
import { DockerMachineProbeAccess, DockerProbeAccess, SshProbeAccess } from "./machines/types";

/** netns: every machine's namespace, entered from the program's machine. */
export interface NetnsProbeAccess {
    kind: "netns";
    /** Machine name -> underlay address (the plan's). */
    addresses: Record<string, string>;
    /** Machine name -> its network namespace (MachineDriver.probeNamespace). */
    namespace: (machine: string) => string;
}

/** docker (dind): every engine machine's container, entered through the local Docker (MachineDriver.probeContainer). */
export interface DockerProbeArgsAccess extends DockerProbeAccess {
    kind: "docker";
    /** Machine name -> underlay address (the plan's). */
    addresses: Record<string, string>;
}

/** docker-machine: every machine the stack made, entered with `docker-machine ssh` (MachineDriver.probeDockerMachine). */
export interface DockerMachineProbeArgsAccess extends DockerMachineProbeAccess {
    kind: "docker-machine";
}

/** ssh: every host logged in to from the program's machine (MachineDriver.probeSsh). */
export interface SshProbeArgsAccess extends SshProbeAccess {
    kind: "ssh";
}

export interface UnderlayProbeArgs {
    config: ClusterConfig;
    access: NetnsProbeAccess | SshProbeArgsAccess | DockerProbeArgsAccess | DockerMachineProbeArgsAccess;
    /**
     * Machine name -> the resources that make it (its namespace exists once they do); none for
     * machines that exist before the stack (ssh hosts), which the probe then waits for nothing of.
     */
    machines: Record<string, pulumi.Resource[]>;
}

export class UnderlayProbe extends pulumi.ComponentResource {
    /** Every host's probe: whatever forms the cluster waits for all of them. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: UnderlayProbeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:probe:UnderlayProbe", name, {}, opts);
        const access = args.access;
        const known = (m: string) => args.machines[m] !== undefined;
        // Where each name a probe names is reached; what is no machine of the stack (an existing store) by its address.
        const place = (m: string): ProbeMachine => {
            if (access.kind === "ssh") {
                return sshProbeMachine(m, access.endpoint(m));
            }
            if (access.kind === "docker-machine") {
                return dockerMachineProbeMachine(args.config, m, access.engineInterface);
            }
            const address = access.addresses[m] ?? m;
            const container = access.kind === "docker" && known(m) ? access.container(m) : undefined;
            return access.kind === "netns" && known(m)
                ? { name: m, address, namespace: access.namespace(m) }
                : { name: m, address, ...(container !== undefined ? { container } : {}) };
        };
        const transport: ProbeTransport =
            access.kind === "ssh"
                ? { kind: "ssh", iface: args.config.engine.advertiseInterface }
                : access.kind === "docker"
                  ? { kind: "docker", host: access.host }
                  : access.kind === "docker-machine"
                    ? { kind: "docker-machine" }
                    : { kind: "netns" };
        this.ready = [...probeOwners(args.config, formationProbes(args.config)).entries()].map(([host, probes]) => {
            const tables = probeTables(probes, place);
            const machines = tables.machines.map((m) => m.name).filter(known);
            // Its machines' ids: a replaced machine (a new namespace or engine) is probed again.
            const ids = pulumi.all(machines.map((m) => machineIdOf(args.machines[m]))).apply((xs) => xs.join(" "));
            return new command.local.Command(
                `${name}-${host}`,
                {
                    // Its rules at the targets go again before it ends: no delete.
                    create: renderProbeScript({ tag: `${args.config.stack}-${host}`, what: `the pairs of ${host}`, transport, tables }),
                    interpreter: ["/bin/bash", "-c"],
                    ...(access.kind === "ssh" ? { environment: { [SSH_KEY_ENV]: pulumi.secret(access.privateKey) } } : {}),
                    // `triggers` replace (PC `provider/pkg/provider/common/inputs.go:9-10` at 010bd8e0: replaceOnChanges);
                    // the digest is known in a preview too, where a new machine's id is not.
                    triggers: [probeTablesDigest(tables, transport), ids],
                },
                // After its machines are made: their namespaces exist, their engines are configured.
                { parent: this, dependsOn: machines.flatMap((m) => args.machines[m]) },
            );
        });
        this.registerOutputs({});
    }
}

/** A machine's id: its first custom resource's (the one that makes it); a replaced machine has a new one. */
function machineIdOf(resources: pulumi.Resource[]): pulumi.Output<string> {
    const custom = resources.find((r): r is pulumi.CustomResource => r instanceof pulumi.CustomResource);
    return custom !== undefined ? custom.id : pulumi.output("");
}
