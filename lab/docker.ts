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
import { parseSshDockerHost, SshDialStdioAgent } from "./sshDial";

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
    ports?: ContainerPortInput[];
    healthcheck?: HealthcheckInput;
    uploads?: UploadInput[];
    wait?: boolean;
    waitTimeout?: number;
}

/** One of a container's `uploads`: a file put into the container after create, before start. */
export interface UploadInput {
    file: string;
    content?: string;
    contentBase64?: string;
    executable?: boolean;
}

/** One of a container's `ports` (docker provider: internal required; external random when unset; ip 0.0.0.0; protocol tcp). */
export interface ContainerPortInput {
    internal: number;
    external?: number;
    ip?: string;
    protocol?: string;
}

/** A container's `healthcheck`; durations in Go's notation (`2s`, `1m30s`, `500ms`). */
export interface HealthcheckInput {
    tests?: string[];
    interval?: string;
    timeout?: string;
    startPeriod?: string;
    startInterval?: string;
    retries?: number;
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
        "removeVolumes", "attach", "logs", "ports", "healthcheck", "wait", "waitTimeout", "uploads",
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
    /** `wait`: after start, wait until the container's health check reports healthy. */
    waitHealthy?: { timeoutSeconds: number };
    /** `uploads`: files put into the container before it starts. */
    uploads: ContainerFile[];
}

/** A file to put into a container: absolute path, content, mode. */
export interface ContainerFile {
    path: string;
    content: Buffer;
    mode: number;
}

/** `uploads` as files; the provider's rules: an absolute `file`, exactly one of content / contentBase64 (source is not translated). */
function uploadFiles(urn: string, uploads: readonly UploadInput[]): ContainerFile[] {
    return uploads.map((u, i) => {
        const known = ["file", "content", "contentBase64", "executable"];
        const unknown = Object.keys(u).filter((k) => (u as unknown as Record<string, unknown>)[k] !== undefined && !known.includes(k));
        if (unknown.length > 0) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: uploads[${i}]: the lab applier does not translate ${unknown.map((k) => `"${k}"`).join(", ")}`);
        }
        if (typeof u.file !== "string" || !u.file.startsWith("/")) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: uploads[${i}].file must be an absolute path`);
        }
        if ((u.content === undefined) === (u.contentBase64 === undefined)) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: uploads[${i}] needs exactly one of content and contentBase64`);
        }
        const content = u.content !== undefined ? Buffer.from(u.content, "utf8") : Buffer.from(u.contentBase64 as string, "base64");
        return { path: u.file, content, mode: u.executable === true ? 0o755 : 0o644 };
    });
}

/**
 * A tar archive (ustar) of `files`, their paths relative to `/`, as the
 * provider uploads them (extracted at `/`, so missing directories are made).
 */
export function tarOf(files: readonly ContainerFile[]): Buffer {
    const blocks: Buffer[] = [];
    const field = (h: Buffer, offset: number, length: number, text: string) => h.write(text, offset, length, "utf8");
    const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0");
    for (const f of files) {
        const name = f.path.replace(/^\/+/, "");
        if (Buffer.byteLength(name) > 100) {
            throw new Error(`upload path ${f.path} is longer than 100 bytes`);
        }
        const h = Buffer.alloc(512);
        field(h, 0, 100, name);
        field(h, 100, 8, octal(f.mode, 8));
        field(h, 108, 8, octal(0, 8));
        field(h, 116, 8, octal(0, 8));
        field(h, 124, 12, octal(f.content.length, 12));
        field(h, 136, 12, octal(Math.floor(Date.now() / 1000), 12));
        field(h, 148, 8, "        ");
        field(h, 156, 1, "0");
        field(h, 257, 6, "ustar\0");
        field(h, 263, 2, "00");
        let sum = 0;
        for (const b of h) {
            sum += b;
        }
        field(h, 148, 8, `${octal(sum, 7)}\0`);
        blocks.push(h, f.content, Buffer.alloc((512 - (f.content.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return Buffer.concat(blocks);
}

/** The provider's default `waitTimeout`, in seconds. */
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 60;

const DURATION_UNITS_NS: Record<string, number> = { ns: 1, us: 1e3, "\u00b5s": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration (`2s`, `1m30s`, `500ms`, `0`) in nanoseconds, as the provider parses `healthcheck` durations; undefined if malformed. */
export function parseGoDuration(text: string): number | undefined {
    if (text === "0") {
        return 0;
    }
    const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/gy;
    let total = 0;
    let end = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        total += Number(m[1]) * DURATION_UNITS_NS[m[2]];
        end = re.lastIndex;
    }
    return text !== "" && end === text.length ? Math.round(total) : undefined;
}

/** `ports` as the Docker API's ExposedPorts and PortBindings. */
function portBindings(urn: string, ports: readonly ContainerPortInput[]): { exposed: Record<string, object>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const [i, p] of ports.entries()) {
        const protocol = p.protocol ?? "tcp";
        if (!Number.isInteger(p.internal) || p.internal < 1 || p.internal > 65535) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: ports[${i}].internal ${JSON.stringify(p.internal)} is not a port`);
        }
        if (p.external !== undefined && (!Number.isInteger(p.external) || p.external < 0 || p.external > 65535)) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: ports[${i}].external ${JSON.stringify(p.external)} is not a port`);
        }
        if (!["tcp", "udp", "sctp"].includes(protocol)) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: ports[${i}].protocol ${JSON.stringify(protocol)} is not tcp, udp or sctp`);
        }
        const key = `${p.internal}/${protocol}`;
        exposed[key] = {};
        // HostPort "" lets the engine choose, as the provider does for an unset external port.
        (bindings[key] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external === undefined || p.external === 0 ? "" : String(p.external) });
    }
    return { exposed, bindings };
}

