/**
 * Swarm mode, the pure part: the bash scripts the Swarm component's
 * `command.local.Command`s run on the machine running the program. Each talks
 * to engines through their docker endpoint (`dk HOST ...`, lib/render/dockerCli.ts),
 * the same endpoint the host's docker provider uses: a unix socket, `tcp://`
 * with TLS, or `ssh://`.
 *
 *   init     on the first manager: `swarm init` with an explicit advertise address
 *            and the program's address pool, unless the engine already manages a
 *            swarm. Prints `{"nodeId","managerAddress","ingressSubnet"}`. Its inputs
 *            are only what a new swarm needs (no overlays: adding a network must
 *            not dissolve the swarm). Delete: leave (--force when it is the last
 *            manager; else demote, then leave).
 *   ingress  per overlay, through a manager: swarm's ingress network stays off it.
 *   token    through a manager: the worker (or manager) join token, sealed (see
 *            below). Prints base64.
 *   rotate   through a manager: new worker and manager join tokens (`docker swarm
 *            join-token --rotate`), on request (engine.swarm.rotateTokens, a trigger).
 *            Prints `{"rotatedAt"}`, new on every run: the token commands read again.
 *   join     on a worker or another manager: `swarm join` with the matching token
 *            unless it is already a node of this swarm; promotes or demotes it
 *            when its role changed. Prints `{"nodeId"}`. Delete: a manager is
 *            demoted (refused when the rest would lose their quorum), a worker
 *            drained; then it leaves and its node is removed.
 *   labels   through a manager: the host's labels as node labels. Delete: remove them.
 *   availability  through a manager: `docker node update --availability`. Delete: active.
 *   settle   per container, on its host: waits while a copy of one of its overlays is
 *            being torn down there (create and delete alike), so that the container,
 *            replaced in place or moved, never starts into that teardown.
 *
 * Everything but init goes through the first of the managers that answers
 * with a quorum (`pick_manager` in sh/common.sh), so the swarm's work goes on
 * while a minority of managers is down.
 *
 * Why the token is sealed: the command provider logs every line a command
 * prints unless told otherwise, and the state keeps stdout in any case. So the token
 * script encrypts the token to an RSA key (a `tls.PrivateKey`, a Pulumi
 * secret) before it reaches stdout: the log, the state and the plan only ever
 * see ciphertext, and only a join script, given the key through its
 * environment, unseals it, in memory, for `docker swarm join`. Neither the
 * token nor the key is ever part of a script's text.
 *
 * Every script is idempotent: a re-run (or a replaced resource) finds the
 * swarm as it is and does not init or join again. Progress goes to stderr;
 * stdout carries only the JSON (or sealed token) the program parses.
 */
import * as path from "path";
import { assign, assignArray, bashPreamble, scriptFragment, waitUntilFunction } from "../render/script";
import { DockerCliAccess, renderDockerCliPrelude } from "../render/dockerCli";
import { SwarmAddressPool } from "./pool";

/** The engine's own `--data-path-port` (VXLAN's IANA port): not rendered, so a stack without engine.swarm.dataPathPort keeps its init script. */
export const DEFAULT_DATA_PATH_PORT = 4789;

/** The scripts are bash (arrays, process substitution); the command provider's default is /bin/sh. */
export const SWARM_SCRIPT_INTERPRETER: readonly string[] = ["/bin/bash", "-c"];

/** Environment variables the token and join scripts take their secrets from. */
export const SWARM_ENV = {
    /** The sealing key's public half (PEM), for the token script. */
    sealPublicKey: "DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY",
    /** The sealing key's private half (PEM, a secret), for join scripts. */
    sealKey: "DOCKER_OVERLAY_SWARM_SEAL_KEY",
    /** The sealed worker token (base64), for join scripts. */
    sealedToken: "DOCKER_OVERLAY_SWARM_TOKEN_SEALED",
    /**
     * The ids of the machine a script acts on (init, join, labels, availability):
     * unread by the scripts, it is there so that a replaced machine, whose engine
     * starts out of any swarm, changes the command's inputs and the update runs the
     * script again on the new engine (a command update re-runs create).
     */
    machine: "DOCKER_OVERLAY_MACHINE",
    /** The swarm's first node id, for the token scripts: a swarm made anew is read anew. */
    swarmNode: "DOCKER_OVERLAY_SWARM_NODE",
} as const;

