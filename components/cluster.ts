import * as command from "@pulumi/command";
import { endpointsOn, renderForgetEndpointsScript } from "../lib/change/lost";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, NetworkConfig } from "../lib/config/types";
import { ClusterPlan, kvMachineName, planCluster } from "../lib/plan/cluster";
import { ClusterRecord } from "./clusterRecord";
import { ConnectivityCheck } from "./connectivityCheck";
import { DockerHost } from "./dockerHost";
import { KvStore } from "./kvStore";
import { Fabric, MachineDriver } from "./machines/types";
import { keptMachineLabel, OverlayNetwork } from "./overlayNetwork";
import { PlacedContainer } from "./placedContainer";
import { ClusterPki } from "./pki";
import { Swarm } from "./swarm";
import { UnderlayProbe, UnderlayProbeArgs } from "./underlayProbe";
import { CheckResult } from "../lib/render/check";
import { machineLabelValue } from "../lib/change/labels";
import { overlayDriverOptions, reportedOverlayDriverOptions } from "../lib/plan/mtu";
import { engineStartAfter } from "../lib/engine/startOrder";

/** No options at all (an overlay on a 1500 underlay) leaves the network's inputs as they were. */
function driverOptionsArg(options: Record<string, string>): { driverOptions?: Record<string, string> } {
    return Object.keys(options).length > 0 ? { driverOptions: options } : {};
}

/**
 * An overlay's driver options on machines that report their underlay MTU (ssh, docker-machine)
 * and no `networks[].mtu` (which would make them known at plan time): known once every host's
 * reader ran (unknown in a preview until then), from the smallest MTU, since the overlay spans
 * every host.
 */
function reportedDriverOptionsArg(
    network: NetworkConfig,
    driverOptions: Record<string, string>,
    underlayMtus: pulumi.Output<number | undefined>[],
): { driverOptions: pulumi.Output<Record<string, string>> } {
    return {
        driverOptions: pulumi.all(underlayMtus).apply((mtus) => ({
            ...driverOptions,
            ...reportedOverlayDriverOptions(
                mtus.filter((m): m is number => m !== undefined),
                network,
            ),
        })),
    };
}

export interface OverlayClusterArgs {
    /** A validated, defaulted configuration (see lib/config/validate/ and lib/config/normalize.ts). */
    config: ClusterConfig;
    /** How machines are made: netns, dind, ssh or docker-machine (components/machines). */
    driver: MachineDriver;
    /**
     * The cluster's plan (lib/plan/cluster.ts), decided before this component is registered so that
     * a problem it finds stops the program before anything exists: index.ts plans with the running
     * stack's placements. Without one, planCluster(config) (placements not known).
     */
    plan?: ClusterPlan;
}

export interface HostSummary {
    name: string;
    dockerHost: string;
    address: string;
    /** The underlay MTU: planned (netns, dind) or read on the machine (ssh, docker-machine); overlays get 50 less. */
    underlayMtu: number | null;
}

export interface ContainerSummary {
    name: string;
    host: string;
    networks: Record<string, string>;
}

/**
 * The whole multi-host overlay as one dependency graph. cluster-store mode:
 * KV store -> Docker hosts -> overlay networks -> placed containers -> check.
 * Swarm mode: Docker hosts -> swarm (init, joins, node labels) -> attachable
 * overlay networks (through the manager) -> placed containers -> check; no KV
 * store unless configured. With `engine.tls`, a CA and client certificate come
 * first and every host gets a server certificate; with `kvStore.tls`, the
 * store gets a CA of its own, a server certificate, and the engines and the
 * consul provider its client certificate.
 */
export class OverlayCluster extends pulumi.ComponentResource {
    public readonly plan: ClusterPlan;
    /** The KV store: always in cluster-store mode; in swarm mode only when configured. */
    public readonly kv: KvStore | undefined;
    public readonly pki: ClusterPki | undefined;
    /** Everything else the cluster is made of, once made (built in batches: see BUILD_BATCH). */
    public readonly parts: Promise<ClusterParts>;

