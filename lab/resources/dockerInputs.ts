/**
 * What the `@pulumi/docker` resources of the lab share: their inputs become
 * Docker Engine API requests (pure functions in each resource's file,
 * unit-tested) that lab/clients/docker.ts performs against one engine.
 *
 * The translation follows what the docker provider does with the same
 * inputs, and refuses inputs it does not translate: the lab must never drop
 * an input silently and report success.
 */
import { DockerEndpoint, EngineClient, isNotFound } from "../clients/docker";
import { ResourceRecord } from "../state";
import { DeleteContext, DeleteOutcome } from "./handler";

export interface Label {
    label: string;
    value: string;
}

/** Throws, naming the resource and the inputs, if `inputs` carries anything the lab does not translate (`known`: the inputs it does). */
export function assertKnownInputs(type: string, urn: string, inputs: Record<string, unknown>, known: readonly string[]): void {
    const unknown = Object.keys(inputs).filter((k) => inputs[k] !== undefined && !known.includes(k));
    if (unknown.length > 0) {
        throw new Error(
            `${type} ${urn}: the lab applier does not translate input(s) ${unknown.map((k) => `"${k}"`).join(", ")}; refusing to create it without them`,
        );
    }
}

export function labelMap(labels: Label[] | undefined): Record<string, string> | undefined {
    if (labels === undefined || labels.length === 0) {
        return undefined;
    }
    return Object.fromEntries(labels.map((l) => [l.label, l.value]));
}

export function required<T>(value: T | undefined, what: string, type: string, urn: string): T {
    if (value === undefined || value === null || value === "") {
        throw new Error(`${type} ${urn}: input "${what}" is not set. The real provider would compute one; the lab needs every Docker object named explicitly.`);
    }
    return value;
}

/**
 * The docker provider's message when its client cannot reach the engine: every
 * delete (and read) starts with MakeClient, which pings the daemon unless
 * `disableDockerDaemonCheck` (kreuzwerker v4.5.0 internal/provider/config.go:193-199),
 * wrapped by each resource (e.g. resource_docker_container_funcs.go:1080-1083).
 */
export function engineUnreachableMessage(host: string, err: unknown): string {
    const cause = (err as Error).message.trim();
    return `failed to create Docker client: Error pinging Docker server, please make sure that ${host} is reachable and has a  '_ping' endpoint. Error: ${cause}`;
}

/**
 * Deletes a docker object on the engine of the record's provider, as the docker
 * provider does: first the ping of MakeClient (config.go:193-199), so an engine
 * that does not answer (its socket gone, nothing listening, its address off the
 * lab's networks) fails the delete, as it fails `pulumi destroy`; then `op`,
 * where "no such object" (false, or a 404) means already gone: a container's
 * "No such container" is ignored (resource_docker_container_funcs.go:1094,1107),
 * a network that does not inspect counts as removed (resource_docker_network_funcs.go:210-213),
 * an image not found locally is left alone (resource_docker_image_funcs.go:168,208).
 * Without `op` (a kept image: removeImage returns before any call, :190) only the ping runs.
 */
export async function onEngine(ctx: DeleteContext, r: ResourceRecord, op?: (e: EngineClient) => Promise<boolean>): Promise<DeleteOutcome> {
    const p = ctx.provider(r.provider);
    if (p === undefined) {
        throw new Error(`${r.type} ${r.urn}: its provider ${r.provider || "(none)"} is not in the state; cannot tell which engine it is on`);
    }
    const host = p.inputs["host"];
    if (typeof host !== "string") {
        throw new Error(`${r.type} ${r.urn}: its provider ${r.provider} has no "host"; the lab does not guess the provider's default engine`);
    }
    let engine: EngineClient;
    try {
        engine = ctx.deps.engine(p.inputs as unknown as DockerEndpoint);
        await engine.ping();
    } catch (err) {
        throw new Error(`${r.type} ${r.urn}: ${engineUnreachableMessage(host, err)}`);
    }
    if (op === undefined) {
        return "nothing";
    }
    try {
        return (await op(engine)) ? "deleted" : "absent";
    } catch (err) {
        if (isNotFound(err)) {
            return "absent";
        }
        throw new Error(`${r.type} ${r.urn}: ${(err as Error).message.trim()}`);
    }
}

/** The id a docker object was created with, else its name (a create that failed before the id came back). */
export function objectTarget(r: ResourceRecord, name: string | undefined): string | undefined {
    return r.id !== undefined && !r.id.startsWith("collected:") ? r.id : name;
}