/** First Docker API with `--default-addr-pool` (Docker 18.09). */
export const MIN_SWARM_API = [1, 39] as const;
/** Seconds to wait for the ingress network after init, and for a joined node to be ready. */
export const SWARM_WAIT_SECONDS = 60;

export interface SwarmNode {
    /** Host name (the engine's hostname, the node's name in the swarm). */
    name: string;
    /** Docker endpoint of the host's engine. */
    dockerHost: string;
    /** `--advertise-addr` without port: the host's address, or an interface name (ssh hosts). */
    advertise: string;
}

export interface SwarmScripts {
    create: string;
    delete: string;
}

/** The swarm scripts' shell, in lib/swarm/sh/*.sh (the secrets' variable names are SWARM_ENV's). */
const SH = path.join(__dirname, "sh");
const sh = (file: string): string => scriptFragment(SH, file);

/** A swarm script: preamble, the docker CLI prelude, the header of values, log/fail/node_state, the body. */
function script(title: string, access: DockerCliAccess, vars: string[], body: string[]): string {
    return [...bashPreamble(title, "lib/swarm/scripts.ts"), ...renderDockerCliPrelude(access), ...vars, sh("common.sh"), "", ...body, ""].join("\n");
}

// ---------------------------------------------------------------- init

export interface SwarmInitParams {
    stack: string;
    manager: SwarmNode;
    /** Swarm's management port (2377). */
    port: number;
    pool: SwarmAddressPool;
    access: DockerCliAccess;
    /** `--data-path-port` (engine.swarm.dataPathPort); rendered only when not the engine's own 4789. */
    dataPathPort?: number;
    /** `--data-path-addr` (engine.swarm.dataPathAddress). */
    dataPathAddress?: string;
}

/** `DATA_PATH=(--data-path-port N --data-path-addr A)`, with what the stack sets; nothing when it sets neither. */
function dataPathVars(p: SwarmInitParams): string[] {
    const flags = [
        ...(p.dataPathPort !== undefined && p.dataPathPort !== DEFAULT_DATA_PATH_PORT ? ["--data-path-port", String(p.dataPathPort)] : []),
        ...(p.dataPathAddress !== undefined ? ["--data-path-addr", p.dataPathAddress] : []),
    ];
    return flags.length > 0 ? [assignArray("DATA_PATH", flags)] : [];
}

/** Where init-create.sh runs swarm init: the data path flags go right after it. */
const SWARM_INIT = 'swarm init --advertise-addr "$ADVERTISE"';

/**
 * init-create.sh with `"${DATA_PATH[@]}"` on its swarm init when the stack sets
 * a data path, and as it is otherwise: swarm init is replaced whenever its
 * script changes (it leaves and inits again), so a stack without the keys must
 * render the same text it always did.
 */
function withDataPath(body: string, p: SwarmInitParams): string {
    if (dataPathVars(p).length === 0) {
        return body;
    }
    if (!body.includes(SWARM_INIT)) {
        throw new Error(`lib/swarm/sh/init-create.sh no longer runs '${SWARM_INIT}': the data path flags have nowhere to go`);
    }
    return body.replace(SWARM_INIT, 'swarm init "${DATA_PATH[@]}" --advertise-addr "$ADVERTISE"');
}

