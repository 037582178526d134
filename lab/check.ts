/**
 * `check`: the connectivity check run from outside the program, against the
 * live engines. The pairs are `connectivityPairs` (lib/check/pairs.ts), the
 * same the program's own check runs: pairs sharing a network must ping each
 * other by IP and by name; pairs sharing none must reach none of the other's
 * addresses. Pings run with `docker exec` in the `from` container.
 */
import { connectivityPairs, PairExpectation } from "../lib/check/pairs";
import { ClusterConfig } from "../lib/config/types";
import { strandedLine } from "../lib/engine/strandedThreads";
import { CheckResult, parseCheckResult } from "../lib/render/check";
import { EngineClient } from "./clients/docker";
import { ScriptRunner } from "./clients/script";
import { LabState } from "./state";
import { LabStatus } from "./status";

export const PING_TIMEOUT_SECONDS = 2;

export interface PairResult {
    from: string;
    to: string;
    expect: "reach" | "isolated";
    /** Networks probed: the shared one (reach) or every network of `to` (isolated). */
    networks: string[];
    /** Addresses of `to` that were pinged. */
    ips: string[];
    /** Some address answered. */
    byIp: boolean;
    /** `to`'s name answered. */
    byName: boolean;
    ok: boolean;
    /** Why a pair failed, when it did. */
    detail?: string;
}

export interface CheckReport {
    containers: string[];
    pairs: PairResult[];
    passed: number;
    failed: number;
}

/** What the program's own check says of a swarm's managers (lib/render/sh/check-quorum.sh). */
export type SwarmVerdict = Pick<CheckResult, "swarm" | "warnings" | "error">;

/**
 * Swarm mode: the managers as the program's own check sees them, from one round of that check
 * (the `connectivity-ping` script the state recorded, with its interpreter and environment, as
 * `pulumi up` ran it; DOCKER_OVERLAY_CHECK_CONVERGE_SECONDS=0): who answers, the quorum, who
 * reaches no leader. One place for that judgement, the program's; the lab's pings say nothing of
 * managers. Undefined in cluster-store mode (a swarm stack always has a check: components/cluster.ts).
 */
export async function programSwarmVerdict(state: LabState, run: ScriptRunner): Promise<SwarmVerdict | undefined> {
    const swarm = state.exports?.["swarm"];
    const check = state.resources.find((r) => r.type === "command:local:Command" && r.name === "connectivity-ping");
    if (swarm === null || swarm === undefined || check === undefined) {
        return undefined;
    }
    const inputs = check.inputs as { create: string; interpreter?: string[]; environment?: Record<string, string> };
    const r = await run({
        script: inputs.create,
        ...(inputs.interpreter !== undefined ? { interpreter: inputs.interpreter } : {}),
        environment: { ...(inputs.environment ?? {}), DOCKER_OVERLAY_CHECK_CONVERGE_SECONDS: "0" },
    });
    let result: CheckResult | undefined;
    try {
        result = parseCheckResult(r.stdout);
    } catch {
        result = undefined;
    }
    if (result === undefined) {
        return { error: `the program's check printed no result (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-2).join(" / ")}` };
    }
    return {
        ...(result.swarm !== undefined ? { swarm: result.swarm } : {}),
        ...(result.warnings !== undefined ? { warnings: result.warnings } : {}),
        ...(result.error !== undefined ? { error: result.error } : {}),
    };
}

/** Runs `ping` in a container; true when the target answered. Errors (no container, no engine) throw. */
export type Pinger = (from: string, target: string) => Promise<boolean>;

export function dockerPinger(status: LabStatus, engineFor: (dockerHost: string) => EngineClient): Pinger {
    const hostOf = new Map(status.containers.map((c) => [c.name, c.host]));
    const dockerHostOf = new Map(status.hosts.map((h) => [h.name, h.dockerHost]));
    return async (from, target) => {
        const host = hostOf.get(from);
        const dockerHost = host === undefined ? undefined : dockerHostOf.get(host);
        if (dockerHost === undefined) {
            throw new Error(`no host known for container ${from}`);
        }
        const r = await engineFor(dockerHost).exec(from, ["ping", "-c", "1", "-W", String(PING_TIMEOUT_SECONDS), target], (PING_TIMEOUT_SECONDS + 10) * 1000);
        // busybox ping: 0 answered, 1 no answer, 2 other error (e.g. name does not resolve).
        if (r.exitCode === 0) {
            return true;
        }
        if (r.exitCode === 1 || r.exitCode === 2) {
            return false;
        }
        throw new Error(`ping ${target} in ${from} exited ${r.exitCode}: ${r.output.trim().split("\n").slice(-2).join(" / ")}`);
    };
}

