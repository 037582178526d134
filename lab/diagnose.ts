/**
 * `npm run lab -- diagnose [<stack-file>] [--json]`: for a running netns or dind stack,
 *
 *  1. the underlay probes its mode needs (lib/plan/probes.ts, from the `ports`
 *     rules). netns: run between the machines' network namespaces with
 *     lib/probe/sh/underlay-probe.sh (the program's own probe script): tcp by connecting to the listener the port must
 *     have (serf, swarm's manager port, the KV store); udp by sending datagrams
 *     and reading a counting rule in the target's iptables `security` INPUT
 *     chain, which sees what the filter table let through (the script says why).
 *     dind: the program's own probe commands with the `docker exec` transport
 *     (runProbeScripts), which send in rounds;
 *  2. each overlay as every engine sees it (`docker network inspect`): a
 *     cluster-store (global) overlay lists every endpoint on every engine, the
 *     remote ones as `ep-<id>`; a swarm overlay lists its Peers (the nodes with
 *     a container on it), on each engine that has one;
 *  3. cluster-store mode: each engine's serf membership, replayed from the
 *     `serf: EventMember*` lines of its log (netns: dockerd.log; dind: its
 *     machine container's log). lib/engine/gossip.ts says
 *     why an engine can be left out. Swarm mode's gossip (networkdb) logs only
 *     changes of a node's state, so there the overlays' Peers stand for it;
 *  4. warnings (netns): engine threads stranded in a deleted network namespace
 *     (lib/engine/strandedThreads.ts), which fail store calls at random.
 *
 * Every failure is one line naming what failed: `dg1 -> dg2 udp/4789: no answer`.
 */
import { execFile, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ClusterConfig, NetworkConfig } from "../lib/config/types";
import { dindConfigOf, dindMachineContainerName } from "../lib/drivers/dind";
import { netnsEngineRunPaths, netnsPath } from "../lib/drivers/netns";
import { NO_ENGINE_EXIT, parseStrandedThreads, STRANDED_THREADS_SCRIPT, strandedLine } from "../lib/engine/strandedThreads";
import { Probe, probeLabel, probeOwners, probePlan } from "../lib/plan/probes";
import { ProbeMachine, probeTables, ProbeTransport, renderProbeScript, UNDERLAY_PROBE_SCRIPT } from "../lib/probe/underlay";
import { LabStatus } from "./status";

/** How long a tcp probe waits for its connection. */
export const TCP_PROBE_SECONDS = 2;

export interface ProbeResult extends Probe {
    ok: boolean;
    /** Why it failed: `no answer`, `connection refused (nothing listens on tcp/7946)`, ... */
    reason?: string;
}

export interface OverlayView {
    network: string;
    /** Host -> what its engine sees: endpoint names (global scope) or peer hosts (swarm scope). */
    seen: Record<string, string[]>;
}

export interface GossipView {
    host: string;
    /** Serf members the engine's log leaves it with, sorted; undefined when its log has no serf lines. */
    members?: string[];
    /** Node -> its last event in this engine's log (`failed at 01:52:30`). */
    last?: Record<string, string>;
    /** The engine's last failed serf join, when its log has one. */
    joinFailed?: string;
}

export interface DiagnoseReport {
    stack: string;
    probes: ProbeResult[];
    notProbed: { what: string; reason: string }[];
    overlays: OverlayView[];
    gossip: GossipView[];
    /** One line per failure; empty when everything holds. */
    failures: string[];
    /** What holds now but can fail later (an engine's stranded threads); not failures. */
    warnings: string[];
    seconds: number;
}

// ------------------------------------------------------------ pure parts

/** Counters of the watch rules tagged `tag`, from `iptables -S -v` text: `<source> <protocol> <port>` -> packets. */
export function parseWatchCounts(text: string, tag: string): Map<string, number> {
    const counts = new Map<string, number>();
    const re = new RegExp(`--comment "docker-overlay probe ${tag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} (\\S+) (tcp|udp) (\\d+)" -c (\\d+) \\d+`);
    for (const line of text.split("\n")) {
        const m = re.exec(line);
        if (m !== null) {
            counts.set(`${m[1]} ${m[2]} ${m[3]}`, Number(m[4]));
        }
    }
    return counts;
}

