/**
 * netns driver: every machine is a network namespace on one lab bridge, each
 * engine a dockerd of its own inside it. Created and removed by command
 * resources, so the same stack works with `pulumi up` on a Linux machine as
 * root and with the lab's applier.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, NetnsDriverConfig } from "../../lib/config/types";
import {
    NETNS_SCRIPT_INTERPRETER,
    NetnsEngineParams,
    NetnsMachineParams,
    netnsDockerHost,
    netnsPath,
    netnsTcpDockerHost,
    renderNetnsEngineConfigScript,
    renderNetnsEngineScripts,
    renderNetnsFabricScripts,
    renderNetnsKvScripts,
} from "../../lib/drivers/netns";
import { requireKvStore } from "../../lib/plan/cluster";
import { advertiseAddress, EngineOptions } from "../../lib/render/engine";
import { renderEspProbeScript } from "../../lib/swarm/esp";
import { shQuote } from "../../lib/render/shell";
import { KV_CLIENT_TLS_ENV, SERVER_TLS_ENV } from "../../lib/tls/engine";
import { storeJoinCommand } from "./storeJoin";
import { EngineMachine, EngineMachineArgs, EspProbeArgs, Fabric, KvMachine, KvMachineArgs, MachineDriver, TlsMaterial } from "./types";

/** Machines are replaced, never updated in place: a namespace host cannot change its dockerd flags live (its labels: the labels command). */
const replaceWhole: pulumi.CustomResourceOptions = { replaceOnChanges: ["*"], deleteBeforeReplace: true };

function netnsOf(config: ClusterConfig): NetnsDriverConfig {
    if (config.driver.kind !== "netns") {
        throw new Error(`the netns driver got a config for driver "${config.driver.kind}"`);
    }
    return config.driver;
}

function requireAddress(address: string | undefined, machine: string): string {
    if (address === undefined) {
        throw new Error(`netns driver: no underlay address was allocated for machine "${machine}"`);
    }
    return address;
}

/** What every netns machine's scripts take: the stack, the machine's name and address, the driver's bridge and directories. */
function machineParams(config: ClusterConfig, name: string, address: string): NetnsMachineParams {
    const d = netnsOf(config);
    return { stack: config.stack, name, bridge: d.bridge, underlay: d.underlay, underlayMtu: d.underlayMtu, address, stateDir: d.stateDir, runDir: d.runDir };
}

/** TLS material as a create script's environment (names from lib/tls/engine.ts); nothing without material. */
function tlsEnvironment(env: { ca: string; cert: string; key: string }, tls: TlsMaterial | undefined): Record<string, pulumi.Output<string>> {
    return tls === undefined ? {} : { [env.ca]: tls.caCertPem, [env.cert]: tls.certPem, [env.key]: pulumi.secret(tls.keyPem) };
}

