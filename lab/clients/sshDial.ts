/**
 * Docker over `ssh://user@host:port`, the way the docker provider (and the
 * docker CLI) reach such an engine: the docker CLI's connection helper
 * (docker/cli cli/connhelper) runs the SYSTEM ssh client,
 *
 *     ssh -o ConnectTimeout=30 -T -l <user> -p <port> -- <host> docker system dial-stdio
 *
 * and speaks HTTP over its stdin/stdout. Identity and host-key trust are the
 * ssh client's: ~/.ssh/config, ssh-agent, known_hosts, and whatever `ssh`
 * comes first on PATH (the ssh lab points PATH at a wrapper with its own
 * config; see tests/lab/fixtures/sshMachines.ts). The remote side needs
 * `docker` on the ssh user's PATH and permission to use the engine.
 *
 * One ssh process per HTTP connection (no keep-alive), like the docker CLI's
 * helper without connection reuse.
 */
import { ChildProcess, spawn } from "child_process";
import * as http from "http";
import { Duplex } from "stream";
import { assertLabLocal } from "../net";

export interface SshDockerTarget {
    user: string;
    host: string;
    port: number;
    /** Path of the engine's socket on the remote machine (`ssh://h/var/run/docker.sock`); default the remote docker's own. */
    socketPath?: string;
}

/** `ssh://user@host:port[/socket/path]` -> its parts; the user defaults to none (ssh's own default), the port to 22. */
export function parseSshDockerHost(url: string): SshDockerTarget {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new Error(`docker host "${url}": not an ssh:// URL`);
    }
    if (u.protocol !== "ssh:" || u.hostname === "") {
        throw new Error(`docker host "${url}": expected ssh://[user@]host[:port]`);
    }
    if (u.password !== "") {
        throw new Error(`docker host "${url}": a password in an ssh:// docker host is not supported (the docker CLI refuses it too)`);
    }
    return {
        user: decodeURIComponent(u.username),
        host: u.hostname.replace(/^\[|\]$/g, ""),
        port: u.port === "" ? 22 : Number(u.port),
        ...(u.pathname !== "" && u.pathname !== "/" ? { socketPath: u.pathname } : {}),
    };
}

/** The argv (after `ssh`) the docker CLI's connection helper runs for a target. */
export function dialStdioArgs(t: SshDockerTarget): string[] {
    const docker = ["docker", ...(t.socketPath !== undefined ? ["--host", `unix://${t.socketPath}`] : []), "system", "dial-stdio"];
    return ["-o", "ConnectTimeout=30", "-T", ...(t.user !== "" ? ["-l", t.user] : []), "-p", String(t.port), "--", t.host, ...docker];
}

/** Maps ssh's failure text to the socket error codes the lab's "engine gone" checks know. */
export function sshFailureCode(stderr: string): string | undefined {
    if (/Connection refused/i.test(stderr)) return "ECONNREFUSED";
    if (/No route to host/i.test(stderr)) return "EHOSTUNREACH";
    if (/Network is unreachable/i.test(stderr)) return "ENETUNREACH";
    if (/timed out/i.test(stderr)) return "ETIMEDOUT";
    return undefined;
}

/**
 * A stream over one `ssh ... docker system dial-stdio` process. Its readable
 * side ends only once ssh has exited: with status 0 it ends cleanly; otherwise
 * the stream fails with ssh's own message (and a socket error code where ssh
 * says why), so a refused or unreachable machine is told apart from an engine
 * that hung up.
 */
export class DialStdioStream extends Duplex {
    private readonly child: ChildProcess;
    private readonly stderr: Buffer[] = [];

    constructor(
        private readonly target: SshDockerTarget,
        sshCommand: string,
    ) {
        super();
        this.child = spawn(sshCommand, dialStdioArgs(target), { stdio: ["pipe", "pipe", "pipe"] });
        const out = this.child.stdout!;
        out.on("data", (c: Buffer) => {
            if (!this.push(c)) {
                out.pause();
            }
        });
        this.child.stderr!.on("data", (c: Buffer) => this.stderr.push(c));
        // A write to a dead ssh is reported by its exit below.
        this.child.stdin!.on("error", () => undefined);
        this.child.on("error", (err) => this.destroy(err));
        this.child.on("close", (code, signal) => {
            if (this.destroyed) {
                return;
            }
            if (code === 0) {
                this.push(null);
                return;
            }
            const text = Buffer.concat(this.stderr).toString("utf8").trim();
            const who = `${this.target.user === "" ? "" : `${this.target.user}@`}${this.target.host}:${this.target.port}`;
            this.destroy(
                Object.assign(
                    new Error(`ssh ${who} docker system dial-stdio ${code !== null ? `exited ${code}` : `was killed by ${String(signal)}`}: ${text}`),
                    {
                        code: sshFailureCode(text),
                    },
                ),
            );
        });
    }

    override _read(): void {
        this.child.stdout!.resume();
    }

    override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
        this.child.stdin!.write(chunk, () => callback());
    }

    override _final(callback: (err?: Error | null) => void): void {
        this.child.stdin!.end();
        callback();
    }

    override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
        if (this.child.exitCode === null && this.child.signalCode === null) {
            this.child.kill("SIGTERM");
        }
        callback(err);
    }

    // http.ClientRequest may call these on its socket; a pipe has nothing to set.
    setTimeout(): this {
        return this;
    }
    setNoDelay(): this {
        return this;
    }
    setKeepAlive(): this {
        return this;
    }
    ref(): this {
        return this;
    }
    unref(): this {
        return this;
    }
}

/**
 * An http.Agent whose every connection is a fresh `ssh ... docker system
 * dial-stdio`. Refuses a host that is not lab-local before anything is sent.
 */
export class SshDialStdioAgent extends http.Agent {
    constructor(
        readonly target: SshDockerTarget,
        private readonly sshCommand = "ssh",
    ) {
        super({ keepAlive: false });
        assertLabLocal(target.host);
    }

    createConnection(): Duplex {
        return new DialStdioStream(this.target, this.sshCommand);
    }
}