export function renderSwarmInitScripts(p: SwarmInitParams): SwarmScripts {
    const vars = [assign("ROLE", "swarm init"), assign("NAME", p.manager.name), assign("MANAGER", p.manager.dockerHost)];
    const create = script(
        `docker-overlay: swarm manager ${p.manager.name} of stack ${p.stack}`,
        p.access,
        [
            ...vars,
            assign("ADVERTISE", `${p.manager.advertise}:${p.port}`),
            assign("PORT", p.port),
            assign("POOL", p.pool.pool),
            assign("MASK", String(p.pool.maskLength)),
            // Only when set: a stack without them renders the init script it always did.
            ...dataPathVars(p),
            assign("MIN_API_MAJOR", MIN_SWARM_API[0]),
            assign("MIN_API_MINOR", MIN_SWARM_API[1]),
            assign("WAIT_SECONDS", SWARM_WAIT_SECONDS),
        ],
        [waitUntilFunction(), withDataPath(sh("init-create.sh"), p)],
    );
    const del = script(`docker-overlay: the swarm manager ${p.manager.name} of stack ${p.stack} leaves`, p.access, vars, [sh("init-delete.sh")]);
    return { create, delete: del };
}

// ---------------------------------------------------------------- adopt

export interface SwarmAdoptParams {
    stack: string;
    /** The first manager in hosts, whose init makes or adopts the swarm. */
    manager: SwarmNode;
    /** The stack's other managers, in its order: a swarm one of them manages is the stack's. */
    others: SwarmNode[];
    port: number;
    access: DockerCliAccess;
}

/**
 * `<name>-adopt`, run before swarm-init on the first manager: when that host is in no swarm
 * while another manager of the stack manages one (a new manager put first in hosts), it joins
 * that swarm as a manager, so that init adopts it instead of making a second swarm
 * (lib/swarm/sh/adopt.sh says why). A stack whose managers are in no swarm: nothing.
 */
export function renderSwarmAdoptScript(p: SwarmAdoptParams): string {
    return script(
        `docker-overlay: ${p.manager.name}, first in hosts, joins stack ${p.stack}'s swarm if another manager has one`,
        p.access,
        [
            assign("ROLE", "swarm adopt"),
            assign("NAME", p.manager.name),
            assign("WORKER", p.manager.dockerHost),
            managersOf(p.others),
            assign("PORT", p.port),
            assign("ADVERTISE", `${p.manager.advertise}:${p.port}`),
            assign("WAIT_SECONDS", SWARM_WAIT_SECONDS),
        ],
        [waitUntilFunction(), sh("join.sh"), sh("adopt.sh")],
    );
}

// ---------------------------------------------------------------- ingress

export interface SwarmIngressCheckParams {
    stack: string;
    network: { name: string; subnet: string };
    managers: SwarmNode[];
    access: DockerCliAccess;
}

/** One overlay: swarm's ingress network must not overlap it (a swarm made earlier keeps its own pool). */
export function renderSwarmIngressCheckScript(p: SwarmIngressCheckParams): string {
    return script(
        `docker-overlay: swarm's ingress network stays off overlay ${p.network.name} of stack ${p.stack}`,
        p.access,
        [
            assign("ROLE", "swarm ingress"),
            assign("NAME", p.network.name),
            managersOf(p.managers),
            assign("NETWORK", p.network.name),
            assign("SUBNET", p.network.subnet),
        ],
        [sh("ingress-check.sh")],
    );
}

/** The header line listing the managers' endpoints, in order: scripts use the first that answers. */
function managersOf(managers: SwarmNode[]): string {
    return assignArray(
        "MANAGERS",
        managers.map((m) => m.dockerHost),
    );
}

/** What the init script prints. */
export interface SwarmInitOutput {
    nodeId: string;
    /** `<ip>:<port>` workers join at. */
    managerAddress: string;
    ingressSubnet: string;
}

