/**
 * Swarm mode: the hosts form one swarm, through their engines' API (the same
 * endpoint as each host's docker provider). Scripts: lib/swarm/scripts.ts.
 *
 *   <name>-spec              what the swarm is made with (port, pool, data path) as a trigger,
 *                            delete-before-replace: a change is a new swarm, and the overlays
 *                            (which depend on it) are deleted before the old one goes; its
 *                            delete (no create) makes every other node leave the old swarm
 *   <name>-init              swarm init on the first manager (explicit advertise address,
 *                            the program's address pool); delete: it leaves. Its inputs are
 *                            only what a new swarm needs: no overlay, no other host.
 *   <name>-ingress-<network> one per overlay: swarm's ingress network stays off its subnet
 *   <name>-token-key         RSA key (a secret) the join tokens are sealed to
 *   <name>-rotate-tokens     only with engine.swarm.rotateTokens (its trigger): new worker and
 *                            manager tokens through a manager; the token commands read again
 *   <name>-join-token        the worker token, sealed (stdout is ciphertext, held as a secret)
 *   <name>-manager-token     the manager token, sealed likewise (only with several managers)
 *   <name>-join-<host>       one per host: joins as a worker or a manager (the first manager
 *                            joins nothing: its membership is the init's swarm); delete: a
 *                            manager is demoted (refused when the rest would lose their
 *                            quorum), a worker drained, then it leaves and its node is removed
 *   <name>-labels-<host>     one per labelled host: its labels as node labels
 *   <name>-availability-<host> one per host with `availability`: node availability, in place
 *
 * And, made by each PlacedContainer from `settle()`: `<container>-settle`, the wait for a
 * host's copy of an overlay to be torn down before the container starts there.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { HostConfig, SwarmEngineConfig } from "../lib/config/types";
import {
    parseSwarmInitOutput,
    parseSwarmJoinOutput,
    renderSwarmAdoptScript,
    renderSwarmAvailabilityScripts,
    renderSwarmForgetScript,
    renderSwarmIngressCheckScript,
    renderSwarmInitScripts,
    renderSwarmJoinScripts,
    renderSwarmLabelScripts,
    renderSwarmRotateTokensScript,
    renderSwarmSettleScript,
    renderSwarmSpecDeleteScript,
    renderSwarmTokenScript,
    SWARM_ENV,
    SWARM_SCRIPT_INTERPRETER,
    SwarmNode,
} from "../lib/swarm/scripts";
import { SwarmAddressPool } from "../lib/swarm/pool";
import { swarmManagerNames } from "../lib/plan/cluster";
import { DockerHost } from "./dockerHost";
import type { ContainerSettle } from "./placedContainer";

export interface SwarmHost {
    host: HostConfig;
    docker: DockerHost;
}

export interface SwarmArgs {
    stack: string;
    /**
     * Every host, in the stack's order. The hosts with `role: manager` are the
     * managers (none: the first host); the first manager runs `swarm init`.
     */
    hosts: SwarmHost[];
    swarm: SwarmEngineConfig;
    /** The address pool the plan chose (or the configured one): `ClusterPlan.swarmAddressPool`. */
    pool: SwarmAddressPool;
    /** The stack's overlays: swarm's ingress network must overlap none (one check each). */
    overlays: { name: string; subnet: string }[];
    /** What must hold before the swarm forms (the underlay probe): init and every join wait for it. */
    after: pulumi.Resource[];
    /**
     * The first manager's machine ids as the swarm was first made, with a property dependency on
     * its machine now (components/overlayNetwork.ts keptMachineLabel): in `<name>-spec`'s
     * triggers, so that replacing that machine (a new swarm) puts the spec in the machine's
     * delete-before-replace chain, and a new first manager (the same swarm) does not.
     */
    firstManagerMachine: pulumi.Output<string>;
}

/** The seal key: RSA, because the token is encrypted to it (RSA-OAEP) with the openssl CLI. */
const SEAL_KEY = { algorithm: "RSA", rsaBits: 3072 } as const;

export class Swarm extends pulumi.ComponentResource {
    /** `<ip>:<port>` nodes join at (unknown in a preview). */
    public readonly managerAddress: pulumi.Output<string | undefined>;
    /** The subnet swarm gave its ingress network, away from every overlay (unknown in a preview). */
    public readonly ingressSubnet: pulumi.Output<string | undefined>;
    /** Host name -> swarm node id (unknown in a preview). */
    public readonly nodeIds: pulumi.Output<Record<string, string | undefined>>;
    /** The managers' host names, the one that initialised first. */
    public readonly managers: string[];
    /** Everything that makes the swarm: networks and containers wait for it. */
    public readonly ready: pulumi.Resource[];
    /** Host name -> its join (the first manager's joins nothing: its init made the swarm). */
    public readonly joins: Record<string, pulumi.Resource>;
    /**
     * The URN of `<name>-spec`, what the swarm is made with (port, pool, data path): whatever lives
     * in the swarm takes it into a ForceNew input (the overlays' machine label, same value), so
     * that a new swarm replaces it, deleted before the old swarm goes.
     */
    public readonly spec: pulumi.Output<string>;
    /** A container's settle on host `d`, for the overlays (docker names) it attaches to. */
    public readonly settle: (d: DockerHost, container: string, networks: string[]) => ContainerSettle;

