/**
 * ssh driver: existing machines. A `command.remote.Command` per host writes
 * /etc/docker/daemon.json and restarts the engine; destroy puts the machine's
 * own configuration back. The docker provider reaches each engine over
 * `ssh://user@address:port`. Scripts: lib/drivers/ssh.ts.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HostConfig, SshDriverConfig } from "../../lib/config/types";
import {
    renderSshDaemonJson,
    renderSshInstallScript,
    renderSshRestoreScript,
    renderSshUnderlayMtuScript,
    sshDockerHost,
    sshEndpointOf,
    sshLoginOf,
    sshTls,
} from "../../lib/drivers/ssh";
import { SshEndpoint } from "../../lib/probe/ssh";
import { parseUnderlayMtu } from "../../lib/drivers/underlayMtu";
import { underlayMtuRequirements } from "../../lib/plan/mtu";
import { renderEspProbeScript } from "../../lib/swarm/esp";
import { EngineMachine, EngineMachineArgs, EspProbeArgs, Fabric, KvMachine, KvMachineArgs, MachineDriver, onLostHost, SshProbeAccess } from "./types";

export interface SshDriverSecrets {
    /** Private key the remote commands log in with (index.ts reads it as a secret). */
    privateKey: pulumi.Input<string>;
}

function sshOf(config: ClusterConfig): SshDriverConfig {
    if (config.driver.kind !== "ssh") {
        throw new Error(`the ssh driver got a config for driver "${config.driver.kind}"`);
    }
    return config.driver;
}

/** A host's ssh login (lib/drivers/ssh.ts sshLoginOf); the driver needs one for every host. */
function machineOf(host: HostConfig, d: SshDriverConfig): SshEndpoint {
    const login = sshLoginOf(host, d);
    if (login === undefined) {
        throw new Error(`docker-overlay:hosts: host "${host.name}" has no ssh.address, which the ssh driver needs`);
    }
    return login;
}

export function sshDriver(secrets: SshDriverSecrets): MachineDriver {
    // A pinned host key makes the command provider refuse any other key (and
    // only negotiate that key's algorithm); without one it accepts any.
    const connectionOf = (m: SshEndpoint) => ({
        host: m.host,
        user: m.user,
        port: m.port,
        privateKey: pulumi.secret(secrets.privateKey),
        ...(m.hostKey !== undefined ? { hostKey: m.hostKey } : {}),
    });
    return {
        createFabric(_name: string, config: ClusterConfig, _parent: pulumi.Resource): Fabric {
            sshOf(config);
            return { resources: [] };
        },

        createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine {
            const d = sshOf(args.config);
            const m = machineOf(args.host, d);
            const tls = args.tls !== undefined ? sshTls(args.config.engine.apiPort) : undefined;
            const engine = new command.remote.Command(
                `${name}-daemon`,
                {
                    connection: connectionOf(m),
                    create: args.engine.apply((e) =>
                        renderSshInstallScript({ daemonJson: renderSshDaemonJson(e, tls), hostname: args.host.name, ...(tls !== undefined ? { tls } : {}) }),
                    ),
                    delete: renderSshRestoreScript(),
                    // With TLS, the CA, the engine's certificate and its key go in on stdin (a secret), never in the script.
                    ...(args.tls !== undefined
                        ? { stdin: pulumi.secret(pulumi.interpolate`${args.tls.caCertPem}\n${args.tls.certPem}\n${args.tls.keyPem}\n`) }
                        : {}),
                },
                {
                    parent,
                    dependsOn: [...args.fabric.resources, ...args.dependsOn],
                    // Restore the old configuration before installing the new one: create-then-delete
                    // would let the old delete put the user's daemon.json back over the new one.
                    deleteBeforeReplace: true,
                    // A lost machine's restore never runs: nothing answers there.
                    ...onLostHost(args.host),
                },
            );
            // The machine's underlay MTU, read again whenever the engine is reconfigured (a new id);
            // no delete script: reading changed nothing.
            const mtuReader = new command.remote.Command(
                `${name}-underlay-mtu`,
                {
                    connection: connectionOf(m),
                    create: renderSshUnderlayMtuScript({
                        hostname: args.host.name,
                        advertiseInterface: args.config.engine.advertiseInterface,
                        requirements: underlayMtuRequirements(args.config.networks),
                    }),
                    triggers: [engine.id],
                },
                { parent, dependsOn: [engine], ...onLostHost(args.host) },
            );
            return {
                // Without TLS, over ssh (no TCP API at all); with TLS, the engine's TLS listener.
                dockerHost: pulumi.output(tls !== undefined ? `tcp://${m.host}:${args.config.engine.apiPort}` : sshDockerHost(m.user, m.host, m.port)),
                // What the program knows of the machine; the engine advertises its advertiseInterface's address.
                address: pulumi.output(m.host),
                // Swarm takes an interface name for --advertise-addr: the same interface cluster-advertise names.
                advertise: pulumi.output(args.config.engine.advertiseInterface),
                cli: "docker",
                providerArgs: {},
                scriptEnv: {},
                resources: [engine],
                underlayMtu: { mtu: mtuReader.stdout.apply((out) => parseUnderlayMtu(args.host.name, out)), reader: mtuReader },
            };
        },

        createEspProbe(name: string, args: EspProbeArgs, parent: pulumi.Resource): pulumi.Resource {
            const m = machineOf(args.host, sshOf(args.config));
            return new command.remote.Command(
                name,
                {
                    connection: connectionOf(m),
                    create: renderEspProbeScript({
                        host: args.host.name,
                        networks: args.networks,
                        prelude: [`if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi`],
                        // A throwaway namespace: the kernel's algorithms are the same in all, and the host's own stays untouched.
                        runIp: `$SUDO unshare --net ip "$@"`,
                    }),
                },
                { parent, dependsOn: args.dependsOn, ...onLostHost(args.host) },
            );
        },

        probeSsh(config: ClusterConfig): SshProbeAccess {
            sshOf(config);
            return { endpoint: (name) => sshEndpointOf(config, name), privateKey: secrets.privateKey };
        },

        createKvMachine(_name: string, args: KvMachineArgs, _parent: pulumi.Resource): KvMachine {
            throw new Error(
                `docker-overlay:kvStore.machine: the ssh driver cannot create the KV machine "${args.name}"; set docker-overlay:kvStore.address to an existing store (e.g. consul://192.0.2.10:8500) instead`,
            );
        },
    };
}
