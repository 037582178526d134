/**
 * Helpers for the real-engine lab tests (tests/lab/*.test.ts, `npm run test:lab`,
 * root). Every lab command runs as a child process
 * (`node -r runner/register.js tools/lab.ts <cmd> <stack-file> [--json]`), as
 * lab/stack.ts recommends: a failed run leaves the Pulumi runtime's global
 * state behind, and a fresh process per command is what a user runs.
 *
 * Assertions talk to the lab's own machines only: the engines' unix sockets,
 * the KV store on the stack's underlay (an address on a bridge of this
 * machine), and pings between containers of the stack under test.
 */
import * as assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import type { ContainerSummary, HostSummary, SwarmSummary } from "../../../components/cluster";
import type { DownResult, UpResult } from "../../../lab/stack";
import type { CheckReport, SwarmVerdict } from "../../../lab/check";
import { netnsEngineLog, netnsStrandedThreads } from "../../../lab/diagnose";
import { strandedLine } from "../../../lib/engine/strandedThreads";
import type { CheckResult } from "../../../lib/render/check";
import { nodeTsArgv } from "../../../runner/tsNode";

export const REPO = path.resolve(__dirname, "..", "..", "..");
export const STACKS = path.join(REPO, "tests", "lab", "stacks");
export const DOCKER_BIN = "/opt/docker-overlay/engine/bin/docker";
export const LAB_STATE_DIR = process.env["DOCKER_OVERLAY_LAB_STATE_DIR"] ?? "/var/lib/docker-overlay/lab";
const LAB_CLEAN = path.join(REPO, "scripts", "lab-clean.sh");

// ------------------------------------------------------------ processes

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** The environment for child processes: nothing that could point the docker CLI or the lab elsewhere. */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!/^DOCKER_(HOST|CONTEXT|TLS_VERIFY|CERT_PATH|CONFIG)$/.test(k)) {
            env[k] = v;
        }
    }
    for (const [k, v] of Object.entries(extra)) {
        if (v === undefined) {
            delete env[k];
        } else {
            env[k] = v;
        }
    }
    return env;
}

/** Runs a program to completion (never throws for a non-zero exit). */
export function run(
    file: string,
    args: readonly string[],
    opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string | undefined> } = {},
): Promise<RunResult> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        execFile(
            file,
            [...args],
            { cwd: opts.cwd ?? REPO, env: cleanEnv(opts.env), maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 300_000, killSignal: "SIGTERM" },
            (err, stdout, stderr) => {
                const seconds = (Date.now() - started) / 1000;
                if (err !== null && typeof (err as { code?: unknown }).code !== "number") {
                    if ((err as { killed?: boolean }).killed === true) {
                        resolve({ code: -1, stdout, stderr: `${stderr}\n(killed after ${seconds}s: timeout)`, seconds });
                        return;
                    }
                    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an Error at run time; @types/node builds ExecFileException with Omit<>, which hides its Error base
                    reject(err);
                    return;
                }
                resolve({ code: err === null ? 0 : ((err as { code: number }).code ?? -1), stdout, stderr, seconds });
            },
        );
    });
}

/** One line for the suite's log; mocha's spec reporter keeps it next to the test. */
export function note(message: string): void {
    process.stdout.write(`      [lab] ${message}\n`);
}

/** Measured durations, printed once at the end of the run (tests/lab/support/root-hooks.ts). */
export const timings: { what: string; seconds: number }[] = [];

// ------------------------------------------------------------ the lab CLI

export interface LabResult<T = unknown> extends RunResult {
    /** The parsed JSON document, when --json was given and stdout held one. */
    json?: T;
}

export async function lab<T = unknown>(
    command: "up" | "preview" | "down" | "status" | "check" | "diagnose",
    stackFile: string,
    json = true,
    env?: Record<string, string | undefined>,
): Promise<LabResult<T>> {
    const [node, ...args] = nodeTsArgv(path.join(REPO, "tools", "lab.ts"), command, stackFile, ...(json ? ["--json"] : []));
    const r: LabResult<T> = await run(node, args, { timeoutMs: 400_000, ...(env !== undefined ? { env } : {}) });
    if (json && r.stdout.trim().startsWith("{")) {
        try {
            r.json = JSON.parse(r.stdout) as T;
        } catch {
            // Left undefined: the caller's assertion shows stdout.
        }
    }
    return r;
}

