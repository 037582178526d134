/**
 * Swarm mode, the pure part: the bash scripts the Swarm component's
 * `command.local.Command`s run on the machine running the program. Each talks
 * to engines through their docker endpoint (`dk HOST ...`, lib/render/dockerCli.ts),
 * the same endpoint the host's docker provider uses: a unix socket, `tcp://`
 * with TLS, or `ssh://`.
 *
 *   init     on the manager: `swarm init` with an explicit advertise address and
 *            the program's address pool, unless the engine already manages a swarm.
 *            Prints `{"nodeId","managerAddress","ingressSubnet"}`. Delete: leave (--force).
 *   token    on the manager: the worker join token, sealed (see below). Prints base64.
 *   join     on a worker: `swarm join` unless it is already a node of this swarm.
 *            Prints `{"nodeId"}`. Delete: leave, and remove the node on the manager.
 *   labels   on the manager: the host's labels as node labels. Delete: remove them.
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
import { shQuote } from "../render/shell";
import { DockerCliAccess, renderDockerCliPrelude } from "../render/dockerCli";
import { SwarmAddressPool } from "./pool";

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

function script(title: string, access: DockerCliAccess, body: string[]): string {
    return [
        "#!/usr/bin/env bash",
        `# ${title}`,
        "# Rendered by docker-overlay (lib/swarm/scripts.ts).",
        `[ -n "\${BASH_VERSION:-}" ] || { echo 'docker-overlay: this script needs bash (interpreter: ["/bin/bash", "-c"])' >&2; exit 2; }`,
        "set -euo pipefail",
        ...renderDockerCliPrelude(access),
        ...body,
        "",
    ].join("\n");
}

function logFunction(what: string): string[] {
    return [`log() { printf 'docker-overlay swarm %s: %s\\n' "${what}" "$*" >&2; }`, 'fail() { log "$*"; exit 1; }'];
}

/** `node_state HOST`: the engine's LocalNodeState (inactive, pending, active, error, locked). */
const NODE_STATE = ["node_state() { dk \"$1\" info --format '{{.Swarm.LocalNodeState}}'; }"];

/** Bash: IPv4 CIDR overlap (`overlaps A B`), for the ingress guard. */
const CIDR_FUNCTIONS = [
    "ip_int() { local IFS=.; local a b c d; read -r a b c d <<<\"$1\"; echo $(( (a << 24) | (b << 16) | (c << 8) | d )); }",
    "# overlaps CIDR CIDR: do the two networks share an address?",
    "overlaps() {",
    "    local s1 e1 s2 e2 n",
    '    n=$(( 1 << (32 - ${1#*/}) )); s1=$(( $(ip_int "${1%/*}") & ~(n - 1) & 0xffffffff )); e1=$(( s1 + n - 1 ))',
    '    n=$(( 1 << (32 - ${2#*/}) )); s2=$(( $(ip_int "${2%/*}") & ~(n - 1) & 0xffffffff )); e2=$(( s2 + n - 1 ))',
    '    [ "$s1" -le "$e2" ] && [ "$s2" -le "$e1" ]',
    "}",
];

// ---------------------------------------------------------------- init

export interface SwarmInitParams {
    stack: string;
    manager: SwarmNode;
    /** Swarm's management port (2377). */
    port: number;
    pool: SwarmAddressPool;
    /** The stack's overlays: the ingress network must not overlap any (checked on every run). */
    overlays: { name: string; subnet: string }[];
    access: DockerCliAccess;
}

