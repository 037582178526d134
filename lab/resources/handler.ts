/**
 * What every resource type of the lab looks like: a handler per type token
 * (lab/resources/<kind>.ts) with its create and its delete side by side, and
 * the context the applier (create, `up`) and the deleter (delete, `down`)
 * hand it. lab/resources/index.ts is the dispatch table from type token to
 * handler; lab/applier.ts only dispatches.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConsulProviderInputs, KvClient } from "../clients/consul";
import { DockerEndpoint, EngineClient } from "../clients/docker";
import { ScriptRunner } from "../clients/script";
import { RemoteRunner } from "../clients/ssh";
import { ResourceRecord } from "../state";
import { DiffResult } from "./diff";

export type { ChangeKind, DiffResult, DiffTable } from "./diff";

/** One resource's diff request: the recorded inputs and outputs, the new inputs. */
export interface DiffRequest {
    type: string;
    olds: Record<string, unknown>;
    news: Record<string, unknown>;
    /** What the last create recorded as the resource's state (bridged providers diff against it). */
    oldOutputs?: Record<string, unknown>;
    /** The time of the diff (a certificate's renewal window); default now. */
    now?: Date;
}

/** The outside world, replaceable in unit tests. */
export interface ApplierDeps {
    engine(endpoint: DockerEndpoint): EngineClient;
    kv(provider: ConsulProviderInputs): KvClient;
    runScript: ScriptRunner;
    /** Runs a `command:remote:Command`'s script over ssh. */
    runRemote: RemoteRunner;
    now(): Date;
    /** Waits as a provider's retry loop does (the network delete's StateChangeConf). */
    sleep(ms: number): Promise<void>;
    newId(): string;
}

/** A create that failed before anything ran on its target (see ResourceRecord.nothingPerformed). */
export class NothingPerformedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "NothingPerformedError";
    }
}

export type DeleteOutcome = "deleted" | "absent" | "nothing";

/** Which resource a provider lookup is for (its messages name it). */
export interface ResourceRef {
    type: string;
    urn: string;
    provider: string;
}

/** What a create may use: the outside world and the providers the applier registered. */
export interface CreateContext {
    readonly deps: ApplierDeps;
    /** The engine behind a resource's docker provider; fails loudly when there is none. */
    engineFor(r: ResourceRef): EngineClient;
    /** The consul behind a resource's consul provider; fails loudly when there is none. */
    kvFor(r: ResourceRef): KvClient;
    /** Records an object's id in the state at once: if a later step fails, `down` still knows what to remove. */
    noteId(urn: string, id: string): void;
    /** Makes a provider known to the resources that name it. */
    registerProvider(r: ResourceRecord): void;
}

/** What a delete may use: the outside world and the recorded providers, by URN. */
export interface DeleteContext {
    readonly deps: ApplierDeps;
    provider(urn: string): ResourceRecord | undefined;
}

export interface ResourceHandler {
    /** The type tokens this handler performs. */
    readonly types: readonly string[];
    /** A provider: other resources name it by URN, so `collect` and the deleter keep it by URN too. */
    readonly provider?: boolean;
    /** Performs a (custom) resource from its plain inputs; the result is what the engine would report. */
    create(ctx: CreateContext, r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult>;
    /**
     * Updates a resource in place, where the real provider does (its table says
     * `update` for every changed input): `old` is the recorded resource, `r` the new
     * registration (status creating). The result keeps the old id, as an Update does.
     * Absent: the provider has no update the program can reach (every change replaces).
     */
    update?(ctx: CreateContext, old: ResourceRecord, r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult>;
    /** Deletes what a record describes, tolerating objects that are already gone. */
    delete(ctx: DeleteContext, r: ResourceRecord): Promise<DeleteOutcome>;
    /**
     * Which changed top-level inputs the real provider updates and which force a
     * replacement, from the type's table (docs/provider-rules.md section 3).
     */
    diff(req: DiffRequest): DiffResult;
}

/** One invoke as the applier received it. */
export interface InvokeCall {
    token: string;
    /** The provider's URN ("" when the call names none). */
    provider: string;
    /** "(no provider)" or "through <provider URN>", for messages. */
    where: string;
    inputs: Record<string, unknown>;
}

export interface InvokeContext {
    /** Collect mode: read nothing from the world. */
    readonly collect: boolean;
    kvFor(r: ResourceRef): KvClient;
}

export interface InvokeHandler {
    readonly token: string;
    invoke(ctx: InvokeContext, call: InvokeCall): Promise<Record<string, unknown>>;
}

/** For types that exist only in the state (providers, keys, certificates): nothing to delete. */
export const nothingToDelete = (): Promise<DeleteOutcome> => Promise.resolve("nothing");
