/**
 * THE program runner: runs the program (index.ts) for a stack under
 * `pulumi.runtime.setMocks`, with the stack's config, and records every
 * registration as the Pulumi engine would see it: URN, parent, provider,
 * dependencies and inputs. The plan (runner/plan.ts), the lab
 * (lab/applier.ts), the benchmark and the tests all run the program through
 * here, so a resource has the same URN in a plan and in the lab's state file.
 *
 * What differs between them is passed in: the `Mocks` (a preview's echo, the
 * tests' fakes, the lab's applier that performs each resource), and, for the
 * lab, its hooks: `onRegister` (each registration before the mocks see it),
 * `performer` (the outputs are raced against its first failure, since a
 * failed resource leaves its dependents' outputs pending forever) and
 * `echoes` (unhandled rejections that only echo a failure the performer
 * already holds).
 *
 * Running the program several times in one process works: each run calls
 * setMocks afresh (new mock monitor, options reset), overwrites the config and
 * re-requires the program's modules.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { PROJECT, RawConfig } from "../lib/config/types";
import { ownStackName, READ_STACK_OUTPUTS } from "../lib/plan/previous";
import { UNKNOWN, wireToPlain } from "./wire";

const REPO_ROOT = path.resolve(__dirname, "..");
/** This repository's program. */
export const PROGRAM = path.join(REPO_ROOT, "index.ts");

export interface Registration {
    urn: string;
    type: string;
    name: string;
    /** Parent URN ("" for the stack itself). */
    parent: string;
    /** URN of the provider resource ("" when the default provider is used). */
    provider: string;
    custom: boolean;
    /** URNs this resource depends on, explicitly and through its inputs, sorted. */
    dependsOn: string[];
    /** Inputs as the provider receives them; secrets shown as "[secret]", unknowns as "[unknown]". */
    inputs: Record<string, unknown>;
    /**
     * Top-level input -> the URNs its value came from (the request's property
     * dependencies). The engine replaces a dependent of a delete-before-replace
     * resource only through these, never through a bare `dependsOn`
     * (docs/provider-rules.md section 4, item 7; pulumi/pulumi v3.248.0
     * pkg/resource/deploy/step_generator.go:3059-3115).
     */
    propertyDependencies: Record<string, string[]>;
    /** The resource options the engine's step generator reads (see RegistrationOptions). */
    options: RegistrationOptions;
}

/**
 * The options of a RegisterResourceRequest that decide steps, as
 * @pulumi/pulumi 3.248.0's runtime/resource.js sets them (:366-428), with the
 * SDK's own additions already merged (e.g. a Command's `triggers[*]`).
 * Absent = not given by the program.
 */
export interface RegistrationOptions {
    /** Set only when the program gave it (`setDeletebeforereplacedefined`, resource.js:372-373): it overrides the provider both ways. */
    deleteBeforeReplace?: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
    retainOnDelete?: boolean;
    protect?: boolean;
    /** URNs whose replacement replaces this resource (resource.js:413-428). */
    replaceWith: string[];
    /** URN of the resource whose delete makes this one's delete a no-op ("" when none; resource.js:412). */
    deletedWith: string;
    /** The resource's aliases (resource.js:264-310, :379-381); absent when it has none. */
    aliases?: AliasSpec[];
}

/**
 * An alias as the engine receives it (proto/alias.proto): an old URN, or a spec whose empty
 * fields the engine fills from the resource (lab/steps.ts `aliasUrns`). The SDK sends
 * structured specs (`aliasSpecs` set, resource.js:430), so the engine takes them as they are
 * (pulumi/pulumi v3.248.0 pkg/resource/deploy/source_eval.go:2068-2078): a spec without a
 * parent of its own carries the resource's parent (resource.js:294-302); `parent: undefined`
 * given explicitly is `noParent`.
 */
export type AliasSpec = { urn: string } | { name: string; type: string; stack: string; project: string; parentUrn: string; noParent: boolean };