/** `npm run lab -- engine stop|start <host> <stack-file> --json` (lab/engineProcess.ts), its JSON. */
export async function labEngine(action: "stop" | "start", host: string, stackFile: string): Promise<LabResult<EngineCommandResult>> {
    const [node, ...args] = nodeTsArgv(path.join(REPO, "tools", "lab.ts"), "engine", action, host, stackFile, "--json");
    const r: LabResult<EngineCommandResult> = await run(node, args, { timeoutMs: 120_000 });
    if (r.code === 0) {
        r.json = JSON.parse(r.stdout) as EngineCommandResult;
    }
    return r;
}

/** Output of a failed child process, for assertion messages. */
export function describeRun(r: RunResult): string {
    const tail = (s: string) => s.trim().split("\n").slice(-40).join("\n");
    return `exit ${r.code} after ${r.seconds.toFixed(1)}s\n--- stdout (end) ---\n${tail(r.stdout)}\n--- stderr (end) ---\n${tail(r.stderr)}`;
}

/** The program's stack outputs (index.ts) as the lab saves them: plain JSON, null where the program exports null. */
export interface StackExports {
    kv?: { backend: string; url: string } | null;
    swarm?: SwarmSummary | null;
    hosts?: HostSummary[];
    networks?: { name: string; subnet: string; gateway?: string }[];
    placements?: Record<string, string>;
    containers?: ContainerSummary[];
    connectivity?: CheckResult | null;
    registeredEngines?: string[] | null;
    [name: string]: unknown;
}

/** `lab up --json`: lab/stack.ts's UpResult, its exports typed as the program writes them. */
export type UpJson = Omit<UpResult, "exports"> & { exports?: StackExports };

/** `lab down --json`. */
export type DownJson = DownResult;

export interface StatusJson {
    hosts: { name: string; dockerHost: string; address: string }[];
    kv: { backend: string; url: string };
    containers: { name: string; host: string; networks: Record<string, string> }[];
}

/** `lab check --json`: lab/stack.ts's labCheck result. */
export type CheckJson = CheckReport & SwarmVerdict & { notes: string[] };

/** What a test needs to know of a stack file: its stack name and netns driver settings. */
export interface StackInfo {
    file: string;
    stack: string;
    bridge: string;
    underlay: string;
    runDir: string;
    stateDir: string;
    /** The stack's config keys without the "docker-overlay:" prefix, as the YAML has them. */
    raw: Record<string, unknown>;
}

export function stackInfo(file: string): StackInfo {
    const base = path.basename(file);
    const m = /^Pulumi\.(.+)\.ya?ml$/.exec(base);
    if (m === null) {
        throw new Error(`${file}: not a Pulumi.<stack>.yaml file`);
    }
    const stack = m[1];
    const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config ?? {})) {
        raw[k.replace(/^docker-overlay:/, "")] = v;
    }
    const driver = (raw["driver"] ?? {}) as Record<string, string>;
    return {
        file,
        stack,
        bridge: driver["bridge"] ?? "dovl0",
        underlay: driver["underlay"] ?? "10.199.0.0/24",
        runDir: driver["runDir"] ?? `/run/docker-overlay/${stack}`,
        stateDir: driver["stateDir"] ?? `/var/lib/docker-overlay/${stack}`,
        raw,
    };
}

/**
 * For a failed `up`: each netns engine's gossip lines (serf members joining,
 * joins refused: lib/engine/gossip.ts), so a connectivity failure in CI shows
 * whether an engine was left out of the overlay's gossip. Empty when there are none.
 */
