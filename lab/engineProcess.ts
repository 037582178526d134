/**
 * A netns lab machine's daemon (its engine, its KV store) stopped and started again
 * exactly as the machine's create script started it: the argv and environment read
 * from /proc, the machine's network namespace and hostname. The lab tests stop
 * engines and stores with it (restart, KV outage, several managers), and
 * `npm run lab -- engine stop|start <host>` (lab/stack.ts labEngine) gives the same to
 * someone trying a cluster by hand: stop a manager, ask the others with the docker CLI,
 * start it again.
 */
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import { promisify } from "util";

const execFileAsync = promisify(execFile);

/** A daemon of a lab machine as it runs now: enough to start it again the same way. */
export interface DaemonLaunch {
    pid: number;
    argv: string[];
    /** Its environment (the create script runs it under `env -i` with a fixed PATH). */
    env: Record<string, string>;
    /** Name of the network namespace it runs in (`ip netns identify`). */
    netns: string;
    hostname: string;
    /** Where its output goes (the machine's log in its state directory). */
    log: string;
}

function readNul(file: string): string[] {
    return fs
        .readFileSync(file)
        .toString("utf8")
        .split("\0")
        .filter((s) => s !== "");
}

/** The daemon whose pid `pidFile` holds, as it runs now (its output goes to `log`). */
export async function captureDaemon(pidFile: string, log: string): Promise<DaemonLaunch> {
    const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 1) {
        throw new Error(`${pidFile}: no pid`);
    }
    const argv = readNul(`/proc/${pid}/cmdline`);
    const env = Object.fromEntries(
        readNul(`/proc/${pid}/environ`).map((kv) => {
            const i = kv.indexOf("=");
            return [kv.slice(0, i), kv.slice(i + 1)];
        }),
    );
    const netns = namedNetnsOf(pid);
    const host = await execFileAsync("nsenter", ["--target", String(pid), "--uts", "hostname"], { encoding: "utf8" }).then(
        (r) => r.stdout.trim(),
        (e: unknown) => {
            throw new Error(`cannot tell the hostname of pid ${pid}: ${e instanceof Error ? e.message : String(e)}`);
        },
    );
    if (host === "") {
        throw new Error(`cannot tell the hostname of pid ${pid}: nsenter printed nothing`);
    }
    return { pid, argv, env, netns, hostname: host, log };
}

/**
 * The named network namespace (/run/netns/<name>) a process runs in, by the
 * namespaces' inodes of all its threads: the one named namespace among them.
 * Not /proc/<pid>/ns/net alone, which is the main thread's: dockerd's Go
 * threads enter container and overlay namespaces to configure them, and a
 * locked goroutine that ends there leaves its thread in that namespace for
 * good (Go wedges the main thread rather than end it), so the main thread can
 * be in an unnamed namespace (measured on t-restart's h2: one of dockerd's
 * threads sat in another namespace in 400 of 400 samples). Reading the main
 * thread only failed three times in full lab runs (never alone): "pid ...
 * (dockerd, net ...) runs in no named network namespace". (`ip netns identify`
 * reads the same main-thread link, and was seen to print nothing.)
 */
