import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HostConfig } from "../lib/config/types";
import { machineLabelValue } from "../lib/change/labels";
import { EngineOptions, engineOptions } from "../lib/render/engine";
import { serverCertNames } from "../lib/drivers/certNames";
import { TlsMaterial, Fabric, MachineDriver, OnHostOptions, onLostHost } from "./machines/types";
import { ClusterPki, serverCertificate } from "./pki";
import { planUnderlayMtu } from "../lib/plan/mtu";

export interface DockerHostArgs {
    config: ClusterConfig;
    host: HostConfig;
    driver: MachineDriver;
    fabric: Fabric;
    /** The KV store's `cluster-store` URL (cluster-store mode); undefined in swarm mode. */
    clusterStore?: pulumi.Output<string>;
    /** Underlay address where the program allocates it (netns, dind). */
    address?: string;
    /** What the machine must wait for (the KV store and the engine before it in cluster-store mode). */
    dependsOn: pulumi.Resource[];
    /** Where the driver's engines join their store later (MachineDriver.joinsStoreLater): what the join waits for. */
    joinAfter?: Promise<pulumi.Resource[]>;
    /** With `engine.tls`: the cluster's CA and client certificate; the host gets a server certificate from it. */
    pki?: ClusterPki;
    /** With `kvStore.tls` in cluster-store mode: what the engine presents to the store. */
    kvTls?: TlsMaterial;
    /** Encrypted networks of the stack: when any, the host's kernel is probed for IPsec ESP AES-GCM. */
    encryptedNetworks: string[];
}

/**
 * One Docker host: a machine made by the driver whose engine runs with the
 * mode's options (`cluster-store` / `cluster-advertise`, or none for swarm
 * mode) and, with `engine.tls`, a server certificate and `--tlsverify`; and a
 * docker provider named after the host through which everything placed on it
 * is created, presenting the program's client certificate.
 */
export class DockerHost extends pulumi.ComponentResource {
    public readonly hostName: string;
    public readonly engine: pulumi.Output<EngineOptions>;
    public readonly dockerHost: pulumi.Output<string>;
    public readonly address: pulumi.Output<string>;
    /** Swarm's `--advertise-addr` for this host (without port). */
    public readonly advertise: pulumi.Output<string>;
    /** The docker CLI the program's scripts reach this engine with. */
    public readonly cli: string;
    /** Environment for scripts reaching this engine: the client TLS material (secret key) or a cert directory. */
    public readonly scriptEnv: Record<string, pulumi.Input<string>>;
    public readonly provider: docker.Provider;
    /** The resources that make the engine, in its store where it joins one later: whatever runs on the host depends on them. */
    public readonly ready: pulumi.Resource[];
    /** The resources that make the machine and start its engine (the underlay probe waits for these; `ready` may wait for the probe). */
    public readonly machineReady: pulumi.Resource[];
    /** The command that gives the running engine its cluster store (EngineMachine.joined), where the driver has one. */
    public readonly joined: pulumi.Resource | undefined;
    /**
     * The ids of those resources, comma-separated: new whenever the machine is re-created (command ids
     * are random per create, PC `local/commandController.go:42`; a container's id is new). Whatever
     * lives on the host carries it in a ForceNew input (containers and networks a label, images a
     * trigger), so replacing the machine replaces them too. Nothing else would: the provider's `host`
     * is a constant, a `dependsOn` edge never replaces (E `step_generator.go:3072-3076`), and a
     * provider whose inputs change is updated under the same id, never replaced (B
     * `pkg/tfbridge/provider.go:842-886`). Chosen over `replaceWith: [machine]` (E
     * `step_generator.go:2706-2717`), which the SDK refuses to send to a Pulumi CLI older than 3.207.0
     * ("The Pulumi CLI does not support the ReplaceWith option", NM `pulumi/runtime/resource.js:421-424`;
     * CHANGELOG 3.207.0): a ForceNew input works with every CLI, shows in a preview's diff, and is
     * what the engine's delete-before-replace walk already follows (a property dependency whose
     * unknown value forces a replacement, E `step_generator.go:3059-3115`). docs/provider-rules.md.
     */
    public readonly machineId: pulumi.Output<string>;
    /**
     * The options of everything placed on this host (images, containers and their settles, the
     * swarm's commands for it): deleted with the fabric where the driver has one (Fabric.deletedWith:
     * a destroy never asks an engine that is gone), and kept on delete when the host is lost
     * (`hosts[].lost`, onLostHost).
     */
    public readonly onHost: OnHostOptions;
    /** The host's underlay MTU: planned (netns, dind), or as the machine reports it (ssh, docker-machine). */
    public readonly underlayMtu: pulumi.Output<number | undefined>;
    /** The command that reads it on the machine (ssh, docker-machine); overlays wait for every host's. */
    public readonly underlayMtuReader: pulumi.Resource | undefined;
    /** Fails unless the host's kernel can carry encrypted overlays; only when the stack has some. */
    public readonly espProbe: pulumi.Resource | undefined;

    constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:host:DockerHost", name, {}, opts);
        this.hostName = args.host.name;
        this.onHost = { ...(args.fabric.deletedWith !== undefined ? { deletedWith: args.fabric.deletedWith } : {}), ...onLostHost(args.host) };
        const clusterStore = args.clusterStore ?? pulumi.output<string | undefined>(undefined);
        this.engine = clusterStore.apply((url) => engineOptions(args.config, args.host, url));
        // docker-machine makes certificates of its own; every other driver gets the cluster CA's.
        const tls: TlsMaterial | undefined =
            args.pki !== undefined && args.config.driver.kind !== "docker-machine"
                ? {
                      caCertPem: args.pki.caCertPem,
                      ...serverCertificate(`${name}-tls`, args.pki, args.host.name, serverCertNames(args.config, args.host, args.address), this),
                  }
                : undefined;
        const machine = args.driver.createEngineMachine(
            `${name}-engine`,
            {
                config: args.config,
                host: args.host,
                address: args.address,
                engine: this.engine,
                ...(tls !== undefined ? { tls } : {}),
                ...(args.kvTls !== undefined ? { kvTls: args.kvTls } : {}),
                fabric: args.fabric,
                dependsOn: args.dependsOn,
                ...(args.joinAfter !== undefined ? { joinAfter: args.joinAfter } : {}),
            },
            this,
        );
        this.dockerHost = machine.dockerHost;
        this.address = machine.address;
        this.advertise = machine.advertise;
        this.cli = machine.cli;
        this.machineReady = machine.resources;
        this.joined = machine.joined;
        this.ready = machine.joined !== undefined ? [...machine.resources, machine.joined] : machine.resources;
        this.underlayMtu = machine.underlayMtu?.mtu ?? pulumi.output(planUnderlayMtu(args.config));
        this.underlayMtuReader = machine.underlayMtu?.reader;
        this.machineId = pulumi.all(machine.resources.map((r) => r.id)).apply((ids) => machineLabelValue(ids));
        const client =
            tls !== undefined && args.pki !== undefined
                ? { caMaterial: args.pki.caCertPem, certMaterial: args.pki.client.certPem, keyMaterial: args.pki.client.keyPem }
                : {};
        this.scriptEnv = { ...(tls !== undefined && args.pki !== undefined ? args.pki.clientEnv : {}), ...machine.scriptEnv };
        this.provider = new docker.Provider(
            name,
            { host: machine.dockerHost, ...machine.providerArgs, ...client },
            { parent: this, dependsOn: machine.resources },
        );
        this.espProbe =
            args.encryptedNetworks.length > 0
                ? createEspProbe(
                      args.driver,
                      `${name}-esp-probe`,
                      { config: args.config, host: args.host, networks: args.encryptedNetworks, dependsOn: machine.resources },
                      this,
                  )
                : undefined;
        this.registerOutputs({ dockerHost: this.dockerHost, address: this.address, engine: this.engine });
    }
}

function createEspProbe(
    driver: MachineDriver,
    name: string,
    args: Parameters<NonNullable<MachineDriver["createEspProbe"]>>[1],
    parent: pulumi.Resource,
): pulumi.Resource {
    if (driver.createEspProbe === undefined) {
        // validateConfig rejects encrypted overlays for such drivers first; reaching here is a bug.
        throw new Error(`the ${args.config.driver.kind} driver cannot probe host ${args.host.name} for IPsec ESP AES-GCM (encrypted overlays)`);
    }
    return driver.createEspProbe(name, args, parent);
}