/** The init script's output; undefined before it ran (a preview). */
export function parseSwarmInitOutput(stdout: string | undefined): SwarmInitOutput | undefined {
    if (stdout === undefined || stdout === "") {
        return undefined;
    }
    const doc = parseLastJsonLine(stdout, "swarm init");
    for (const key of ["nodeId", "managerAddress", "ingressSubnet"]) {
        if (typeof doc[key] !== "string" || doc[key] === "") {
            throw new Error(`swarm init printed no ${key}: ${JSON.stringify(stdout)}`);
        }
    }
    return doc as unknown as SwarmInitOutput;
}

// ---------------------------------------------------------------- token

/** Which join token: a node joins as what its token says. */
export type SwarmJoinRole = "worker" | "manager";

export function renderSwarmTokenScript(p: { stack: string; managers: SwarmNode[]; kind?: SwarmJoinRole; access: DockerCliAccess }): string {
    const kind = p.kind ?? "worker";
    return script(
        `docker-overlay: the ${kind} join token of stack ${p.stack}'s swarm, sealed`,
        p.access,
        [assign("ROLE", "swarm token"), assign("NAME", p.managers[0].name), managersOf(p.managers), assign("KIND", kind)],
        [sh("token.sh")],
    );
}

/** Rotates both join tokens through a manager; the trigger is the command's `triggers`, not part of the script. */
export function renderSwarmRotateTokensScript(p: { stack: string; managers: SwarmNode[]; access: DockerCliAccess }): string {
    return script(
        `docker-overlay: new join tokens for stack ${p.stack}'s swarm`,
        p.access,
        [assign("ROLE", "swarm rotate"), assign("NAME", p.managers[0].name), managersOf(p.managers)],
        [sh("rotate.sh")],
    );
}

// ---------------------------------------------------------------- join

export interface SwarmJoinParams {
    stack: string;
    /** The joining host (a worker, or a manager other than the first). */
    worker: SwarmNode;
    /** The managers, the first the one that initialised; the joining host among them when it joins as a manager. */
    managers: SwarmNode[];
    /** Default worker. */
    joinAs?: SwarmJoinRole;
    /**
     * The first manager, whose init made (or adopted) the swarm: it joins nothing and goes
     * through itself; its delete, with no other manager left, leaves the swarm to the init's.
     */
    initHost?: boolean;
    port: number;
    access: DockerCliAccess;
}

export function renderSwarmJoinScripts(p: SwarmJoinParams): SwarmScripts {
    const vars = [
        assign("ROLE", "swarm join"),
        assign("NAME", p.worker.name),
        assign("WORKER", p.worker.dockerHost),
        managersOf(p.managers),
        assign("WAIT_SECONDS", SWARM_WAIT_SECONDS),
        ...(p.initHost === true ? [assign("INIT_HOST", 1)] : []),
    ];
    const create = script(
        `docker-overlay: ${p.worker.name} joins stack ${p.stack}'s swarm`,
        p.access,
        [...vars, assign("JOIN_AS", p.joinAs ?? "worker"), assign("PORT", p.port), assign("ADVERTISE", `${p.worker.advertise}:${p.port}`)],
        [waitUntilFunction(), sh("node-remove.sh"), sh("join.sh"), sh("join-create.sh")],
    );
    const del = script(`docker-overlay: ${p.worker.name} leaves stack ${p.stack}'s swarm`, p.access, vars, [
        waitUntilFunction(),
        sh("node-update.sh"),
        sh("node-remove.sh"),
        sh("join-delete.sh"),
    ]);
    return { create, delete: del };
}

// ---------------------------------------------------------------- spec (a new swarm)

export interface SwarmSpecParams {
    stack: string;
    /** Every host but the first manager, in the stack's order. */
    nodes: { node: SwarmNode; joinAs: SwarmJoinRole }[];
    managers: SwarmNode[];
    access: DockerCliAccess;
}

