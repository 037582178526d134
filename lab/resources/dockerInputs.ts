/**
 * What the `@pulumi/docker` resources of the lab share: their inputs become
 * Docker Engine API requests (pure functions in each resource's file,
 * unit-tested) that lab/clients/docker.ts performs against one engine.
 *
 * The translation follows what the docker provider does with the same
 * inputs, and refuses inputs it does not translate: the lab must never drop
 * an input silently and report success.
 */
import { DockerEndpoint, EngineClient, isEngineGone, isNotFound } from "../clients/docker";
import { NotLabLocalError } from "../net";
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
 * Deletes a docker object on the engine of the record's provider: false from
 * `op` (no such object), an engine that is gone (it took its objects with it)
 * or one off the lab's networks mean "absent".
 */
export async function onEngine(ctx: DeleteContext, r: ResourceRecord, op: (e: EngineClient) => Promise<boolean>): Promise<DeleteOutcome> {
    const p = ctx.provider(r.provider);
    if (p === undefined) {
        throw new Error(`${r.type} ${r.urn}: its provider ${r.provider || "(none)"} is not in the state; cannot tell which engine it is on`);
    }
    if (typeof p.inputs["host"] !== "string") {
        return "absent";
    }
    try {
        return (await op(ctx.deps.engine(p.inputs as unknown as DockerEndpoint))) ? "deleted" : "absent";
    } catch (err) {
        if (isNotFound(err) || isEngineGone(err) || err instanceof NotLabLocalError) {
            return "absent";
        }
        throw new Error(`${r.type} ${r.urn}: ${(err as Error).message.trim()}`);
    }
}

/** The id a docker object was created with, else its name (a create that failed before the id came back). */
export function objectTarget(r: ResourceRecord, name: string | undefined): string | undefined {
    return r.id !== undefined && !r.id.startsWith("collected:") ? r.id : name;
}