/** The reason of a failed tcp probe, from tcp-connect's exit code and stderr. */
export function tcpFailure(code: number, stderr: string, port: number): string {
    if (code === 124) {
        return "no answer";
    }
    if (/Connection refused/.test(stderr)) {
        return `connection refused (nothing listens on tcp/${port})`;
    }
    const said = stderr.trim().split("\n").pop() ?? "";
    return said.replace(/^.*\/dev\/tcp\/[^:]*:\s*/, "") || `exit ${code}`;
}

/**
 * The probes of one run of the program's probe script (lib/probe/sh/probe-pairs.sh), from its
 * exit code and stderr: the script names every pair that did not arrive
 * (`<from> -> <to> <proto>/<port>: no answer`), so with such lines every other pair arrived. A
 * failure that names no pair (the script could not run) fails each probe with its last line.
 */
export function scriptProbeResults(probes: readonly Probe[], code: number | null, stderr: string): ProbeResult[] {
    const lines = stderr.split("\n").filter((l) => l.trim() !== "");
    const noAnswer = new Set(lines.filter((l) => l.endsWith(": no answer")));
    const why = lines[lines.length - 1] ?? `exit ${String(code)}`;
    return probes.map((p): ProbeResult => {
        if (noAnswer.has(`${probeLabel(p)}: no answer`)) {
            return { ...p, ok: false, reason: "no answer" };
        }
        return code === 0 || noAnswer.size > 0 ? { ...p, ok: true } : { ...p, ok: false, reason: why };
    });
}

const SERF_EVENT = /serf: EventMember(Join|Leave|Failed|Reap|Update): (\S+) /;
/** libnetwork's line for a refused serf join (drivers/overlay/overlay.go:282, see lib/engine/gossip.ts). */
const SERF_JOIN_FAILED = /joining serf neighbor (\S+) failed: (.*)$/;
/** logrus's `time="2026-12-01T01:52:16.438116942Z"`, cut to the second. */
const LOG_TIME = /time="[0-9-]+T([0-9:]+)/;

/** What an engine's log says of its serf: members, the last event of each other node, its last failed join. */
export interface SerfHistory {
    /** Members the log leaves the engine with, sorted. */
    members: string[];
    /** Node -> its last event (`failed at 01:52:30`); a node absent here never joined. */
    last: Record<string, string>;
    /** The last `joining serf neighbor ... failed` line since the engine's serf (re)started. */
    joinFailed?: string;
}

/**
 * Replays the `serf: EventMember*` lines of an engine's log (undefined without
 * serf lines). A join of the engine itself starts over: the engine (re)started its serf.
 */
export function serfHistory(log: string, self: string): SerfHistory | undefined {
    let h: { members: Set<string>; last: Record<string, string>; joinFailed?: string } | undefined;
    for (const line of log.split("\n")) {
        const at = LOG_TIME.exec(line)?.[1];
        const when = at === undefined ? "" : ` at ${at}`;
        const failed = SERF_JOIN_FAILED.exec(line);
        if (failed !== null && h !== undefined) {
            h.joinFailed = `its join of ${failed[1]}${when} failed: ${failed[2]
                .replace(/\\[nt]/g, " ")
                .replace(/"$/, "")
                .replace(/\s+/g, " ")
                .trim()}`;
        }
        const m = SERF_EVENT.exec(line);
        if (m === null) {
            continue;
        }
        const [, event, name] = m;
        if (event === "Join" && name === self) {
            h = { members: new Set(), last: {} };
        }
        h ??= { members: new Set(), last: {} };
        if (event === "Join" || event === "Update") {
            h.members.add(name);
        } else {
            h.members.delete(name);
        }
        h.last[name] = `${event === "Join" ? "joined" : event === "Leave" ? "left" : event.toLowerCase()}${when}`;
    }
    return h === undefined ? undefined : { members: [...h.members].sort(), last: h.last, ...(h.joinFailed === undefined ? {} : { joinFailed: h.joinFailed }) };
}

