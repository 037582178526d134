/**
 * The Docker side of the lab applier: how a `@pulumi/docker` resource's
 * inputs become Docker Engine API requests (pure functions, unit-tested), and
 * a small client over dockerode that performs them against one engine.
 *
 * The translation follows what the docker provider does with the same
 * inputs, and refuses inputs it does not translate: the lab must never drop
 * an input silently and report success.
 */
import Docker from "dockerode";
import { PassThrough } from "stream";
import { assertLabLocal } from "./net";

export const NETWORK_TYPE = "docker:index/network:Network";
export const CONTAINER_TYPE = "docker:index/container:Container";
export const REMOTE_IMAGE_TYPE = "docker:index/remoteImage:RemoteImage";
export const DOCKER_PROVIDER_TYPE = "pulumi:providers:docker";

// ------------------------------------------------------------------ inputs

export interface Label {
    label: string;
    value: string;
}

export interface IpamConfigInput {
    subnet?: string;
    gateway?: string;
    ipRange?: string;
    auxAddress?: Record<string, string>;
}

export interface NetworkInputs {
    name?: string;
    driver?: string;
    ipamConfigs?: IpamConfigInput[];
    ipamDriver?: string;
    ipamOptions?: Record<string, string>;
    internal?: boolean;
    attachable?: boolean;
    ingress?: boolean;
    ipv6?: boolean;
    options?: Record<string, string>;
    labels?: Label[];
    checkDuplicate?: boolean;
}

export interface NetworkAttachmentInput {
    name: string;
    ipv4Address?: string;
    ipv6Address?: string;
    aliases?: string[];
}

export interface ContainerInputs {
    name?: string;
    image?: string;
    command?: string[];
    entrypoint?: string[];
    hostname?: string;
    domainname?: string;
    envs?: string[];
    labels?: Label[];
    networksAdvanced?: NetworkAttachmentInput[];
    networkMode?: string;
    restart?: string;
    maxRetryCount?: number;
    mustRun?: boolean;
    start?: boolean;
    user?: string;
    workingDir?: string;
    tty?: boolean;
    stdinOpen?: boolean;
    privileged?: boolean;
    rm?: boolean;
    init?: boolean;
    removeVolumes?: boolean;
    attach?: boolean;
    logs?: boolean;
}

export interface RemoteImageInputs {
    name?: string;
    keepLocally?: boolean;
    forceRemove?: boolean;
    pullTriggers?: string[];
    triggers?: Record<string, string>;
}

export interface DockerProviderInputs {
    host?: string;
    caMaterial?: string;
    certMaterial?: string;
    keyMaterial?: string;
}

/** Inputs the lab translates, per type. Anything else is refused by `assertKnownInputs`. */
export const KNOWN_INPUTS: Record<string, readonly string[]> = {
    [NETWORK_TYPE]: ["name", "driver", "ipamConfigs", "ipamDriver", "ipamOptions", "internal", "attachable", "ingress", "ipv6", "options", "labels", "checkDuplicate"],
    [CONTAINER_TYPE]: [
        "name", "image", "command", "entrypoint", "hostname", "domainname", "envs", "labels", "networksAdvanced", "networkMode",
        "restart", "maxRetryCount", "mustRun", "start", "user", "workingDir", "tty", "stdinOpen", "privileged", "rm", "init",
        "removeVolumes", "attach", "logs",
    ],
    [REMOTE_IMAGE_TYPE]: ["name", "keepLocally", "forceRemove", "pullTriggers", "triggers"],
    [DOCKER_PROVIDER_TYPE]: ["host", "caMaterial", "certMaterial", "keyMaterial", "version"],
};

