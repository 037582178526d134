/**
 * Swarm mode: the hosts form one swarm, through their engines' API (the same
 * endpoint as each host's docker provider). Scripts: lib/swarm/scripts.ts.
 *
 *   <name>-init          swarm init on the manager (explicit advertise address, the
 *                        program's address pool); delete: the manager leaves
 *   <name>-token-key     RSA key (a secret) the worker token is sealed to
 *   <name>-join-token    the worker token, sealed (stdout is ciphertext, held as a secret)
 *   <name>-join-<host>   one per worker; delete: the worker leaves, its node is removed
 *   <name>-labels-<host> one per labelled host: its labels as node labels
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { HostConfig, SwarmEngineConfig } from "../lib/config/types";
import {
    parseSwarmInitOutput,
    parseSwarmJoinOutput,
    renderSwarmInitScripts,
    renderSwarmJoinScripts,
    renderSwarmLabelScripts,
    renderSwarmTokenScript,
    SWARM_ENV,
    SWARM_SCRIPT_INTERPRETER,
    SwarmNode,
} from "../lib/swarm/scripts";
import { SwarmAddressPool } from "../lib/swarm/pool";
import { DockerHost } from "./dockerHost";

export interface SwarmArgs {
    stack: string;
    /** The host that runs `swarm init` (the manager role, else the first host), and the rest. */
    manager: { host: HostConfig; docker: DockerHost };
    workers: { host: HostConfig; docker: DockerHost }[];
    swarm: SwarmEngineConfig;
    /** The address pool the plan chose (or the configured one): `ClusterPlan.swarmAddressPool`. */
    pool: SwarmAddressPool;
    /** The stack's overlays: the init script refuses an ingress network overlapping any. */
    overlays: { name: string; subnet: string }[];
}

/** The seal key: RSA, because the token is encrypted to it (RSA-OAEP) with the openssl CLI. */
const SEAL_KEY = { algorithm: "RSA", rsaBits: 3072 } as const;

export class Swarm extends pulumi.ComponentResource {
    /** `<ip>:<port>` workers join at (unknown in a preview). */
    public readonly managerAddress: pulumi.Output<string | undefined>;
    /** The subnet swarm gave its ingress network, away from every overlay (unknown in a preview). */
    public readonly ingressSubnet: pulumi.Output<string | undefined>;
    /** Host name -> swarm node id (unknown in a preview). */
    public readonly nodeIds: pulumi.Output<Record<string, string | undefined>>;
    /** Everything that makes the swarm: networks and containers wait for it. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: SwarmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:swarm:Swarm", name, {}, opts);
        const manager = args.manager.docker;
        const port = args.swarm.port;
        const pool = args.pool;
        const access = { cli: manager.cli };
        const node = (d: DockerHost): pulumi.Output<SwarmNode> =>
            pulumi.all([d.dockerHost, d.advertise]).apply(([dockerHost, advertise]) => ({ name: d.hostName, dockerHost, advertise }));
        const managerNode = node(manager);

        const initScripts = managerNode.apply((m) =>
            renderSwarmInitScripts({
                stack: args.stack,
                manager: m,
                port,
                pool,
                overlays: args.overlays,
                access,
                dataPathPort: args.swarm.dataPathPort,
                ...(args.swarm.dataPathAddress !== undefined ? { dataPathAddress: args.swarm.dataPathAddress } : {}),
            }),
        );
        const init = new command.local.Command(
            `${name}-init`,
            {
                create: initScripts.create,
                delete: initScripts.delete,
                interpreter: [...SWARM_SCRIPT_INTERPRETER],
                environment: manager.scriptEnv,
            },
            // A new manager (or pool) is a new swarm: leave the old one first.
            { parent: this, dependsOn: manager.ready, replaceOnChanges: ["create"], deleteBeforeReplace: true },
        );
        const initOut = init.stdout.apply(parseSwarmInitOutput);
        this.managerAddress = initOut.apply((o) => o?.managerAddress);
        this.ingressSubnet = initOut.apply((o) => o?.ingressSubnet);

        // The worker token never reaches stdout in clear (the command provider logs stdout):
        // it is sealed to this key, whose private half only join scripts get.
        const sealKey = new tls.PrivateKey(`${name}-token-key`, { ...SEAL_KEY }, { parent: this });
        const token = new command.local.Command(
            `${name}-join-token`,
            {
                create: managerNode.apply((m) => renderSwarmTokenScript({ stack: args.stack, manager: m, access })),
                interpreter: [...SWARM_SCRIPT_INTERPRETER],
                environment: { ...manager.scriptEnv, [SWARM_ENV.sealPublicKey]: sealKey.publicKeyPem },
                // Read again whenever the swarm is made anew.
                triggers: [init.id],
            },
            { parent: this, dependsOn: [init], additionalSecretOutputs: ["stdout"] },
        );
        const sealedToken = pulumi.secret(token.stdout);
        const sealKeyPem = pulumi.secret(sealKey.privateKeyPem);

        // Every script asks the engines what it needs (the manager's address, node ids):
        // none depends on another's output, so each can also be deleted on its own.
        const joins = args.workers.map(({ docker: worker }) => {
            const scripts = pulumi
                .all([node(worker), managerNode])
                .apply(([w, m]) => renderSwarmJoinScripts({ stack: args.stack, worker: w, manager: m, port, access }));
            return new command.local.Command(
                `${name}-join-${worker.hostName}`,
                {
                    create: scripts.create,
                    delete: scripts.delete,
                    interpreter: [...SWARM_SCRIPT_INTERPRETER],
                    // Tokens through the environment, never in a script's text.
                    environment: { ...manager.scriptEnv, [SWARM_ENV.sealedToken]: sealedToken, [SWARM_ENV.sealKey]: sealKeyPem },
                },
                { parent: this, dependsOn: [...worker.ready, init, token] },
            );
        });

        this.nodeIds = pulumi.all({
            [manager.hostName]: initOut.apply((o) => o?.nodeId),
            ...Object.fromEntries(args.workers.map((w, i) => [w.docker.hostName, joins[i].stdout.apply((out) => parseSwarmJoinOutput(out)?.nodeId)])),
        });

        const joinOf = Object.fromEntries(args.workers.map((w, i) => [w.docker.hostName, joins[i]]));
        const labelled = [args.manager, ...args.workers].filter((h) => Object.keys(h.host.labels).length > 0);
        const labels = labelled.map(({ host, docker: d }) => {
            const scripts = pulumi
                .all([managerNode, node(d)])
                .apply(([m, h]) => renderSwarmLabelScripts({ stack: args.stack, host: h, manager: m, labels: host.labels, access }));
            return new command.local.Command(
                `${name}-labels-${host.name}`,
                { create: scripts.create, delete: scripts.delete, interpreter: [...SWARM_SCRIPT_INTERPRETER], environment: manager.scriptEnv },
                // New labels: remove the old ones first, then set the new.
                {
                    parent: this,
                    dependsOn: [init, ...(joinOf[d.hostName] !== undefined ? [joinOf[d.hostName]] : [])],
                    replaceOnChanges: ["create"],
                    deleteBeforeReplace: true,
                },
            );
        });

        this.ready = [init, token, ...joins, ...labels];
        this.registerOutputs({ managerAddress: this.managerAddress, ingressSubnet: this.ingressSubnet, nodeIds: this.nodeIds });
    }
}