/**
 * The delete of `<name>-spec`, which runs when what the swarm is made with changed (a new
 * swarm): every node but the first manager leaves the old swarm while its managers answer,
 * workers first, as each one's join delete would (lib/swarm/sh/spec-delete.sh says why).
 */
export function renderSwarmSpecDeleteScript(p: SwarmSpecParams): string {
    const ordered = [...p.nodes.filter((n) => n.joinAs !== "manager"), ...p.nodes.filter((n) => n.joinAs === "manager")];
    return script(
        `docker-overlay: stack ${p.stack}'s swarm made anew: the other nodes leave the old one`,
        p.access,
        [
            assign("ROLE", "swarm spec"),
            assign("NAME", p.stack),
            managersOf(p.managers),
            assign("WAIT_SECONDS", SWARM_WAIT_SECONDS),
            assignArray(
                "NODE_NAMES",
                ordered.map((n) => n.node.name),
            ),
            assignArray(
                "NODE_HOSTS",
                ordered.map((n) => n.node.dockerHost),
            ),
        ],
        [
            waitUntilFunction(),
            sh("node-update.sh"),
            sh("node-remove.sh"),
            // One node's leave, in a subshell: its NAME and WORKER, and the join delete's own exits.
            `leave_node() {\n    (\n        NAME=$1\n        WORKER=$2\n${sh("join-delete.sh")}\n    )\n}`,
            sh("spec-delete.sh"),
        ],
    );
}

/** The join script's output; undefined before it ran (a preview). */
export function parseSwarmJoinOutput(stdout: string | undefined): { nodeId: string } | undefined {
    if (stdout === undefined || stdout === "") {
        return undefined;
    }
    const doc = parseLastJsonLine(stdout, "swarm join");
    if (typeof doc["nodeId"] !== "string" || doc["nodeId"] === "") {
        throw new Error(`swarm join printed no nodeId: ${JSON.stringify(stdout)}`);
    }
    return { nodeId: doc["nodeId"] };
}

// ---------------------------------------------------------------- labels

export interface SwarmLabelParams {
    stack: string;
    /** The labelled host: its own engine says which node it is. */
    host: SwarmNode;
    managers: SwarmNode[];
    labels: Record<string, string>;
    access: DockerCliAccess;
}