export function gossipDigest(stateDir: string): string {
    const out: string[] = [];
    for (const machine of fs.existsSync(stateDir) ? fs.readdirSync(stateDir).sort() : []) {
        const log = netnsEngineLog(stateDir, machine);
        if (log === undefined) {
            continue;
        }
        // The engine's starts and its serf's events; memberlist's complaints about the probes'
        // datagrams to udp/7946 (`msg type (100) not supported`: 'd', the probe's payload) only counted.
        const all = log.split("\n").filter((l) => /serf: EventMember|joining serf neighbor|memberlist: |Initializing discovery|API listen on/.test(l));
        const strays = all.filter((l) => /memberlist: msg type \([0-9]+\) not supported/.test(l));
        const lines = all
            .filter((l) => !strays.includes(l))
            .slice(-16)
            .map((l) => `    ${l.slice(0, 240)}`);
        out.push(
            `  ${machine}: ${lines.length === 0 ? "no gossip lines" : ""}${strays.length > 0 ? `(and ${strays.length} stray datagrams to udp/7946)` : ""}`,
            ...lines,
        );
    }
    return out.length === 0 ? "" : `\n--- the engines' gossip (dockerd.log) ---\n${out.join("\n")}`;
}

/**
 * For a failed step: each netns engine's threads stranded in a deleted network
 * namespace (lib/engine/strandedThreads.ts: dockerd 20.10's overlay driver), which make
 * store calls fail with `network is unreachable`. Empty when there are none.
 */
export function strandedDigest(info: StackInfo): string {
    const lines = (fs.existsSync(info.runDir) ? fs.readdirSync(info.runDir).sort() : [])
        .map((name) => strandedLine(name, netnsStrandedThreads({ stack: info.stack, runDir: info.runDir, name }) ?? []))
        .filter((l) => l !== "");
    return lines.length === 0 ? "" : `\n--- engine threads in deleted network namespaces ---\n${lines.join("\n")}`;
}

/** What the engines can tell about a failed step: their gossip, their stranded threads. */
export function engineDigest(info: StackInfo): string {
    return gossipDigest(info.stateDir) + strandedDigest(info);
}

export function statePathOf(s: StackInfo): string {
    return path.join(LAB_STATE_DIR, `${s.stack}.json`);
}

/** Every stack and bridge the tests used: the root hook checks that nothing of them is left. */
export const stacksUsed = new Set<string>();
export const bridgesUsed = new Set<string>();
/** Every LabStack made: the root hook takes down any a file's own `after` did not. */
export const allStacks: LabStack[] = [];

/**
 * One stack under test: `up` once, several tests, `down` in an `after` hook
 * that runs even when the tests (or `up`) failed.
 */
export class LabStack {
    readonly info: StackInfo;
    upResult: LabResult<UpJson> | undefined;
    private status_: StatusJson | undefined;
    /** Set once this process started an `up` of the stack (so `down` is ours to run). */
    owned = false;
    downDone = false;

    constructor(file: string) {
        this.info = stackInfo(file);
        stacksUsed.add(this.stack);
        bridgesUsed.add(this.info.bridge);
        allStacks.push(this);
    }

    get stack(): string {
        return this.info.stack;
    }

    /**
     * For a test stack (bridge dovlt*): takes down whatever an earlier, aborted run
     * left of it. For any other stack (the dev stack): refuses to touch it when
     * it is already up, since it may be someone else's.
     */
    async prepare(): Promise<void> {
        const leftovers = await labClean(["--check", "--stack", this.stack, "--bridge", this.info.bridge], { strict: true });
        if (leftovers.code === 0 && !fs.existsSync(statePathOf(this.info))) {
            return;
        }
        if (!this.info.bridge.startsWith("dovlt")) {
            throw new Error(
                `stack ${this.stack} (bridge ${this.info.bridge}) is already up or left something behind; it may be someone else's, so the test does not touch it:\n${leftovers.stdout}` +
                    `\ntake it down with: npm run lab -- down ${path.relative(REPO, this.info.file)}`,
            );
        }
        note(`${this.stack}: clearing what an earlier run left behind`);
        const d = await lab<DownJson>("down", this.info.file);
        if (d.code !== 0) {
            throw new Error(`down of the leftovers of ${this.stack} failed: ${describeRun(d)}`);
        }
    }

