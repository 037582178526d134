/**
 * The lab's applier: runs the very program `pulumi up` runs (index.ts with a
 * stack's config) under `pulumi.runtime.setMocks`, with a `Mocks` whose
 * `newResource` performs each resource for real from its declared inputs:
 * the step the engine would take against the recorded state (lab/executor.ts;
 * with no state, every step is a create).
 *
 * How ordering and concurrency come about (read in @pulumi/pulumi 3.248.0's
 * runtime/resource.js, dependsOn.js, mocks.js and invoke.js, and measured in
 * the lab):
 *  - A resource's RegisterResource request, hence `newResource`, is sent only
 *    after its inputs are resolved, its parent's URN is known, its provider is
 *    registered (URN and id), and every `dependsOn` resource's URN is known.
 *  - `dependsOn: [component]` expands to every custom resource under the
 *    component (through nested components), once the component's constructor
 *    has finished. Children created later inside an `apply` are not waited for.
 *  - The mock monitor resolves a resource's URN, id and outputs only after
 *    `newResource`'s promise settles; when it rejects, the URN rejects, so
 *    every dependent's registration fails before it reaches `newResource`.
 *  - Invokes with `dependsOn` wait until those resources' ids are known,
 *    likewise after their `newResource` settled.
 *  - Independent resources reach `newResource` concurrently; the lab lets them
 *    run concurrently (the Pulumi engine's parallelism).
 * Measured with a mock whose newResource takes 500 ms: two independent
 * commands and a component's first child all started at +64 ms; the child's
 * sibling (dependsOn the child) at +571 ms, right after it settled; a resource
 * with `dependsOn: [component]` at +1072 ms, right after the component's last
 * child settled. With the first child failing, neither dependent was called.
 * Because a failed resource leaves its dependents' outputs pending forever,
 * `runProgram` races the program's outputs against the applier's first
 * failure instead of waiting for the outputs alone.
 */
import * as path from "path";
import { randomUUID } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { ConsulHttp, KvClient } from "./clients/consul";
import { DockerEndpoint, DockerodeEngine, EngineClient } from "./clients/docker";
import { runScript as realRunScript } from "./clients/script";
import { runRemote as realRunRemote } from "./clients/ssh";
import { ApplierEvent, deleteRecord, StepExecutor } from "./executor";
import { ApplierDeps, CreateContext, DeleteContext, DeleteOutcome, invokeHandler, isProviderType } from "./resources";
import { CONSUL_PROVIDER_TYPE } from "./resources/consulProvider";
import { DOCKER_PROVIDER_TYPE } from "./resources/dockerProvider";
import { revealInputs } from "./secrets";
import { ResourceRecord, StateRecorder, statePath } from "./state";
import { Step } from "./steps";
import { loadStackFile } from "../lib/config/load";
import { Registration, runProgram as runUnderMocks } from "../runner/program";

export const PROJECT = "docker-overlay";
export const DEFAULT_PROGRAM = path.resolve(__dirname, "..", "index.ts");

// Defined with the resource handlers (lab/resources/handler.ts); exported here as before.
export type { ApplierDeps, DeleteOutcome } from "./resources";
export { NothingPerformedError } from "./resources";

export type ApplierMode = "up" | "collect";

/**
 * What the monitor knows about a registration and `Mocks.newResource` is not told (the
 * harness's Registration, less its inputs; its options and property dependencies optional).
 */
export type RegistrationContext = Omit<Registration, "inputs" | "options" | "propertyDependencies"> &
    Partial<Pick<Registration, "options" | "propertyDependencies">>;

export type { ApplierEvent } from "./executor";

export const realDeps: ApplierDeps = {
    engine: (endpoint) => new DockerodeEngine(endpoint),
    kv: (provider) => new ConsulHttp(provider),
    runScript: realRunScript,
    runRemote: realRunRemote,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    newId: () => randomUUID(),
};

