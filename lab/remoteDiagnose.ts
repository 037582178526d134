/**
 * The diagnose of a running ssh or docker-machine stack, a real cluster (`npm run diagnose`,
 * tools/diagnose.ts; `npm run lab -- diagnose`, lab/diagnose.ts, covers the
 * lab's netns and dind stacks). Every directed host pair of every rule the stack's mode
 * needs (lib/plan/probes.ts probePlan: all pairs, not the sample `up` takes
 * beyond 16 hosts) is probed by the same script as the program's probe before
 * the cluster forms (lib/probe/underlay.ts renderProbeScript, with the ssh or the
 * docker-machine transport), grouped per host as the program's commands are, from
 * the machine this runs on (RemoteAccess: over ssh with the stack's private key, or
 * through `docker-machine ssh`): each sets its own counting rules at its targets,
 * sends, reads and removes them again. Then each overlay as every host's engine
 * sees it (`docker network inspect` there, in one session per host), against what the program's placement puts on it (lab/diagnose.ts
 * expectedOverlayViews: cluster store, every endpoint on every engine; swarm,
 * every host with a container on it as a peer). Last, as warnings, each
 * engine's threads stranded in a deleted network namespace
 * (lib/engine/strandedThreads.ts, the same script `lab diagnose` runs).
 * In cluster-store mode also each engine's serf gossip, replayed from its log
 * (lib/engine/sh/serf-log.sh: the docker unit's journal, else
 * /var/log/docker.log) as `lab diagnose` replays dockerd.log: an engine whose
 * members miss a host, still after re-reading the logs for up to
 * GOSSIP_SETTLE_SECONDS (settledGossip), fails, naming what its log says of it.
 * A host marked lost (hosts[].lost) is left out of all of it, with a warning.
 */
import { spawn } from "child_process";
import { ClusterConfig } from "../lib/config/types";
import { dockerMachineAdvertiseInterface } from "../lib/drivers/dockerMachine";
import { sshEndpointOf } from "../lib/drivers/ssh";
import { planCluster } from "../lib/plan/cluster";
import { probeOwners, probePlan } from "../lib/plan/probes";
import { BatchPart, parseSshBatch, renderSshBatchArgv, renderSshRunScript, SSH_KEY_ENV } from "../lib/probe/ssh";
import { dockerMachineProbeMachine, ProbeMachine, probeTables, ProbeTransport, renderProbeScript, sshProbeMachine } from "../lib/probe/underlay";
import { shJoin } from "../lib/render/shell";
import { NO_ENGINE_EXIT, parseStrandedThreads, strandedLine, strandedThreadsArgv } from "../lib/engine/strandedThreads";
import { NO_ENGINE_LOG_EXIT, serfLogArgv } from "../lib/engine/gossip";
import {
    expectedOverlayViews,
    findingLines,
    gossipFailures,
    gossipLines,
    GossipView,
    gossipView,
    OverlayView,
    overlayFailures,
    overlayLines,
    settledGossip,
} from "./diagnose";

/** One probe command's result: the pairs between `host` and the hosts before it (lib/plan/probes.ts probeOwners). */
export interface HostResult {
    host: string;
    probes: number;
    ok: boolean;
    failures: string[];
    /** Why the probe failed other than pairs that did not arrive (its last line). */
    error?: string;
}

type Ran = { code: number | null; stdout: string; stderr: string; raw: Buffer };

/** `file` with `args` and `env`, its exit code and output. */
function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"] });
        const out: Buffer[] = [];
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => out.push(c));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("error", reject);
        child.on("close", (code) => {
            const raw = Buffer.concat(out);
            resolve({ code, stdout: raw.toString("utf8"), stderr, raw });
        });
    });
}

/**
 * The batch's result (renderSshBatchArgv), each command's in order. A command the session did
 * not reach (ssh failed, the host went away) gets the session's exit code and its stderr, as a
 * session of its own would have.
 */
function batchParts(r: Ran, count: number): BatchPart[] {
    const parts = parseSshBatch(r.raw, count) ?? [];
    const failed: BatchPart = { code: r.code === 0 || r.code === null ? 255 : r.code, stdout: "", stderr: r.stderr };
    return Array.from({ length: count }, (_, i) => parts[i] ?? failed);
}

/** How diagnose reaches a real cluster's hosts from the machine it runs on. */
export interface RemoteAccess {
    /** The probe's transport, and where each name of a probe is reached. */
    transport: ProbeTransport;
    place(machine: string): ProbeMachine;
    /** The environment the probe scripts run with. */
    env: NodeJS.ProcessEnv;
    /** Several commands on a host in one session (lib/probe/sh/batch.sh), each one's result in order. */
    onHost(host: string, commands: string[][]): Promise<BatchPart[]>;
}