/** Throws, naming the resource and the inputs, if `inputs` carries anything the lab does not translate. */
export function assertKnownInputs(type: string, urn: string, inputs: Record<string, unknown>): void {
    const known = KNOWN_INPUTS[type];
    if (known === undefined) {
        throw new Error(`lab: no input table for ${type} (${urn})`);
    }
    const unknown = Object.keys(inputs).filter((k) => inputs[k] !== undefined && !known.includes(k));
    if (unknown.length > 0) {
        throw new Error(`${type} ${urn}: the lab applier does not translate input(s) ${unknown.map((k) => `"${k}"`).join(", ")}; refusing to create it without them`);
    }
}

function labelMap(labels: Label[] | undefined): Record<string, string> | undefined {
    if (labels === undefined || labels.length === 0) {
        return undefined;
    }
    return Object.fromEntries(labels.map((l) => [l.label, l.value]));
}

function required<T>(value: T | undefined, what: string, type: string, urn: string): T {
    if (value === undefined || value === null || value === "") {
        throw new Error(`${type} ${urn}: input "${what}" is not set. The real provider would compute one; the lab needs every Docker object named explicitly.`);
    }
    return value;
}

// ----------------------------------------------------------------- network

/** The body of `POST /networks/create` the docker provider sends for these inputs. */
export function networkCreateRequest(urn: string, inputs: NetworkInputs): Docker.NetworkCreateOptions {
    assertKnownInputs(NETWORK_TYPE, urn, inputs as Record<string, unknown>);
    const req: Docker.NetworkCreateOptions = {
        Name: required(inputs.name, "name", NETWORK_TYPE, urn),
        CheckDuplicate: inputs.checkDuplicate ?? true,
    };
    if (inputs.driver !== undefined) {
        req.Driver = inputs.driver;
    }
    if (inputs.options !== undefined) {
        req.Options = { ...inputs.options };
    }
    if (inputs.internal !== undefined) {
        req.Internal = inputs.internal;
    }
    if (inputs.attachable !== undefined) {
        req.Attachable = inputs.attachable;
    }
    if (inputs.ingress !== undefined) {
        req.Ingress = inputs.ingress;
    }
    if (inputs.ipv6 !== undefined) {
        req.EnableIPv6 = inputs.ipv6;
    }
    const labels = labelMap(inputs.labels);
    if (labels !== undefined) {
        req.Labels = labels;
    }
    if (inputs.ipamConfigs !== undefined || inputs.ipamDriver !== undefined || inputs.ipamOptions !== undefined) {
        req.IPAM = {
            Driver: inputs.ipamDriver ?? "default",
            Config: (inputs.ipamConfigs ?? []).map((c) => ({
                ...(c.subnet !== undefined ? { Subnet: c.subnet } : {}),
                ...(c.ipRange !== undefined ? { IPRange: c.ipRange } : {}),
                ...(c.gateway !== undefined ? { Gateway: c.gateway } : {}),
                ...(c.auxAddress !== undefined ? { AuxiliaryAddresses: { ...c.auxAddress } } : {}),
            })),
            ...(inputs.ipamOptions !== undefined ? { Options: { ...inputs.ipamOptions } } : {}),
        };
    }
    return req;
}

/** The parts of `GET /networks/{id}` the lab reads. */
export interface NetworkInspect {
    Id: string;
    Name: string;
    Driver: string;
    Scope: string;
    Internal?: boolean;
    Attachable?: boolean;
    Ingress?: boolean;
    EnableIPv6?: boolean;
    IPAM?: { Driver?: string; Options?: Record<string, string> | null; Config?: { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] | null };
    Options?: Record<string, string> | null;
    Labels?: Record<string, string> | null;
}

/** Resource state as the docker provider reports it after create: the inputs, overlaid with what the engine says. */
export function networkState(inputs: NetworkInputs, net: NetworkInspect): Record<string, unknown> {
    return {
        ...inputs,
        name: net.Name,
        driver: net.Driver,
        scope: net.Scope,
        internal: net.Internal ?? false,
        attachable: net.Attachable ?? false,
        ingress: net.Ingress ?? false,
        ipv6: net.EnableIPv6 ?? false,
        ipamDriver: net.IPAM?.Driver ?? "default",
        ipamConfigs: (net.IPAM?.Config ?? []).map((c) => ({
            subnet: c.Subnet ?? "",
            gateway: c.Gateway ?? "",
            ipRange: c.IPRange ?? "",
            auxAddress: c.AuxiliaryAddresses ?? {},
        })),
        options: net.Options ?? {},
    };
}