export interface LabApplierOptions {
    mode: ApplierMode;
    stack: string;
    project?: string;
    /** Where each performed resource is recorded; collect mode records in memory. */
    recorder: StateRecorder;
    /** The recorded resources an `up` of a stack that is already up starts from (the recorder's base). */
    base?: readonly ResourceRecord[];
    deps?: Partial<ApplierDeps>;
    onEvent?: (e: ApplierEvent) => void;
}

/** "urn:...::name::id" -> "urn:...::name" (provider references are `URN::ID`). */
export function providerUrnOf(ref: string | undefined): string {
    if (ref === undefined || ref === "") {
        return "";
    }
    const i = ref.lastIndexOf("::");
    if (i < 0 || !ref.startsWith("urn:pulumi:")) {
        throw new Error(`lab: malformed provider reference "${ref}" (expected URN::ID)`);
    }
    return ref.slice(0, i);
}

/** Everything that happened to one invoke, kept for the run's report. */
export interface InvokeRecord {
    token: string;
    provider: string;
    inputs: Record<string, unknown>;
    result?: Record<string, unknown>;
    error?: string;
}

interface ProviderEntry {
    type: string;
    inputs: Record<string, unknown>;
}

export class LabApplier implements pulumi.runtime.Mocks {
    readonly mode: ApplierMode;
    readonly invokes: InvokeRecord[] = [];
    private readonly deps: ApplierDeps;
    private readonly recorder: StateRecorder;
    private readonly onEvent: (e: ApplierEvent) => void;
    private readonly stack: string;
    private readonly project: string;
    /** Registrations seen by the monitor and not yet performed, by type and name (FIFO). */
    private readonly pending = new Map<string, RegistrationContext[]>();
    private readonly providers = new Map<string, ProviderEntry>();
    private readonly engines = new Map<string, EngineClient>();
    private readonly inFlight = new Set<Promise<unknown>>();
    private firstFailure: Error | undefined;
    private resolveFailed!: (err: Error) => void;
    /** Settles with the first failure; never settles when nothing fails. */
    readonly failed: Promise<Error>;
    /** What the resource handlers' creates may use (lab/resources/handler.ts). */
    private readonly ctx: CreateContext;
    /** Performs each registration's step (lab/executor.ts). */
    readonly executor: StepExecutor;

    constructor(opts: LabApplierOptions) {
        this.mode = opts.mode;
        this.stack = opts.stack;
        this.project = opts.project ?? PROJECT;
        this.recorder = opts.recorder;
        this.deps = { ...realDeps, ...opts.deps };
        this.onEvent = opts.onEvent ?? (() => undefined);
        this.failed = new Promise<Error>((resolve) => (this.resolveFailed = resolve));
        this.ctx = {
            deps: this.deps,
            engineFor: (r) => this.engineFor(r),
            kvFor: (r) => this.kvFor(r),
            noteId: (urn, id) => this.recorder.noteId(urn, id),
            registerProvider: (r) => {
                this.providers.set(r.urn, { type: r.type, inputs: r.inputs });
                // An updated provider: its resources reach the engine of the new config.
                this.engines.delete(r.urn);
            },
        };
        const base = opts.base ?? [];
        const deleteCtx: DeleteContext = {
            deps: this.deps,
            // The provider as this run registered it (an update's new config), else as recorded.
            provider: (urn) => this.recorder.find(urn) ?? base.find((r) => r.urn === urn && isProviderType(r.type)),
        };
        this.executor = new StepExecutor({ recorder: this.recorder, base, ctx: this.ctx, deleteCtx, now: () => this.deps.now(), onEvent: this.onEvent });
    }

    get failure(): Error | undefined {
        return this.firstFailure;
    }

    get records(): readonly ResourceRecord[] {
        return this.recorder.state.resources;
    }

    /** Called by the monitor hook with each RegisterResource request, just before `newResource`. */
    noteRegistration(ctx: RegistrationContext): void {
        const key = `${ctx.type}\u0000${ctx.name}`;
        const queue = this.pending.get(key) ?? [];
        queue.push(ctx);
        this.pending.set(key, queue);
    }

    get inFlightCount(): number {
        return this.inFlight.size;
    }

