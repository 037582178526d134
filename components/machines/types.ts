/**
 * How a driver turns configured machines into resources. Each driver module in
 * this folder only wires resources; what it runs (scripts, flags, files) is
 * rendered by pure functions in lib/drivers/.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HostConfig } from "../../lib/config/types";
import { SshEndpoint } from "../../lib/probe/ssh";
import { EngineOptions } from "../../lib/render/engine";

/** Resource options of what lives on one host (DockerHost.onHost). */
export interface OnHostOptions {
    deletedWith?: pulumi.Resource;
    retainOnDelete?: true;
}

/**
 * A lost host's resources (`hosts[].lost`: the machine is gone for good) are kept on delete: a
 * later delete, replacement or destroy drops them from the state without asking the provider
 * (pulumi/pulumi pkg/resource/deploy/step.go:630, DeleteStep.Apply), so nothing asks the engine or
 * sshd that is gone. The option alone changes: every such resource is a same step whose new state
 * records it (pkg/backend/snapshot.go, sameSnapshotMutation.mustWrite: RetainOnDelete).
 */
export function onLostHost(host: HostConfig): { retainOnDelete?: true } {
    return host.lost === true ? { retainOnDelete: true } : {};
}

/** What every machine of a driver shares (the lab bridge, the dind network), created before any machine. */
export interface Fabric {
    /** Resources every machine depends on; empty when the driver needs none. */
    resources: pulumi.Resource[];
    /**
     * The resource whose deletion means every machine goes with it (each depends on it), and
     * with them every object on their engines and in their KV store: the netns bridge, the
     * dind network. What the program places there (networks, images, containers, the swarm's
     * scripts, the cluster record) is registered `deletedWith` it, so `pulumi destroy`, which
     * deletes everything, skips their deletes (E `step.go:632-633`, every resource of a destroy
     * is in `sg.deletes`, `step_generator.go:2239-2278`) instead of failing on them through an
     * engine that is gone (the docker provider pings it first, K `config.go:193-199`): destroy
     * survives machines that vanished (a reboot), and the machines' own deletes tolerate it.
     * Any other change still deletes them one by one (a removed host's containers first).
     * docker-machine's is a resource that runs nothing, standing for the stack's machines.
     * Undefined where the machines outlive the stack (ssh).
     */
    deletedWith?: pulumi.Resource;
}

/**
 * TLS material a machine gets, installed by the driver where its daemon reads
 * it: a server's (an engine's API with `engine.tls`, the KV store with
 * `kvStore.tls`) or a client's (an engine's connection to a TLS KV store).
 */
export interface TlsMaterial {
    /** The CA's certificate: a server trusts the clients it signed; a client, the servers. */
    caCertPem: pulumi.Output<string>;
    /** The machine's own certificate, signed by the CA. */
    certPem: pulumi.Output<string>;
    /** Its private key: a secret. */
    keyPem: pulumi.Output<string>;
}

export interface EngineMachineArgs {
    config: ClusterConfig;
    host: HostConfig;
    /** The host's underlay address where the program decides it (netns, dind); undefined otherwise. */
    address?: string;
    /** The engine's options; an Output because the cluster-store URL is known only once the KV store exists. */
    engine: pulumi.Output<EngineOptions>;
    /** With `engine.tls` (drivers other than docker-machine, which makes its own): the engine's TLS material. */
    tls?: TlsMaterial;
    /** With `kvStore.tls` in cluster-store mode: the engine's client material for the store (cluster-store-opts). */
    kvTls?: TlsMaterial;
    fabric: Fabric;
    /** Resources the machine must wait for (the KV store, the engine before it: cluster.ts). */
    dependsOn: pulumi.Resource[];
    /**
     * Where the driver's engines join their cluster store after they start (MachineDriver.joinsStoreLater):
     * what the join waits for (every underlay probe, the KV store, the engine before it), known only once
     * the probe is made, which waits for this machine: hence a promise, which the SDK awaits before it
     * registers the join (NodeJS SDK v3.248.0 `runtime/dependsOn.js:32-34`, from `runtime/resource.js:629`).
     */
    joinAfter?: Promise<pulumi.Resource[]>;
}

