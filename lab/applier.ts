/**
 * The lab's applier: runs the very program `pulumi up` runs (index.ts with a
 * stack's config) under `pulumi.runtime.setMocks`, with a `Mocks` whose
 * `newResource` performs each resource for real from its declared inputs.
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
import {
    COMMAND_TYPE,
    CommandInputs,
    KNOWN_COMMAND_INPUTS,
    runScript as realRunScript,
    ScriptRunner,
    scriptFailure,
    trimOutput,
} from "./command";
import {
    CONSUL_PROVIDER_TYPE,
    ConsulHttp,
    ConsulProviderInputs,
    GET_KEY_PREFIX_TOKEN,
    KEY_PREFIX_TYPE,
    KeyPrefixInputs,
    KNOWN_CONSUL_INPUTS,
    KvClient,
} from "./consul";
import {
    assertKnownInputs,
    CONTAINER_TYPE,
    ContainerInputs,
    containerPlan,
    containerState,
    DOCKER_PROVIDER_TYPE,
    DockerEndpoint,
    DockerodeEngine,
    dockerodeOptions,
    EngineClient,
    isEngineGone,
    isNotFound,
    NETWORK_TYPE,
    NetworkInputs,
    networkCreateRequest,
    networkState,
    REMOTE_IMAGE_TYPE,
    RemoteImageInputs,
    waitHealthy,
} from "./docker";
import { NotLabLocalError } from "./net";
import {
    isMachineGone,
    RemoteDialError,
    REMOTE_COMMAND_TYPE,
    RemoteCommandInputs,
    remoteCommandProblems,
    RemoteResult,
    RemoteRunner,
    runRemote as realRunRemote,
} from "./remote";
import { revealInputs } from "./secrets";
import { CERT_REQUEST_TYPE, LOCALLY_SIGNED_CERT_TYPE, markSecrets, performTls, PRIVATE_KEY_TYPE, SELF_SIGNED_CERT_TYPE } from "./tls";
import { ResourceRecord, StateRecorder, statePath } from "./state";
import { loadStackFile } from "../lib/config/load";
import { Registration, runProgram as runUnderMocks } from "../runner/program";

export const PROJECT = "docker-overlay";
export const DEFAULT_PROGRAM = path.resolve(__dirname, "..", "index.ts");

/** A create that failed before anything ran on its target (see ResourceRecord.nothingPerformed). */
export class NothingPerformedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "NothingPerformedError";
    }
}

export type ApplierMode = "up" | "collect";

/** What the monitor knows about a registration and `Mocks.newResource` is not told (the harness's Registration, less its inputs). */
export type RegistrationContext = Omit<Registration, "inputs">;

export type ApplierEvent =
    | { kind: "created"; record: ResourceRecord; seconds: number }
    | { kind: "failed"; record: ResourceRecord; seconds: number; error: string }
    | { kind: "invoke"; token: string; urn: string; seconds: number; error?: string };

/** The outside world, replaceable in unit tests. */
export interface ApplierDeps {
    engine(endpoint: DockerEndpoint): EngineClient;
    kv(provider: ConsulProviderInputs): KvClient;
    runScript: ScriptRunner;
    /** Runs a `command:remote:Command`'s script over ssh. */
    runRemote: RemoteRunner;
    now(): Date;
    newId(): string;
}

export const realDeps: ApplierDeps = {
    engine: (endpoint) => new DockerodeEngine(endpoint),
    kv: (provider) => new ConsulHttp(provider),
    runScript: realRunScript,
    runRemote: realRunRemote,
    now: () => new Date(),
    newId: () => randomUUID(),
};

export interface LabApplierOptions {
    mode: ApplierMode;
    stack: string;
    project?: string;
    /** Where each performed resource is recorded; collect mode records in memory. */
    recorder: StateRecorder;
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