/** `healthcheck` as the Docker API's HealthConfig (durations in nanoseconds). */
function healthConfig(urn: string, h: HealthcheckInput): Docker.HealthConfig {
    const duration = (key: "interval" | "timeout" | "startPeriod"): number => {
        const text = h[key];
        if (text === undefined) {
            return 0;
        }
        const ns = parseGoDuration(text);
        if (ns === undefined) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: healthcheck.${key} ${JSON.stringify(text)} is not a duration (e.g. 2s, 1m30s, 500ms)`);
        }
        return ns;
    };
    if (h.startInterval !== undefined && parseGoDuration(h.startInterval) !== 0) {
        // Docker API 1.44+; the lab's 20.10 engines have no such setting, and dropping it would change the check.
        throw new Error(`${CONTAINER_TYPE} ${urn}: healthcheck.startInterval is not supported by the lab applier (Docker 20.10 engines have none)`);
    }
    if (h.tests === undefined || h.tests.length === 0) {
        throw new Error(`${CONTAINER_TYPE} ${urn}: healthcheck.tests is empty`);
    }
    return { Test: [...h.tests], Interval: duration("interval"), Timeout: duration("timeout"), StartPeriod: duration("startPeriod"), Retries: h.retries ?? 0 };
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
    if (inputs.ports !== undefined && inputs.ports.length > 0) {
        const { exposed, bindings } = portBindings(urn, inputs.ports);
        create.ExposedPorts = exposed;
        create.HostConfig!.PortBindings = bindings;
    }
    if (inputs.healthcheck !== undefined) {
        create.Healthcheck = healthConfig(urn, inputs.healthcheck);
    }
    const start = inputs.start ?? true;
    let waitHealthy: ContainerPlan["waitHealthy"];
    if (inputs.wait === true) {
        if (!start) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: wait is set, but start is false: a container that is not started never becomes healthy`);
        }
        const timeoutSeconds = inputs.waitTimeout ?? DEFAULT_WAIT_TIMEOUT_SECONDS;
        if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
            throw new Error(`${CONTAINER_TYPE} ${urn}: waitTimeout ${JSON.stringify(inputs.waitTimeout)} is not a positive number of seconds`);
        }
        waitHealthy = { timeoutSeconds };
    }
    return {
        create,
        connect: attachments.filter((a) => a !== first).map((a) => ({ network: a.name, endpoint: endpointSettings(a) })),
        uploads: uploadFiles(urn, inputs.uploads ?? []),
        start,
        mustRun: inputs.mustRun ?? true,
        ...(waitHealthy !== undefined ? { waitHealthy } : {}),
    };
}

/**
 * `wait`: polls the container until its health check reports `healthy`, as the
 * provider does after create. Fails at once when the container has no health
 * check (the provider errors too) or stops running, and after `timeoutSeconds`
 * with the health check's last output. Returns the last inspect.
 */
export async function waitHealthy(
    engine: Pick<EngineClient, "inspectContainer" | "host">,
    id: string,
    what: string,
    timeoutSeconds: number,
    clock: { now(): Date; sleep(ms: number): Promise<void> } = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
): Promise<ContainerInspect> {
    const deadline = clock.now().getTime() + timeoutSeconds * 1000;
    for (;;) {
        const info = await engine.inspectContainer(id);
        if (info === undefined) {
            throw new Error(`${what}: container ${id} vanished while waiting for it to become healthy`);
        }
        const health = info.State?.Health;
        if (health === undefined || health === null) {
            throw new Error(`${what}: wait is set, but the container has no health check (neither its healthcheck input nor its image defines one)`);
        }
        if (health.Status === "healthy") {
            return info;
        }
        const last = (health.Log ?? []).slice(-1)[0];
        const detail = last !== undefined ? ` (last check exit ${last.ExitCode}: ${(last.Output ?? "").trim().slice(0, 400)})` : "";
        if (info.State?.Running !== true) {
            throw new Error(`${what}: container stopped (status ${info.State?.Status ?? "unknown"}, exit ${String(info.State?.ExitCode)}) before becoming healthy${detail}`);
        }
        if (clock.now().getTime() >= deadline) {
            throw new Error(`${what}: not healthy after waitTimeout ${timeoutSeconds}s (health ${health.Status})${detail}`);
        }
        await clock.sleep(500);
    }
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

    async uploadFiles(id: string, files: readonly ContainerFile[]): Promise<void> {
        await this.docker.getContainer(id).putArchive(tarOf(files), { path: "/" });
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