    /** Resolves once no `newResource`/`call` is running. */
    async idle(): Promise<void> {
        while (this.inFlight.size > 0) {
            await Promise.allSettled([...this.inFlight]);
        }
    }

    newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
        return this.track(this.oneAtATime(() => this.register(args)));
    }

    call(args: pulumi.runtime.MockCallArgs): Promise<pulumi.runtime.MockCallResult> {
        return this.track(this.oneAtATime(() => this.invoke(args)));
    }

    /**
     * DOCKER_OVERLAY_LAB_SERIAL=1 (the benchmark's serial baseline, bench/converge.ts):
     * perform one resource or invoke at a time, in the order they become ready, i.e.
     * the order of a hand-written script (KV machine, each host's machine in
     * order, the network, the containers). Otherwise everything ready runs at once.
     */
    private readonly serial = process.env["DOCKER_OVERLAY_LAB_SERIAL"] === "1";
    private serialTail: Promise<unknown> = Promise.resolve();

    private oneAtATime<T>(op: () => Promise<T>): Promise<T> {
        if (!this.serial) {
            return op();
        }
        const run = this.serialTail.then(op, op);
        this.serialTail = run.catch(() => undefined);
        return run;
    }

    private track<T>(p: Promise<T>): Promise<T> {
        this.inFlight.add(p);
        const done = () => this.inFlight.delete(p);
        p.then(done, done);
        return p;
    }

    private fail(err: Error): Error {
        if (this.firstFailure === undefined) {
            this.firstFailure = err;
            this.resolveFailed(err);
        }
        return err;
    }

    private contextFor(args: pulumi.runtime.MockResourceArgs): RegistrationContext {
        const key = `${args.type}\u0000${args.name}`;
        const queue = this.pending.get(key);
        const ctx = queue?.shift();
        if (queue !== undefined && queue.length === 0) {
            this.pending.delete(key);
        }
        if (ctx !== undefined) {
            return ctx;
        }
        // Used without the monitor hook (unit tests): a top-level URN, as the mock monitor would make it.
        return {
            urn: `urn:pulumi:${this.stack}::${this.project}::${args.type}::${args.name}`,
            type: args.type,
            name: args.name,
            parent: "",
            provider: providerUrnOf(args.provider),
            custom: args.custom ?? false,
            dependsOn: [],
        };
    }

    private async register(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
        const ctx = this.contextFor(args);
        // Secret inputs arrive wrapped; perform with plain values, and let the state file seal them.
        const { inputs, secretKeys } = revealInputs((args.inputs ?? {}) as Record<string, unknown>);
        if (this.firstFailure !== undefined && this.mode === "up") {
            // Like the engine after a failed step: start nothing new.
            throw new Error(`${args.type} ${ctx.urn}: not created, because an earlier resource failed`);
        }
        if (args.id !== undefined && args.id !== "") {
            throw this.fail(new Error(`${args.type} ${ctx.urn}: reading or importing an existing resource (id ${args.id}) is not supported by the lab`));
        }
        const registration = {
            urn: ctx.urn,
            type: args.type,
            name: args.name,
            parent: ctx.parent,
            custom: args.custom ?? ctx.custom,
            provider: ctx.provider,
            dependsOn: ctx.dependsOn,
            ...(ctx.propertyDependencies !== undefined ? { propertyDependencies: ctx.propertyDependencies } : {}),
            ...(ctx.options !== undefined ? { options: ctx.options } : {}),
            inputs,
            ...(secretKeys.length > 0 ? { secrets: secretKeys } : {}),
        };
        if (this.mode === "collect") {
            const record = this.recorder.begin(registration);
            const result = this.collect(record);
            this.recorder.complete(ctx.urn, result.id, result.state);
            return result;
        }
        try {
            return await this.executor.execute(registration);
        } catch (err) {
            throw this.fail(err as Error);
        }
    }

    /** After the program: the deletes of an `up` (lab/executor.ts); the run's first failure if one fails. */
    async deleteCondemned(): Promise<void> {
        try {
            await this.executor.deleteCondemned();
        } catch (err) {
            throw this.fail(err as Error);
        }
    }

    /** Collect mode: perform nothing; outputs are the inputs (enough to render every later resource's inputs). */
    private collect(record: ResourceRecord): pulumi.runtime.MockResourceResult {
        if (isProviderType(record.type)) {
            this.providers.set(record.urn, { type: record.type, inputs: record.inputs });
        }
        return { id: record.custom ? `collected:${record.name}` : undefined, state: record.inputs };
    }

    /** The engine behind a resource's docker provider; fails loudly when there is none. */
    engineFor(r: { type: string; urn: string; provider: string }): EngineClient {
        if (r.provider === "") {
            throw new Error(
                `${r.type} ${r.urn}: no explicit docker provider; the lab never uses a default provider (that would be whatever DOCKER_HOST points at)`,
            );
        }
        const p = this.providers.get(r.provider);
        if (p === undefined || p.type !== DOCKER_PROVIDER_TYPE) {
            throw new Error(`${r.type} ${r.urn}: provider ${r.provider} is not a docker provider the lab registered`);
        }
        let engine = this.engines.get(r.provider);
        if (engine === undefined) {
            engine = this.deps.engine(p.inputs as unknown as DockerEndpoint);
            this.engines.set(r.provider, engine);
        }
        return engine;
    }

    private kvFor(r: { type: string; urn: string; provider: string }): KvClient {
        const p = this.providers.get(r.provider);
        if (r.provider === "" || p === undefined || p.type !== CONSUL_PROVIDER_TYPE) {
            throw new Error(`${r.type} ${r.urn}: needs an explicit consul provider the lab registered (got "${r.provider}")`);
        }
        return this.deps.kv(p.inputs);
    }

    private async invoke(args: pulumi.runtime.MockCallArgs): Promise<pulumi.runtime.MockCallResult> {
        const provider = providerUrnOf(args.provider);
        const inputs = (args.inputs ?? {}) as Record<string, unknown>;
        const record: InvokeRecord = { token: args.token, provider, inputs };
        this.invokes.push(record);
        const started = this.deps.now().getTime();
        const where = provider === "" ? "(no provider)" : `through ${provider}`;
        try {
            if (this.firstFailure !== undefined && this.mode === "up") {
                throw new Error(`invoke ${args.token} ${where}: not run, because an earlier resource failed`);
            }
            const handler = invokeHandler(args.token);
            if (handler === undefined) {
                throw new Error(`invoke ${args.token} ${where}: not supported by the lab applier`);
            }
            const result = await handler.invoke(
                { collect: this.mode === "collect", kvFor: (r) => this.kvFor(r) },
                { token: args.token, provider, where, inputs },
            );
            record.result = result;
            if (this.mode === "up") {
                this.onEvent({ kind: "invoke", token: args.token, urn: provider, seconds: (this.deps.now().getTime() - started) / 1000 });
            }
            return result;
        } catch (err) {
            // The runtime reports a failed invoke only by its `details` (undefined here), so the
            // applier's own failure is what carries the message.
            record.error = (err as Error).message;
            this.onEvent({ kind: "invoke", token: args.token, urn: provider, seconds: (this.deps.now().getTime() - started) / 1000, error: record.error });
            throw this.fail(err as Error);
        }
    }
}