/** Host labels as node labels (`node.labels.<key>` in swarm's own constraints), set through the manager. */
export function renderSwarmLabelScripts(p: SwarmLabelParams): SwarmScripts {
    const entries = Object.entries(p.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const vars = [assign("ROLE", "swarm labels"), assign("NAME", p.host.name), assign("HOST", p.host.dockerHost), managersOf(p.managers)];
    const create = script(
        `docker-overlay: node labels of ${p.host.name} in stack ${p.stack}'s swarm`,
        p.access,
        [
            ...vars,
            assignArray(
                "LABEL_ADD",
                entries.flatMap(([k, v]) => ["--label-add", `${k}=${v}`]),
            ),
            assign("LABELS", entries.map(([k, v]) => `${k}=${v}`).join(" ")),
        ],
        [sh("node-update.sh"), sh("labels-create.sh")],
    );
    const del = script(
        `docker-overlay: remove the node labels of ${p.host.name} in stack ${p.stack}'s swarm`,
        p.access,
        [
            ...vars,
            assignArray(
                "LABEL_RM",
                entries.flatMap(([k]) => ["--label-rm", k]),
            ),
        ],
        [sh("node-update.sh"), sh("labels-delete.sh")],
    );
    return { create, delete: del };
}

// ---------------------------------------------------------------- availability

/** `hosts[].availability`: swarm's node availability. */
export type SwarmAvailability = "active" | "pause" | "drain";

export interface SwarmAvailabilityParams {
    stack: string;
    host: SwarmNode;
    managers: SwarmNode[];
    availability: SwarmAvailability;
    access: DockerCliAccess;
}

/**
 * The host's node availability, set through a manager. A changed value is an
 * update of the command, which re-runs create: applied in place, nothing rebuilt.
 */
export function renderSwarmAvailabilityScripts(p: SwarmAvailabilityParams): SwarmScripts {
    const vars = [assign("ROLE", "swarm availability"), assign("NAME", p.host.name), assign("HOST", p.host.dockerHost), managersOf(p.managers)];
    const create = script(
        `docker-overlay: availability of ${p.host.name} in stack ${p.stack}'s swarm`,
        p.access,
        [...vars, assign("AVAILABILITY", p.availability)],
        [sh("node-update.sh"), sh("availability-create.sh")],
    );
    const del = script(`docker-overlay: ${p.host.name} active again in stack ${p.stack}'s swarm`, p.access, vars, [
        sh("node-update.sh"),
        sh("availability-delete.sh"),
    ]);
    return { create, delete: del };
}

// ---------------------------------------------------------------- forget

export interface SwarmForgetParams {
    stack: string;
    /** The lost worker (`hosts[].lost`). */
    host: string;
    /** Its node id, as its join recorded it; undefined: none recorded. */
    nodeId: string | undefined;
    managers: SwarmNode[];
    access: DockerCliAccess;
}

/**
 * A lost worker's node removed from the swarm through a manager that answers
 * (lib/swarm/sh/forget.sh): refused while the node is ready (it is not gone); a node
 * already gone is fine. Create only: its own join stays, kept on delete.
 */
export function renderSwarmForgetScript(p: SwarmForgetParams): string {
    return script(
        `docker-overlay: lost host ${p.host} removed from stack ${p.stack}'s swarm`,
        p.access,
        [assign("ROLE", "swarm forget"), assign("NAME", p.host), assign("NODE", p.nodeId ?? ""), managersOf(p.managers)],
        [sh("node-remove.sh"), sh("forget.sh")],
    );
}

// ---------------------------------------------------------------- settle

/** Seconds a settle waits for a host's copy of an overlay to be torn down before going on. */
export const SWARM_SETTLE_SECONDS = 15;

export interface SwarmSettleParams {
    stack: string;
    /** The container whose start (create) or removal (delete) the wait goes with. */
    container: string;
    /** The container's host: the wait looks at this engine's copies of the overlays. */
    host: SwarmNode;
    /** The overlays (their docker names) the container attaches to. */
    networks: string[];
    access: DockerCliAccess;
}

/**
 * A container's settle (create and delete alike): on its host, waits while a copy of
 * one of its overlays is being torn down, the last container there having just left.
 * A container started meanwhile fails "network <id> not found" (Docker's race,
 * measured with the CLI: `docker rm -f` then `docker run` on that overlay failed 5 of
 * 10 times on a manager and 2 of 4 on a worker; waiting for the teardown first, 10 of
 * 10 started, after 0.24-0.31 s). Never fails: after SWARM_SETTLE_SECONDS it goes on.
 * Prints nothing on stdout.
 */
export function renderSwarmSettleScript(p: SwarmSettleParams): string {
    return script(
        `docker-overlay: ${p.container}'s overlays settled on ${p.host.name} in stack ${p.stack}'s swarm`,
        p.access,
        [
            assign("ROLE", "swarm settle"),
            assign("NAME", p.container),
            assign("HOST", p.host.dockerHost),
            assignArray("NETWORKS", p.networks),
            assign("WAIT_SECONDS", SWARM_SETTLE_SECONDS),
        ],
        [waitUntilFunction(), sh("settle.sh")],
    );
}

function parseLastJsonLine(stdout: string, what: string): Record<string, unknown> {
    const line = stdout.trim().split("\n").pop() ?? "";
    try {
        const doc: unknown = JSON.parse(line);
        if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) {
            return doc as Record<string, unknown>;
        }
    } catch {
        // fall through
    }
    throw new Error(`${what} printed no JSON document: ${JSON.stringify(stdout)}`);
}
