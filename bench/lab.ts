/**
 * The benchmark's use of the lab: `npm run lab -- up|down <stack-file> --json`
 * as child processes (as tests/lab does), the state file the applier kept,
 * and commands run inside the lab's namespaces and engines.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { UpResult } from "../lab/stack";
import { LabState, readState, statePath } from "../lab/state";
import { loadStackFile } from "../lib/config/load";
import { nodeTsArgv } from "../runner/tsNode";

export const REPO = path.resolve(__dirname, "..");
/** The engines' docker CLI (scripts/lab-deps.sh): the lab's engine is 20.10, so is its client. */
export const DOCKER_CLI = "/opt/docker-overlay/engine/bin/docker";

export interface Exec {
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
    seconds: number;
}

/** Runs `argv` with a time limit; never throws for a non-zero exit. */
export function run(argv: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; onSpawn?: (pid: number) => void } = {}): Promise<Exec> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd ?? REPO, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
        if (child.pid !== undefined) {
            opts.onSpawn?.(child.pid);
        }
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (c: Buffer) => out.push(c));
        child.stderr.on("data", (c: Buffer) => err.push(c));
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
        child.on("error", (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.on("close", (code, signal) => {
            clearTimeout(timer);
            resolve({
                code,
                signal,
                stdout: Buffer.concat(out).toString("utf8"),
                stderr: Buffer.concat(err).toString("utf8"),
                seconds: Number(process.hrtime.bigint() - started) / 1e9,
            });
        });
    });
}

/** `node -r runner/register.js tools/lab.ts <args>` (what `npm run lab --` runs). */
export function labCommand(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 600_000, onSpawn?: (pid: number) => void): Promise<Exec> {
    return run(nodeTsArgv(path.join(REPO, "tools", "lab.ts"), ...args), { env, timeoutMs, onSpawn });
}

const CPUACCT = "/sys/fs/cgroup/cpuacct";

/**
 * The CPU time of a process tree: a cgroup v1 cpuacct group its root is moved
 * into as it starts (everything it forks stays in it, daemons included; the
 * engines' containers go to cgroups of their own). Undefined where there is no
 * cpuacct hierarchy.
 */
export class CpuAccount {
    private constructor(private readonly dir: string) {}

    static create(name: string): CpuAccount | undefined {
        if (!fs.existsSync(path.join(CPUACCT, "cpuacct.usage"))) {
            return undefined;
        }
        const dir = path.join(CPUACCT, name);
        try {
            fs.mkdirSync(dir);
        } catch {
            return undefined;
        }
        return new CpuAccount(dir);
    }

    add(pid: number): void {
        fs.writeFileSync(path.join(this.dir, "cgroup.procs"), String(pid));
    }

    /** CPU seconds used so far by everything in the group. */
    seconds(): number {
        return Number(fs.readFileSync(path.join(this.dir, "cpuacct.usage"), "utf8").trim()) / 1e9;
    }

    /** Removes the group, moving anything still in it back to the root group first. */
    remove(): void {
        try {
            const left = fs
                .readFileSync(path.join(this.dir, "cgroup.procs"), "utf8")
                .trim()
                .split("\n")
                .filter((x) => x !== "");
            for (const pid of left) {
                try {
                    fs.writeFileSync(path.join(CPUACCT, "cgroup.procs"), pid);
                } catch {
                    // gone meanwhile
                }
            }
            fs.rmdirSync(this.dir);
        } catch {
            // best effort
        }
    }
}

/**
 * The state file the lab kept for a stack (lab/state.ts), or undefined when
 * there is none or it cannot be read.
 */
export function readLabState(stackFile: string): LabState | undefined {
    const file = statePath(loadStackFile(stackFile).stack);
    try {
        return readState(file);
    } catch {
        return undefined;
    }
}