    constructor(opts: LabApplierOptions) {
        this.mode = opts.mode;
        this.stack = opts.stack;
        this.project = opts.project ?? PROJECT;
        this.recorder = opts.recorder;
        this.deps = { ...realDeps, ...opts.deps };
        this.onEvent = opts.onEvent ?? (() => undefined);
        this.failed = new Promise<Error>((resolve) => (this.resolveFailed = resolve));
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
        const started = this.deps.now().getTime();
        const record = this.recorder.begin({
            urn: ctx.urn,
            type: args.type,
            name: args.name,
            parent: ctx.parent,
            custom: args.custom ?? ctx.custom,
            provider: ctx.provider,
            dependsOn: ctx.dependsOn,
            inputs,
            ...(secretKeys.length > 0 ? { secrets: secretKeys } : {}),
        });
        try {
            const result = this.mode === "collect" ? this.collect(record) : await this.perform(record);
            const done = this.recorder.complete(ctx.urn, result.id, result.state);
            if (record.custom) {
                this.onEvent({ kind: "created", record: done, seconds: (this.deps.now().getTime() - started) / 1000 });
            }
            return result;
        } catch (err) {
            const message = (err as Error).message;
            const failed = this.recorder.fail(ctx.urn, message, err instanceof NothingPerformedError);
            this.onEvent({ kind: "failed", record: failed, seconds: (this.deps.now().getTime() - started) / 1000, error: message });
            throw this.fail(err as Error);
        }
    }

    /** Collect mode: perform nothing; outputs are the inputs (enough to render every later resource's inputs). */
    private collect(record: ResourceRecord): pulumi.runtime.MockResourceResult {
        if (record.type === DOCKER_PROVIDER_TYPE || record.type === CONSUL_PROVIDER_TYPE) {
            this.providers.set(record.urn, { type: record.type, inputs: record.inputs });
        }
        return { id: record.custom ? `collected:${record.name}` : undefined, state: record.inputs };
    }

    private async perform(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        if (!r.custom) {
            // Component resources (and the stack) own nothing of their own.
            return { id: undefined, state: r.inputs };
        }
        switch (r.type) {
            case COMMAND_TYPE:
                return this.createCommand(r);
            case REMOTE_COMMAND_TYPE:
                return this.createRemoteCommand(r);
            case DOCKER_PROVIDER_TYPE: {
                assertKnownInputs(DOCKER_PROVIDER_TYPE, r.urn, r.inputs);
                const host = r.inputs["host"];
                if (typeof host !== "string" || host === "") {
                    throw new Error(`${r.type} ${r.urn}: input "host" is not set; the lab does not fall back to DOCKER_HOST`);
                }
                dockerodeOptions(r.inputs as unknown as DockerEndpoint); // refuses unsupported schemes now, not at first use
                this.providers.set(r.urn, { type: r.type, inputs: r.inputs });
                return { id: this.deps.newId(), state: r.inputs };
            }
            case CONSUL_PROVIDER_TYPE:
                this.assertKnownConsul(r);
                this.providers.set(r.urn, { type: r.type, inputs: r.inputs });
                return { id: this.deps.newId(), state: r.inputs };
            case REMOTE_IMAGE_TYPE:
                return this.createImage(r);
            case NETWORK_TYPE:
                return this.createNetwork(r);
            case CONTAINER_TYPE:
                return this.createContainer(r);
            case KEY_PREFIX_TYPE:
                return this.createKeyPrefix(r);
            case PRIVATE_KEY_TYPE:
            case SELF_SIGNED_CERT_TYPE:
            case CERT_REQUEST_TYPE:
            case LOCALLY_SIGNED_CERT_TYPE:
                return this.createTls(r);
            default:
                throw new Error(`${r.type} ${r.urn}: resource type not supported by the lab applier`);
        }
    }