export interface EngineMachine {
    /** Docker endpoint for this host's docker provider and the program's scripts: `unix://...`, `tcp://...:2376`, `ssh://...`. */
    dockerHost: pulumi.Output<string>;
    /** The host's address on the underlay (what it advertises). */
    address: pulumi.Output<string>;
    /** Swarm's `--advertise-addr` (without port): the host's address, or an interface name where the program does not know it (ssh). */
    advertise: pulumi.Output<string>;
    /** The docker CLI the program's scripts reach this engine with (netns: the lab's own 20.10 client). */
    cli: string;
    /** Extra docker provider arguments for this host beyond the program's client TLS material (docker-machine's certPath). */
    providerArgs: Record<string, pulumi.Input<string>>;
    /** Environment for scripts reaching this engine, beyond the client TLS material (docker-machine's cert directory). */
    scriptEnv: Record<string, pulumi.Input<string>>;
    /** The resources that make the engine; the provider and everything on the host depend on them, and carry their ids. */
    resources: pulumi.CustomResource[];
    /**
     * The command that gives the running engine its cluster store (MachineDriver.joinsStoreLater, cluster-store
     * mode): whatever uses the store waits for it. Not in `resources`: the underlay probe waits for those, and
     * this for the probe.
     */
    joined?: pulumi.CustomResource;
    /**
     * The underlay MTU as the machine reports it (ssh, docker-machine: read on the machine by
     * `reader`, lib/drivers/underlayMtu.ts; undefined before it ran); absent where the plan knows it (lib/plan/mtu.ts).
     * Not in `resources`: re-reading it must not replace what lives on the host.
     */
    underlayMtu?: { mtu: pulumi.Output<number | undefined>; reader: pulumi.CustomResource };
}

export interface KvMachineArgs {
    config: ClusterConfig;
    /** The machine's name (`kvStore.machine`). */
    name: string;
    address?: string;
    fabric: Fabric;
    /** With `kvStore.tls`: the store's server material. */
    tls?: TlsMaterial;
}

export interface KvMachine {
    /** Address clients reach the store at. */
    address: pulumi.Output<string>;
    /** The resources that make the store; in cluster-store mode the overlays carry their ids. */
    resources: pulumi.CustomResource[];
}

export interface EspProbeArgs {
    config: ClusterConfig;
    host: HostConfig;
    /** The encrypted networks that need the probe to pass (named in its message). */
    networks: string[];
    /** The host's machine (the probe runs in its namespace, on its kernel). */
    dependsOn: pulumi.Resource[];
}

/** A driver: creates the fabric, engine machines and the KV machine, all parented to `parent`. */
export interface MachineDriver {
    createFabric(name: string, config: ClusterConfig, parent: pulumi.Resource): Fabric;
    createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine;
    createKvMachine(name: string, args: KvMachineArgs, parent: pulumi.Resource): KvMachine;
    /**
     * The driver's cluster-store engines start without their store and join it by a reload
     * (EngineMachine.joined): the underlay probe then runs between the machines and the joins,
     * before any engine registers in the store. ssh leaves it out: its probe needs no machine of
     * the stack, so it runs before any engine is configured.
     */
    joinsStoreLater?: true;
    /** Driver options every overlay network gets on this driver's engines (dind: the MTU that fits its fabric). */
    overlayNetworkOptions?(config: ClusterConfig): Record<string, string>;
    /**
     * A resource that fails, naming the host, unless the host's kernel has IPsec
     * ESP AES-GCM (encrypted overlays). Drivers that cannot probe their machines'
     * kernel leave it out; validation rejects encrypted overlays for them.
     */
    createEspProbe?(name: string, args: EspProbeArgs, parent: pulumi.Resource): pulumi.Resource;
    /**
     * The network namespace (a path for `nsenter --net=`) a machine's underlay probe runs in
     * (lib/probe/underlay.ts), reachable from the machine running the program. Drivers
     * without it are not probed before the cluster forms (docs/architecture.md, underlay probe).
     */
    probeNamespace?(config: ClusterConfig, machine: string): string;
    /**
     * How the machine running the program logs in to each host over ssh for the underlay
     * probe (lib/probe/ssh.ts), for drivers whose hosts it reaches only so (ssh). Drivers
     * with none of this, `probeNamespace`, `probeContainer` and `probeDockerMachine` are not probed before the cluster forms.
     */
    probeSsh?(config: ClusterConfig): SshProbeAccess;
    /**
     * The local Docker and each engine machine's container there, which `docker exec` enters
     * for the underlay probe (dind). A machine without a container (the KV store's: no
     * iptables) is reached by a tcp connect from each source instead.
     */
    probeContainer?(config: ClusterConfig): DockerProbeAccess;
    /** How the underlay probe enters each machine with `docker-machine ssh` (docker-machine). */
    probeDockerMachine?(config: ClusterConfig): DockerMachineProbeAccess;
}

/**
 * The docker-machine driver's way in for the underlay probe: `docker-machine ssh` into every
 * machine the stack made (lib/probe/sh/probe-docker-machine.sh).
 */
export interface DockerMachineProbeAccess {
    /** The interface an engine machine's address is read from (its cluster-advertise); undefined: `docker-machine ip`, as for the KV machine. */
    engineInterface: string | undefined;
}

/** The dind driver's way in for the underlay probe: the local Docker, and an engine machine's container on it. */
export interface DockerProbeAccess {
    host: string;
    container(machine: string): string | undefined;
}

/** The ssh driver's way in for the underlay probe: each host's endpoint, and the private key (a secret). */
export interface SshProbeAccess {
    endpoint(host: string): SshEndpoint | undefined;
    privateKey: pulumi.Input<string>;
}