export interface UpOutcome {
    /** `seconds` of the lab's own report: the whole run, program start-up included. */
    total: number;
    /** The `lab up` process from spawn to exit (ts-node's start-up and, on a running stack, the preview included). */
    wall: number;
    /** CPU seconds of `lab up` and everything it started (engines, KV store), until it exited; undefined without cpuacct. */
    cpu?: number;
    /** From the first resource's start to the last one's end: the apply itself. */
    apply: number;
    /** Seconds before the first resource started (loading and running the program). */
    startup: number;
    /** Custom resources in the order they began, with their times relative to the run's start. */
    timeline: { type: string; name: string; start: number; end: number }[];
    state: LabState;
}

/**
 * Refuses to bring a stack up while its underlay is already routed here (a
 * leftover of an interrupted run under another bridge name, or someone
 * else's lab): the benchmark's traffic and the KV health checks would go to
 * the wrong machines.
 */
export async function assertUnderlayFree(stackFile: string): Promise<void> {
    const underlay = (loadStackFile(stackFile).raw.driver as { underlay?: string } | undefined)?.underlay;
    if (underlay === undefined) {
        return;
    }
    const r = await run(["ip", "-o", "-4", "route", "show", "exact", underlay], { timeoutMs: 10_000 });
    if (r.code !== 0 || r.stdout.trim() !== "") {
        throw new Error(`${stackFile}: its underlay ${underlay} is already routed here (${(r.stdout + r.stderr).trim()}); remove that first`);
    }
}

/** What one `lab up <file> --json` process did: its report (lab/stack.ts's UpResult), times and the state it left. */
export interface UpRun {
    report: Pick<UpResult, "ok" | "seconds" | "noop" | "changes" | "steps" | "error">;
    /** Epoch milliseconds when the process was spawned. */
    spawnedAt: number;
    /** Spawn to exit, seconds. */
    wall: number;
    cpu?: number;
    state: LabState;
}

/**
 * `lab up <file> --json`, from nothing or on a stack that is already up (then
 * the lab previews and applies the steps, lab/executor.ts); throws unless it
 * succeeded.
 */
export async function labUpRun(stackFile: string, env: NodeJS.ProcessEnv = process.env, cpu?: CpuAccount): Promise<UpRun> {
    const spawnedAt = Date.now();
    const r = await labCommand(["up", stackFile, "--json"], env, 600_000, (pid) => cpu?.add(pid));
    const cpuSeconds = cpu?.seconds();
    let report: UpRun["report"] | undefined;
    try {
        report = JSON.parse(r.stdout) as UpRun["report"];
    } catch {
        report = undefined;
    }
    if (r.code !== 0 || report === undefined || !report.ok) {
        throw new Error(`lab up ${stackFile} failed (${r.signal ?? `exit ${r.code}`}): ${report?.error ?? r.stderr.trim().split("\n").slice(-20).join("\n")}`);
    }
    const state = readLabState(stackFile);
    if (state === undefined) {
        throw new Error(`lab up ${stackFile}: no state file after a successful up`);
    }
    return { report, spawnedAt, wall: r.seconds, ...(cpuSeconds !== undefined ? { cpu: cpuSeconds } : {}), state };
}

/** `lab up` of a stack that is not up (its underlay must be free): the applier's timeline from the state file. */
export async function labUp(stackFile: string, env: NodeJS.ProcessEnv = process.env, cpu?: CpuAccount): Promise<UpOutcome> {
    await assertUnderlayFree(stackFile);
    const { report, wall, cpu: cpuSeconds, state } = await labUpRun(stackFile, env, cpu);
    const t0 = Date.parse(state.startedAt);
    const timeline = state.resources
        .filter((x) => x.custom && x.endedAt !== undefined)
        .map((x) => ({ type: x.type, name: x.name, start: (Date.parse(x.startedAt) - t0) / 1000, end: (Date.parse(x.endedAt as string) - t0) / 1000 }));
    const first = Math.min(...timeline.map((x) => x.start));
    const last = Math.max(...timeline.map((x) => x.end));
    return { total: report.seconds, wall, ...(cpuSeconds !== undefined ? { cpu: cpuSeconds } : {}), apply: last - first, startup: first, timeline, state };
}

