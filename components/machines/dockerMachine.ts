/**
 * docker-machine driver: the seed's own way. A `command.local.Command` runs
 * `docker-machine create` / `rm` per machine; a second one reads the machine's
 * Docker connection (URL and TLS cert directory) for its docker provider. In
 * cluster-store mode a third gives the running engine its store once the
 * underlay probe passed (`<host>-engine-config`, storeJoin.ts).
 * Scripts: lib/drivers/dockerMachine.ts.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, DockerMachineDriverConfig } from "../../lib/config/types";
import {
    dockerMachineAdvertiseInterface,
    parseDockerMachineConnection,
    parseDockerMachineIp,
    renderDockerMachineConnectionScript,
    renderDockerMachineCreateScript,
    renderDockerMachineDeleteScript,
    renderDockerMachineEngineConfigScript,
    renderDockerMachineKvCreateScript,
    renderDockerMachineUnderlayMtuScript,
} from "../../lib/drivers/dockerMachine";
import { parseUnderlayMtu } from "../../lib/drivers/underlayMtu";
import { underlayMtuRequirements } from "../../lib/plan/mtu";
import { requireKvStore } from "../../lib/plan/cluster";
import { CLIENT_TLS_ENV } from "../../lib/render/dockerCli";
import { shQuote } from "../../lib/render/shell";
import { renderEspProbeScript } from "../../lib/swarm/esp";
import { storeJoinCommand } from "./storeJoin";
import { DockerMachineProbeAccess, EngineMachine, EngineMachineArgs, EspProbeArgs, Fabric, KvMachine, KvMachineArgs, MachineDriver } from "./types";

/** Machines have fixed names: the old one must be removed before its replacement is created. */
const replaceWhole: pulumi.CustomResourceOptions = { replaceOnChanges: ["*"], deleteBeforeReplace: true };

function dockerMachineOf(config: ClusterConfig): DockerMachineDriverConfig {
    if (config.driver.kind !== "docker-machine") {
        throw new Error(`the docker-machine driver got a config for driver "${config.driver.kind}"`);
    }
    return config.driver;
}

export const dockerMachineDriver: MachineDriver = {
    /**
     * The stack's machines as one resource that runs nothing (a local Command without a
     * create or delete runs nothing, PC `local/commandController.go:41`, `:51`): every machine
     * depends on it, and what lives on them is deleted with it (Fabric.deletedWith). The
     * machines are the stack's own (`docker-machine create`, removed by `docker-machine rm`),
     * so `pulumi destroy` runs only their deletes and never asks an engine that is gone.
     */
    createFabric(name: string, config: ClusterConfig, parent: pulumi.Resource): Fabric {
        dockerMachineOf(config);
        const fleet = new command.local.Command(`${name}-machines`, {}, { parent });
        return { resources: [fleet], deletedWith: fleet };
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
                        // Classic swarm discovers through the cluster store (cluster-store mode only).
                        swarm:
                            d.swarm && engine.clusterStore !== undefined
                                ? { master: host.role === "manager", discovery: engine.clusterStore, image: d.swarmImage }
                                : undefined,
                    }),
                ),
                delete: renderDockerMachineDeleteScript(host.name),
            },
            { parent, dependsOn: [...args.fabric.resources, ...args.dependsOn], ...replaceWhole },
        );
        // With a cluster store the engine starts without it; this gives it, after the underlay probe.
        const joined =
            args.config.engine.mode === "cluster-store"
                ? storeJoinCommand(
                      name,
                      args.engine.apply((engine) => renderDockerMachineEngineConfigScript({ name: host.name, engine })),
                      machine,
                      args.joinAfter,
                      parent,
                  )
                : undefined;
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
        const address = machine.stdout.apply((out) => parseDockerMachineIp(host.name, out));
        // The machine's underlay MTU, read again whenever the machine is recreated; reading changes nothing to undo.
        const advertiseInterface = dockerMachineAdvertiseInterface(args.config.engine);
        const mtuReader = new command.local.Command(
            `${name}-underlay-mtu`,
            {
                create: address.apply((ip) =>
                    renderDockerMachineUnderlayMtuScript({
                        name: host.name,
                        ...(advertiseInterface !== undefined ? { advertiseInterface } : {}),
                        address: ip,
                        requirements: underlayMtuRequirements(args.config.networks),
                    }),
                ),
                interpreter: ["/bin/bash", "-c"],
                triggers: [machine.id],
            },
            { parent, dependsOn: [machine] },
        );
        return {
            dockerHost: conn.host,
            address,
            advertise: address,
            cli: "docker",
            // docker-machine's own TLS: its cert directory, for the provider and the scripts.
            providerArgs: { certPath: conn.certPath },
            scriptEnv: { [CLIENT_TLS_ENV.dir]: conn.certPath },
            resources: [machine, connection],
            ...(joined !== undefined ? { joined } : {}),
            underlayMtu: { mtu: mtuReader.stdout.apply((out) => parseUnderlayMtu(host.name, out)), reader: mtuReader },
        };
    },

    joinsStoreLater: true,

    createKvMachine(name: string, args: KvMachineArgs, parent: pulumi.Resource): KvMachine {
        const d = dockerMachineOf(args.config);
        const kv = requireKvStore(args.config, "docker-machine driver");
        const machine = new command.local.Command(
            `${name}-machine`,
            {
                create: renderDockerMachineKvCreateScript({
                    name: args.name,
                    machineDriver: d.machineDriver,
                    createFlags: d.createFlags,
                    backend: kv.backend,
                    port: kv.port,
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

    /**
     * Every machine of the stack (the engines' and the KV store's VMs) is entered with
     * `docker-machine ssh` for the underlay probe; an engine's address is read from the
     * interface it advertises, any other machine's is `docker-machine ip`.
     */
    probeDockerMachine(config: ClusterConfig): DockerMachineProbeAccess {
        dockerMachineOf(config);
        return { engineInterface: dockerMachineAdvertiseInterface(config.engine) };
    },

    createEspProbe(name: string, args: EspProbeArgs, parent: pulumi.Resource): pulumi.Resource {
        dockerMachineOf(args.config);
        // On the VM's kernel, in a throwaway network namespace; each ip call is one `docker-machine ssh`.
        return new command.local.Command(
            name,
            {
                create: renderEspProbeScript({
                    host: args.host.name,
                    networks: args.networks,
                    // The remote shell re-parses the command line: each argument quoted with bash's printf %q.
                    runIp: `docker-machine ssh ${shQuote(args.host.name)} "sudo unshare --net ip $(printf '%q ' "$@")"`,
                }),
                interpreter: ["/bin/bash", "-c"],
            },
            { parent, dependsOn: args.dependsOn },
        );
    },
};