    constructor(name: string, args: SwarmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:swarm:Swarm", name, {}, opts);
        const managerNames = new Set(swarmManagerNames(args.hosts.map((h) => h.host)));
        const managerHosts = args.hosts.filter((h) => managerNames.has(h.host.name));
        const first = managerHosts[0].docker;
        this.managers = managerHosts.map((m) => m.docker.hostName);
        const isManager = new Set(this.managers);
        const port = args.swarm.port;
        const pool = args.pool;
        const access = { cli: first.cli };
        const env = first.scriptEnv;
        const interpreter = [...SWARM_SCRIPT_INTERPRETER];
        const node = (d: DockerHost): pulumi.Output<SwarmNode> =>
            pulumi.all([d.dockerHost, d.advertise]).apply(([dockerHost, advertise]) => ({ name: d.hostName, dockerHost, advertise }));
        const firstNode = node(first);
        this.settle = (d, container, networks) => ({
            script: node(d).apply((h) => renderSwarmSettleScript({ stack: args.stack, container, host: h, networks, access })),
            interpreter,
            environment: env,
        });
        const managerNodes = pulumi.all(managerHosts.map((m) => node(m.docker)));

        // What a swarm is made with and cannot change afterwards (swarm init's flags): a change of
        // one is a new swarm, so it is delete-before-replace and what lives in the swarm depends on
        // it (the overlays, through `spec`): the engine then deletes the overlays, and through them
        // their containers, while the old swarm still holds them, before the init below (which
        // waits for this) leaves it; and makes them again in the new one. A new first manager is
        // not a new swarm (it adopts it): that replaces the init, never this. The first manager's
        // machine replaced is a new swarm too (its init runs on a fresh engine): the machine's ids
        // in the triggers put this in that machine's chain, so the other nodes leave before it goes.
        // A lost host (hosts[].lost) is not asked to leave: its node is forgotten through a manager
        // (swarm-forget-<host> below), and nothing of the stack may try to reach it again.
        const others = args.hosts.filter((h) => h.docker !== first && h.host.lost !== true);
        const specDelete = pulumi.all([pulumi.all(others.map((h) => node(h.docker))), managerNodes]).apply(([nodes, ms]) =>
            renderSwarmSpecDeleteScript({
                stack: args.stack,
                nodes: nodes.map((n, i) => ({ node: n, joinAs: isManager.has(others[i].docker.hostName) ? "manager" : "worker" })),
                managers: ms,
                access,
            }),
        );
        const spec = new command.local.Command(
            `${name}-spec`,
            {
                // No create: nothing runs until it is replaced; its delete makes the other nodes leave.
                delete: specDelete,
                interpreter,
                environment: env,
                triggers: [
                    JSON.stringify({
                        port,
                        pool,
                        dataPathPort: args.swarm.dataPathPort,
                        ...(args.swarm.dataPathAddress !== undefined ? { dataPathAddress: args.swarm.dataPathAddress } : {}),
                    }),
                    args.firstManagerMachine,
                ],
            },
            { parent: this, deleteBeforeReplace: true, ...first.onHost },
        );
        this.spec = spec.urn;

        // Only what a new swarm needs: the first manager, the port, the pool, the data path.
        // Any other change (a network, a host) must never replace this, whose delete leaves the swarm.
        const initScripts = firstNode.apply((m) =>
            renderSwarmInitScripts({
                stack: args.stack,
                manager: m,
                port,
                pool,
                access,
                dataPathPort: args.swarm.dataPathPort,
                ...(args.swarm.dataPathAddress !== undefined ? { dataPathAddress: args.swarm.dataPathAddress } : {}),
            }),
        );
        // A first manager in no swarm while another of the stack's managers has one (a new manager
        // put first in hosts) joins that swarm before init runs, which then adopts it: a new first
        // manager is never a second swarm. Its script names the managers, so a change of them runs
        // it again (an update); the machine's id likewise (a fresh engine).
        const adopt = new command.local.Command(
            `${name}-adopt`,
            {
                create: pulumi
                    .all([firstNode, managerNodes])
                    .apply(([m, ms]) => renderSwarmAdoptScript({ stack: args.stack, manager: m, others: ms.filter((x) => x.name !== m.name), port, access })),
                interpreter,
                environment: { ...env, [SWARM_ENV.machine]: first.machineId },
            },
            { parent: this, dependsOn: [...first.ready, ...args.after, spec], ...first.onHost },
        );
        const init = new command.local.Command(
            `${name}-init`,
            // The first manager's machine replaced: an update, which runs init again on its new engine (a new swarm).
            { create: initScripts.create, delete: initScripts.delete, interpreter, environment: { ...env, [SWARM_ENV.machine]: first.machineId } },
            // A new first manager or a new swarm (port, pool, data path) replaces it, the old one deleted
            // first: its delete leaves only when no other manager remains (lib/swarm/sh/init-delete.sh).
            {
                parent: this,
                dependsOn: [...first.ready, ...args.after, spec, adopt],
                replaceOnChanges: ["create"],
                deleteBeforeReplace: true,
                ...first.onHost,
            },
        );
        const initOut = init.stdout.apply(parseSwarmInitOutput);
        this.managerAddress = initOut.apply((o) => o?.managerAddress);
        this.ingressSubnet = initOut.apply((o) => o?.ingressSubnet);

        const ingressChecks = args.overlays.map(
            (o) =>
                new command.local.Command(
                    `${name}-ingress-${o.name}`,
                    {
                        create: managerNodes.apply((ms) => renderSwarmIngressCheckScript({ stack: args.stack, network: o, managers: ms, access })),
                        interpreter,
                        environment: env,
                    },
                    { parent: this, dependsOn: [init] },
                ),
        );

        // On request (a changed trigger replaces it): new tokens; the old ones are refused.
        // Its stdout is new on every run, so the token commands below read the tokens again.
        const rotate =
            args.swarm.rotateTokens === undefined
                ? undefined
                : new command.local.Command(
                      `${name}-rotate-tokens`,
                      {
                          create: managerNodes.apply((ms) => renderSwarmRotateTokensScript({ stack: args.stack, managers: ms, access })),
                          interpreter,
                          environment: env,
                          triggers: [args.swarm.rotateTokens],
                      },
                      { parent: this, dependsOn: [init] },
                  );

        // The swarm's first node id: what lives in the swarm and is read or set through commands
        // (the tokens; a node's labels and availability) takes it into their environment, so a
        // swarm made anew (a new first node id) reads or sets them again.
        const newSwarmEnv = { [SWARM_ENV.swarmNode]: initOut.apply((o) => o?.nodeId ?? "") };

        // The join tokens never reach stdout in clear (the command provider logs stdout):
        // each is sealed to this key, whose private half only join scripts get.
        const sealKey = new tls.PrivateKey(`${name}-token-key`, { ...SEAL_KEY }, { parent: this });
        const tokenCommand = (resourceName: string, kind: "worker" | "manager") =>
            new command.local.Command(
                resourceName,
                {
                    create: managerNodes.apply((ms) => renderSwarmTokenScript({ stack: args.stack, managers: ms, kind, access })),
                    interpreter,
                    // A swarm made anew (its first node id changed) has new tokens: an update reads them again.
                    environment: { ...env, [SWARM_ENV.sealPublicKey]: sealKey.publicKeyPem, ...newSwarmEnv },
                    // Read again whenever the swarm is made anew, and after a rotation.
                    triggers: [init.id, ...(rotate !== undefined ? [rotate.stdout] : [])],
                },
                { parent: this, dependsOn: [init], additionalSecretOutputs: ["stdout"] },
            );
        const workerToken = tokenCommand(`${name}-join-token`, "worker");
        const managerToken = managerHosts.length > 1 ? tokenCommand(`${name}-manager-token`, "manager") : undefined;
        const sealKeyPem = pulumi.secret(sealKey.privateKeyPem);

        // Every script asks the engines what it needs (a manager's address, node ids):
        // none depends on another's output, so each can also be deleted on its own.
        // Managers join one at a time (each waits until the raft counts it reachable).
        // The first manager has one too, which joins nothing (its init made or adopted the swarm):
        // it holds the host's membership, so that the host whose join it was stays in the swarm
        // when it becomes the first manager (the one before it removed), and a first manager
        // removed has its node removed like any other.
        const joinOf: Record<string, command.local.Command> = {};
        let previousManager: command.local.Command = init;
        for (const { docker: d } of args.hosts) {
            const initHost = d === first;
            const asManager = isManager.has(d.hostName);
            const token = initHost ? undefined : asManager && managerToken !== undefined ? managerToken : workerToken;
            const scripts = pulumi.all([node(d), managerNodes]).apply(([w, ms]) =>
                renderSwarmJoinScripts({
                    stack: args.stack,
                    worker: w,
                    managers: ms,
                    joinAs: asManager ? "manager" : "worker",
                    port,
                    access,
                    ...(initHost ? { initHost } : {}),
                }),
            );
            const join = new command.local.Command(
                `${name}-join-${d.hostName}`,
                {
                    create: scripts.create,
                    delete: scripts.delete,
                    interpreter,
                    // Tokens through the environment, never in a script's text.
                    // Its machine replaced: an update, which joins the new engine (and removes the old node).
                    environment: {
                        ...env,
                        ...(token !== undefined ? { [SWARM_ENV.sealedToken]: pulumi.secret(token.stdout), [SWARM_ENV.sealKey]: sealKeyPem } : {}),
                        [SWARM_ENV.machine]: d.machineId,
                    },
                },
                {
                    parent: this,
                    dependsOn: [
                        ...d.ready,
                        ...args.after,
                        init,
                        ...(token !== undefined ? [token] : []),
                        ...(asManager && previousManager !== init ? [previousManager] : []),
                    ],
                    ...d.onHost,
                },
            );
            joinOf[d.hostName] = join;
            if (asManager) {
                previousManager = join;
            }
        }

        this.nodeIds = pulumi.all(
            Object.fromEntries(
                args.hosts.map(({ docker: d }) => [
                    d.hostName,
                    d === first ? initOut.apply((o) => o?.nodeId) : joinOf[d.hostName].stdout.apply((out) => parseSwarmJoinOutput(out)?.nodeId),
                ]),
            ),
        );

        // A lost worker (hosts[].lost) leaves the swarm through a manager: its own join, kept on
        // delete, cannot make it leave. Create only; dropped with the host.
        for (const { host, docker: d } of args.hosts.filter((h) => h.host.lost === true)) {
            const script = pulumi
                .all([managerNodes, joinOf[d.hostName].stdout])
                .apply(([ms, out]) =>
                    renderSwarmForgetScript({ stack: args.stack, host: host.name, nodeId: parseSwarmJoinOutput(out)?.nodeId, managers: ms, access }),
                );
            new command.local.Command(
                `${name}-forget-${host.name}`,
                { create: script, interpreter, environment: env },
                { parent: this, dependsOn: [joinOf[d.hostName]] },
            );
        }

        this.joins = { ...joinOf };
        const after = (d: DockerHost) => [init, ...(joinOf[d.hostName] !== undefined ? [joinOf[d.hostName]] : [])];
        const labelled = args.hosts.filter((h) => Object.keys(h.host.labels).length > 0);
        const labels = labelled.map(({ host, docker: d }) => {
            const scripts = pulumi
                .all([managerNodes, node(d)])
                .apply(([ms, h]) => renderSwarmLabelScripts({ stack: args.stack, host: h, managers: ms, labels: host.labels, access }));
            return new command.local.Command(
                `${name}-labels-${host.name}`,
                // Its machine replaced, or a new swarm: an update, which labels the new node.
                { create: scripts.create, delete: scripts.delete, interpreter, environment: { ...env, [SWARM_ENV.machine]: d.machineId, ...newSwarmEnv } },
                // New labels: remove the old ones first, then set the new.
                { parent: this, dependsOn: after(d), replaceOnChanges: ["create"], deleteBeforeReplace: true, ...d.onHost },
            );
        });

        // No replaceOnChanges: a changed availability is an update, which re-runs create in place.
        const availability = args.hosts.flatMap(({ host, docker: d }) => {
            if (host.availability === undefined) {
                return [];
            }
            const value = host.availability;
            const scripts = pulumi
                .all([managerNodes, node(d)])
                .apply(([ms, h]) => renderSwarmAvailabilityScripts({ stack: args.stack, host: h, managers: ms, availability: value, access }));
            return [
                new command.local.Command(
                    `${name}-availability-${host.name}`,
                    { create: scripts.create, delete: scripts.delete, interpreter, environment: { ...env, [SWARM_ENV.machine]: d.machineId, ...newSwarmEnv } },
                    { parent: this, dependsOn: after(d), ...d.onHost },
                ),
            ];
        });

        this.ready = [
            init,
            ...ingressChecks,
            ...(rotate !== undefined ? [rotate] : []),
            workerToken,
            ...(managerToken !== undefined ? [managerToken] : []),
            ...Object.values(joinOf),
            ...labels,
            ...availability,
        ];
        this.registerOutputs({ managerAddress: this.managerAddress, ingressSubnet: this.ingressSubnet, nodeIds: this.nodeIds });
    }
}
