/**
 * dind driver: every machine a privileged `docker:20.10.x-dind` container on
 * one bridge network of the local Docker, the KV machine a container beside
 * them. What each container runs with is decided in lib/drivers/dind.ts.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "../../lib/config/types";
import {
    DindHealthcheck,
    dindAddressPlan,
    dindConfigOf,
    dindClusterKeys,
    DIND_CLUSTER_KEYS_LABEL,
    dindDockerHost,
    dindEngineCommand,
    dindEngineContainer,
    dindFabricNetwork,
    dindKvContainer,
    dindMachineContainerName,
    dindOverlayNetworkOptions,
    dindTls,
    renderDindEngineConfigScript,
} from "../../lib/drivers/dind";
import { kvServerSpec } from "../../lib/kv/server";
import { storeJoinCommand } from "./storeJoin";
import { kvMachineName } from "../../lib/plan/cluster";
import { EngineMachine, EngineMachineArgs, Fabric, KvMachine, KvMachineArgs, MachineDriver } from "./types";

/** What createFabric hands back to the machine creators, beyond the shared resource list. */
interface DindFabric extends Fabric {
    dind: {
        provider: docker.Provider;
        network: docker.Network;
        engineImage: docker.RemoteImage;
        kvImage?: docker.RemoteImage;
    };
}

function partsOf(fabric: Fabric): DindFabric["dind"] {
    const parts = (fabric as Partial<DindFabric>).dind;
    if (parts === undefined) {
        throw new Error("dind driver: the fabric was not made by the dind driver's createFabric");
    }
    return parts;
}

/** The address the cluster plan gave the machine, else the driver's own plan (same order). */
function addressOf(config: ClusterConfig, machine: string, given: string | undefined): string {
    const address = given ?? dindAddressPlan(config).addresses[machine];
    if (address === undefined) {
        throw new Error(`dind driver: no fabric address for machine "${machine}"`);
    }
    return address;
}

/** Fixed container and network names: remove the old one before creating its replacement. */
const fixedName: pulumi.CustomResourceOptions = { deleteBeforeReplace: true };

function healthcheck(h: DindHealthcheck) {
    return { tests: h.tests, interval: h.interval, timeout: h.timeout, retries: h.retries, startPeriod: h.startPeriod };
}

