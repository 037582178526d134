/**
 * docker-machine driver: the seed's own way. A `command.local.Command` runs
 * `docker-machine create` / `rm` per machine; a second one reads the machine's
 * Docker connection (URL and TLS cert directory) for its docker provider.
 * Scripts: lib/drivers/dockerMachine.ts.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, DockerMachineDriverConfig } from "../../lib/config/types";
import {
    parseDockerMachineConnection,
    parseDockerMachineIp,
    renderDockerMachineConnectionScript,
    renderDockerMachineCreateScript,
    renderDockerMachineDeleteScript,
    renderDockerMachineKvCreateScript,
} from "../../lib/drivers/dockerMachine";
import { EngineMachine, EngineMachineArgs, Fabric, KvMachine, KvMachineArgs, MachineDriver } from "./types";

/** Machines have fixed names: the old one must be removed before its replacement is created. */
const replaceWhole: pulumi.CustomResourceOptions = { replaceOnChanges: ["*"], deleteBeforeReplace: true };

function dockerMachineOf(config: ClusterConfig): DockerMachineDriverConfig {
    if (config.driver.kind !== "docker-machine") {
        throw new Error(`the docker-machine driver got a config for driver "${config.driver.kind}"`);
    }
    return config.driver;
}

export const dockerMachineDriver: MachineDriver = {
    createFabric(_name: string, config: ClusterConfig, _parent: pulumi.Resource): Fabric {
        dockerMachineOf(config);
        return { resources: [] };
    },

    createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine {
        const d = dockerMachineOf(args.config);
        const host = args.host;
        const machine = new command.local.Command(
            `${name}-machine`,
            {
                create: args.engine.apply((engine) =>
                    renderDockerMachineCreateScript({
                        name: host.name,
                        machineDriver: d.machineDriver,
                        createFlags: d.createFlags,
                        engine,
                        swarm: d.swarm
                            ? { master: host.role === "manager", discovery: engine.clusterStore, image: d.swarmImage }
                            : undefined,
                    }),
                ),
                delete: renderDockerMachineDeleteScript(host.name),
            },
            { parent, dependsOn: [...args.fabric.resources, ...args.dependsOn], ...replaceWhole },
        );
        const connection = new command.local.Command(
            `${name}-connection`,
            {
                create: renderDockerMachineConnectionScript(host.name),
                // Read again whenever the machine is recreated (new IP, new certs).
                triggers: [machine.id],
            },
            { parent, dependsOn: [machine] },
        );
        const conn = connection.stdout.apply((out) => parseDockerMachineConnection(host.name, out));
        return {
            dockerHost: conn.host,
            address: machine.stdout.apply((out) => parseDockerMachineIp(host.name, out)),
            providerArgs: { certPath: conn.certPath },
            resources: [machine, connection],
        };
    },

    createKvMachine(name: string, args: KvMachineArgs, parent: pulumi.Resource): KvMachine {
        const d = dockerMachineOf(args.config);
        const machine = new command.local.Command(
            `${name}-machine`,
            {
                create: renderDockerMachineKvCreateScript({
                    name: args.name,
                    machineDriver: d.machineDriver,
                    createFlags: d.createFlags,
                    backend: args.config.kvStore.backend,
                    port: args.config.kvStore.port,
                }),
                delete: renderDockerMachineDeleteScript(args.name),
            },
            { parent, dependsOn: args.fabric.resources, ...replaceWhole },
        );
        return {
            address: machine.stdout.apply((out) => parseDockerMachineIp(args.name, out)),
            resources: [machine],
        };
    },
};