    public readonly hostSummaries: pulumi.Output<HostSummary[]>;
    public readonly containerSummaries: pulumi.Output<ContainerSummary[]>;
    public readonly connectivity: pulumi.Output<CheckResult | undefined>;
    /** `{ backend, url }` of the KV store, or null without one. */
    public readonly kvSummary: pulumi.Output<{ backend: string; url: string } | null>;
    /** `{ manager, managerAddress, ingressSubnet, addressPool, nodes }`, or null in cluster-store mode. */
    public readonly swarmSummary: pulumi.Output<SwarmSummary | null>;
    /** The engines registered in the store, as the cluster record reads them back (null without a record). */
    public readonly registeredEngines: pulumi.Output<string[] | null>;

    constructor(name: string, args: OverlayClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:index:OverlayCluster", name, {}, opts);
        const config = args.config;
        // Decided pure, before any resource: given by the program (planned before this component), else here.
        this.plan = args.plan ?? planCluster(config);
        const addressOf = (machine: string) => this.plan.addresses?.addresses[machine];

        const fabric = args.driver.createFabric(`${name}-fabric`, config, this);

        const kvName = config.kvStore?.machine ?? "kvstore";
        this.kv =
            config.kvStore !== undefined
                ? new KvStore(kvName, { config, kvStore: config.kvStore, driver: args.driver, fabric, address: addressOf(kvName) }, { parent: this })
                : undefined;

        // docker-machine secures its engines with certificates of its own.
        this.pki = config.engine.tls && config.driver.kind !== "docker-machine" ? new ClusterPki("pki", { stack: config.stack }, { parent: this }) : undefined;

        // Everything from the hosts on is built a batch at a time, yielding to the event loop in
        // between, so that each batch's registrations go out and the runtime's promises for its
        // resources' outputs settle before the next batch exists. Built in one synchronous pass, every
        // resource's outputs are pending at once: with 300 hosts x 10 containers, the containers alone
        // needed over 2 GB that way, and the hosts' ~1,500 resources (engines, labels, providers,
        // probes) were still pending at the first full garbage collection, which then let the heap grow
        // to four times what it found (bench/RESULTS.md). Up to BUILD_BATCH hosts and containers
        // nothing changes: all is built, in the same order, before the constructor returns.
        const keepAlive = pulumi.runtime.rpcKeepAlive();
        this.parts = (async (): Promise<ClusterParts> => {
            try {
                return await this.build(name, args, { fabric, addressOf, kvName });
            } finally {
                keepAlive();
            }
        })();

        this.hostSummaries = pulumi.output(
            this.parts.then(({ hosts }) =>
                pulumi.all(
                    config.hosts.map((h) =>
                        pulumi
                            .all([hosts[h.name].dockerHost, hosts[h.name].address, hosts[h.name].underlayMtu])
                            .apply(([dockerHost, address, underlayMtu]) => ({ name: h.name, dockerHost, address, underlayMtu: underlayMtu ?? null })),
                    ),
                ),
            ),
        );
        // From `parts` settling, never an Output of a resource it holds: an Output's value
        // is searched for unknowns through every object it reaches, here the whole resource graph
        // (2.8 CPU-s of a 300 x 10 plan, bench/RESULTS.md).
        // One apply over every container's addresses, not one per container.
        this.containerSummaries = pulumi.output(
            this.parts.then(({ containers }) =>
                pulumi
                    .all(config.containers.map((c) => containers[c.name].addresses))
                    .apply((addresses) => config.containers.map((c, i) => ({ name: c.name, host: this.plan.placements[c.name], networks: addresses[i] }))),
            ),
        );
        this.connectivity = pulumi.output(this.parts.then(({ check }) => (check !== undefined ? check.result : undefined)));
        this.kvSummary =
            this.kv !== undefined && config.kvStore !== undefined
                ? this.kv.url.apply((url) => ({ backend: config.kvStore!.backend, url }))
                : pulumi.output(null);
        this.swarmSummary = pulumi.output(
            this.parts.then(({ swarm }) =>
                swarm !== undefined && this.plan.swarmAddressPool !== undefined
                    ? pulumi.all([swarm.managerAddress, swarm.ingressSubnet, swarm.nodeIds]).apply(([managerAddress, ingressSubnet, nodes]) => ({
                          manager: this.plan.networkHost,
                          managerAddress,
                          ingressSubnet,
                          addressPool: this.plan.swarmAddressPool!.pool,
                          nodes,
                      }))
                    : null,
            ),
        );
        this.registeredEngines = pulumi.output(this.parts.then(({ record }) => (record !== undefined ? record.registeredEngines : null)));
        this.registerOutputs({
            placements: this.plan.placements,
            hosts: this.hostSummaries,
            containers: this.containerSummaries,
            connectivity: this.connectivity,
            kv: this.kvSummary,
            swarm: this.swarmSummary,
        });
    }

