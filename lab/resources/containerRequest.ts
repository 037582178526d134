/**
 * `docker:index/container:Container`'s inputs and what the docker provider
 * makes of them: the container create request, the networks connected
 * after it, the files uploaded before start, and whether to wait for it to
 * run or become healthy (pure, unit-tested). The container's create and
 * delete are in lab/resources/container.ts.
 *
 * The translation follows what the docker provider does with the same
 * inputs, and refuses inputs it does not translate: the lab must never drop
 * an input silently and report success.
 */
import type Docker from "dockerode";
import { ContainerFile } from "../clients/docker";
import { assertKnownInputs, Label, labelMap, required } from "./dockerInputs";

export const CONTAINER_TYPE = "docker:index/container:Container";

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

/** The inputs the lab translates; anything else is refused. */
export const CONTAINER_INPUTS: readonly string[] = [
    "name",
    "image",
    "command",
    "entrypoint",
    "hostname",
    "domainname",
    "envs",
    "labels",
    "networksAdvanced",
    "networkMode",
    "restart",
    "maxRetryCount",
    "mustRun",
    "start",
    "user",
    "workingDir",
    "tty",
    "stdinOpen",
    "privileged",
    "rm",
    "init",
    "removeVolumes",
    "attach",
    "logs",
    "ports",
    "healthcheck",
    "wait",
    "waitTimeout",
    "uploads",
];

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
function portBindings(
    urn: string,
    ports: readonly ContainerPortInput[],
): { exposed: Record<string, object>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
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
    assertKnownInputs(CONTAINER_TYPE, urn, inputs as Record<string, unknown>, CONTAINER_INPUTS);
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
