/**
 * The lab's client of one Docker engine: dockerode over the docker provider's
 * `host` (`unix://`, `tcp://` with TLS material, `ssh://` through the system
 * ssh client), reduced to what the applier's resources, `status` and `check`
 * need (EngineClient, faked in unit tests). What a resource's inputs become as
 * Engine API requests lives with each resource (lab/resources/).
 */
import Docker from "dockerode";
import { PassThrough } from "stream";
import { assertLabLocal } from "../net";
import { parseSshDockerHost, SshDialStdioAgent } from "./sshDial";
import { ContainerFile, tarOf } from "./tar";

export { ContainerFile, tarOf } from "./tar";

/** The parts of `GET /networks/{id}` the lab reads. */
export interface NetworkInspect {
    Id: string;
    Name: string;
    Driver: string;
    Scope: string;
    /** Endpoint id -> its container; on a global (cluster-store) overlay also the other engines', as `ep-<endpoint id>`. */
    Containers?: Record<string, { Name?: string; IPv4Address?: string }> | null;
    /** A swarm-scope overlay: the nodes with a container on it (networkdb), on an engine that has one. */
    Peers?: { Name?: string; IP?: string }[] | null;
    Internal?: boolean;
    Attachable?: boolean;
    Ingress?: boolean;
    EnableIPv6?: boolean;
    IPAM?: {
        Driver?: string;
        Options?: Record<string, string> | null;
        Config?: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] | null;
    };
    Options?: Record<string, string> | null;
    Labels?: Record<string, string> | null;
}

/** The parts of `GET /containers/{id}/json` the lab reads. */
export interface ContainerInspect {
    Id: string;
    Name: string;
    Config?: { Hostname?: string; Image?: string };
    Image?: string;
    State?: {
        Running?: boolean;
        Status?: string;
        ExitCode?: number;
        Error?: string;
        Health?: { Status: string; FailingStreak?: number; Log?: { ExitCode: number; Output?: string }[] | null } | null;
    };
    NetworkSettings?: {
        Networks?: Record<
            string,
            { IPAddress?: string; IPPrefixLen?: number; Gateway?: string; MacAddress?: string; GlobalIPv6Address?: string; IPv6Gateway?: string }
        > | null;
    };
}

/** Where a docker provider points: its `host` and TLS material. */
export interface DockerEndpoint {
    host: string;
    caMaterial?: string;
    certMaterial?: string;
    keyMaterial?: string;
}

/** dockerode options for a docker provider's `host` (`unix://`, `tcp://` or `ssh://`); anything else is refused. */
export function dockerodeOptions(endpoint: DockerEndpoint): Docker.DockerOptions {
    const host = endpoint.host;
    if (host.startsWith("unix://")) {
        const socketPath = host.slice("unix://".length);
        if (!socketPath.startsWith("/")) {
            throw new Error(`docker host ${host}: expected unix:///absolute/path`);
        }
        return { socketPath };
    }
    if (host.startsWith("tcp://")) {
        const url = new URL(`http://${host.slice("tcp://".length)}`);
        const tls = endpoint.certMaterial !== undefined || endpoint.keyMaterial !== undefined || endpoint.caMaterial !== undefined;
        return {
            host: url.hostname,
            port: url.port === "" ? (tls ? 2376 : 2375) : Number(url.port),
            protocol: tls ? "https" : "http",
            ...(endpoint.caMaterial !== undefined ? { ca: endpoint.caMaterial } : {}),
            ...(endpoint.certMaterial !== undefined ? { cert: endpoint.certMaterial } : {}),
            ...(endpoint.keyMaterial !== undefined ? { key: endpoint.keyMaterial } : {}),
        };
    }
    if (host.startsWith("ssh://")) {
        // As the docker provider does: the system ssh client runs `docker system dial-stdio` there.
        const target = parseSshDockerHost(host);
        // docker-modem takes an http.Agent (`agent`), which its typings leave out.
        return { protocol: "http", host: target.host, port: target.port, agent: new SshDialStdioAgent(target) } as Docker.DockerOptions;
    }
    throw new Error(`docker host "${host}": the lab applier speaks unix://, tcp:// and ssh:// only`);
}

export interface ImageInfo {
    Id: string;
    RepoDigests?: string[];
}

export interface ExecResult {
    exitCode: number;
    output: string;
}