    /** The hosts, the probe, the swarm, the overlays, the containers, the check and the record, in that order and in batches; `before`: what the constructor made first. */
    private async build(
        name: string,
        args: OverlayClusterArgs,
        before: { fabric: Fabric; addressOf: (machine: string) => string | undefined; kvName: string },
    ): Promise<ClusterParts> {
        const config = args.config;
        const swarmMode = config.engine.mode === "swarm";
        const { fabric, addressOf, kvName } = before;
        const encryptedNetworks = config.networks.filter((n) => n.encrypted).map((n) => n.name);
        // Every pair the mode needs is probed (components/underlayProbe.ts) where the driver can reach
        // its machines: in swarm mode before swarm init and any join, with a cluster store before any
        // engine registers in the store. ssh hosts exist before the stack and the probe only logs in to
        // them, so there it runs before any engine is configured. netns, dind and docker-machine engines
        // start without their store and join it by a reload (MachineDriver.joinsStoreLater): the probe
        // runs between the machines and the joins.
        const probeAccess = underlayProbeAccess(args.driver, config, this.plan.addresses?.addresses);
        const probe = (machines: UnderlayProbeArgs["machines"]) =>
            probeAccess !== undefined ? new UnderlayProbe("underlay-probe", { config, access: probeAccess, machines }, { parent: this }) : undefined;
        const probeFirst = probeAccess?.kind === "ssh" ? probe({}) : undefined;

        // The order engines start in (lib/engine/startOrder.ts): with a cluster store one after
        // another, each once its gossip listens; in swarm mode every one after the network host's.
        // Where engines join their store later, the same chain orders the joins (the gossip) and the
        // machines (when one change replaces every machine, as a new store does, a machine's
        // registration waits for the chain of the one before it, as in swarm mode).
        const chain = !swarmMode && this.kv !== undefined;
        const joinLater = chain && probeAccess !== undefined && probeFirst === undefined && args.driver.joinsStoreLater === true;
        // What every join waits for: the probe, made once the machines it names exist (below).
        let probePassed: (ready: pulumi.Resource[]) => void = () => undefined;
        const afterProbe = new Promise<pulumi.Resource[]>((resolve) => (probePassed = resolve));
        const kvFirst = chain && this.kv !== undefined ? this.kv.ready : [];
        const startAfter = engineStartAfter(
            config.hosts.map((h) => h.name),
            chain ? { chain } : { after: this.plan.networkHost },
        );
        // Made in that order (those that start after none first), kept in config order.
        const first = config.hosts.filter((h) => startAfter.get(h.name) === undefined);
        const made: Record<string, DockerHost> = {};
        const inStartOrder = [...first, ...config.hosts.filter((h) => !first.includes(h))];
        for (let i = 0; i < inStartOrder.length; i++) {
            if (i > 0 && i % BUILD_BATCH === 0) {
                await nextTurn();
            }
            const host = inStartOrder[i];
            const after = startAfter.get(host.name);
            made[host.name] = new DockerHost(
                host.name,
                {
                    config,
                    host,
                    driver: args.driver,
                    fabric,
                    // In swarm mode the engines have no cluster store, whether or not a KV store exists.
                    ...(swarmMode || this.kv === undefined ? {} : { clusterStore: this.kv.url }),
                    ...(swarmMode || this.kv?.clientTls === undefined ? {} : { kvTls: this.kv.clientTls }),
                    address: addressOf(host.name),
                    dependsOn: [...kvFirst, ...(after !== undefined ? made[after].machineReady : []), ...(probeFirst?.ready ?? [])],
                    ...(joinLater ? { joinAfter: afterProbe.then((probe) => [...probe, ...kvFirst, ...(after !== undefined ? made[after].ready : [])]) } : {}),
                    ...(this.pki !== undefined ? { pki: this.pki } : {}),
                    encryptedNetworks,
                },
                { parent: this },
            );
        }
        const hosts: Record<string, DockerHost> = Object.fromEntries(config.hosts.map((h) => [h.name, made[h.name]]));
        const allEngines = Object.values(hosts).flatMap((h) => h.ready);
        const networkHost = hosts[this.plan.networkHost];

        const underlayProbe =
            probeFirst ??
            probe({
                ...(this.kv !== undefined && kvMachineName(config) !== undefined ? { [kvName]: this.kv.ready } : {}),
                ...Object.fromEntries(Object.values(hosts).map((h) => [h.hostName, h.machineReady])),
            });
        probePassed(underlayProbe?.ready ?? []);

        // The machines the overlays live on: the network host's (in swarm mode the first manager's),
        // and in cluster-store mode the KV machine's too (the store keeps the overlays), as first
        // made (components/overlayNetwork.ts keptMachineLabel); replacing one replaces the overlays
        // and, with them, their containers. In swarm mode the swarm's spec depends on it too.
        const networkMachines = keptMachineLabel(
            "overlay-machines",
            pulumi
                .all([networkHost.machineId, ...(!swarmMode && this.kv?.machineId !== undefined ? [this.kv.machineId] : [])])
                .apply((ids) => machineLabelValue(ids)),
            this,
        );

        const swarm =
            swarmMode && config.engine.swarm !== undefined && this.plan.swarmAddressPool !== undefined
                ? new Swarm(
                      "swarm",
                      {
                          stack: config.stack,
                          hosts: config.hosts.map((h) => ({ host: h, docker: hosts[h.name] })),
                          swarm: config.engine.swarm,
                          pool: this.plan.swarmAddressPool,
                          overlays: config.networks.map((n) => ({ name: n.name, subnet: n.subnet })),
                          firstManagerMachine: networkMachines,
                          after: underlayProbe?.ready ?? [],
                      },
                      { parent: this },
                  )
                : undefined;

        // A KV-backed overlay created through one engine is visible on every engine sharing the store;
        // a swarm overlay created through the manager is visible to every node (attachable for containers).
        const probes = Object.values(hosts).flatMap((h) => (h.espProbe !== undefined ? [h.espProbe] : []));
        const networks: Record<string, OverlayNetwork> = {};
        // One network at a time: an engine allocating several overlay pools at once
        // against the KV store sometimes answers 403 "Pool overlaps with other one
        // on this address space" (measured in the lab: 3 of ~13 loaded ups).
        let previous: OverlayNetwork | undefined;
        // ssh and docker-machine hosts read their underlay MTU; every overlay waits for all of them
        // (a `networks[].mtu` too much for one fails its host's reader, before any network exists).
        const mtuReaders = Object.values(hosts).flatMap((h) => (h.underlayMtuReader !== undefined ? [h.underlayMtuReader] : []));
        const underlayMtus = Object.values(hosts).map((h) => h.underlayMtu);
        // Engines that join their store after the probe: every overlay waits for all of them, so no
        // engine registers while one is made (measured: an etcd-backed overlay's pool write failed
        // "key modified" with the second engine joining meanwhile).
        const storeJoins = Object.values(hosts).flatMap((h) => (h.joined !== undefined ? [h.joined] : []));
        for (const network of config.networks) {
            previous = networks[network.name] = new OverlayNetwork(
                network.name,
                {
                    network,
                    mode: config.engine.mode,
                    provider: networkHost.provider,
                    deletedWith: fabric.deletedWith,
                    // In swarm mode the overlays live in the swarm: a new one (swarm-spec replaced) replaces them.
                    machineIds: swarm !== undefined ? pulumi.all([networkMachines, swarm.spec]).apply(([ids]) => ids) : networkMachines,
                    // The MTU option (lib/plan/mtu.ts), per network: its own mtu, else the driver's underlay's.
                    ...(mtuReaders.length > 0 && network.mtu === undefined
                        ? reportedDriverOptionsArg(network, args.driver.overlayNetworkOptions?.(config) ?? {}, underlayMtus)
                        : driverOptionsArg({ ...(args.driver.overlayNetworkOptions?.(config) ?? {}), ...overlayDriverOptions(config, network) })),
                    // An encrypted overlay only after every host proved its kernel can carry it.
                    dependsOn: [
                        ...networkHost.ready,
                        ...(swarm?.ready ?? underlayProbe?.ready ?? []),
                        ...(network.encrypted ? probes : []),
                        ...(previous !== undefined ? [previous.network] : []),
                        ...mtuReaders,
                        ...storeJoins,
                    ],
                },
                // A renamed network keeps its resources (the engine gives the child network the
                // inherited alias `<old>-network`, step_generator.go:550-611): its new name replaces it,
                // delete-before-replace, instead of a new network created beside the old one.
                { parent: this, ...(network.renamedFrom !== undefined ? { aliases: [{ name: network.renamedFrom }] } : {}) },
            );
        }

        // Cluster-store mode: a lost host's overlay endpoints leave the store through the network
        // host's engine (lib/change/lost.ts), else its overlays stay in use and a later delete of
        // them never finishes. (Swarm mode: its node leaves the swarm, components/swarm.ts.)
        for (const host of swarmMode ? [] : config.hosts.filter((h) => h.lost === true)) {
            const endpoints = endpointsOn(config, this.plan.placements, host.name);
            if (endpoints.length === 0) {
                continue;
            }
            new command.local.Command(
                `forget-${host.name}`,
                {
                    create: networkHost.dockerHost.apply((via) =>
                        renderForgetEndpointsScript({ stack: config.stack, host: host.name, via, endpoints, access: { cli: networkHost.cli } }),
                    ),
                    interpreter: ["/bin/bash", "-c"],
                    environment: networkHost.scriptEnv,
                },
                { parent: this, dependsOn: [...networkHost.ready, ...Object.values(networks).map((n) => n.network)] },
            );
        }

        // Containers in batches too (see the constructor).
        const containers: Record<string, PlacedContainer> = {};
        const joins = swarm?.joins;
        for (let i = 0; i < config.containers.length; i++) {
            if (i > 0 && i % BUILD_BATCH === 0) {
                await nextTurn();
            }
            const container = config.containers[i];
            const host = this.plan.placements[container.name];
            containers[container.name] = new PlacedContainer(
                container.name,
                {
                    container,
                    host: hosts[host],
                    networks,
                    ...(joins?.[host] !== undefined ? { membership: joins[host] } : {}),
                    ...(swarm !== undefined
                        ? {
                              settle: swarm.settle(
                                  hosts[host],
                                  container.name,
                                  container.networks.map((n) => n.name),
                              ),
                          }
                        : {}),
                },
                { parent: this },
            );
        }
        // A pair to check, or (swarm mode) managers to judge: a swarm's quorum is checked even with
        // one container or none, so `up` and `lab check` say when a majority of managers is gone.
        const check =
            config.containers.length > 1 || swarm !== undefined
                ? new ConnectivityCheck(
                      "connectivity",
                      {
                          containers: config.containers.map((c) => ({
                              placed: containers[c.name],
                              host: hosts[this.plan.placements[c.name]],
                              networks: c.networks.map((n) => n.name),
                          })),
                          ...(swarm !== undefined ? { managers: swarm.managers.map((m) => hosts[m]) } : {}),
                      },
                      { parent: this },
                  )
                : undefined;

        const record =
            config.kvStore?.backend === "consul" && this.kv !== undefined
                ? new ClusterRecord(
                      `${name}-record`,
                      {
                          endpoint: this.kv.endpoint,
                          ...(this.kv.clientTls !== undefined ? { tls: this.kv.clientTls } : {}),
                          prefix: config.kvStore.recordPrefix,
                          entries: recordEntries(config, this.plan, hosts),
                          kvReady: this.kv.ready,
                          ...(this.kv.machineId !== undefined ? { kvMachineId: this.kv.machineId } : {}),
                          // Swarm-mode engines do not register in the store: nothing to read back.
                          engines: swarmMode ? undefined : allEngines,
                          deletedWith: fabric.deletedWith,
                      },
                      { parent: this },
                  )
                : undefined;
        return { hosts, underlayProbe, swarm, networks, containers, check, record };
    }
}

