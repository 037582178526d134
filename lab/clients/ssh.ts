/**
 * ssh as the command provider uses it for a `command:remote:Command` (read in
 * pulumi/pulumi-command's provider/pkg/provider/remote/commandOutputs.go and
 * the older remotecommand.go; the resource is lab/resources/remoteCommand.ts):
 * one ssh connection per run with the
 * connection's user and private key (or password), the host key checked
 * against `connection.hostKey` when set (only that key's algorithm offered,
 * any other key refused) and accepted unchecked otherwise, each `environment` entry sent as an ssh "env" request whose refusal
 * is ignored (sshd accepts only what its AcceptEnv allows), `stdin` piped in,
 * and the command string run by an ssh "exec" request, i.e. through the
 * remote user's login shell (`$SHELL -c <command>`). The dial is retried (the
 * provider retries up to 10 times).
 *
 * The lab talks only to its own machines: the host must be lab-local
 * (lab/net.ts) before any packet is sent.
 */
import { Client, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm } from "ssh2";
import { describeKeyBlob, HostKey, hostKeyAlgorithms, isPinnedKey, parseHostKey } from "../../lib/ssh/hostKey";
import { assertLabLocal } from "../net";

/** `connection` as @pulumi/command 1.x sends it (its SDK fills in port 22 and user root). */
export interface RemoteConnectionInputs {
    host?: string;
    port?: number;
    user?: string;
    privateKey?: string;
    password?: string;
    /** The server's pinned public key (`<type> <base64>`); without it any key is accepted. */
    hostKey?: string;
    /** @pulumi/command 1.x: dial attempts before giving up (default 10). */
    dialErrorLimit?: number;
    /** @pulumi/command 1.x: seconds each dial may take (default 15). */
    perDialTimeout?: number;
}

export interface RemoteRun {
    connection: RemoteConnectionInputs;
    command: string;
    environment?: Record<string, string>;
    stdin?: string;
}

export interface RemoteResult {
    /** The command's exit status; null when it ended by a signal. */
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
}

/** Runs one remote command; replaced by a fake in unit tests. */
export type RemoteRunner = (run: RemoteRun) => Promise<RemoteResult>;

/** The ssh connection could not be made (refused, unreachable, authentication failed). */
export class RemoteDialError extends Error {
    constructor(
        readonly target: string,
        readonly code: string | undefined,
        message: string,
    ) {
        super(`ssh ${target}: ${message}`);
        this.name = "RemoteDialError";
    }
}

/** Errors after which a new dial may succeed (sshd not up yet, or busy). Authentication failures are final. */
function retryable(err: unknown): boolean {
    const code = (err as { code?: string }).code;
    const level = (err as { level?: string }).level;
    return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT" || code === "EHOSTUNREACH" || level === "client-timeout";
}

export interface DialOptions {
    /** Attempts in all (the provider's dial gives up after about 10). */
    attempts: number;
    /** Pause before the second attempt, doubled each time up to `maxDelayMs`. */
    firstDelayMs: number;
    maxDelayMs: number;
    /** ssh handshake timeout per attempt. */
    readyTimeoutMs: number;
}

export const DEFAULT_DIAL: DialOptions = { attempts: 10, firstDelayMs: 250, maxDelayMs: 4000, readyTimeoutMs: 15_000 };

/**
 * ssh2's connect options for a connection: key first, password as the fallback
 * (the provider's order). `presented` receives the key the server showed.
 */
export function connectConfig(c: RemoteConnectionInputs, readyTimeoutMs: number, presented: (key: Buffer) => void = () => undefined): ConnectConfig {
    if (c.host === undefined || c.host === "") {
        throw new Error("connection.host is not set");
    }
    const pinned = c.hostKey !== undefined ? parseHostKey(c.hostKey) : undefined;
    if (typeof pinned === "string") {
        throw new Error(`connection.hostKey ${pinned}`);
    }
    return {
        host: c.host.replace(/^\[|\]$/g, ""),
        port: c.port ?? 22,
        username: c.user ?? "root",
        ...(c.privateKey !== undefined ? { privateKey: c.privateKey } : {}),
        ...(c.password !== undefined ? { password: c.password, tryKeyboard: true } : {}),
        // As the provider: with connection.hostKey only that key (and its algorithm); without it, any key.
        ...(pinned !== undefined ? { algorithms: { serverHostKey: hostKeyAlgorithms(pinned) as ServerHostKeyAlgorithm[] } } : {}),
        hostVerifier: (key: Buffer) => {
            presented(key);
            return pinned === undefined || isPinnedKey(pinned, key);
        },
        readyTimeout: readyTimeoutMs,
        keepaliveInterval: 0,
    };
}