/**
 * The part of @pulumi/pulumi's RegisterResourceRequest (proto/resource_pb.js)
 * the runner reads. The monitor is handed the generated protobuf class; only
 * these getters are used.
 */
export interface MonitorRegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getCustom(): boolean;
    getDependenciesList(): string[];
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getPropertydependenciesMap(): { forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void };
    getDeletebeforereplace(): boolean;
    getDeletebeforereplacedefined(): boolean;
    getReplaceonchangesList(): string[];
    getIgnorechangesList(): string[];
    hasRetainondelete(): boolean;
    getRetainondelete(): boolean;
    hasProtect(): boolean;
    getProtect(): boolean;
    getReplaceWithList(): string[];
    getDeletedwith(): string;
    getAliasesList(): MonitorAlias[];
}

/** The part of proto/alias_pb.js's Alias the runner reads. */
export interface MonitorAlias {
    hasUrn(): boolean;
    getUrn(): string;
    getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

type RegisterCallback = (err: Error | null, response: unknown) => void;

/**
 * Mocks that perform resources and can fail (the lab's applier). The run ends
 * at the first of: the program's outputs resolved, the performer's first
 * failure, or nothing left running while the outputs are still pending.
 */
export interface Performer {
    /** Settles with the first failure; never settles when nothing fails. */
    readonly failed: Promise<Error>;
    /** The first failure so far. */
    readonly failure: Error | undefined;
    /** Resources and invokes being performed right now. */
    readonly inFlightCount: number;
    /** Resolves once nothing is being performed. */
    idle(): Promise<void>;
}

export interface ProgramRunOptions {
    stack: string;
    raw: RawConfig;
    /** Extra config values (e.g. `sshPrivateKey`), by key without the project prefix, stored as secrets. */
    secrets?: Record<string, string>;
    mocks: pulumi.runtime.Mocks;
    /** true: a preview (unknown outputs stay unknown); false: an update. */
    preview: boolean;
    /** The program to run; default this repository's index.ts. */
    program?: string;
    /**
     * The stack's outputs as the backend holds them (its last update's; absent for a stack
     * never updated): what the engine answers the program's `pulumi:pulumi:readStackOutputs`
     * invoke of its own stack with (lib/plan/previous.ts).
     */
    stackOutputs?: Record<string, unknown>;
    /** Called as each registration request arrives, before the mocks perform it. */
    onRegister?: (r: Registration) => void;
    /** The mocks' own failure signal (see Performer). */
    performer?: Performer;
    /**
     * When set, unhandled rejections are watched while the program runs: those
     * whose message matches are echoes of a failure the performer already holds
     * (swallowed, also after the run); any other becomes the run's error.
     */
    echoes?: RegExp;
}

export interface ProgramRun {
    /** The stack's outputs (the program's exports), each resolved; an unknown one is "[unknown]". */
    outputs: Record<string, unknown>;
    registrations: Registration[];
}

/** Stack config as the Pulumi CLI hands it to a program: `docker-overlay:<key>` -> JSON text. */
export function configMap(raw: RawConfig, secrets: Record<string, string> = {}): Record<string, string> {
    const map: Record<string, string> = {};
    // Every key the stack file has, known or not: validation names the unknown ones.
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        if (value !== undefined) {
            map[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    for (const [key, value] of Object.entries(secrets)) {
        map[`${PROJECT}:${key}`] = value;
    }
    return map;
}

/**
 * Stack frames V8 records per `Error` while the program runs here: none. The
 * Pulumi runtime captures a stack trace for every promise it makes (runtime/
 * debuggable.js: four per output property of every resource, ~300 per
 * docker.Container, only for a promise-leak report), and under ts-node every
 * capture goes through source-map support: 20-100 us and up to ~1 KB each, even
 * for a single frame. Measured (bench/RESULTS.md), that was most of a large
 * plan's time and memory. The runtime takes resources' source positions with a
 * limit of its own, so plans do not change; errors thrown while the program runs
 * keep their message but lose their frames. PULUMI_DEBUG_PROMISE_LEAKS=1 keeps
 * V8's default (full stacks, for a leak hunt or to find where an error came from).
 */
export const STACK_FRAMES_WHILE_RUNNING = 0;

/**
 * Runs the program once. Resolves with its outputs and registrations; rejects
 * with the first failure: the program's own error, the performer's first
 * failure, or a stray rejection (with `echoes`).
 */
export async function runProgram(opts: ProgramRunOptions): Promise<ProgramRun> {
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env["PULUMI_DEBUG_PROMISE_LEAKS"]) {
        Error.stackTraceLimit = STACK_FRAMES_WHILE_RUNNING;
    }
    try {
        return await runWithMocks(opts);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

// The runtime's settings module has no typings for waitForRPCs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

async function runWithMocks(opts: ProgramRunOptions): Promise<ProgramRun> {
    const program = path.resolve(opts.program ?? PROGRAM);
    const registrations: Registration[] = [];
    const performer = opts.performer;
    const stray: unknown[] = [];
    const stopWatching = opts.echoes !== undefined ? watchRuntimeRejections(stray, opts.echoes) : () => undefined;

    let exported: Record<string, unknown> = {};
    let error: Error | undefined;
    try {
        const mocks = withStackOutputs(opts.mocks, opts.stack, opts.stackOutputs);
        await pulumi.runtime.setMocks(mocks, PROJECT, opts.stack, opts.preview, ORGANIZATION);
        const monitor = new MockMonitor(mocks);
        // URNs as the Pulumi engine makes them: the parent's whole qualified type
        // chain (the mock monitor keeps only the parent's last type), and no prefix
        // for children of the root stack. Plans then diff against real previews.
        (monitor as unknown as { newUrn: typeof engineUrn }).newUrn = engineUrn;
        const registerResource = monitor.registerResource.bind(monitor);
        (monitor as unknown as { registerResource: (req: MonitorRegisterRequest, callback: RegisterCallback) => Promise<void> }).registerResource = (
            req: MonitorRegisterRequest,
            callback: RegisterCallback,
        ) => {
            const registration = describe(req);
            registrations.push(registration);
            opts.onRegister?.(registration);
            return registerResource(req, callback);
        };
        setMockOptions(monitor, PROJECT, opts.stack, opts.preview, ORGANIZATION);
        const secrets = opts.secrets ?? {};
        pulumi.runtime.setAllConfig(
            configMap(opts.raw, secrets),
            Object.keys(secrets).map((k) => `${PROJECT}:${k}`),
        );

        forgetProgramModules(program);
        const outputs = pulumi.runtime.runInPulumiStack(() => {
            // The program is loaded by path at run time, after its modules were forgotten.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const main = require(program) as Record<string, unknown> | (() => Promise<Record<string, unknown>>);
            // An exported function is the program; what it resolves to, the stack's outputs
            // (pulumi/pulumi v3.248.0 sdk/nodejs/cmd/run/run.ts:573-579).
            return (typeof main === "function" ? main() : Promise.resolve(main)).then((outputs) => (exported = outputs));
        });
        // Resources the exports do not reach may still be registering.
        const drained = outputs.then(() => settings.waitForRPCs());
        if (performer === undefined) {
            await drained;
        } else {
            const first = await raceFailure(drained, performer);
            if (first === "failed") {
                error = performer.failure;
            } else if (first === "stalled") {
                error = new Error("lab: every resource was performed, but the program's outputs never resolved");
            }
        }
    } catch (err) {
        error = performer?.failure ?? (err as Error);
        // The program's own error: the runtime reports it again as unhandled rejections.
        programFailures.add(String((err as Error)?.message ?? err));
    }
    if (performer !== undefined) {
        await performer.idle();
    }
    stopWatching();
    if (error === undefined && performer?.failure !== undefined) {
        error = performer.failure;
    }
    if (error === undefined && stray.length > 0) {
        error = stray[0] instanceof Error ? stray[0] : new Error(String(stray[0]));
    }
    if (error !== undefined) {
        throw error;
    }
    return { outputs: await resolveExports(exported), registrations };
}

/** The organization the engine names for a stack on a self-managed backend, and so the runner's. */
export const ORGANIZATION = "organization";

/**
 * The mocks, with the engine's built-in `pulumi:pulumi:readStackOutputs` answered as the
 * engine answers it (pulumi/pulumi v3.248.0 pkg/resource/deploy/builtins.go:366-409:
 * `{ name, outputs, secretOutputNames }`; a stack the backend does not have fails
 * `unknown stack "<name>"`, pkg/backend/backend.go:412-414, wrapped by source_eval.go:976). The runner runs one stack, so
 * only that one is known; the mock monitor answers the built-in `getResource` itself the
 * same way (@pulumi/pulumi runtime/mocks.js). Everything else goes to the mocks.
 */
function withStackOutputs(mocks: pulumi.runtime.Mocks, stack: string, outputs: Record<string, unknown> | undefined): pulumi.runtime.Mocks {
    const own = ownStackName(ORGANIZATION, PROJECT, stack);
    return {
        newResource: (args) => mocks.newResource(args),
        call: (args) => {
            if (args.token !== READ_STACK_OUTPUTS) {
                return mocks.call(args);
            }
            const name: unknown = (args.inputs as Record<string, unknown>)["name"];
            if (name !== own) {
                // The engine's wrapping (pkg/resource/deploy/source_eval.go:976), carried as the gRPC
                // error's details, which the SDK rethrows as the message.
                const message = `invocation of ${READ_STACK_OUTPUTS} returned an error: unknown stack ${JSON.stringify(name)}`;
                throw Object.assign(new Error(message), { details: message });
            }
            return { name: own, outputs: outputs ?? {}, secretOutputNames: [] };
        },
    };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The first of: the program's outputs resolved and every registration done
 * ("done"), the performer's first failure ("failed"), or every registration
 * done and nothing being performed while the outputs are still pending: something
 * the program waits for never came ("stalled"). Checked on unref'd timers so
 * it never holds the process.
 */
async function raceFailure(drained: Promise<void>, performer: Performer): Promise<"done" | "failed" | "stalled"> {
    let settled = false;
    const stalled = (async () => {
        for (;;) {
            await settings.waitForRPCs();
            await performer.idle();
            await sleep(2000);
            if (settled) {
                return "settled" as const;
            }
            if (performer.failure === undefined && performer.inFlightCount === 0) {
                return "stalled" as const;
            }
        }
    })();
    const first = await Promise.race([drained.then(() => "done" as const), performer.failed.then(() => "failed" as const), stalled]);
    settled = true;
    return first === "settled" ? "done" : first;
}

/**
 * Each export resolved on its own: in a preview one unknown export (the check's
 * result) must not hide the known ones (placements, hosts).
 */
async function resolveExports(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
        const output = pulumi.output(value) as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
        outputs[key] = (await output.isKnown) ? plain(await output.promise()) : "[unknown]";
    }
    return outputs;
}

/** A resolved value as JSON data: unknowns "[unknown]", resources "[resource]". */
function plain(value: unknown): unknown {
    return value === undefined
        ? undefined
        : JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v === UNKNOWN ? "[unknown]" : pulumi.Resource.isInstance(v) ? "[resource]" : v)));
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, as the engine's resource.NewURN builds it. */
export function engineUrn(parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentType = parent.split("::")[2];
        if (parentType !== ROOT_STACK_TYPE) {
            qualified = `${parentType}$${type}`;
        }
    }
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/**
 * Folders under the program's directory whose modules are not the program's
 * and stay loaded: packages, and the code that runs the program (its
 * process-wide state, e.g. the rejection handler below, must stay one).
 */
const NOT_THE_PROGRAM = ["node_modules", "runner", "lab", "tools"].map((dir) => `${path.sep}${dir}${path.sep}`);

/** Drops the program's modules from require's cache so each run builds a fresh resource graph. */
export function forgetProgramModules(program: string): void {
    const root = path.dirname(program);
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(root + path.sep) && !NOT_THE_PROGRAM.some((dir) => id.slice(root.length).includes(dir))) {
            delete require.cache[id];
        }
    }
}

