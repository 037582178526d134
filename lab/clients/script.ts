/**
 * Local scripts as the command provider runs a `command:local:Command`'s
 * (lab/resources/localCommand.ts): the script through
 * the resource's `interpreter` (the provider's default is `/bin/sh -c`, so the
 * lab uses that too: a bash-only script fails here as it would under
 * `pulumi up`), with `environment` merged over the process's own.
 */
import { spawn } from "child_process";

/** The command provider's default interpreter on Linux. */
export const DEFAULT_INTERPRETER: readonly string[] = ["/bin/sh", "-c"];

export interface ScriptRun {
    script: string;
    interpreter?: readonly string[];
    environment?: Record<string, string>;
    dir?: string;
    stdin?: string;
}

export interface ScriptResult {
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
}

/** Runs scripts; replaced by a fake in unit tests. */
export type ScriptRunner = (run: ScriptRun) => Promise<ScriptResult>;

export const runScript: ScriptRunner = (run) =>
    new Promise((resolve, reject) => {
        const [program, ...args] = run.interpreter ?? DEFAULT_INTERPRETER;
        const child = spawn(program, [...args, run.script], {
            cwd: run.dir,
            env: { ...process.env, ...(run.environment ?? {}) },
            stdio: [run.stdin !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
        });
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        child.stdout!.on("data", (c: Buffer) => stdout.push(c));
        child.stderr!.on("data", (c: Buffer) => stderr.push(c));
        child.on("error", reject);
        child.on("close", (code, signal) =>
            resolve({ code, signal, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
        );
        if (child.stdin !== null) {
            // A script that exits without reading its stdin closes the pipe: not an error of ours.
            child.stdin.on("error", () => undefined);
            child.stdin.end(run.stdin);
        }
    });

/** The provider reports stdout/stderr without their final newline. */
export function trimOutput(text: string): string {
    return text.replace(/\r?\n$/, "");
}

/** The last `lines` lines of `text`, for error messages. */
export function tail(text: string, lines = 30): string {
    const all = text.replace(/\s+$/, "").split("\n");
    return (all.length > lines ? ["...", ...all.slice(-lines)] : all).join("\n");
}

/** One error message for a failed script: what ran, how it ended, and the end of its output. */
export function scriptFailure(what: string, result: ScriptResult): string {
    const how = result.signal !== null ? `was killed by ${result.signal}` : `exited with code ${String(result.code)}`;
    const parts = [`${what} ${how}`];
    if (result.stderr.trim() !== "") {
        parts.push(`--- stderr (end) ---\n${tail(result.stderr)}`);
    }
    if (result.stdout.trim() !== "") {
        parts.push(`--- stdout (end) ---\n${tail(result.stdout, 10)}`);
    }
    return parts.join("\n");
}