    private assertKnownConsul(r: ResourceRecord): void {
        const known = KNOWN_CONSUL_INPUTS[r.type];
        const unknown = Object.keys(r.inputs).filter((k) => r.inputs[k] !== undefined && !known.includes(k));
        if (unknown.length > 0) {
            throw new Error(`${r.type} ${r.urn}: the lab applier does not translate input(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
        }
    }

    private async createCommand(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        const inputs = r.inputs as CommandInputs;
        const unknown = Object.keys(r.inputs).filter((k) => r.inputs[k] !== undefined && !KNOWN_COMMAND_INPUTS.includes(k));
        if (unknown.length > 0) {
            throw new Error(`${r.type} ${r.urn}: the lab applier does not support input(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
        }
        const state: Record<string, unknown> = { ...r.inputs };
        if (inputs.create !== undefined && inputs.create !== "") {
            const result = await this.deps.runScript({
                script: inputs.create,
                interpreter: inputs.interpreter,
                environment: inputs.environment,
                dir: inputs.dir,
                stdin: inputs.stdin,
            });
            if (result.code !== 0) {
                throw new Error(scriptFailure(`${r.type} ${r.urn}: create`, result));
            }
            state["stdout"] = trimOutput(result.stdout);
            state["stderr"] = trimOutput(result.stderr);
        }
        return { id: `${r.name}-${this.deps.newId().slice(0, 8)}`, state };
    }

    /** Runs a remote Command's `create` over ssh, as the command provider does (lab/remote.ts). */
    private async createRemoteCommand(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        const problems = remoteCommandProblems(r.inputs);
        if (problems.length > 0) {
            throw new Error(`${r.type} ${r.urn}: ${problems.join("; ")}`);
        }
        const inputs = r.inputs as RemoteCommandInputs;
        const state: Record<string, unknown> = { ...r.inputs };
        if (inputs.create !== undefined && inputs.create !== "") {
            let result: RemoteResult;
            try {
                result = await this.deps.runRemote({ connection: inputs.connection!, command: inputs.create, environment: inputs.environment, stdin: inputs.stdin });
            } catch (err) {
                const message = `${r.type} ${r.urn}: create: ${(err as Error).message}`;
                throw err instanceof RemoteDialError ? new NothingPerformedError(message) : new Error(message);
            }
            if (result.code !== 0) {
                throw new Error(scriptFailure(`${r.type} ${r.urn}: create on ${inputs.connection!.host}`, result));
            }
            state["stdout"] = trimOutput(result.stdout);
            state["stderr"] = trimOutput(result.stderr);
        }
        return { id: `${r.name}-${this.deps.newId().slice(0, 8)}`, state };
    }

    /** A key, certificate request or certificate, made for real (lab/tls.ts); private keys stay secrets, in the program and the state file. */
    private async createTls(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        const result = await performTls(r.type, r.urn, r.inputs);
        if (result.secretOutputs.length > 0) {
            r.secrets = [...new Set([...(r.secrets ?? []), ...result.secretOutputs])].sort();
        }
        return { id: this.deps.newId(), state: markSecrets(result.state, result.secretOutputs) };
    }

    /** The engine behind a resource's docker provider; fails loudly when there is none. */
    engineFor(r: { type: string; urn: string; provider: string }): EngineClient {
        if (r.provider === "") {
            throw new Error(`${r.type} ${r.urn}: no explicit docker provider; the lab never uses a default provider (that would be whatever DOCKER_HOST points at)`);
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
        return this.deps.kv(p.inputs as ConsulProviderInputs);
    }

    private async createImage(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        assertKnownInputs(REMOTE_IMAGE_TYPE, r.urn, r.inputs);
        const inputs = r.inputs as RemoteImageInputs;
        const name = inputs.name;
        if (name === undefined || name === "") {
            throw new Error(`${r.type} ${r.urn}: input "name" is not set`);
        }
        const engine = this.engineFor(r);
        let image = await engine.inspectImage(name);
        if (image === undefined) {
            // The provider would pull. No registry is reachable in the lab, and a pull only sends
            // the engine's DNS and HTTPS traffic out of the lab, so pulling is opt-in.
            if (process.env["DOCKER_OVERLAY_LAB_PULL"] !== "1") {
                throw new Error(
                    `${r.type} ${r.urn}: image "${name}" is not on the engine at ${engine.host}. ` +
                        `No registry is reachable in the lab: the image must be preloaded on every engine (the netns driver imports it from a rootfs tarball). ` +
                        `Set DOCKER_OVERLAY_LAB_PULL=1 to let the engine try a pull.`,
                );
            }
            try {
                await engine.pullImage(name);
            } catch (err) {
                throw new Error(
                    `${r.type} ${r.urn}: image "${name}" is not on the engine at ${engine.host}, and pulling it failed (${(err as Error).message.trim()}). ` +
                        `No registry is reachable in the lab: the image must be preloaded on every engine (the netns driver imports it from a rootfs tarball).`,
                );
            }
            image = await engine.inspectImage(name);
            if (image === undefined) {
                throw new Error(`${r.type} ${r.urn}: image "${name}" still missing on ${engine.host} after a pull`);
            }
        }
        return {
            // The provider's id for a remote image: image id followed by the name.
            id: `${image.Id}${name}`,
            state: { ...r.inputs, imageId: image.Id, repoDigest: image.RepoDigests?.[0] ?? "" },
        };
    }

    private async createNetwork(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        const inputs = r.inputs as NetworkInputs;
        const req = networkCreateRequest(r.urn, inputs);
        const engine = this.engineFor(r);
        let id: string;
        try {
            id = await engine.createNetwork(req);
        } catch (err) {
            throw new Error(`${r.type} ${r.urn}: creating network "${req.Name}" on ${engine.host} failed: ${(err as Error).message.trim()}`);
        }
        // Record the id at once: if inspecting fails, `down` still knows what to remove.
        this.recorder.noteId(r.urn, id);
        const net = await engine.inspectNetwork(id);
        return { id, state: networkState(inputs, net) };
    }

    private async createContainer(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        const inputs = r.inputs as ContainerInputs;
        const plan = containerPlan(r.urn, inputs);
        const engine = this.engineFor(r);
        const what = `${r.type} ${r.urn}`;
        let id: string;
        try {
            id = await engine.createContainer(plan.create);
        } catch (err) {
            throw new Error(`${what}: creating container "${plan.create.name}" on ${engine.host} failed: ${(err as Error).message.trim()}`);
        }
        this.recorder.noteId(r.urn, id);
        for (const c of plan.connect) {
            try {
                await engine.connectNetwork(c.network, id, c.endpoint);
            } catch (err) {
                throw new Error(`${what}: connecting to network "${c.network}" failed: ${(err as Error).message.trim()}`);
            }
        }
        if (plan.uploads.length > 0) {
            if (engine.uploadFiles === undefined) {
                throw new Error(`${what}: the engine client cannot upload files`);
            }
            try {
                await engine.uploadFiles(id, plan.uploads);
            } catch (err) {
                throw new Error(`${what}: uploading ${plan.uploads.map((u) => u.path).join(", ")} failed: ${(err as Error).message.trim()}`);
            }
        }
        if (plan.start) {
            try {
                await engine.startContainer(id);
            } catch (err) {
                throw new Error(`${what}: starting container "${plan.create.name}" on ${engine.host} failed: ${(err as Error).message.trim()}`);
            }
        }
        let info = await engine.inspectContainer(id);
        if (plan.start && plan.mustRun) {
            // The provider waits for the running state before reporting success.
            const deadline = this.deps.now().getTime() + 15_000;
            while (info?.State?.Running !== true && this.deps.now().getTime() < deadline) {
                await new Promise((resolve) => setTimeout(resolve, 250));
                info = await engine.inspectContainer(id);
            }
            if (info?.State?.Running !== true) {
                const logs = await engine.containerLogs(id, 20).catch(() => "");
                throw new Error(
                    `${what}: container "${plan.create.name}" is not running (status ${info?.State?.Status ?? "gone"}, exit ${String(info?.State?.ExitCode)}${
                        info?.State?.Error ? `, ${info.State.Error}` : ""
                    })${logs.trim() !== "" ? `\n--- logs (end) ---\n${logs.trim()}` : ""}`,
                );
            }
        }
        if (plan.waitHealthy !== undefined) {
            info = await waitHealthy(engine, id, what, plan.waitHealthy.timeoutSeconds);
        }
        if (info === undefined) {
            throw new Error(`${what}: container ${id} vanished after create`);
        }
        return { id, state: containerState(inputs, info) };
    }

    private async createKeyPrefix(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        this.assertKnownConsul(r);
        const inputs = r.inputs as KeyPrefixInputs;
        if (inputs.pathPrefix === undefined || inputs.pathPrefix === "") {
            throw new Error(`${r.type} ${r.urn}: input "pathPrefix" is not set`);
        }
        const kv = this.kvFor(r);
        for (const [key, value] of Object.entries(inputs.subkeys ?? {})) {
            try {
                await kv.put(`${inputs.pathPrefix}${key}`, value);
            } catch (err) {
                throw new Error(`${r.type} ${r.urn}: ${(err as Error).message}`);
            }
        }
        return { id: inputs.pathPrefix, state: { ...r.inputs } };
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
            let result: Record<string, unknown>;
            if (args.token === GET_KEY_PREFIX_TOKEN) {
                const pathPrefix = inputs["pathPrefix"];
                if (typeof pathPrefix !== "string" || pathPrefix === "") {
                    throw new Error(`invoke ${args.token} ${where}: input "pathPrefix" is not set`);
                }
                const subkeys = this.mode === "collect" ? {} : await this.kvFor({ type: `invoke ${args.token}`, urn: where, provider }).list(pathPrefix);
                result = { id: pathPrefix, pathPrefix, subkeys, ...(inputs["datacenter"] !== undefined ? { datacenter: inputs["datacenter"] } : {}) };
            } else {
                throw new Error(`invoke ${args.token} ${where}: not supported by the lab applier`);
            }
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

export type DeleteOutcome = "deleted" | "absent" | "nothing";

/**
 * Deletes what a record describes, tolerating objects that are already gone
 * (and engines that are gone, which took their objects with them).
 * `records` supplies the providers (docker host, consul address) by URN.
 */
export class LabDeleter {
    private readonly deps: ApplierDeps;
    private readonly providers: Map<string, ResourceRecord>;

    constructor(records: readonly ResourceRecord[], deps: Partial<ApplierDeps> = {}) {
        this.deps = { ...realDeps, ...deps };
        this.providers = new Map(records.filter((r) => r.type === DOCKER_PROVIDER_TYPE || r.type === CONSUL_PROVIDER_TYPE).map((r) => [r.urn, r]));
    }

    async delete(r: ResourceRecord): Promise<DeleteOutcome> {
        if (!r.custom) {
            return "nothing";
        }
        // Its create failed before anything ran on the target: nothing there to undo.
        if (r.status === "failed" && r.nothingPerformed === true) {
            return "absent";
        }
        switch (r.type) {
            case DOCKER_PROVIDER_TYPE:
            case CONSUL_PROVIDER_TYPE:
            // Keys and certificates exist only in the state.
            case PRIVATE_KEY_TYPE:
            case SELF_SIGNED_CERT_TYPE:
            case CERT_REQUEST_TYPE:
            case LOCALLY_SIGNED_CERT_TYPE:
                return "nothing";
            case COMMAND_TYPE:
                return this.deleteCommand(r);
            case REMOTE_COMMAND_TYPE:
                return this.deleteRemoteCommand(r);
            case CONTAINER_TYPE: {
                const name = (r.inputs as ContainerInputs).name;
                const target = r.id !== undefined && !r.id.startsWith("collected:") ? r.id : name;
                if (target === undefined) {
                    return "absent";
                }
                const removeVolumes = (r.inputs as ContainerInputs).removeVolumes ?? true;
                return this.onEngine(r, (e) => e.removeContainer(target, removeVolumes));
            }
            case NETWORK_TYPE: {
                const name = (r.inputs as NetworkInputs).name;
                const target = r.id !== undefined && !r.id.startsWith("collected:") ? r.id : name;
                if (target === undefined) {
                    return "absent";
                }
                return this.onEngine(r, (e) => e.removeNetwork(target));
            }
            case REMOTE_IMAGE_TYPE: {
                const inputs = r.inputs as RemoteImageInputs;
                if (inputs.keepLocally === true || inputs.name === undefined) {
                    return "nothing";
                }
                return this.onEngine(r, (e) => e.removeImage(inputs.name as string, inputs.forceRemove ?? false));
            }
            case KEY_PREFIX_TYPE: {
                const prefix = (r.inputs as KeyPrefixInputs).pathPrefix;
                const p = this.providers.get(r.provider);
                if (prefix === undefined || p === undefined) {
                    return "absent";
                }
                try {
                    await this.deps.kv(p.inputs as ConsulProviderInputs).deleteTree(prefix);
                    return "deleted";
                } catch (err) {
                    // The store went first (its machine, or the whole lab network, deleted): nothing left to delete.
                    if (err instanceof NotLabLocalError || /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|TimeoutError|aborted/i.test((err as Error).message)) {
                        return "absent";
                    }
                    throw err;
                }
            }
            default:
                throw new Error(`${r.type} ${r.urn}: resource type not supported by the lab applier; delete it by hand`);
        }
    }

    private async deleteCommand(r: ResourceRecord): Promise<DeleteOutcome> {
        const inputs = r.inputs as CommandInputs;
        if (inputs.delete === undefined || inputs.delete === "") {
            return "nothing";
        }
        const out = r.outputs ?? {};
        const result = await this.deps.runScript({
            script: inputs.delete,
            interpreter: inputs.interpreter,
            // The command provider hands delete the create step's output.
            environment: {
                ...(inputs.environment ?? {}),
                PULUMI_COMMAND_STDOUT: typeof out["stdout"] === "string" ? out["stdout"] : "",
                PULUMI_COMMAND_STDERR: typeof out["stderr"] === "string" ? out["stderr"] : "",
            },
            dir: inputs.dir,
        });
        if (result.code !== 0) {
            throw new Error(scriptFailure(`${r.type} ${r.urn}: delete`, result));
        }
        return "deleted";
    }

    /** Runs a remote Command's `delete` over ssh; a machine that is gone (nothing answers, or off the lab's networks) has nothing to undo. */
    private async deleteRemoteCommand(r: ResourceRecord): Promise<DeleteOutcome> {
        const inputs = r.inputs as RemoteCommandInputs;
        if (inputs.delete === undefined || inputs.delete === "") {
            return "nothing";
        }
        const problems = remoteCommandProblems(r.inputs);
        if (problems.length > 0) {
            throw new Error(`${r.type} ${r.urn}: ${problems.join("; ")}`);
        }
        const out = r.outputs ?? {};
        const environment: Record<string, string> = { ...(inputs.environment ?? {}) };
        // The provider sends the create step's output along, when there was any.
        for (const [name, key] of [["PULUMI_COMMAND_STDOUT", "stdout"], ["PULUMI_COMMAND_STDERR", "stderr"]] as const) {
            if (typeof out[key] === "string" && out[key] !== "") {
                environment[name] = out[key] as string;
            }
        }
        let result: RemoteResult;
        try {
            result = await this.deps.runRemote({ connection: inputs.connection!, command: inputs.delete, environment, stdin: inputs.stdin });
        } catch (err) {
            if (err instanceof NotLabLocalError || isMachineGone(err)) {
                return "absent";
            }
            throw new Error(`${r.type} ${r.urn}: delete: ${(err as Error).message}`);
        }
        if (result.code !== 0) {
            throw new Error(scriptFailure(`${r.type} ${r.urn}: delete on ${inputs.connection!.host}`, result));
        }
        return "deleted";
    }

    private async onEngine(r: ResourceRecord, op: (e: EngineClient) => Promise<boolean>): Promise<DeleteOutcome> {
        const p = this.providers.get(r.provider);
        if (p === undefined) {
            throw new Error(`${r.type} ${r.urn}: its provider ${r.provider || "(none)"} is not in the state; cannot tell which engine it is on`);
        }
        if (typeof p.inputs["host"] !== "string") {
            return "absent";
        }
        try {
            return (await op(this.deps.engine(p.inputs as unknown as DockerEndpoint))) ? "deleted" : "absent";
        } catch (err) {
            if (isNotFound(err) || isEngineGone(err) || err instanceof NotLabLocalError) {
                return "absent";
            }
            throw new Error(`${r.type} ${r.urn}: ${(err as Error).message.trim()}`);
        }
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
}

export interface ProgramResult {
    stack: string;
    /** The stack's outputs, resolved; undefined when the run failed. */
    exports?: Record<string, unknown>;
    records: ResourceRecord[];
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
export const LAB_ECHO = /^failed to register new resource |: not created, because an earlier resource failed$|: not run, because an earlier resource failed$|^undefined$/;

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
    const recorder = new StateRecorder(stateFile, { stack, stackFile, program });
    const applier = new LabApplier({ mode: opts.mode, stack, recorder, onEvent: opts.onEvent, deps: opts.deps });

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
            onRegister: (r) => applier.noteRegistration(r),
            performer: applier,
            echoes: LAB_ECHO,
        });
        stackOutputs = run.outputs;
    } catch (err) {
        error = err as Error;
    }
    recorder.finish(error === undefined ? "succeeded" : "failed", { exports: stackOutputs, error: error?.message });
    const result: ProgramResult = {
        stack,
        exports: stackOutputs,
        records: [...recorder.state.resources],
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