/** An ssh stack's hosts: each logged in to with the stack's private key (`key`, its text), as the program's commands do. */
export function sshAccess(config: ClusterConfig, key: string): RemoteAccess {
    const env = { ...process.env, [SSH_KEY_ENV]: key };
    return {
        transport: { kind: "ssh", iface: config.engine.advertiseInterface },
        place: (m) => sshProbeMachine(m, sshEndpointOf(config, m)),
        env,
        onHost: async (host, commands) => {
            const endpoint = sshEndpointOf(config, host);
            if (endpoint === undefined) {
                throw new Error(`diagnose: ${host} is no host of the stack`);
            }
            return batchParts(await run("/bin/bash", ["-c", renderSshRunScript({ self: endpoint, argv: renderSshBatchArgv(commands) })], env), commands.length);
        },
    };
}

/**
 * A docker-machine stack's machines: each entered with `docker-machine ssh`, as the program's probe
 * does (lib/probe/sh/probe-docker-machine.sh). The batch goes through the external ssh client
 * (MACHINE_NATIVE_SSH unset for it): the native one asks for a pty (docker/machine
 * libmachine/ssh/client.go:292-318), which turns the batch's frames' \n into \r\n and its stderr
 * into stdout; tools/diagnose.ts refuses to run without an ssh client.
 */
export function dockerMachineAccess(config: ClusterConfig): RemoteAccess {
    const iface = dockerMachineAdvertiseInterface(config.engine);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env["MACHINE_NATIVE_SSH"];
    return {
        transport: { kind: "docker-machine" },
        place: (m) => dockerMachineProbeMachine(config, m, iface),
        env,
        // docker-machine ssh hands its argument to ssh, which sends it for the machine's shell to parse: one quoted command line.
        onHost: async (host, commands) => batchParts(await run("docker-machine", ["ssh", host, shJoin(renderSshBatchArgv(commands))], env), commands.length),
    };
}

/** One overlay as a host's engine sees it (`docker network inspect` there): its endpoints' names and its peers' addresses. */
function parseInspect(stdout: string): { scope: string; endpoints: string[]; peers: { name: string; ip: string }[] } | undefined {
    try {
        const [n] = JSON.parse(stdout) as { Scope?: string; Containers?: Record<string, { Name?: string }>; Peers?: { Name?: string; IP?: string }[] }[];
        return {
            scope: n.Scope ?? "",
            endpoints: Object.values(n.Containers ?? {}).map((c) => c.Name ?? "?"),
            peers: (n.Peers ?? []).map((p) => ({ name: p.Name ?? "?", ip: p.IP ?? "" })),
        };
    } catch {
        return undefined;
    }
}

export interface RemoteDiagnoseReport {
    stack: string;
    hosts: HostResult[];
    overlays: OverlayView[];
    /** Cluster-store mode: each engine's serf members, from its log (empty in swarm mode). */
    gossip: GossipView[];
    /** One line per failure (`swarm-node1 -> swarm-node2 udp/4789: no answer`, `overlay net1: swarm-node1 does not see c2`). */
    failures: string[];
    /** What holds now but can fail later: engines' stranded threads; a host whose threads could not be read. */
    warnings: string[];
    /** The hosts asked: every one but those marked lost (the first owns no probe command). */
    hostCount: number;
}

/**
 * Probes every pair of a real cluster's hosts and compares each overlay as every engine sees it;
 * `access` says how its hosts are reached, `deployed` the placements the stack has (its `placements` output;
 * undefined when not given: then each container is where a new stack would put it).
 */