/** How the underlay probe reaches the driver's machines: netns namespaces, ssh logins, dind containers or docker-machine VMs; undefined for a driver it cannot reach. */
function underlayProbeAccess(
    driver: MachineDriver,
    config: ClusterConfig,
    addresses: Record<string, string> | undefined,
): UnderlayProbeArgs["access"] | undefined {
    const probeNamespace = driver.probeNamespace?.bind(driver);
    const probeContainer = driver.probeContainer?.(config);
    const probeDockerMachine = driver.probeDockerMachine?.(config);
    return probeNamespace !== undefined && addresses !== undefined
        ? { kind: "netns", addresses, namespace: (machine) => probeNamespace(config, machine) }
        : driver.probeSsh !== undefined
          ? { kind: "ssh", ...driver.probeSsh(config) }
          : probeContainer !== undefined && addresses !== undefined
            ? { kind: "docker", addresses, host: probeContainer.host, container: (m) => probeContainer.container(m) }
            : probeDockerMachine !== undefined
              ? { kind: "docker-machine", ...probeDockerMachine }
              : undefined;
}

/** Hosts, and then containers, built between two turns of the event loop (see OverlayCluster). */
export const BUILD_BATCH = 10;

/** One turn of the event loop: what a batch's registrations need to go out and settle. */
function nextTurn(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
}