// ------------------------------------------------------------------ delete

/**
 * Deletes what a record describes, through the handler for its type
 * (lab/resources/index.ts), tolerating objects that are already gone (and
 * engines that are gone, which took their objects with them).
 * `records` supplies the providers (docker host, consul address) by URN.
 */
export class LabDeleter {
    private readonly deps: ApplierDeps;
    private readonly providers: Map<string, ResourceRecord>;
    /** What the resource handlers' deletes may use (lab/resources/handler.ts). */
    private readonly ctx: DeleteContext;

    constructor(records: readonly ResourceRecord[], deps: Partial<ApplierDeps> = {}) {
        this.deps = { ...realDeps, ...deps };
        this.providers = new Map(records.filter((r) => isProviderType(r.type)).map((r) => [r.urn, r]));
        this.ctx = { deps: this.deps, provider: (urn) => this.providers.get(urn) };
    }

    async delete(r: ResourceRecord): Promise<DeleteOutcome> {
        return deleteRecord(this.ctx, r);
    }
}

// ------------------------------------------------------------------- run

export interface RunProgramOptions {
    stackFile: string;
    mode: ApplierMode;
    /** The program to run; default this repository's index.ts. */
    program?: string;
    onEvent?: (e: ApplierEvent) => void;
    deps?: Partial<ApplierDeps>;
    /** Config values the program reads as secrets (e.g. `sshPrivateKey`), by key without the project prefix. */
    secrets?: Record<string, string>;
    /** `up` of a stack that is already up: the recorded resources to start from (lab/executor.ts). */
    base?: readonly ResourceRecord[];
    /** The stack's outputs its last update left: what the program reads back (runner/program.ts `stackOutputs`). */
    exports?: Record<string, unknown>;
}