// --------------------------------------------------------------- container

/** A container create request plus the networks to connect after it (the docker API takes one network at create). */
export interface ContainerPlan {
    create: Docker.ContainerCreateOptions;
    connect: { network: string; endpoint: Docker.EndpointSettings }[];
    start: boolean;
    mustRun: boolean;
}

function endpointSettings(a: NetworkAttachmentInput): Docker.EndpointSettings {
    const settings: Docker.EndpointSettings = {};
    if (a.aliases !== undefined && a.aliases.length > 0) {
        settings.Aliases = [...a.aliases];
    }
    if (a.ipv4Address !== undefined || a.ipv6Address !== undefined) {
        settings.IPAMConfig = {
            ...(a.ipv4Address !== undefined ? { IPv4Address: a.ipv4Address } : {}),
            ...(a.ipv6Address !== undefined ? { IPv6Address: a.ipv6Address } : {}),
        };
    }
    return settings;
}

/**
 * `POST /containers/create` for these inputs: the first of `networksAdvanced`
 * (or `networkMode`) is the network the container is created on, the rest
 * are connected before it starts. Its addresses come from IPAMConfig when an
 * `ipv4Address` is given.
 */
export function containerPlan(urn: string, inputs: ContainerInputs): ContainerPlan {
    assertKnownInputs(CONTAINER_TYPE, urn, inputs as Record<string, unknown>);
    if (inputs.attach === true || inputs.logs === true) {
        throw new Error(`${CONTAINER_TYPE} ${urn}: attach/logs are not supported by the lab applier`);
    }
    for (const part of inputs.command ?? []) {
        if (part === "") {
            // The provider rejects this too ("values for command may not be empty").
            throw new Error(`${CONTAINER_TYPE} ${urn}: values for command may not be empty`);
        }
    }
    const attachments = inputs.networksAdvanced ?? [];
    for (const [i, a] of attachments.entries()) {
        required(a.name, `networksAdvanced[${i}].name`, CONTAINER_TYPE, urn);
    }
    const mode = inputs.networkMode ?? attachments[0]?.name;
    const first = attachments.find((a) => a.name === mode);
    const create: Docker.ContainerCreateOptions = {
        name: required(inputs.name, "name", CONTAINER_TYPE, urn),
        Image: required(inputs.image, "image", CONTAINER_TYPE, urn),
        Tty: inputs.tty ?? false,
        OpenStdin: inputs.stdinOpen ?? false,
        HostConfig: {
            RestartPolicy: { Name: inputs.restart ?? "no", MaximumRetryCount: inputs.maxRetryCount ?? 0 },
            Privileged: inputs.privileged ?? false,
            AutoRemove: inputs.rm ?? false,
            Init: inputs.init ?? false,
            ...(mode !== undefined ? { NetworkMode: mode } : {}),
        },
    };
    if (inputs.hostname !== undefined) {
        create.Hostname = inputs.hostname;
    }
    if (inputs.domainname !== undefined) {
        create.Domainname = inputs.domainname;
    }
    if (inputs.command !== undefined) {
        create.Cmd = [...inputs.command];
    }
    if (inputs.entrypoint !== undefined) {
        create.Entrypoint = [...inputs.entrypoint];
    }
    if (inputs.envs !== undefined && inputs.envs.length > 0) {
        create.Env = [...inputs.envs];
    }
    if (inputs.user !== undefined) {
        create.User = inputs.user;
    }
    if (inputs.workingDir !== undefined) {
        create.WorkingDir = inputs.workingDir;
    }
    const labels = labelMap(inputs.labels);
    if (labels !== undefined) {
        create.Labels = labels;
    }
    if (first !== undefined) {
        create.NetworkingConfig = { EndpointsConfig: { [first.name]: endpointSettings(first) } };
    }
    return {
        create,
        connect: attachments.filter((a) => a !== first).map((a) => ({ network: a.name, endpoint: endpointSettings(a) })),
        start: inputs.start ?? true,
        mustRun: inputs.mustRun ?? true,
    };
}