/** What the applier, `status` and `check` need from one engine. Faked in unit tests. */
export interface EngineClient {
    readonly host: string;
    /** The daemon's `_ping`: what the docker provider's MakeClient asks before any call (kreuzwerker v4.5.0 internal/provider/config.go:196). */
    ping(): Promise<void>;
    inspectImage(name: string): Promise<ImageInfo | undefined>;
    pullImage(name: string): Promise<void>;
    /** false when the image was not there. */
    removeImage(name: string, force: boolean): Promise<boolean>;
    createNetwork(req: Docker.NetworkCreateOptions): Promise<string>;
    inspectNetwork(idOrName: string): Promise<NetworkInspect>;
    removeNetwork(idOrName: string): Promise<boolean>;
    createContainer(req: Docker.ContainerCreateOptions): Promise<string>;
    connectNetwork(network: string, container: string, endpoint: Docker.EndpointSettings): Promise<void>;
    startContainer(id: string): Promise<void>;
    /** Puts files into a (created, not yet started) container. Optional: fakes without it cannot take `uploads`. */
    uploadFiles?(id: string, files: readonly ContainerFile[]): Promise<void>;
    inspectContainer(idOrName: string): Promise<ContainerInspect | undefined>;
    containerLogs(id: string, tail: number): Promise<string>;
    removeContainer(idOrName: string, removeVolumes: boolean): Promise<boolean>;
    exec(container: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
}

/** True for the engine's "no such object" answers. */
export function isNotFound(err: unknown): boolean {
    return (err as { statusCode?: number }).statusCode === 404;
}

/** True when the engine itself is not there (socket gone, nothing listening): its objects went with it. */
export function isEngineGone(err: unknown): boolean {
    const code = (err as { code?: string }).code;
    return code === "ENOENT" || code === "ECONNREFUSED" || code === "EHOSTUNREACH" || code === "ENOTFOUND";
}

export class DockerodeEngine implements EngineClient {
    readonly host: string;
    private readonly docker: Docker;

    constructor(endpoint: DockerEndpoint) {
        this.host = endpoint.host;
        const options = dockerodeOptions(endpoint);
        if (options.host !== undefined) {
            assertLabLocal(options.host);
        }
        this.docker = new Docker(options);
    }

    async ping(): Promise<void> {
        await this.docker.ping();
    }

    async inspectImage(name: string): Promise<ImageInfo | undefined> {
        try {
            return await this.docker.getImage(name).inspect();
        } catch (err) {
            if (isNotFound(err)) {
                return undefined;
            }
            throw err;
        }
    }

    async pullImage(name: string): Promise<void> {
        const stream = await this.docker.pull(name);
        await new Promise<void>((resolve, reject) => {
            this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
        });
    }

    async removeImage(name: string, force: boolean): Promise<boolean> {
        return notFoundIsFalse(() => this.docker.getImage(name).remove({ force }));
    }

    async createNetwork(req: Docker.NetworkCreateOptions): Promise<string> {
        const net = await this.docker.createNetwork(req);
        return net.id;
    }

    async inspectNetwork(idOrName: string): Promise<NetworkInspect> {
        return (await this.docker.getNetwork(idOrName).inspect()) as NetworkInspect;
    }

    async removeNetwork(idOrName: string): Promise<boolean> {
        return notFoundIsFalse(() => this.docker.getNetwork(idOrName).remove());
    }

    async createContainer(req: Docker.ContainerCreateOptions): Promise<string> {
        const c = await this.docker.createContainer(req);
        return c.id;
    }

    async connectNetwork(network: string, container: string, endpoint: Docker.EndpointSettings): Promise<void> {
        await this.docker.getNetwork(network).connect({ Container: container, EndpointConfig: endpoint });
    }

    async startContainer(id: string): Promise<void> {
        await this.docker.getContainer(id).start();
    }

    async uploadFiles(id: string, files: readonly ContainerFile[]): Promise<void> {
        await this.docker.getContainer(id).putArchive(tarOf(files), { path: "/" });
    }

    async inspectContainer(idOrName: string): Promise<ContainerInspect | undefined> {
        try {
            return await this.docker.getContainer(idOrName).inspect();
        } catch (err) {
            if (isNotFound(err)) {
                return undefined;
            }
            throw err;
        }
    }

    async containerLogs(id: string, tail: number): Promise<string> {
        const buf = await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false });
        return demuxBuffer(buf);
    }

    async removeContainer(idOrName: string, removeVolumes: boolean): Promise<boolean> {
        return notFoundIsFalse(() => this.docker.getContainer(idOrName).remove({ force: true, v: removeVolumes }));
    }

    async exec(container: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
        const exec = await this.docker.getContainer(container).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
        const stream = await exec.start({ hijack: true, stdin: false });
        const out = new PassThrough();
        const chunks: Buffer[] = [];
        out.on("data", (c: Buffer) => chunks.push(c));
        this.docker.modem.demuxStream(stream, out, out);
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => {
                stream.destroy();
                reject(new Error(`exec ${cmd.join(" ")} in ${container} on ${this.host}: no answer in ${timeoutMs} ms`));
            }, timeoutMs);
            stream.on("end", () => {
                clearTimeout(timer);
                resolve();
            });
            stream.on("close", () => {
                clearTimeout(timer);
                resolve();
            });
            stream.on("error", (err: Error) => {
                clearTimeout(timer);
                reject(err);
            });
        });
        const info = await exec.inspect();
        return { exitCode: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString("utf8") };
    }
}

async function notFoundIsFalse(op: () => Promise<unknown>): Promise<boolean> {
    try {
        await op();
        return true;
    } catch (err) {
        if (isNotFound(err)) {
            return false;
        }
        throw err;
    }
}

/** Docker's multiplexed log format (8-byte frame headers) to text; plain text passes through. */
export function demuxBuffer(buf: Buffer): string {
    if (!Buffer.isBuffer(buf)) {
        return String(buf);
    }
    const parts: Buffer[] = [];
    let i = 0;
    while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
        const size = buf.readUInt32BE(i + 4);
        parts.push(buf.subarray(i + 8, i + 8 + size));
        i += 8 + size;
    }
    return i === 0 ? buf.toString("utf8") : Buffer.concat(parts).toString("utf8");
}