    async up(): Promise<LabResult<UpJson>> {
        await this.prepare();
        this.owned = true;
        const r = await lab<UpJson>("up", this.info.file);
        this.upResult = r;
        timings.push({ what: `up ${this.stack}`, seconds: r.seconds });
        note(`up ${this.stack}: exit ${r.code} in ${r.seconds.toFixed(1)}s (lab: ${r.json?.seconds?.toFixed(1) ?? "?"}s)`);
        return r;
    }

    /** `up` that must succeed, with its JSON; a failure carries what the engines logged of their gossip. */
    async upOk(): Promise<UpJson> {
        const r = await this.up();
        if (r.code !== 0 || r.json?.ok !== true) {
            throw new Error(`up ${this.stack} failed: ${r.json?.error ?? describeRun(r)}${engineDigest(this.info)}`);
        }
        return r.json;
    }

    async down(): Promise<LabResult<DownJson>> {
        const r = await lab<DownJson>("down", this.info.file);
        timings.push({ what: `down ${this.stack}`, seconds: r.seconds });
        note(
            `down ${this.stack}: exit ${r.code} in ${r.seconds.toFixed(1)}s${r.json ? ` (${r.json.deleted.length} deleted, ${r.json.absent.length} already gone, ${r.json.failed.length} failed, from ${r.json.source})` : ""}`,
        );
        if (r.code === 0) {
            this.downDone = true;
        }
        return r;
    }

    /**
     * For `after` hooks: takes the stack down if this process brought it up and
     * no test did already; a second `down` retries what the first could not
     * delete. Throws (failing the hook) if something stays behind.
     */
    async teardown(): Promise<void> {
        if (!this.owned || this.downDone) {
            return;
        }
        let r = await this.down();
        if (r.code !== 0) {
            note(`down ${this.stack} failed, retrying: ${describeRun(r)}`);
            r = await this.down();
        }
        const clean = await this.leftovers();
        if (r.code !== 0 || clean.code !== 0) {
            throw new Error(`teardown of ${this.stack} left something behind:\n${describeRun(r)}\n${clean.stdout}`);
        }
    }

    /**
     * `down`, which must succeed with nothing failed and leave nothing of the
     * stack (lab-clean's check); returns its result for further assertions.
     */
    async downClean(): Promise<LabResult<DownJson>> {
        const r = await this.down();
        assert.equal(r.code, 0, describeRun(r));
        assert.deepEqual(r.json?.failed, []);
        const left = await this.leftovers();
        assert.equal(left.code, 0, left.stdout);
        return r;
    }

    /** `lab-clean.sh --check` for this stack and its bridge only. */
    leftovers(): Promise<RunResult> {
        return labClean(["--check", "--stack", this.stack, "--bridge", this.info.bridge], { strict: true });
    }

    async status(refresh = false): Promise<StatusJson> {
        if (this.status_ === undefined || refresh) {
            const r = await lab<StatusJson>("status", this.info.file);
            if (r.code !== 0 || r.json === undefined) {
                throw new Error(`status ${this.stack} failed: ${describeRun(r)}`);
            }
            this.status_ = r.json;
        }
        return this.status_;
    }

    async check(): Promise<LabResult<CheckJson>> {
        const r = await lab<CheckJson>("check", this.info.file);
        note(`check ${this.stack}: exit ${r.code} in ${r.seconds.toFixed(1)}s${r.json ? ` (${r.json.passed} of ${r.json.pairs.length} pairs hold)` : ""}`);
        return r;
    }

    async host(name: string): Promise<{ name: string; dockerHost: string; address: string }> {
        const h = (await this.status()).hosts.find((x) => x.name === name);
        if (h === undefined) {
            throw new Error(`stack ${this.stack} has no host ${name}`);
        }
        return h;
    }

    /** The host a container was placed on (from status). */
    async hostOf(container: string): Promise<string> {
        const c = (await this.status()).containers.find((x) => x.name === container);
        if (c === undefined) {
            throw new Error(`stack ${this.stack} has no container ${container}`);
        }
        return c.host;
    }

    /** `docker -H <host's socket> ...` */
    async docker(host: string, args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
        const h = await this.host(host);
        return run(DOCKER_BIN, ["-H", h.dockerHost, ...args], { timeoutMs });
    }