async function probe(pair: PairExpectation, live: LabStatus, ping: Pinger): Promise<PairResult> {
    const to = live.containers.find((c) => c.name === pair.to);
    const networks = pair.expect === "reach" ? [pair.network] : pair.networks;
    const ips = networks.map((n) => to?.networks[n]).filter((ip): ip is string => ip !== undefined && ip !== "");
    const base = { from: pair.from, to: pair.to, expect: pair.expect, networks, ips };
    try {
        const ipAnswers = await Promise.all(ips.map((ip) => ping(pair.from, ip)));
        const byIp = ipAnswers.some((a) => a);
        const byName = await ping(pair.from, pair.to);
        if (pair.expect === "reach") {
            const missing = ips.length === 0 ? `${pair.to} has no address on ${pair.network}` : undefined;
            const ok = missing === undefined && byIp && byName;
            return {
                ...base,
                byIp,
                byName,
                ok,
                ...(ok
                    ? {}
                    : {
                          detail:
                              missing ??
                              `${byIp ? "" : `no answer from ${ips.join(",")}`}${!byIp && !byName ? "; " : ""}${byName ? "" : `no answer from name ${pair.to}`}`,
                      }),
            };
        }
        const reached = ips.filter((_, i) => ipAnswers[i]);
        const ok = !byIp && !byName;
        return { ...base, byIp, byName, ok, ...(ok ? {} : { detail: `reached ${[...reached, ...(byName ? [`name ${pair.to}`] : [])].join(", ")}` }) };
    } catch (err) {
        // A probe that could not run proves nothing either way.
        return { ...base, byIp: false, byName: false, ok: false, detail: (err as Error).message };
    }
}

/**
 * Every pair, probed a few at a time (a ping that must fail takes its full
 * timeout). Pairs come from `declared` (the networks the program attached, so
 * a container that lost its network fails instead of passing as "isolated");
 * the addresses pinged come from `live`.
 */
export async function runCheck(declared: LabStatus, live: LabStatus, ping: Pinger, concurrency = 6): Promise<CheckReport> {
    const pairs = connectivityPairs(declared.containers.map((c) => ({ name: c.name, networks: Object.keys(c.networks) })));
    const results = new Array<PairResult>(pairs.length);
    let next = 0;
    const worker = async () => {
        while (next < pairs.length) {
            const i = next++;
            results[i] = await probe(pairs[i], live, ping);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, pairs.length)) }, worker));
    const passed = results.filter((r) => r.ok).length;
    return {
        containers: declared.containers.map((c) => c.name).sort(),
        pairs: results,
        passed,
        failed: results.length - passed,
    };
}

/**
 * What a failed check adds to its notes: each engine's threads stranded in a
 * deleted network namespace (lib/engine/strandedThreads.ts; a name that does not
 * resolve while every address answers is what they cause in cluster-store mode),
 * read by `stranded` (undefined: its engine does not run, or the driver cannot
 * tell), and where to look next.
 */
export function failedCheckHints(config: ClusterConfig, stackFile: string, stranded: (host: string) => number[] | undefined): string[] {
    const lines = config.hosts.map((h) => {
        try {
            return strandedLine(h.name, stranded(h.name) ?? []);
        } catch (err) {
            return `${h.name}: its engine's threads could not be read (${err instanceof Error ? err.message : String(err)})`;
        }
    });
    const command: Partial<Record<ClusterConfig["driver"]["kind"], string>> = {
        netns: `npm run lab -- diagnose ${stackFile}`,
        dind: `npm run lab -- diagnose ${stackFile}`,
        ssh: `npm run diagnose -- ${stackFile}`,
    };
    const diagnose = command[config.driver.kind];
    const where = diagnose !== undefined ? [`\`${diagnose}\` probes the underlay and shows each overlay's peers and the gossip as every engine sees them`] : [];
    return [...lines.filter((l) => l !== ""), ...where];
}

/** The cell text for one pair: `ok ip+name`, `isolated`, or `FAIL ...`. */
export function cellText(r: PairResult): string {
    if (r.expect === "reach") {
        if (r.ok) {
            return "ok ip+name";
        }
        const missing = [r.byIp ? undefined : "ip", r.byName ? undefined : "name"].filter((x) => x !== undefined).join("+");
        return `FAIL no ${missing}`;
    }
    if (r.ok) {
        return "isolated";
    }
    return `FAIL reached ${[r.byIp ? "ip" : undefined, r.byName ? "name" : undefined].filter((x) => x !== undefined).join("+") || "?"}`;
}

/** Rows are `from`, columns `to`; failures are listed under the matrix with their details. */
export function renderMatrix(report: CheckReport & SwarmVerdict): string {
    const names = report.containers;
    const cell = new Map(report.pairs.map((r) => [`${r.from}\u0000${r.to}`, cellText(r)]));
    const rows = [
        ["from \\ to", ...names],
        ...names.map((from) => [from, ...names.map((to) => (from === to ? "-" : (cell.get(`${from}\u0000${to}`) ?? "?")))]),
    ];
    const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
    const lines = rows.map((r) =>
        r
            .map((c, col) => c.padEnd(widths[col]))
            .join("  ")
            .trimEnd(),
    );
    for (const r of report.pairs.filter((p) => !p.ok)) {
        lines.push(`FAIL ${r.from} -> ${r.to} (${r.expect} on ${r.networks.join(",")}): ${r.detail ?? "?"}`);
    }
    for (const w of report.warnings ?? []) {
        lines.push(`warning: ${w}`);
    }
    if (report.error !== undefined) {
        lines.push(`FAIL swarm: ${report.error}`);
    }
    lines.push(`check: ${report.passed} of ${report.pairs.length} pairs hold${report.failed > 0 ? `, ${report.failed} fail` : ""}`);
    return lines.join("\n") + "\n";
}