/** Failures of the gossip: an engine whose serf is missing one of the hosts. */
export function gossipFailures(views: readonly GossipView[], hosts: readonly string[]): string[] {
    return views.flatMap((v) => {
        if (v.members === undefined) {
            return [`gossip: ${v.host}'s engine log has no serf lines (its overlay gossip never started)`];
        }
        const missing = hosts.filter((h) => !v.members?.includes(h));
        if (missing.length === 0) {
            return [];
        }
        // What the log says of each missing node, and of the engine's own join: a failure names its evidence.
        const why = [...missing.map((h) => `${h} ${v.last?.[h] ?? "never joined"}`), ...(v.joinFailed === undefined ? [] : [v.joinFailed])];
        return [`gossip: ${v.host} has ${v.members.join(", ") || "no members"}, not ${missing.join(", ")} (${why.join("; ")})`];
    });
}

/** Failures of one overlay's views: an engine that misses what it must see. */
export function overlayFailures(view: OverlayView, expected: Record<string, string[]>): string[] {
    return Object.entries(expected).flatMap(([host, want]) => {
        const seen = view.seen[host];
        if (seen === undefined) {
            return [`overlay ${view.network}: ${host}'s engine does not have it`];
        }
        const missing = want.filter((x) => !seen.includes(x));
        return missing.length === 0 ? [] : [`overlay ${view.network}: ${host} does not see ${missing.join(", ")}`];
    });
}

/**
 * What each engine must see of an overlay. Cluster-store (global scope): every
 * engine, every container attached to it. Swarm: each engine with a container
 * on it, every host with one as a peer.
 */
export function expectedOverlayViews(
    config: ClusterConfig,
    containers: readonly { name: string; host: string; networks: readonly string[] }[],
    network: NetworkConfig,
): Record<string, string[]> {
    const on = containers.filter((c) => c.networks.includes(network.name));
    if (config.engine.mode === "swarm") {
        const peers = [...new Set(on.map((c) => c.host))].sort();
        return Object.fromEntries(peers.map((h) => [h, peers]));
    }
    const names = on.map((c) => c.name).sort();
    return Object.fromEntries(config.hosts.map((h) => [h.name, names]));
}

/** Each overlay as every engine sees it, as text: `overlay net1:`, then one line per host. Both diagnose commands print these. */
export function overlayLines(overlays: readonly OverlayView[]): string[] {
    return overlays.flatMap((o) => [
        `overlay ${o.network}:`,
        ...Object.entries(o.seen).map(([host, seen]) => `  ${host.padEnd(16)} sees ${seen.join(", ") || "nothing"}`),
    ]);
}

/** Each engine's serf members, one line per host: `gossip h1  h1, h2`. Both diagnose commands print these (cluster-store mode). */
export function gossipLines(views: readonly GossipView[]): string[] {
    return views.map((g) => `gossip ${g.host.padEnd(16)} ${g.members === undefined ? "(no serf lines)" : g.members.join(", ")}`);
}

/** Warnings, then failures, one line each: `warning ...`, `FAILED ...`. Both diagnose commands print these. */
export function findingLines(warnings: readonly string[], failures: readonly string[]): string[] {
    return [...warnings.map((w) => `warning ${w}`), ...failures.map((f) => `FAILED ${f}`)];
}

export function renderDiagnoseText(r: DiagnoseReport): string {
    const lines: string[] = [];
    const failed = r.probes.filter((p) => !p.ok);
    lines.push(`probes: ${r.probes.length - failed.length} of ${r.probes.length} hold`);
    for (const n of r.notProbed) {
        lines.push(`not probed: ${n.what}: ${n.reason}`);
    }
    lines.push(...overlayLines(r.overlays));
    lines.push(...gossipLines(r.gossip));
    lines.push(...findingLines(r.warnings, r.failures));
    lines.push(
        r.failures.length === 0
            ? `diagnose: everything holds (${r.seconds.toFixed(1)}s)`
            : `diagnose: ${r.failures.length} failure${r.failures.length === 1 ? "" : "s"} (${r.seconds.toFixed(1)}s)`,
    );
    return lines.join("\n") + "\n";
}

// ------------------------------------------------------------ the lab's machines