/** `lab down`; returns its seconds, throws when something was left behind. */
export async function labDown(stackFile: string): Promise<number> {
    const r = await labCommand(["down", stackFile, "--json"]);
    let report: { ok: boolean; seconds: number; failed: { urn: string; error: string }[] } | undefined;
    try {
        report = JSON.parse(r.stdout) as { ok: boolean; seconds: number; failed: { urn: string; error: string }[] };
    } catch {
        report = undefined;
    }
    if (r.code !== 0 || report === undefined || !report.ok) {
        throw new Error(
            `lab down ${stackFile} failed: ${report !== undefined ? report.failed.map((f) => `${f.urn}: ${f.error}`).join("; ") : r.stderr.trim().split("\n").slice(-20).join("\n")}`,
        );
    }
    return report.seconds;
}

/** Brings a stack down if anything of it may exist (a state file, or its bridge); never throws. */
export async function labDownQuietly(stackFile: string, log: (line: string) => void): Promise<void> {
    const { raw } = loadStackFile(stackFile);
    const bridge = (raw.driver as { bridge?: string } | undefined)?.bridge;
    const bridgeExists = bridge !== undefined && fs.existsSync(`/sys/class/net/${bridge}`);
    if (readLabState(stackFile) === undefined && !bridgeExists) {
        return;
    }
    try {
        await labDown(stackFile);
    } catch (err) {
        log(`warning: ${(err as Error).message}`);
    }
}

/** Copies the daemons' logs of a stack (under its state directory) somewhere that outlives its `down`. */
export function keepLogs(stackFile: string): string | undefined {
    const { stack } = loadStackFile(stackFile);
    const from = path.join("/var/lib/docker-overlay", stack);
    if (!fs.existsSync(from)) {
        return undefined;
    }
    const to = fs.mkdtempSync(path.join(os.tmpdir(), `docker-overlay-bench-failed-${stack}-`));
    for (const machine of fs.readdirSync(from)) {
        for (const f of ["dockerd.log", "consul.log", "etcd.log"]) {
            const src = path.join(from, machine, f);
            if (fs.existsSync(src)) {
                fs.copyFileSync(src, path.join(to, `${machine}-${f}`));
            }
        }
    }
    const state = `/var/lib/docker-overlay/lab/${stack}.json`;
    if (fs.existsSync(state)) {
        fs.copyFileSync(state, path.join(to, "state.json"));
    }
    return to;
}

/** Attempts per measurement: a failed `up` is recorded, torn down and tried again this many times in all. */
export const ATTEMPTS = 3;

export interface AttemptFailure {
    /** 1-based. */
    attempt: number;
    /** The first line of the error. */
    error: string;
    /** Where the engines' and the KV store's logs of the failed attempt were kept. */
    logs?: string;
}

/**
 * Runs `body` (a measurement that brings `stackFile` up) up to ATTEMPTS times.
 * A failed attempt (e.g. the program's connectivity check finding a host cut
 * off) is a result too: its daemons' logs are kept, `onFailure` records it,
 * the stack is torn down and the body tried again; the last failure is thrown.
 */
export async function withAttempts<T>(
    o: { stackFile: string; log: (line: string) => void; onFailure: (f: AttemptFailure) => void },
    body: (attempt: number) => Promise<T>,
): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await body(attempt);
        } catch (err) {
            const logs = keepLogs(o.stackFile);
            o.onFailure({ attempt, error: (err as Error).message.split("\n")[0], ...(logs !== undefined ? { logs } : {}) });
            await labDownQuietly(o.stackFile, o.log);
            if (attempt >= ATTEMPTS) {
                throw err;
            }
        }
    }
}