export function renderSwarmInitScripts(p: SwarmInitParams): SwarmScripts {
    const vars = [
        `NAME=${shQuote(p.manager.name)}`,
        `MANAGER=${shQuote(p.manager.dockerHost)}`,
        `ADVERTISE=${shQuote(`${p.manager.advertise}:${p.port}`)}`,
        `POOL=${shQuote(p.pool.pool)}`,
        `MASK=${shQuote(String(p.pool.maskLength))}`,
        `OVERLAYS=(${p.overlays.map((o) => shQuote(`${o.name}=${o.subnet}`)).join(" ")})`,
        ...logFunction("init $NAME"),
        ...NODE_STATE,
    ];
    const create = script(`docker-overlay: swarm manager ${p.manager.name} of stack ${p.stack}`, p.access, [
        ...vars,
        ...CIDR_FUNCTIONS,
        "",
        'state=$(node_state "$MANAGER") || fail "the engine at $MANAGER does not answer"',
        'case "$state" in',
        "    active)",
        `        if [ "$(dk "$MANAGER" info --format '{{.Swarm.ControlAvailable}}')" != true ]; then`,
        '            fail "$NAME is a worker of another swarm; make it leave first (docker swarm leave) or choose another manager"',
        "        fi",
        '        log "already manages a swarm; not initialising again" ;;',
        "    inactive)",
        "        # --default-addr-pool arrived with API 1.39 (Docker 18.09).",
        "        api=$(dk \"$MANAGER\" version --format '{{.Server.APIVersion}}')",
        `        if [ "\${api%%.*}" -lt ${MIN_SWARM_API[0]} ] || { [ "\${api%%.*}" -eq ${MIN_SWARM_API[0]} ] && [ "\${api#*.}" -lt ${MIN_SWARM_API[1]} ]; }; then`,
        `            fail "the engine speaks API $api; a swarm with a chosen address pool needs Docker 18.09 (API ${MIN_SWARM_API.join(".")}) or newer"`,
        "        fi",
        "        # The pool keeps swarm's ingress network off the stack's overlays (the",
        "        # engine's default would put it on 10.0.0.0/24). init prints the join",
        "        # command with the worker token: it goes nowhere.",
        '        dk "$MANAGER" swarm init --advertise-addr "$ADVERTISE" --listen-addr "$ADVERTISE" \\',
        '            --default-addr-pool "$POOL" --default-addr-pool-mask-length "$MASK" >/dev/null',
        '        log "initialised a swarm advertising $ADVERTISE, address pool $POOL (/$MASK)" ;;',
        '    *) fail "its swarm state is \\"$state\\"; fix the engine (docker swarm leave --force) and retry" ;;',
        "esac",
        "",
        "# The ingress network appears shortly after init.",
        `deadline=$(( SECONDS + ${SWARM_WAIT_SECONDS} ))`,
        "until ingress=$(dk \"$MANAGER\" network inspect ingress --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' 2>/dev/null) && [ -n \"${ingress// /}\" ]; do",
        `    [ "$SECONDS" -lt "$deadline" ] || fail "no ingress network after ${SWARM_WAIT_SECONDS}s"`,
        "    sleep 0.5",
        "done",
        "# A swarm made earlier (a re-run, or hosts already in a swarm) keeps its own",
        "# pool: its ingress must still stay off every overlay, or attaching to that",
        "# overlay fails at container start with only \"context deadline exceeded\".",
        'for subnet in $ingress; do',
        '    for o in "${OVERLAYS[@]}"; do',
        '        if overlaps "$subnet" "${o#*=}"; then',
        '            fail "the swarm ingress network is on $subnet, which overlaps ${o%%=*} (${o#*=}): containers could not attach to ${o%%=*} (\\"context deadline exceeded\\"). Re-create the ingress network on a free subnet (docker network rm ingress; docker network create --ingress -d overlay --subnet <free> ingress) or choose another subnet for ${o%%=*}"',
        "        fi",
        "    done",
        "done",
        "node=$(dk \"$MANAGER\" info --format '{{.Swarm.NodeID}}')",
        "addr=$(dk \"$MANAGER\" info --format '{{.Swarm.NodeAddr}}')",
        `printf '{"nodeId":"%s","managerAddress":"%s:%s","ingressSubnet":"%s"}\\n' "$node" "$addr" ${shQuote(String(p.port))} "\${ingress%% *}"`,
    ]);
    const del = script(`docker-overlay: the swarm manager ${p.manager.name} of stack ${p.stack} leaves`, p.access, [
        ...vars,
        "",
        'if ! state=$(node_state "$MANAGER" 2>/dev/null); then',
        '    log "the engine does not answer (gone with its machine?); nothing to leave"',
        "    exit 0",
        "fi",
        'if [ "$state" = inactive ]; then',
        '    log "not in a swarm"',
        "    exit 0",
        "fi",
        "# --force: the last manager leaving dissolves the swarm.",
        'dk "$MANAGER" swarm leave --force >/dev/null',
        'log "left the swarm"',
    ]);
    return { create, delete: del };
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

export function renderSwarmTokenScript(p: { stack: string; manager: SwarmNode; access: DockerCliAccess }): string {
    return script(`docker-overlay: the worker join token of stack ${p.stack}'s swarm, sealed`, p.access, [
        `MANAGER=${shQuote(p.manager.dockerHost)}`,
        `NAME=${shQuote(p.manager.name)}`,
        ...logFunction("token $NAME"),
        "",
        `[ -n "\${${SWARM_ENV.sealPublicKey}:-}" ] || fail "${SWARM_ENV.sealPublicKey} is not set"`,
        'token=$(dk "$MANAGER" swarm join-token -q worker)',
        "# RSA-OAEP to the sealing key, then base64: only ciphertext reaches stdout.",
        `printf '%s' "$token" | openssl pkeyutl -encrypt -pubin -inkey <(printf '%s\\n' "$${SWARM_ENV.sealPublicKey}") -pkeyopt rsa_padding_mode:oaep | openssl base64 -A`,
        "echo",
        'log "sealed the worker join token"',
    ]);
}

// ---------------------------------------------------------------- join

export interface SwarmJoinParams {
    stack: string;
    worker: SwarmNode;
    manager: SwarmNode;
    port: number;
    access: DockerCliAccess;
}

export function renderSwarmJoinScripts(p: SwarmJoinParams): SwarmScripts {
    const vars = [
        `NAME=${shQuote(p.worker.name)}`,
        `WORKER=${shQuote(p.worker.dockerHost)}`,
        `MANAGER=${shQuote(p.manager.dockerHost)}`,
        `PORT=${shQuote(String(p.port))}`,
        `ADVERTISE=${shQuote(`${p.worker.advertise}:${p.port}`)}`,
        ...logFunction("join $NAME"),
        ...NODE_STATE,
    ];
    const create = script(`docker-overlay: ${p.worker.name} joins stack ${p.stack}'s swarm`, p.access, [
        ...vars,
        "",
        'state=$(node_state "$WORKER") || fail "the engine at $WORKER does not answer"',
        'case "$state" in',
        "    active)",
        "        node=$(dk \"$WORKER\" info --format '{{.Swarm.NodeID}}')",
        '        if ! dk "$MANAGER" node inspect "$node" >/dev/null 2>&1; then',
        '            fail "$NAME is already in another swarm (node $node); make it leave first: docker swarm leave --force"',
        "        fi",
        '        log "already a node of this swarm ($node); not joining again" ;;',
        "    inactive)",
        `        [ -n "\${${SWARM_ENV.sealedToken}:-}" ] && [ -n "\${${SWARM_ENV.sealKey}:-}" ] || fail "the sealed join token or its key is missing from the environment"`,
        "        # Where the manager listens, as it advertises itself: asked now, so this",
        "        # script depends on no earlier output.",
        "        manager_address=\"$(dk \"$MANAGER\" info --format '{{.Swarm.NodeAddr}}'):$PORT\"",
        "        # Unsealed in memory only; docker swarm join takes the token as an argument.",
        `        token=$(printf '%s' "$${SWARM_ENV.sealedToken}" | openssl base64 -d -A | openssl pkeyutl -decrypt -inkey <(printf '%s\\n' "$${SWARM_ENV.sealKey}") -pkeyopt rsa_padding_mode:oaep)`,
        '        dk "$WORKER" swarm join --token "$token" --advertise-addr "$ADVERTISE" --listen-addr "$ADVERTISE" "$manager_address" >/dev/null',
        "        unset token",
        "        node=$(dk \"$WORKER\" info --format '{{.Swarm.NodeID}}')",
        '        log "joined the swarm at $manager_address as $node" ;;',
        '    *) fail "its swarm state is \\"$state\\"; fix the engine (docker swarm leave --force) and retry" ;;',
        "esac",
        "",
        `deadline=$(( SECONDS + ${SWARM_WAIT_SECONDS} ))`,
        "until [ \"$(dk \"$MANAGER\" node inspect \"$node\" --format '{{.Status.State}}' 2>/dev/null)\" = ready ]; do",
        `    [ "$SECONDS" -lt "$deadline" ] || fail "the manager does not see node $node ready after ${SWARM_WAIT_SECONDS}s"`,
        "    sleep 0.5",
        "done",
        `printf '{"nodeId":"%s"}\\n' "$node"`,
    ]);
    const del = script(`docker-overlay: ${p.worker.name} leaves stack ${p.stack}'s swarm`, p.access, [
        ...vars,
        "",
        "# The node id: the engine's own answer, else what this resource's create",
        "# printed (the command provider passes it on).",
        `node=$(printf '%s' "\${PULUMI_COMMAND_STDOUT:-}" | sed -n 's/.*"nodeId":"\\([^"]*\\)".*/\\1/p')`,
        'if state=$(node_state "$WORKER" 2>/dev/null); then',
        '    if [ "$state" != inactive ]; then',
        "        node=$(dk \"$WORKER\" info --format '{{.Swarm.NodeID}}')",
        '        dk "$WORKER" swarm leave --force >/dev/null',
        '        log "left the swarm"',
        "    fi",
        "else",
        '    log "the engine does not answer (gone with its machine?); nothing to leave"',
        "fi",
        "# Forget the node on the manager too, so `docker node ls` shows no ghost.",
        'if [ -n "$node" ] && dk "$MANAGER" node inspect "$node" >/dev/null 2>&1; then',
        '    dk "$MANAGER" node rm --force "$node" >/dev/null && log "removed node $node from the swarm"',
        "fi",
    ]);
    return { create, delete: del };
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
    manager: SwarmNode;
    labels: Record<string, string>;
    access: DockerCliAccess;
}

/** Host labels as node labels (`node.labels.<key>` in swarm's own constraints), set through the manager. */
export function renderSwarmLabelScripts(p: SwarmLabelParams): SwarmScripts {
    const entries = Object.entries(p.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const vars = [
        `NAME=${shQuote(p.host.name)}`,
        `HOST=${shQuote(p.host.dockerHost)}`,
        `MANAGER=${shQuote(p.manager.dockerHost)}`,
        ...logFunction("labels $NAME"),
    ];
    const create = script(`docker-overlay: node labels of ${p.host.name} in stack ${p.stack}'s swarm`, p.access, [
        ...vars,
        "",
        "NODE=$(dk \"$HOST\" info --format '{{.Swarm.NodeID}}')",
        '[ -n "$NODE" ] || fail "its engine is in no swarm"',
        `dk "$MANAGER" node update ${entries.map(([k, v]) => `--label-add ${shQuote(`${k}=${v}`)}`).join(" ")} "$NODE" >/dev/null`,
        `log ${shQuote(`labelled: ${entries.map(([k, v]) => `${k}=${v}`).join(" ")}`)}`,
    ]);
    const del = script(`docker-overlay: remove the node labels of ${p.host.name} in stack ${p.stack}'s swarm`, p.access, [
        ...vars,
        "",
        "NODE=$(dk \"$HOST\" info --format '{{.Swarm.NodeID}}' 2>/dev/null) || NODE=''",
        'if [ -n "$NODE" ] && dk "$MANAGER" node inspect "$NODE" >/dev/null 2>&1; then',
        `    dk "$MANAGER" node update ${entries.map(([k]) => `--label-rm ${shQuote(k)}`).join(" ")} "$NODE" >/dev/null`,
        '    log "labels removed"',
        "else",
        '    log "node $NODE is gone (or the manager is); nothing to unlabel"',
        "fi",
    ]);
    return { create, delete: del };
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