function dialOnce(config: ConnectConfig): Promise<Client> {
    return new Promise((resolve, reject) => {
        const client = new Client();
        let settled = false;
        client.once("ready", () => {
            settled = true;
            resolve(client);
        });
        client.on("error", (err) => {
            if (!settled) {
                settled = true;
                client.end();
                reject(err);
            }
        });
        // ssh2 offers keyboard-interactive only when asked; answer every prompt with the password.
        client.on("keyboard-interactive", (_name, _instr, _lang, prompts, finish) => finish(prompts.map(() => (config.password as string) ?? "")));
        client.connect(config);
    });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Dials with the provider's retries; throws RemoteDialError with the last error. */
export async function dial(c: RemoteConnectionInputs, opts: DialOptions = DEFAULT_DIAL): Promise<Client> {
    const target = `${c.user ?? "root"}@${c.host}:${c.port ?? 22}`;
    assertLabLocal(c.host ?? "");
    let shown: Buffer | undefined;
    const config = connectConfig(c, opts.readyTimeoutMs, (key) => (shown = key));
    // connectConfig has refused a hostKey that does not parse.
    const pinned = c.hostKey !== undefined ? (parseHostKey(c.hostKey) as HostKey) : undefined;
    let delay = opts.firstDelayMs;
    for (let attempt = 1; ; attempt++) {
        try {
            return await dialOnce(config);
        } catch (err) {
            if (pinned !== undefined && shown !== undefined && !isPinnedKey(pinned, shown)) {
                const want = describeKeyBlob(Buffer.from(pinned.blob, "base64"));
                throw new RemoteDialError(
                    target,
                    "EHOSTKEY",
                    `host key mismatch: the machine presented ${describeKeyBlob(shown)}, not the pinned connection.hostKey ${want}; refusing to run anything there`,
                );
            }
            if (attempt >= opts.attempts || !retryable(err)) {
                const e = err as { code?: string; message: string };
                throw new RemoteDialError(target, e.code, `${e.message}${attempt > 1 ? ` (after ${attempt} attempts)` : ""}`);
            }
            await sleep(delay);
            delay = Math.min(delay * 2, opts.maxDelayMs);
        }
    }
}

function execOn(client: Client, run: RemoteRun): Promise<RemoteResult> {
    return new Promise((resolve, reject) => {
        // ssh2 sends each env entry as an "env" request (want-reply false): a refusal by
        // sshd's AcceptEnv is silent, as the provider ignores Session.Setenv's error.
        const env = run.environment !== undefined && Object.keys(run.environment).length > 0 ? { env: run.environment } : {};
        client.exec(run.command, env, (err: Error | undefined, channel: ClientChannel) => {
            if (err) {
                reject(err);
                return;
            }
            const stdout: Buffer[] = [];
            const stderr: Buffer[] = [];
            let code: number | null = null;
            let signal: string | null = null;
            channel.on("data", (c: Buffer) => stdout.push(c));
            channel.stderr.on("data", (c: Buffer) => stderr.push(c));
            channel.on("exit", (exitCode: number | null, exitSignal?: string) => {
                code = typeof exitCode === "number" ? exitCode : null;
                signal = exitSignal ?? null;
            });
            channel.on("close", () =>
                resolve({ code, signal, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
            );
            channel.on("error", reject);
            if (run.stdin !== undefined && run.stdin !== "") {
                channel.end(run.stdin);
            } else {
                channel.end();
            }
        });
    });
}

export const runRemote: RemoteRunner = async (run) => {
    const client = await dial(run.connection, {
        ...DEFAULT_DIAL,
        ...(run.connection.dialErrorLimit !== undefined && run.connection.dialErrorLimit > 0 ? { attempts: run.connection.dialErrorLimit } : {}),
        ...(run.connection.perDialTimeout !== undefined && run.connection.perDialTimeout > 0 ? { readyTimeoutMs: run.connection.perDialTimeout * 1000 } : {}),
    });
    try {
        return await execOn(client, run);
    } finally {
        client.end();
    }
};