export function describe(req: MonitorRegisterRequest): Registration {
    const parent = req.getParent() ?? "";
    const providerRef = req.getProvider() ?? "";
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
        propertyDependencies[key] = [...new Set(deps.getUrnsList())].sort();
    });
    // protect and retainOnDelete are proto3 `optional`: the SDK sets them only when the
    // program gave them (resource.js:367-369, :406-408), and `has*` says whether it did.
    const retainOnDelete = req.hasRetainondelete() ? req.getRetainondelete() : undefined;
    const protect = req.hasProtect() ? req.getProtect() : undefined;
    const options: RegistrationOptions = {
        ...(req.getDeletebeforereplacedefined() ? { deleteBeforeReplace: req.getDeletebeforereplace() } : {}),
        replaceOnChanges: [...req.getReplaceonchangesList()],
        ignoreChanges: [...req.getIgnorechangesList()],
        ...(retainOnDelete !== undefined ? { retainOnDelete } : {}),
        ...(protect !== undefined ? { protect } : {}),
        replaceWith: [...req.getReplaceWithList()],
        deletedWith: req.getDeletedwith() ?? "",
    };
    const aliases = (req.getAliasesList?.() ?? []).map((a): AliasSpec => {
        const spec = a.getSpec();
        if (a.hasUrn() || spec === undefined) {
            return { urn: a.getUrn() };
        }
        return {
            name: spec.getName(),
            type: spec.getType(),
            stack: spec.getStack(),
            project: spec.getProject(),
            parentUrn: spec.getParenturn(),
            noParent: spec.getNoparent(),
        };
    });
    if (aliases.length > 0) {
        options.aliases = aliases;
    }
    return {
        urn: engineUrn(parent, req.getType(), req.getName()),
        type: req.getType(),
        name: req.getName(),
        parent,
        // Provider references are `URN::ID`.
        provider: providerRef === "" ? "" : providerRef.slice(0, providerRef.lastIndexOf("::")),
        custom: req.getCustom(),
        dependsOn: [...new Set<string>(req.getDependenciesList())].sort(),
        inputs: wireToPlain(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
        propertyDependencies,
        options,
    };
}