interface Exec {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs the probe script (the one the program probes with before the cluster forms) inside a
 * namespace, given by its path (nsenter --net, as the netns driver enters its machines).
 */
function inNamespace(ns: string, args: readonly string[], timeoutMs = 30_000): Promise<Exec> {
    return new Promise((resolve) => {
        execFile("nsenter", [`--net=${ns}`, "bash", UNDERLAY_PROBE_SCRIPT, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
            const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : -1;
            resolve({ code, stdout, stderr });
        });
    });
}

async function mustInNamespace(ns: string, args: readonly string[]): Promise<string> {
    const r = await inNamespace(ns, args);
    if (r.code !== 0) {
        throw new Error(`underlay-probe.sh ${args[0]} in ${ns}: exit ${r.code}: ${r.stderr.trim()}`);
    }
    return r.stdout;
}

export interface ProbeTargets {
    /** Machine name -> underlay address. */
    address: (name: string) => string;
    /** Machine name -> its network namespace's path; undefined for what is not a lab machine (an existing store). */
    namespace: (name: string) => string | undefined;
}

export async function runProbes(probes: readonly Probe[], t: ProbeTargets): Promise<ProbeResult[]> {
    const tag = `diagnose-${process.pid}-${Date.now()}`;
    const srcNs = (p: Probe) => t.namespace(p.from) as string;
    const tcp = probes.filter((p) => p.protocol === "tcp");
    const udp = probes.filter((p) => p.protocol === "udp");
    const results = new Map<Probe, ProbeResult>();

    const tcpDone = Promise.all(
        tcp.map(async (p) => {
            const r = await inNamespace(srcNs(p), ["tcp-connect", t.address(p.to), String(p.port), String(TCP_PROBE_SECONDS)]);
            results.set(p, r.code === 0 ? { ...p, ok: true } : { ...p, ok: false, reason: tcpFailure(r.code, r.stderr, p.port) });
        }),
    );

    const byTarget = new Map<string, Probe[]>();
    for (const p of udp) {
        byTarget.set(p.to, [...(byTarget.get(p.to) ?? []), p]);
    }
    const watchArgs = (to: string, ps: Probe[]) => [tag, t.address(to), ...ps.flatMap((p) => [t.address(p.from), p.protocol, String(p.port)])];
    const added: string[] = [];
    try {
        for (const [to, ps] of byTarget) {
            const ns = t.namespace(to);
            if (ns === undefined) {
                throw new Error(`udp probes to ${to}: not a lab machine`);
            }
            added.push(to);
            await mustInNamespace(ns, ["watch-add", ...watchArgs(to, ps)]);
        }
        const bySource = new Map<string, Probe[]>();
        for (const p of udp) {
            bySource.set(p.from, [...(bySource.get(p.from) ?? []), p]);
        }
        await Promise.all(
            [...bySource.values()].map((ps) => mustInNamespace(srcNs(ps[0]), ["udp-send", ...ps.flatMap((p) => [t.address(p.to), String(p.port)])])),
        );
        for (const [to, ps] of byTarget) {
            const counts = parseWatchCounts(await mustInNamespace(t.namespace(to) as string, ["watch-list"]), tag);
            for (const p of ps) {
                const n = counts.get(`${t.address(p.from)} ${p.protocol} ${p.port}`) ?? 0;
                results.set(p, n > 0 ? { ...p, ok: true } : { ...p, ok: false, reason: "no answer" });
            }
        }
    } finally {
        for (const to of added) {
            await inNamespace(t.namespace(to) as string, ["watch-remove", ...watchArgs(to, byTarget.get(to) ?? [])]);
        }
    }
    await tcpDone;
    return probes.map((p) => results.get(p) as ProbeResult);
}

/** The underlay addresses of a running lab stack's machines, from its saved outputs: its hosts and its KV machine. */
function machineAddresses(config: ClusterConfig, status: LabStatus): { addresses: Map<string, string>; machines: Set<string> } {
    const addresses = new Map(status.hosts.map((h) => [h.name, h.address]));
    const kvMachine = config.kvStore?.address === undefined ? config.kvStore?.machine : undefined;
    if (kvMachine !== undefined && status.kv !== null) {
        addresses.set(kvMachine, new URL(status.kv.url).hostname);
    }
    return { addresses, machines: new Set([...config.hosts.map((h) => h.name), ...(kvMachine !== undefined ? [kvMachine] : [])]) };
}

/** What a running netns stack's machines are: addresses from its saved outputs, namespaces by the driver's rule. */
export function labTargets(config: ClusterConfig, status: LabStatus): ProbeTargets {
    const { addresses, machines } = machineAddresses(config, status);
    return {
        address: (name) => addresses.get(name) ?? name,
        namespace: (name) => (machines.has(name) ? netnsPath({ stack: config.stack, name }) : undefined),
    };
}

/** Runs the probes a diagnose makes and says of each whether it arrived. */
export type ProbeRun = (probes: readonly Probe[]) => Promise<ProbeResult[]>;

/** A script run with bash on this machine: its exit code and stderr. */
function runBash(script: string): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/bash", ["-c", script], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stderr }));
    });
}