export function namedNetnsOf(pid: number): string {
    const inodes = new Set<string>();
    for (const link of [`/proc/${pid}/ns/net`, ...fs.readdirSync(`/proc/${pid}/task`).map((t) => `/proc/${pid}/task/${t}/ns/net`)]) {
        try {
            const { dev, ino } = fs.statSync(link);
            inodes.add(`${dev}:${ino}`);
        } catch {
            // a thread that just ended
        }
    }
    const seen: string[] = [];
    const names = fs.readdirSync("/run/netns").filter((n) => {
        try {
            const st = fs.statSync(`/run/netns/${n}`);
            seen.push(`${n}=${st.dev}:${st.ino}`);
            return inodes.has(`${st.dev}:${st.ino}`);
        } catch (e) {
            seen.push(`${n}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
            return false; // being created or deleted
        }
    });
    if (names.length !== 1) {
        const comm = fs.existsSync(`/proc/${pid}/comm`) ? fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() : "?";
        throw new Error(
            `pid ${pid} (${comm}, threads in net ${[...inodes].join(", ")}) runs in ${names.length === 0 ? "no named network namespace" : `several named namespaces (${names.join(", ")})`}; /run/netns: ${seen.join(", ")}`,
        );
    }
    return names[0];
}

/** true while `pid` exists (signal 0; EPERM: it exists, owned by another user). */
export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** SIGTERM, then wait until the process is gone (at most `timeoutMs`). */
export async function stopDaemon(pid: number, timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    process.kill(pid, "SIGTERM");
    while (alive(pid)) {
        if (Date.now() - started > timeoutMs) {
            throw new Error(`pid ${pid} still running ${timeoutMs / 1000}s after SIGTERM`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    return (Date.now() - started) / 1000;
}

/**
 * Starts a daemon again exactly as the netns driver's create script does
 * (lib/drivers/netns.ts start_daemon): same argv and environment, inside the
 * machine's network namespace (nsenter --net), with its own hostname
 * (unshare --uts), detached (a session of its own), output appended to its log.
 * Every wrapper execs the next, so the returned pid is the daemon's.
 */
export function startDaemon(d: DaemonLaunch): number {
    const out = fs.openSync(d.log, "a");
    try {
        // detached: the child calls setsid(), a session of its own, as `setsid nohup` gives the script's daemons.
        const child = spawn(
            "nsenter",
            [
                `--net=/var/run/netns/${d.netns}`,
                "unshare",
                "--uts",
                "--",
                "sh",
                "-c",
                'hostname "$1" && shift && exec "$@"',
                "set-hostname",
                d.hostname,
                ...d.argv,
            ],
            { env: d.env, stdio: ["ignore", out, out], detached: true },
        );
        child.unref();
        if (child.pid === undefined) {
            throw new Error(`could not start ${d.argv[0]}`);
        }
        return child.pid;
    } finally {
        fs.closeSync(out);
    }
}

/** What `npm run lab -- engine stop|start <host>` did (lab/stack.ts labEngine). */
export interface EngineCommandResult {
    host: string;
    action: "stop" | "start";
    /** The engine's pid: the one stopped, or the new one. */
    pid: number;
    /** stop: until the process was gone; start: until the engine answered on its socket. */
    seconds: number;
    /** The machine's hostname the engine ran (or runs again) under. */
    hostname: string;
    /** The daemon's argv[0] (its dockerd). */
    argv0: string;
    /** The engine's log, where a start that does not answer says why. */
    log: string;
    /** How to reach the engine with the docker CLI: `<docker> -H <dockerHost> ...`. */
    dockerHost: string;
    docker: string;
}

/** Where a netns engine's process lives, and where `stop` keeps how to start it again. */
export interface EngineFiles {
    host: string;
    pidFile: string;
    log: string;
    /** `stop` writes the DaemonLaunch here; `start` reads it and removes it. */
    saved: string;
    dockerHost: string;
    docker: string;
}

function livePid(pidFile: string): number | undefined {
    const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, "utf8").trim() : "";
    const pid = Number(text);
    return text !== "" && Number.isInteger(pid) && pid > 1 && alive(pid) ? pid : undefined;
}

/**
 * Stops a netns engine (SIGTERM, as `kill` does; at most 60 s) after saving how it was
 * started, so that `startEngine` starts it again the same way.
 */
export async function stopEngine(f: EngineFiles): Promise<EngineCommandResult> {
    const pid = livePid(f.pidFile);
    if (pid === undefined) {
        throw new Error(`the engine of ${f.host} is not running (no live pid in ${f.pidFile})`);
    }
    const launch = await captureDaemon(f.pidFile, f.log);
    fs.writeFileSync(f.saved, JSON.stringify(launch) + "\n", { mode: 0o600 });
    return commandResult(f, "stop", launch, pid, await stopDaemon(pid));
}

/** Starts an engine `stopEngine` stopped, as it was started; waits (at most 60 s) until it answers on its socket. */
export async function startEngine(f: EngineFiles): Promise<EngineCommandResult> {
    const running = livePid(f.pidFile);
    if (running !== undefined) {
        throw new Error(`the engine of ${f.host} is running (pid ${running})`);
    }
    if (!fs.existsSync(f.saved)) {
        throw new Error(
            `the engine of ${f.host} was not stopped by \`npm run lab -- engine stop ${f.host}\`, so nothing says how to start it again; \`npm run lab -- down\` and \`up\` make it anew`,
        );
    }
    const launch = JSON.parse(fs.readFileSync(f.saved, "utf8")) as DaemonLaunch;
    const started = Date.now();
    const pid = startDaemon(launch);
    for (;;) {
        const answer = await execFileAsync(f.docker, ["-H", f.dockerHost, "version", "--format", "{{.Server.Version}}"], { timeout: 10_000 }).then(
            () => true,
            () => false,
        );
        if (answer) {
            break;
        }
        if (!alive(pid) || Date.now() - started > 60_000) {
            throw new Error(
                `the engine of ${f.host} (pid ${pid}) ${alive(pid) ? "does not answer on its socket 60s after its start" : "exited"}; see ${f.log}`,
            );
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    fs.rmSync(f.saved, { force: true });
    return commandResult(f, "start", launch, pid, (Date.now() - started) / 1000);
}

function commandResult(f: EngineFiles, action: EngineCommandResult["action"], launch: DaemonLaunch, pid: number, seconds: number): EngineCommandResult {
    return { host: f.host, action, pid, seconds, hostname: launch.hostname, argv0: launch.argv[0], log: f.log, dockerHost: f.dockerHost, docker: f.docker };
}