/**
 * A failed registration surfaces in the Pulumi runtime as unhandled rejections:
 * its own, and one per dependent the runtime then gives up on, some arriving
 * after the run has returned (registrations refused after a failure). The
 * performer already holds the real error, so those echoes must not kill the
 * process. One process-wide handler swallows rejections that are echoes of a
 * failure; anything else is rethrown as Node would. While a run is watching,
 * unrecognized rejections are collected as that run's error instead.
 */
let currentStray: unknown[] | undefined;
/**
 * Messages of errors a program threw in a run: the runtime's echoes of them are swallowed too
 * (e.g. a ConfigError, which the run rejects with), whichever run installed the handler.
 */
const programFailures = new Set<string>();
let echoPattern: RegExp | undefined;
let handlerInstalled = false;

function watchRuntimeRejections(stray: unknown[], echoes: RegExp): () => void {
    currentStray = stray;
    echoPattern = echoes;
    if (!handlerInstalled) {
        handlerInstalled = true;
        process.on("unhandledRejection", (reason: unknown) => {
            const message = reason instanceof Error ? reason.message : String(reason);
            if (echoPattern?.test(message) === true || programFailures.has(message)) {
                return;
            }
            if (currentStray !== undefined) {
                currentStray.push(reason);
                return;
            }
            process.nextTick(() => {
                throw reason;
            });
        });
    }
    return () => {
        if (currentStray === stray) {
            currentStray = undefined;
        }
    };
}