/**
 * The probes run by the program's own probe commands (lib/probe/underlay.ts renderProbeScript):
 * grouped per host as the program groups them (probeOwners), all at once, each command with
 * its own tag on its counting rules. Each command sends in rounds until every pair arrived or
 * its window passed, so a datagram lost once does not read as a closed port (what a single send
 * through `docker exec` would risk).
 */
export async function runProbeScripts(
    config: ClusterConfig,
    probes: readonly Probe[],
    p: { transport: ProbeTransport; place: (name: string) => ProbeMachine },
): Promise<ProbeResult[]> {
    const owners = [...probeOwners(config, probes).entries()];
    const results = new Map<Probe, ProbeResult>();
    await Promise.all(
        owners.map(async ([host, ps]) => {
            const tag = `${config.stack}-diagnose-${process.pid}-${host}`;
            const r = await runBash(renderProbeScript({ tag, what: `the pairs of ${host}`, transport: p.transport, tables: probeTables(ps, p.place) }));
            scriptProbeResults(ps, r.code, r.stderr).forEach((x, i) => results.set(ps[i], x));
        }),
    );
    return probes.map((x) => results.get(x) as ProbeResult);
}

/**
 * A running dind stack's probes: the program's probe commands with the docker transport, as its
 * `up` probes the underlay (components/machines/dind.ts probeContainer): each engine machine is
 * entered with `docker exec` in its container on the local Docker; the KV machine's container
 * (no iptables) only receives tcp connects.
 */
export function dindProbeRun(config: ClusterConfig, status: LabStatus): ProbeRun {
    const { addresses } = machineAddresses(config, status);
    const hosts = new Set(config.hosts.map((h) => h.name));
    const place = (name: string): ProbeMachine => ({
        name,
        address: addresses.get(name) ?? name,
        ...(hosts.has(name) ? { container: dindMachineContainerName(config, name) } : {}),
    });
    return (probes) => runProbeScripts(config, probes, { transport: { kind: "docker", host: dindConfigOf(config).localDockerHost }, place });
}

/**
 * A dind engine's log: its machine container's output on the local Docker (dockerd is the
 * container's main process and logs to stderr), or undefined when the container is not there.
 */
export function dindEngineLog(config: ClusterConfig, host: string): string | undefined {
    const r = spawnSync("docker", ["-H", dindConfigOf(config).localDockerHost, "logs", dindMachineContainerName(config, host)], {
        encoding: "utf8",
        timeout: 30_000,
        maxBuffer: 512 * 1024 * 1024,
    });
    return r.status === 0 ? `${r.stdout}${r.stderr}` : undefined;
}

export interface DiagnoseDeps {
    /** `docker network inspect` of a network on a host's engine: endpoint names and peer host names. */
    inspectOverlay: (host: string, network: string) => Promise<{ scope: string; endpoints: string[]; peers: string[] } | undefined>;
    /** A host's dockerd.log, or undefined. */
    engineLog: (host: string) => string | undefined;
    /** The ids of a host's engine threads stranded in a deleted network namespace (lib/engine/strandedThreads.ts). */
    strandedThreads: (host: string) => readonly number[];
    /** How long an incomplete serf membership is given to complete (default GOSSIP_SETTLE_SECONDS). */
    gossipSettleSeconds?: number;
}

/**
 * How long diagnose waits, re-reading the engines' logs, before it calls an
 * engine's serf incomplete. An engine that others count as a member but that
 * does not list them
 * (what CI once met: right after an up, an engine whose log listed only itself, with
 * no failed join, while the others listed it) learns them at the next push-pull of memberlist's state, every 30 s
 * (hashicorp/memberlist config.go, DefaultLANConfig: `PushPullInterval: 30 * time.Second`,
 * which serf's DefaultConfig and libnetwork's serfInit keep); 5 s more for the log.
 * A membership still incomplete then is a failure.
 */