export async function remoteDiagnose(config: ClusterConfig, access: RemoteAccess, deployed?: Readonly<Record<string, string>>): Promise<RemoteDiagnoseReport> {
    const stack = config.stack;
    // A host marked lost is gone for good (hosts[].lost): no probe pairs with it (probePlan leaves it
    // out), its engine is not asked, and nothing placed on it is expected in any overlay or gossip.
    const lost = config.hosts.filter((h) => h.lost === true).map((h) => h.name);
    const asked = config.hosts.filter((h) => h.lost !== true);
    // Every pair (not the sample an `up` of more than 16 hosts takes), grouped as the program's probes are, in host order.
    const hosts = [...probeOwners(config, probePlan(config).probes).entries()];
    const results: HostResult[] = await Promise.all(
        hosts.map(async ([host, probes]) => {
            const tag = `${stack}-diagnose-${process.pid}-${host}`;
            const script = renderProbeScript({
                tag,
                what: `the pairs of ${host}`,
                transport: access.transport,
                tables: probeTables(probes, (m) => access.place(m)),
            });
            const r = await run("/bin/bash", ["-c", script], access.env);
            const lines = r.stderr.split("\n").filter((l) => l !== "");
            const failures = lines.filter((l) => l.endsWith(": no answer"));
            return {
                host,
                probes: probes.length,
                ok: r.code === 0,
                failures,
                ...(r.code !== 0 && failures.length === 0 ? { error: lines[lines.length - 1] ?? `exit ${String(r.code)}` } : {}),
            };
        }),
    );
    const failures = results.flatMap((r) => [...r.failures, ...(r.error !== undefined ? [`${r.host}: ${r.error}`] : [])]);

    // What each engine sees, read in one session per host: its addresses (a swarm peer is named
    // by the one it advertises), each overlay as it sees it, its threads stranded in a deleted
    // namespace (its pidfile the default, /var/run/docker.pid) and, in cluster-store mode, its serf
    // members from its log.
    const clusterStore = config.engine.mode === "cluster-store";
    const commands = [
        ["ip", "-4", "-o", "addr", "show"],
        ...config.networks.map((n) => ["docker", "network", "inspect", n.name]),
        strandedThreadsArgv(),
        ...(clusterStore ? [serfLogArgv()] : []),
    ];
    const seenBy = new Map(await Promise.all(asked.map(async (h) => [h.name, await access.onHost(h.name, commands)] as const)));
    const partOf = (host: string, i: number): BatchPart => seenBy.get(host)![i];
    // Every address of every host but its loopback's: a swarm peer's IP is the one it advertises (an
    // address every host has alike, docker0's, is never one).
    const addressOf = new Map<string, string>();
    for (const h of asked) {
        for (const [, dev, address] of partOf(h.name, 0).stdout.matchAll(/^\d+:\s+(\S+)\s+inet\s+([0-9.]+)\//gm)) {
            if (dev !== "lo") {
                addressOf.set(address, h.name);
            }
        }
    }
    // Each overlay as every engine sees it, against what the program's placement makes it hold
    // (the running stack's containers stay where `deployed`, its placements output, has them).
    const placements = planCluster(config, deployed).placements;
    const placed = config.containers
        .map((c) => ({ name: c.name, host: placements[c.name], networks: c.networks.map((n) => n.name) }))
        .filter((c) => !lost.includes(c.host));
    const overlays: OverlayView[] = [];
    for (const [i, network] of config.networks.entries()) {
        const view: OverlayView = { network: network.name, seen: {} };
        for (const h of asked) {
            const seen = parseInspect(partOf(h.name, 1 + i).stdout);
            if (seen !== undefined) {
                view.seen[h.name] = (seen.scope === "swarm" ? seen.peers.map((p) => addressOf.get(p.ip) ?? p.name) : seen.endpoints).sort();
            }
        }
        overlays.push(view);
        failures.push(...overlayFailures(view, expectedOverlayViews({ ...config, hosts: asked }, placed, network)));
    }

    const strandedAt = 1 + config.networks.length;
    const warnings = asked
        .map((h) => {
            const r = partOf(h.name, strandedAt);
            if (r.code === 0) {
                return strandedLine(h.name, parseStrandedThreads(r.stdout));
            }
            const why = r.stderr.trim().split("\n").pop() ?? "";
            return r.code === NO_ENGINE_EXIT ? "" : `${h.name}: cannot read its engine's threads (exit ${String(r.code)}: ${why})`;
        })
        .filter((w) => w !== "");
    warnings.unshift(...lost.map((h) => `${h}: marked lost (hosts[].lost): not asked, and nothing on it is expected`));

    // Cluster-store mode: each engine's serf members, from its log (swarm's gossip logs no membership),
    // re-read while incomplete as `lab diagnose` does (settledGossip says why).
    let gossip: GossipView[] = [];
    if (clusterStore) {
        const readable: string[] = [];
        for (const h of asked) {
            const r = partOf(h.name, strandedAt + 1);
            if (r.code !== 0) {
                const why =
                    r.code === NO_ENGINE_LOG_EXIT ? "neither the docker unit's journal nor /var/log/docker.log" : (r.stderr.trim().split("\n").pop() ?? "");
                warnings.push(`${h.name}: cannot read its engine's log (exit ${String(r.code)}: ${why}); its gossip is not checked`);
                continue;
            }
            readable.push(h.name);
            gossip.push(gossipView(h.name, r.stdout));
        }
        const hostNames = asked.map((h) => h.name);
        gossip = await settledGossip(
            gossip,
            // A host whose log cannot be read again keeps what its first read said.
            () =>
                Promise.all(
                    readable.map(async (host, i) => {
                        const [r] = await access.onHost(host, [serfLogArgv()]);
                        return r.code === 0 ? gossipView(host, r.stdout) : gossip[i];
                    }),
                ),
            hostNames,
        );
        failures.push(...gossipFailures(gossip, hostNames));
    }

    return { stack, hosts: results, overlays, gossip, failures, warnings, hostCount: asked.length };
}

/** The report as text: the hosts whose probes all arrived, each overlay's views, each failure, a summary line. */
export function renderRemoteDiagnoseText(r: RemoteDiagnoseReport): string {
    const lines: string[] = [];
    for (const h of r.hosts) {
        if (h.ok) {
            lines.push(`ok     ${h.host}: ${h.probes} probe(s) arrived`);
        }
    }
    lines.push(...overlayLines(r.overlays), ...gossipLines(r.gossip), ...findingLines(r.warnings, r.failures));
    lines.push(
        `diagnose: ${r.failures.length} failure${r.failures.length === 1 ? "" : "s"}, ${r.hosts.reduce((n, h) => n + h.probes, 0)} probe(s) between ${r.hostCount} host(s)`,
    );
    return lines.join("\n") + "\n";
}