export const netnsDriver: MachineDriver = {
    createFabric(name: string, config: ClusterConfig, parent: pulumi.Resource): Fabric {
        const d = netnsOf(config);
        const scripts = renderNetnsFabricScripts({ stack: config.stack, bridge: d.bridge, underlay: d.underlay, underlayMtu: d.underlayMtu });
        const bridge = new command.local.Command(
            `${name}-bridge`,
            { create: scripts.create, delete: scripts.delete, interpreter: [...NETNS_SCRIPT_INTERPRETER] },
            { parent, ...replaceWhole },
        );
        return { resources: [bridge], deletedWith: bridge };
    },

    createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine {
        const d = netnsOf(args.config);
        const address = requireAddress(args.address, args.host.name);
        const params = (engine: EngineOptions): NetnsEngineParams => ({
            ...machineParams(args.config, args.host.name, address),
            engineBin: d.engineBin,
            advertiseInterface: args.config.engine.advertiseInterface,
            // The cluster keys go into the engine's daemon.json, advertising its address (its
            // veth is advertiseInterface; an address needs no lookup at a reload).
            ...(engine.clusterStore !== undefined ? { engine: advertiseAddress(engine, address, args.config.engine.apiPort) } : {}),
            daemonFlags: [],
            images: d.images,
            ...(args.tls !== undefined ? { tls: { apiPort: args.config.engine.apiPort } } : {}),
            ...(args.kvTls !== undefined ? { kvTls: true } : {}),
        });
        const clusterStore = args.config.engine.mode === "cluster-store";
        // The machine's scripts and, in cluster-store mode, its config script, from one set of parameters.
        const scripts = args.engine.apply((engine) => {
            const p = params(engine);
            return { ...renderNetnsEngineScripts(p), config: clusterStore ? renderNetnsEngineConfigScript(p, engine.labels) : "" };
        });
        const engine = new command.local.Command(
            name,
            {
                create: scripts.create,
                delete: scripts.delete,
                interpreter: [...NETNS_SCRIPT_INTERPRETER],
                // TLS material reaches the create script through the environment (the keys are secrets).
                ...(args.tls !== undefined || args.kvTls !== undefined
                    ? { environment: { ...tlsEnvironment(SERVER_TLS_ENV, args.tls), ...tlsEnvironment(KV_CLIENT_TLS_ENV, args.kvTls) } }
                    : {}),
            },
            { parent, dependsOn: [...args.fabric.resources, ...args.dependsOn], ...replaceWhole },
        );
        // The engine's cluster store and labels, given to the running engine by a reload.
        const joined = clusterStore ? storeJoinCommand(name, scripts.config, engine, args.joinAfter, parent) : undefined;
        return {
            // Without TLS only the unix socket, reachable from the machine running the program;
            // with TLS the program uses the TCP API on the underlay, as a remote client would.
            dockerHost: pulumi.output(
                args.tls !== undefined ? netnsTcpDockerHost(address, args.config.engine.apiPort) : netnsDockerHost({ runDir: d.runDir, name: args.host.name }),
            ),
            address: pulumi.output(address),
            advertise: pulumi.output(address),
            // The lab's own client, of the engines' generation.
            cli: `${d.engineBin}/docker`,
            providerArgs: {},
            scriptEnv: {},
            resources: [engine],
            ...(joined !== undefined ? { joined } : {}),
        };
    },

    joinsStoreLater: true,

    createKvMachine(name: string, args: KvMachineArgs, parent: pulumi.Resource): KvMachine {
        const d = netnsOf(args.config);
        const address = requireAddress(args.address, args.name);
        const kv = requireKvStore(args.config, "netns driver");
        const scripts = renderNetnsKvScripts({
            ...machineParams(args.config, args.name, address),
            backend: kv.backend,
            port: kv.port,
            kvBin: d.kvBin,
            ...(args.tls !== undefined ? { tls: true } : {}),
        });
        const machine = new command.local.Command(
            name,
            {
                create: scripts.create,
                delete: scripts.delete,
                interpreter: [...NETNS_SCRIPT_INTERPRETER],
                ...(args.tls !== undefined ? { environment: tlsEnvironment(SERVER_TLS_ENV, args.tls) } : {}),
            },
            { parent, dependsOn: args.fabric.resources, ...replaceWhole },
        );
        return { address: pulumi.output(address), resources: [machine] };
    },

    probeNamespace(config: ClusterConfig, machine: string): string {
        netnsOf(config);
        return netnsPath({ stack: config.stack, name: machine });
    },

    createEspProbe(name: string, args: EspProbeArgs, parent: pulumi.Resource): pulumi.Resource {
        netnsOf(args.config);
        // In the host's own network namespace, entered as its engine is (nsenter, not `ip netns exec`).
        const ns = netnsPath({ stack: args.config.stack, name: args.host.name });
        return new command.local.Command(
            name,
            { create: renderEspProbeScript({ host: args.host.name, networks: args.networks, runIp: `nsenter --net=${shQuote(ns)} ip "$@"` }) },
            { parent, dependsOn: args.dependsOn },
        );
    },
};