export interface ProgramResult {
    stack: string;
    /** The stack's outputs, resolved; undefined when the run failed. */
    exports?: Record<string, unknown>;
    records: ResourceRecord[];
    /** The steps `up` took (every registration's, then the deletes); empty for collect. */
    steps: Step[];
    invokes: InvokeRecord[];
    /** The first failure (a resource, an invoke or the program itself). */
    error?: Error;
    seconds: number;
    stateFile?: string;
}

/** An error from a run whose state was kept for `down`. */
export class LabRunError extends Error {
    constructor(
        message: string,
        readonly result: ProgramResult,
    ) {
        super(message);
        this.name = "LabRunError";
    }
}

/**
 * Rejections the Pulumi runtime raises that only echo a failure the applier
 * already holds (runner/program.ts's `echoes`): a failed registration, and
 * its dependents the applier refused to start.
 */
// The last alternative: the runtime rethrows a failed invoke as `new Error(err.details)`, and
// errors from Mocks.call carry no `details`.
export const LAB_ECHO =
    /^failed to register new resource |: not created, because an earlier resource failed$|: not run, because an earlier resource failed$|^undefined$/;

/**
 * Runs the program for a stack file through the runner (runner/program.ts),
 * with the applier as its mocks and its hooks. `up` performs every resource
 * and records it in the stack's state file as it goes; `collect` performs
 * nothing and returns what the program would create (for `down` without a
 * state). Throws `LabRunError` (state kept) when anything fails.
 */
export async function runProgram(opts: RunProgramOptions): Promise<ProgramResult> {
    const started = Date.now();
    const program = path.resolve(opts.program ?? DEFAULT_PROGRAM);
    const stackFile = path.resolve(opts.stackFile);
    const { stack, raw } = loadStackFile(stackFile);
    const stateFile = opts.mode === "up" ? statePath(stack) : undefined;
    const base = opts.base ?? [];
    const recorder = new StateRecorder(stateFile, { stack, stackFile, program, base, exports: opts.exports });
    const applier = new LabApplier({ mode: opts.mode, stack, recorder, base, onEvent: opts.onEvent, deps: opts.deps });

    let stackOutputs: Record<string, unknown> | undefined;
    let error: Error | undefined;
    try {
        const run = await runUnderMocks({
            stack,
            raw,
            secrets: opts.secrets ?? {},
            program,
            mocks: applier,
            preview: false,
            stackOutputs: opts.exports,
            onRegister: (r) => applier.noteRegistration(r),
            performer: applier,
            echoes: LAB_ECHO,
        });
        if (opts.mode === "up") {
            await applier.deleteCondemned();
        }
        stackOutputs = run.outputs;
    } catch (err) {
        error = err as Error;
    }
    recorder.finish(error === undefined ? "succeeded" : "failed", { exports: stackOutputs, error: error?.message });
    const result: ProgramResult = {
        stack,
        exports: stackOutputs,
        records: [...recorder.state.resources],
        steps: opts.mode === "up" ? [...applier.executor.steps] : [],
        invokes: [...applier.invokes],
        error,
        seconds: (Date.now() - started) / 1000,
        stateFile,
    };
    if (error !== undefined) {
        throw new LabRunError(error.message, result);
    }
    return result;
}
