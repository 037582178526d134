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
    renderSshHostKeyCheckScript,
    renderSshInstallScript,
    renderSshRestoreScript,
    sshDockerHost,
} from "../../lib/drivers/ssh";
import { EngineMachine, EngineMachineArgs, Fabric, KvMachine, KvMachineArgs, MachineDriver } from "./types";

export interface SshDriverSecrets {
    /** Private key the remote commands log in with (index.ts reads it as a secret). */
    privateKey: pulumi.Input<string>;
    /**
     * Pinned host keys by host name (`ssh-ed25519 AAAA...`). The pinned
     * @pulumi/command's connection cannot check host keys, so a host listed here
     * gets a local ssh-keyscan check that must pass before its engine is touched.
     */
    hostKeys?: Record<string, string>;
}

function sshOf(config: ClusterConfig): SshDriverConfig {
    if (config.driver.kind !== "ssh") {
        throw new Error(`the ssh driver got a config for driver "${config.driver.kind}"`);
    }
    return config.driver;
}

function machineOf(host: HostConfig, d: SshDriverConfig): { address: string; user: string; port: number } {
    if (host.ssh === undefined) {
        throw new Error(`docker-overlay:hosts: host "${host.name}" has no ssh.address, which the ssh driver needs`);
    }
    return { address: host.ssh.address, user: host.ssh.user ?? d.user, port: host.ssh.port ?? d.port };
}

export function sshDriver(secrets: SshDriverSecrets): MachineDriver {
    return {
        createFabric(_name: string, config: ClusterConfig, _parent: pulumi.Resource): Fabric {
            sshOf(config);
            return { resources: [] };
        },

        createEngineMachine(name: string, args: EngineMachineArgs, parent: pulumi.Resource): EngineMachine {
            const d = sshOf(args.config);
            const m = machineOf(args.host, d);
            const hostKey = secrets.hostKeys?.[args.host.name];
            const hostKeyCheck =
                hostKey === undefined
                    ? []
                    : [
                          new command.local.Command(
                              `${name}-hostkey`,
                              {
                                  create: renderSshHostKeyCheckScript({ machine: args.host.name, address: m.address, port: m.port, hostKey }),
                              },
                              { parent },
                          ),
                      ];
            const engine = new command.remote.Command(
                `${name}-daemon`,
                {
                    connection: { host: m.address, user: m.user, port: m.port, privateKey: pulumi.secret(secrets.privateKey) },
                    create: args.engine.apply((e) =>
                        renderSshInstallScript({ daemonJson: renderSshDaemonJson(e), hostname: args.host.name }),
                    ),
                    delete: renderSshRestoreScript(),
                },
                {
                    parent,
                    dependsOn: [...args.fabric.resources, ...args.dependsOn, ...hostKeyCheck],
                    // Restore the old configuration before installing the new one: create-then-delete
                    // would let the old delete put the user's daemon.json back over the new one.
                    deleteBeforeReplace: true,
                },
            );
            return {
                dockerHost: pulumi.output(sshDockerHost(m.user, m.address, m.port)),
                // What the program knows of the machine; the engine advertises its advertiseInterface's address.
                address: pulumi.output(m.address),
                providerArgs: {},
                resources: [...hostKeyCheck, engine],
            };
        },

        createKvMachine(_name: string, args: KvMachineArgs, _parent: pulumi.Resource): KvMachine {
            throw new Error(
                `docker-overlay:kvStore.machine: the ssh driver cannot create the KV machine "${args.name}"; set docker-overlay:kvStore.address to an existing store (e.g. consul://192.0.2.10:8500) instead`,
            );
        },
    };
}