export const dindDriver: MachineDriver = {
    overlayNetworkOptions: dindOverlayNetworkOptions,

    // The engine machines' containers (privileged, with iptables); the KV machine's is not one.
    probeContainer(config: ClusterConfig) {
        const hosts = new Set(config.hosts.map((h) => h.name));
        return {
            host: dindConfigOf(config).localDockerHost,
            container: (machine: string) => (hosts.has(machine) ? dindMachineContainerName(config, machine) : undefined),
        };
    },

    createFabric(name: string, config: ClusterConfig, parent: pulumi.Resource): Fabric {
        const d = dindConfigOf(config);
        const provider = new docker.Provider(`${name}-local-docker`, { host: d.localDockerHost }, { parent });
        const net = dindFabricNetwork(config);
        const network = new docker.Network(
            `${name}-network`,
            {
                name: net.name,
                driver: "bridge",
                ipamConfigs: [{ subnet: net.subnet, gateway: net.gateway }],
                options: net.options,
            },
            { parent, provider, ...fixedName },
        );
        const engineImage = new docker.RemoteImage(`${name}-engine-image`, { name: d.image, keepLocally: true }, { parent, provider });
        const kvImage =
            config.kvStore !== undefined && kvMachineName(config) !== undefined
                ? new docker.RemoteImage(
                      `${name}-kv-image`,
                      { name: kvServerSpec(config.kvStore.backend, config.kvStore.port, d.kvImage).image, keepLocally: true },
                      { parent, provider },
                  )
                : undefined;
        const fabric: DindFabric = {
            resources: [network, engineImage, ...(kvImage ? [kvImage] : [])],
            // The dind containers (the machines) are on it; removing them removes their engines' state.
            deletedWith: network,
            dind: { provider, network, engineImage, kvImage },
        };
        return fabric;
    },

    createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine {
        const parts = partsOf(args.fabric);
        const address = addressOf(args.config, args.host.name, args.address);
        const spec = dindEngineContainer(args.config, args.host, address);
        const tls = dindTls(args.config);
        if (tls.files !== undefined && args.tls === undefined) {
            throw new Error(`dind driver: engine.tls is on but host ${args.host.name} got no TLS material`);
        }
        const clusterStore = args.config.engine.mode === "cluster-store";
        // In cluster-store mode the engine's cluster keys (a label of its container) and its config
        // script, from one value of the engine's options.
        const engineFiles = clusterStore
            ? args.engine.apply((engine) => ({
                  keys: JSON.stringify(dindClusterKeys(args.config, address, engine) ?? {}),
                  config: renderDindEngineConfigScript(args.config, args.host, address, engine),
              }))
            : undefined;
        // The engine's TLS files, put into the container before it starts (the key is a secret).
        const uploads =
            tls.files !== undefined && args.tls !== undefined
                ? [
                      { file: tls.files.ca, content: args.tls.caCertPem },
                      { file: tls.files.cert, content: args.tls.certPem },
                      { file: tls.files.key, content: args.tls.keyPem },
                  ]
                : [];
        const container = new docker.Container(
            `${name}-container`,
            {
                name: spec.name,
                image: parts.engineImage.name,
                hostname: spec.hostname,
                privileged: spec.privileged,
                init: spec.init,
                command: dindEngineCommand(args.config),
                envs: spec.env,
                networksAdvanced: [{ name: parts.network.name, ipv4Address: spec.network.ipv4Address }],
                ports: spec.ports,
                restart: spec.restart,
                healthcheck: healthcheck(spec.healthcheck),
                wait: spec.wait,
                waitTimeout: spec.waitTimeout,
                removeVolumes: true,
                ...(uploads.length > 0 ? { uploads } : {}),
                // The keys its config command joins the store with: other keys are a new container
                // (labels are ForceNew), and the policy pack reads them (policy/rules.ts).
                ...(engineFiles !== undefined ? { labels: [{ label: DIND_CLUSTER_KEYS_LABEL, value: engineFiles.keys }] } : {}),
            },
            {
                parent,
                provider: parts.provider,
                dependsOn: [...args.fabric.resources, ...args.dependsOn],
                ...fixedName,
                // `init` (DindContainerSpec.init) is Optional+Computed and neither ForceNew nor
                // handled by Update (kreuzwerker v4.5.0 `resource_docker_container.go:1126-1131`,
                // `resource_docker_container_funcs.go:1015-1025`): on a machine made before it was
                // set, the provider would record it without giving the container an init, and a
                // refresh would read it back as false. Ignored on update, so such a machine stays
                // as it is (replace it to get the init); a machine created from now on has it.
                ignoreChanges: ["init"],
            },
        );
        // The engine's cluster store and labels, given to the running engine by a reload
        // inside its container, through the local Docker.
        const joined = engineFiles !== undefined ? storeJoinCommand(name, engineFiles.config, container, args.joinAfter, parent) : undefined;
        return {
            dockerHost: pulumi.output(dindDockerHost(args.config, args.host)),
            address: pulumi.output(address),
            advertise: pulumi.output(address),
            cli: "docker",
            providerArgs: {},
            scriptEnv: {},
            resources: [container],
            ...(joined !== undefined ? { joined } : {}),
        };
    },

    joinsStoreLater: true,

    createKvMachine(name: string, args: KvMachineArgs, parent: pulumi.Resource): KvMachine {
        const parts = partsOf(args.fabric);
        if (parts.kvImage === undefined) {
            throw new Error("dind driver: createKvMachine called, but the config has no docker-overlay:kvStore.machine");
        }
        const address = addressOf(args.config, args.name, args.address);
        const spec = dindKvContainer(args.config, args.name, address);
        const container = new docker.Container(
            `${name}-container`,
            {
                name: spec.name,
                image: parts.kvImage.name,
                hostname: spec.hostname,
                command: spec.command.length > 0 ? spec.command : undefined,
                envs: spec.env,
                networksAdvanced: [{ name: parts.network.name, ipv4Address: spec.network.ipv4Address }],
                restart: spec.restart,
                healthcheck: healthcheck(spec.healthcheck),
                wait: spec.wait,
                waitTimeout: spec.waitTimeout,
                removeVolumes: true,
            },
            { parent, provider: parts.provider, dependsOn: args.fabric.resources, ...fixedName },
        );
        return { address: pulumi.output(address), resources: [container] };
    },
};
