import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../lib/config/types";
import { ClusterPlan, planCluster } from "../lib/plan/cluster";
import { ClusterRecord } from "./clusterRecord";
import { ConnectivityCheck } from "./connectivityCheck";
import { DockerHost } from "./dockerHost";
import { KvStore } from "./kvStore";
import { MachineDriver } from "./machines/types";
import { OverlayNetwork } from "./overlayNetwork";
import { PlacedContainer } from "./placedContainer";
import { CheckResult } from "../lib/render/check";

export interface OverlayClusterArgs {
    /** A validated, defaulted configuration (see lib/config/validate.ts). */
    config: ClusterConfig;
    /** How machines are made: netns, dind, ssh or docker-machine (components/machines). */
    driver: MachineDriver;
}

export interface HostSummary {
    name: string;
    dockerHost: string;
    address: string;
}

export interface ContainerSummary {
    name: string;
    host: string;
    networks: Record<string, string>;
}

/**
 * The whole multi-host overlay as one dependency graph:
 * KV store -> Docker hosts -> overlay networks -> placed containers -> connectivity check.
 */
export class OverlayCluster extends pulumi.ComponentResource {
    public readonly plan: ClusterPlan;
    public readonly kv: KvStore;
    public readonly hosts: Record<string, DockerHost>;
    public readonly networks: Record<string, OverlayNetwork>;
    public readonly containers: Record<string, PlacedContainer>;
    public readonly check: ConnectivityCheck | undefined;
    public readonly record: ClusterRecord | undefined;

    public readonly hostSummaries: pulumi.Output<HostSummary[]>;
    public readonly containerSummaries: pulumi.Output<ContainerSummary[]>;
    public readonly connectivity: pulumi.Output<CheckResult | undefined>;

    constructor(name: string, args: OverlayClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        // Refuse what this version cannot build before registering anything, the component included.
        if (args.config.engine.mode !== "cluster-store") {
            throw new Error(
                `docker-overlay:engine.mode: "${args.config.engine.mode}" is not available in this version; use "cluster-store" (engines <= 20.10)`,
            );
        }
        super("docker-overlay:index:OverlayCluster", name, {}, opts);
        const config = args.config;
        // Decide everything pure first: a placement or address problem stops here, before any resource exists.
        this.plan = planCluster(config);
        const addressOf = (machine: string) => this.plan.addresses?.addresses[machine];

        const fabric = args.driver.createFabric(`${name}-fabric`, config, this);

        const kvName = config.kvStore.machine ?? "kvstore";
        this.kv = new KvStore(kvName, { config, driver: args.driver, fabric, address: addressOf(kvName) }, { parent: this });

        this.hosts = {};
        for (const host of config.hosts) {
            this.hosts[host.name] = new DockerHost(
                host.name,
                {
                    config,
                    host,
                    driver: args.driver,
                    fabric,
                    clusterStore: this.kv.url,
                    address: addressOf(host.name),
                    dependsOn: this.kv.ready,
                },
                { parent: this },
            );
        }
        const allEngines = Object.values(this.hosts).flatMap((h) => h.ready);

        // A KV-backed overlay created through one engine is visible on every engine sharing the store.
        const networkHost = this.hosts[this.plan.networkHost];
        this.networks = {};
        for (const network of config.networks) {
            this.networks[network.name] = new OverlayNetwork(
                network.name,
                { network, mode: config.engine.mode, provider: networkHost.provider, dependsOn: networkHost.ready },
                { parent: this },
            );
        }

        this.containers = {};
        for (const container of config.containers) {
            const host = this.hosts[this.plan.placements[container.name]];
            this.containers[container.name] = new PlacedContainer(
                container.name,
                { container, host, networks: this.networks },
                { parent: this },
            );
        }

        this.check =
            config.containers.length > 1
                ? new ConnectivityCheck(
                      "connectivity",
                      {
                          containers: config.containers.map((c) => ({
                              placed: this.containers[c.name],
                              host: this.hosts[this.plan.placements[c.name]],
                              networks: c.networks.map((n) => n.name),
                          })),
                      },
                      { parent: this },
                  )
                : undefined;

        this.record =
            config.kvStore.backend === "consul"
                ? new ClusterRecord(
                      `${name}-record`,
                      {
                          endpoint: this.kv.endpoint,
                          prefix: config.kvStore.recordPrefix,
                          entries: recordEntries(config, this.plan, this.hosts),
                          kvReady: this.kv.ready,
                          engines: allEngines,
                      },
                      { parent: this },
                  )
                : undefined;

        this.hostSummaries = pulumi.all(
            config.hosts.map((h) =>
                pulumi
                    .all([this.hosts[h.name].dockerHost, this.hosts[h.name].address])
                    .apply(([dockerHost, address]) => ({ name: h.name, dockerHost, address })),
            ),
        );
        this.containerSummaries = pulumi.all(
            config.containers.map((c) =>
                this.containers[c.name].addresses.apply((networks) => ({ name: c.name, host: this.plan.placements[c.name], networks })),
            ),
        );
        this.connectivity = this.check ? this.check.result : pulumi.output(undefined);
        this.registerOutputs({
            placements: this.plan.placements,
            hosts: this.hostSummaries,
            containers: this.containerSummaries,
            connectivity: this.connectivity,
        });
    }
}

/** What the program records in consul: one JSON document per host, network and container. */
function recordEntries(
    config: ClusterConfig,
    plan: ClusterPlan,
    hosts: Record<string, DockerHost>,
): pulumi.Output<Record<string, string>> {
    const hostEntries = config.hosts.map((h) =>
        hosts[h.name].address.apply(
            (address) => [`hosts/${h.name}`, JSON.stringify({ address, role: h.role, labels: h.labels })] as const,
        ),
    );
    const networkEntries = config.networks.map(
        (n) =>
            [
                `networks/${n.name}`,
                JSON.stringify({ subnet: n.subnet, gateway: n.gateway, ipRange: n.ipRange ?? null, internal: n.internal }),
            ] as const,
    );
    const containerEntries = config.containers.map(
        (c) => [`containers/${c.name}`, JSON.stringify({ host: plan.placements[c.name], networks: c.networks.map((n) => n.name) })] as const,
    );
    return pulumi.all(hostEntries).apply((he) => Object.fromEntries([...he, ...networkEntries, ...containerEntries]));
}