/** What an OverlayCluster is made of beyond its plan, KV store and PKI, once every batch is built. */
export interface ClusterParts {
    hosts: Record<string, DockerHost>;
    /** The underlay probed before the cluster forms (drivers that can); undefined otherwise. */
    underlayProbe: UnderlayProbe | undefined;
    swarm: Swarm | undefined;
    networks: Record<string, OverlayNetwork>;
    containers: Record<string, PlacedContainer>;
    /** The connectivity check (undefined in cluster-store mode with fewer than two containers). */
    check: ConnectivityCheck | undefined;
    record: ClusterRecord | undefined;
}

export interface SwarmSummary {
    manager: string;
    /** `<ip>:<port>`; these three are unknown until the swarm exists. */
    managerAddress: string | undefined;
    ingressSubnet: string | undefined;
    addressPool: string;
    /** Host name -> node id. */
    nodes: Record<string, string | undefined>;
}

/** What the program records in consul: one JSON document per host, network and container. */
function recordEntries(config: ClusterConfig, plan: ClusterPlan, hosts: Record<string, DockerHost>): pulumi.Output<Record<string, string>> {
    const hostEntries = config.hosts.map((h) =>
        hosts[h.name].address.apply((address) => [`hosts/${h.name}`, JSON.stringify({ address, role: h.role, labels: h.labels })] as const),
    );
    const networkEntries = config.networks.map(
        (n) => [`networks/${n.name}`, JSON.stringify({ subnet: n.subnet, gateway: n.gateway, ipRange: n.ipRange ?? null, internal: n.internal })] as const,
    );
    const containerEntries = config.containers.map(
        (c) => [`containers/${c.name}`, JSON.stringify({ host: plan.placements[c.name], networks: c.networks.map((n) => n.name) })] as const,
    );
    return pulumi.all(hostEntries).apply((he) => Object.fromEntries([...he, ...networkEntries, ...containerEntries]));
}
