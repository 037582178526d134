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
    netnsDockerHost,
    renderNetnsEngineScripts,
    renderNetnsFabricScripts,
    renderNetnsKvScripts,
} from "../../lib/drivers/netns";
import { renderDaemonFlags } from "../../lib/render/engine";
import { EngineMachine, EngineMachineArgs, Fabric, KvMachine, KvMachineArgs, MachineDriver } from "./types";

/** Machines are replaced, never updated in place: a namespace host cannot change its dockerd flags live. */
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

export const netnsDriver: MachineDriver = {
    createFabric(name: string, config: ClusterConfig, parent: pulumi.Resource): Fabric {
        const d = netnsOf(config);
        const scripts = renderNetnsFabricScripts({ stack: config.stack, bridge: d.bridge, underlay: d.underlay });
        const bridge = new command.local.Command(
            `${name}-bridge`,
            { create: scripts.create, delete: scripts.delete, interpreter: [...NETNS_SCRIPT_INTERPRETER] },
            { parent, ...replaceWhole },
        );
        return { resources: [bridge] };
    },

    createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine {
        const d = netnsOf(args.config);
        const address = requireAddress(args.address, args.host.name);
        const scripts = args.engine.apply((engine) =>
            renderNetnsEngineScripts({
                stack: args.config.stack,
                name: args.host.name,
                bridge: d.bridge,
                underlay: d.underlay,
                address,
                stateDir: d.stateDir,
                runDir: d.runDir,
                engineBin: d.engineBin,
                advertiseInterface: args.config.engine.advertiseInterface,
                daemonFlags: renderDaemonFlags(engine),
                images: d.images,
            }),
        );
        const engine = new command.local.Command(
            name,
            { create: scripts.create, delete: scripts.delete, interpreter: [...NETNS_SCRIPT_INTERPRETER] },
            { parent, dependsOn: [...args.fabric.resources, ...args.dependsOn], ...replaceWhole },
        );
        return {
            // The unix socket is reachable from the machine running the program; no TCP API is exposed.
            dockerHost: pulumi.output(netnsDockerHost({ runDir: d.runDir, name: args.host.name })),
            address: pulumi.output(address),
            providerArgs: {},
            resources: [engine],
        };
    },

    createKvMachine(name: string, args: KvMachineArgs, parent: pulumi.Resource): KvMachine {
        const d = netnsOf(args.config);
        const address = requireAddress(args.address, args.name);
        const scripts = renderNetnsKvScripts({
            stack: args.config.stack,
            name: args.name,
            bridge: d.bridge,
            underlay: d.underlay,
            address,
            stateDir: d.stateDir,
            runDir: d.runDir,
            backend: args.config.kvStore.backend,
            port: args.config.kvStore.port,
            kvBin: d.kvBin,
        });
        const machine = new command.local.Command(
            name,
            { create: scripts.create, delete: scripts.delete, interpreter: [...NETNS_SCRIPT_INTERPRETER] },
            { parent, dependsOn: args.fabric.resources, ...replaceWhole },
        );
        return { address: pulumi.output(address), resources: [machine] };
    },
};