    /** `docker -H <host's socket> ...`, which must succeed: its stdout, trimmed. */
    async dockerOut(host: string, args: readonly string[]): Promise<string> {
        const r = await this.docker(host, args);
        assert.equal(r.code, 0, describeRun(r));
        return r.stdout.trim();
    }

    /** `docker exec` in a container, on the host it was placed on. */
    async exec(container: string, cmd: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
        return this.docker(await this.hostOf(container), ["exec", container, ...cmd], timeoutMs);
    }

    /** The container's address on a network, as its engine reports it now. */
    async ipOf(container: string, network: string, host?: string): Promise<string> {
        const r = await this.docker(host ?? (await this.hostOf(container)), [
            "inspect",
            "-f",
            `{{with index .NetworkSettings.Networks "${network}"}}{{.IPAddress}}{{end}}`,
            container,
        ]);
        if (r.code !== 0) {
            throw new Error(`inspect ${container}: ${describeRun(r)}`);
        }
        return r.stdout.trim();
    }

    /** Pings `target` once from `from`; with a name, also the address it resolved to. */
    async ping(from: string, target: string, host?: string): Promise<PingResult> {
        const r = await this.docker(host ?? (await this.hostOf(from)), ["exec", from, "ping", "-c", "1", "-W", "2", target], 30_000);
        // busybox: "PING c2 (10.0.0.2): 56 data bytes"
        const m = /^PING \S+ \(([0-9.]+)\)/m.exec(r.stdout);
        return { ok: r.code === 0, resolved: m?.[1], output: `${r.stdout}${r.stderr}`.trim(), code: r.code };
    }
}

export interface PingResult {
    ok: boolean;
    /** The address the target resolved to, when ping printed it. */
    resolved?: string;
    output: string;
    code: number;
}

/** Runs `fn` until it returns without throwing, at most `timeoutMs`; rethrows the last error. */
export async function eventually<T>(what: string, timeoutMs: number, fn: () => Promise<T>, intervalMs = 1000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    const started = Date.now();
    let attempts = 0;
    for (;;) {
        attempts++;
        try {
            const v = await fn();
            if (attempts > 1) {
                note(`${what}: held after ${((Date.now() - started) / 1000).toFixed(1)}s (${attempts} attempts)`);
            }
            return v;
        } catch (err) {
            if (Date.now() + intervalMs > deadline) {
                (err as Error).message =
                    `${what}: still failing after ${((Date.now() - started) / 1000).toFixed(1)}s (${attempts} attempts): ${(err as Error).message}`;
                throw err;
            }
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

// ------------------------------------------------------------ lab-clean

/**
 * `scripts/lab-clean.sh <args>`. `strict` drops the exceptions the
 * environment may carry (DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_*): a check of the
 * tests' own stacks must never skip anything.
 */
export function labClean(args: readonly string[], opts: { strict?: boolean } = {}): Promise<RunResult> {
    const env = opts.strict === true ? { DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_BRIDGES: undefined, DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_STACKS: undefined } : {};
    return run("/bin/bash", [LAB_CLEAN, ...args], { env, timeoutMs: 120_000 });
}

// ------------------------------------------------------------ KV stores

/** GET a JSON document from the stack's KV store (an address on the stack's own bridge). */
export async function kvGet<T = unknown>(url: string): Promise<{ status: number; body: T | undefined }> {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    let body: T | undefined;
    try {
        body = JSON.parse(text) as T;
    } catch {
        body = undefined;
    }
    return { status: res.status, body };
}

/** `consul://10.199.0.2:8500` -> `http://10.199.0.2:8500` */
export function kvHttp(url: string): string {
    return url.replace(/^[a-z]+:\/\//, "http://");
}

// ------------------------------------------------------------ daemons

// A lab machine's daemon stopped and started again as its create script started it: lab/engineProcess.ts
// (also what `npm run lab -- engine stop|start` runs).
export { alive, captureDaemon, namedNetnsOf, startDaemon, stopDaemon } from "../../../lab/engineProcess";
export type { DaemonLaunch } from "../../../lab/engineProcess";
import type { EngineCommandResult } from "../../../lab/engineProcess";