export const GOSSIP_SETTLE_SECONDS = 35;
/** Between two reads of the logs while it waits. */
const GOSSIP_REREAD_MS = 2000;

/** An engine's serf members as its log leaves them (serfHistory); no members when the log has no serf lines. */
export function gossipView(host: string, log: string): GossipView {
    const history = serfHistory(log, host);
    return history === undefined ? { host } : { host, ...history };
}

/**
 * The engines' serf memberships once settled: `first`, or while it is incomplete (gossipFailures),
 * `reread` every 2 s for up to `seconds` (GOSSIP_SETTLE_SECONDS) until it is complete; the last
 * read. Both diagnose commands wait so.
 */
export async function settledGossip(
    first: GossipView[],
    reread: () => Promise<GossipView[]>,
    hosts: readonly string[],
    seconds = GOSSIP_SETTLE_SECONDS,
): Promise<GossipView[]> {
    const settleBy = Date.now() + seconds * 1000;
    let gossip = first;
    while (gossipFailures(gossip, hosts).length > 0 && Date.now() < settleBy) {
        await new Promise((resolve) => setTimeout(resolve, GOSSIP_REREAD_MS));
        gossip = await reread();
    }
    return gossip;
}

export async function diagnose(config: ClusterConfig, status: LabStatus, deps: DiagnoseDeps, probe: ProbeRun): Promise<DiagnoseReport> {
    const started = Date.now();
    const plan = probePlan(config);
    const probes = await probe(plan.probes);
    const hosts = config.hosts.map((h) => h.name);
    const overlays: OverlayView[] = [];
    const failures = probes.filter((p) => !p.ok).map((p) => `${probeLabel(p)}: ${p.reason ?? "failed"}`);
    const placed = status.containers.map((c) => ({ name: c.name, host: c.host, networks: Object.keys(c.networks) }));
    for (const network of config.networks) {
        const view: OverlayView = { network: network.name, seen: {} };
        for (const host of hosts) {
            const seen = await deps.inspectOverlay(host, network.name);
            if (seen !== undefined) {
                view.seen[host] = (seen.scope === "swarm" ? seen.peers : seen.endpoints).sort();
            }
        }
        overlays.push(view);
        failures.push(...overlayFailures(view, expectedOverlayViews(config, placed, network)));
    }
    let gossip: GossipView[] = [];
    if (config.engine.mode === "cluster-store") {
        const read = () => hosts.map((host) => gossipView(host, deps.engineLog(host) ?? ""));
        gossip = await settledGossip(read(), () => Promise.resolve(read()), hosts, deps.gossipSettleSeconds);
        failures.push(...gossipFailures(gossip, hosts));
    }
    const warnings = hosts.map((h) => strandedLine(h, deps.strandedThreads(h))).filter((l) => l !== "");
    return {
        stack: config.stack,
        probes,
        notProbed: plan.notProbed.map((n) => ({
            what: `${n.rule.protocol}${n.rule.port !== undefined ? `/${n.rule.port}` : ""} ${n.rule.between}`,
            reason: n.reason,
        })),
        overlays,
        gossip,
        failures,
        warnings,
        seconds: (Date.now() - started) / 1000,
    };
}

/** A netns engine's log: `<stateDir>/<host>/dockerd.log`. */
export function netnsEngineLog(stateDir: string, host: string): string | undefined {
    const file = path.join(stateDir, host, "dockerd.log");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

/**
 * A netns engine machine's threads stranded in a deleted network namespace
 * (lib/engine/strandedThreads.ts): its script run in the machine's namespace,
 * on its pidfile. Undefined when its engine does not run.
 */
export function netnsStrandedThreads(p: { stack: string; runDir: string; name: string }): number[] | undefined {
    const r = spawnSync("nsenter", [`--net=${netnsPath(p)}`, "bash", STRANDED_THREADS_SCRIPT, netnsEngineRunPaths(p).pidFile], {
        encoding: "utf8",
        timeout: 10_000,
    });
    if (r.status === NO_ENGINE_EXIT) {
        return undefined;
    }
    if (r.status !== 0) {
        throw new Error(`stranded-threads.sh for ${p.name}: exit ${String(r.status ?? r.signal)}: ${(r.stderr ?? "").trim()}`);
    }
    return parseStrandedThreads(r.stdout);
}