/** The parts of `GET /containers/{id}/json` the lab reads. */
export interface ContainerInspect {
    Id: string;
    Name: string;
    Config?: { Hostname?: string; Image?: string };
    Image?: string;
    State?: { Running?: boolean; Status?: string; ExitCode?: number; Error?: string };
    NetworkSettings?: {
        Networks?: Record<string, { IPAddress?: string; IPPrefixLen?: number; Gateway?: string; MacAddress?: string; GlobalIPv6Address?: string; IPv6Gateway?: string }> | null;
    };
}

export interface NetworkData {
    networkName: string;
    ipAddress: string;
    ipPrefixLength: number;
    gateway: string;
    macAddress: string;
    globalIpv6Address: string;
    ipv6Gateway: string;
}

/** `networkDatas` as the provider reports them: one entry per attached network, in the order the inputs list them. */
export function networkDatas(inputs: ContainerInputs, c: ContainerInspect): NetworkData[] {
    const networks = c.NetworkSettings?.Networks ?? {};
    const order = (inputs.networksAdvanced ?? []).map((a) => a.name);
    const names = Object.keys(networks).sort((a, b) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => {
        const n = networks[name];
        return {
            networkName: name,
            ipAddress: n.IPAddress ?? "",
            ipPrefixLength: n.IPPrefixLen ?? 0,
            gateway: n.Gateway ?? "",
            macAddress: n.MacAddress ?? "",
            globalIpv6Address: n.GlobalIPv6Address ?? "",
            ipv6Gateway: n.IPv6Gateway ?? "",
        };
    });
}

function rank(order: string[], name: string): number {
    const i = order.indexOf(name);
    return i < 0 ? order.length : i;
}

export function containerState(inputs: ContainerInputs, c: ContainerInspect): Record<string, unknown> {
    return {
        ...inputs,
        name: c.Name.replace(/^\//, ""),
        hostname: c.Config?.Hostname ?? inputs.hostname,
        networkDatas: networkDatas(inputs, c),
        ...(c.State?.ExitCode !== undefined && c.State.Running === false ? { exitCode: c.State.ExitCode } : {}),
    };
}

// ------------------------------------------------------------------ client

/** Where a docker provider points: its `host` and TLS material. */
export interface DockerEndpoint {
    host: string;
    caMaterial?: string;
    certMaterial?: string;
    keyMaterial?: string;
}

/** dockerode options for a docker provider's `host` (`unix://` or `tcp://`); anything else is refused. */
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
    throw new Error(`docker host "${host}": the lab applier speaks unix:// and tcp:// only`);
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

    async inspectImage(name: string): Promise<ImageInfo | undefined> {
        try {
            return (await this.docker.getImage(name).inspect()) as ImageInfo;
        } catch (err) {
            if (isNotFound(err)) {
                return undefined;
            }
            throw err;
        }
    }

    async pullImage(name: string): Promise<void> {
        const stream = (await this.docker.pull(name)) as NodeJS.ReadableStream;
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

    async inspectContainer(idOrName: string): Promise<ContainerInspect | undefined> {
        try {
            return (await this.docker.getContainer(idOrName).inspect()) as ContainerInspect;
        } catch (err) {
            if (isNotFound(err)) {
                return undefined;
            }
            throw err;
        }
    }

    async containerLogs(id: string, tail: number): Promise<string> {
        const buf = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
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
