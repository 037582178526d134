/**
 * `npm run lab -- preview`: the program run as `pulumi preview` runs it
 * (dryRun), against the lab's recorded state, with mocks that answer each
 * registration the way the engine's preview would, and the steps the engine
 * would take (lab/steps.ts).
 *
 * What the mocks answer (the engine's preview; docs/provider-rules.md section 4):
 *  - "same": the recorded id and outputs, so dependents see the values they saw at
 *    `up` and come out "same" themselves;
 *  - "update": the recorded id; the outputs overlaid with the new known inputs
 *    (a command's update re-runs `create`, so its stdout is unknown:
 *    pulumi-command local/commandController.go:75-78 runs nothing in a preview);
 *  - "create", "replace": no id and only the known inputs, so every other output is
 *    unknown in the program (runtime/rpc.js resolves a missing output as unknown in a
 *    preview), as a provider's preview of Create leaves computed outputs unknown.
 * Invokes run as in a real preview: `getKeyPrefix` only once its dependencies' ids are
 * known (the SDK decides, runtime/invoke.js:176-205), and then it reads consul
 * (docs/provider-rules.md:370-374).
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_PROGRAM, LAB_ECHO, providerUrnOf } from "./applier";
import { KvClient } from "./clients/consul";
import { ApplierDeps, invokeHandler, isProviderType } from "./resources";
import { holdsUnknown, UNKNOWN_TEXT } from "./resources/diff";
import { revealInputs, withSecretOutputs } from "./secrets";
import { Changes, countChanges, NewRegistration, recordedAfter, Step, StepGenerator, StepOp } from "./steps";
import { readState, ResourceRecord, statePath } from "./state";
import { loadStackFile } from "../lib/config/load";
import { Registration, runProgram } from "../runner/program";

export interface PreviewMocksOptions {
    /** What the lab's state recorded (empty for a stack that is not up). */
    recorded: readonly ResourceRecord[];
    /** How an invoke reaches consul (lab/applier.ts realDeps.kv). */
    kv: ApplierDeps["kv"];
}

/** The registration's inputs ("[secret]" where the runner hid one) with the secret values put back. */
export function withSecrets(shown: unknown, revealed: unknown): unknown {
    if (shown === "[secret]") {
        return plainUnknowns(revealed);
    }
    if (Array.isArray(shown)) {
        return shown.map((v, i) => withSecrets(v, Array.isArray(revealed) ? (revealed as unknown[])[i] : undefined));
    }
    if (shown !== null && typeof shown === "object") {
        const r = revealed !== null && typeof revealed === "object" ? (revealed as Record<string, unknown>) : {};
        return Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, withSecrets(v, r[k])]));
    }
    return shown;
}

/** The runtime's unknown (a preview's deserialized unknown input) as "[unknown]". */
function plainUnknowns(value: unknown): unknown {
    if (pulumi.isUnknown(value)) {
        return UNKNOWN_TEXT;
    }
    if (Array.isArray(value)) {
        return value.map(plainUnknowns);
    }
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainUnknowns(v)]));
    }
    return value;
}

/** Only the top-level values that are fully known: anything left out is unknown to the program in a preview. */
function knownOnly(values: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && !holdsUnknown(v)));
}

/**
 * The mocks of a lab preview: the step for each registration (lab/steps.ts) and the
 * outputs the engine's preview would give the program. Also the runner's performer, so
 * a refused step (a protected resource) ends the run with its message.
 */
export class PreviewMocks implements pulumi.runtime.Mocks {
    readonly generator: StepGenerator;
    private readonly pending = new Map<string, Registration[]>();
    private readonly providers = new Map<string, Record<string, unknown>>();
    private readonly inFlight = new Set<Promise<unknown>>();
    private firstFailure: Error | undefined;
    private resolveFailed!: (err: Error) => void;
    readonly failed: Promise<Error>;

    constructor(private readonly opts: PreviewMocksOptions) {
        this.generator = new StepGenerator(opts.recorded);
        this.failed = new Promise<Error>((resolve) => (this.resolveFailed = resolve));
    }

    get failure(): Error | undefined {
        return this.firstFailure;
    }

    get inFlightCount(): number {
        return this.inFlight.size;
    }

    async idle(): Promise<void> {
        while (this.inFlight.size > 0) {
            await Promise.allSettled([...this.inFlight]);
        }
    }

    /** The runner's onRegister: each registration, before newResource sees it. */
    noteRegistration(r: Registration): void {
        const key = `${r.type}\u0000${r.name}`;
        this.pending.set(key, [...(this.pending.get(key) ?? []), r]);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
        return this.track(Promise.resolve().then(() => this.answer(args)));
    }

    call(args: pulumi.runtime.MockCallArgs): Promise<pulumi.runtime.MockCallResult> {
        return this.track(this.invoke(args));
    }

    private track<T>(p: Promise<T>): Promise<T> {
        this.inFlight.add(p);
        const done = () => this.inFlight.delete(p);
        p.then(done, done);
        return p.catch((err: Error) => {
            if (this.firstFailure === undefined) {
                this.firstFailure = err;
                this.resolveFailed(err);
            }
            throw err;
        });
    }

    private answer(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const key = `${args.type}\u0000${args.name}`;
        const reg = this.pending.get(key)?.shift();
        if (reg === undefined) {
            throw new Error(`lab preview: ${args.type} ${args.name} reached the mocks without a registration`);
        }
        const revealed = revealInputs((args.inputs ?? {}) as Record<string, unknown>).inputs;
        const inputs = withSecrets(reg.inputs, revealed) as Record<string, unknown>;
        if (isProviderType(reg.type)) {
            this.providers.set(reg.urn, inputs);
        }
        const n: NewRegistration = { ...reg, inputs };
        const step = this.generator.step(n);
        if (!reg.custom) {
            return { id: undefined, state: knownOnly(inputs) };
        }
        const old = this.generator.old(reg.urn);
        if (step.op === "same") {
            return { id: old?.id, state: withSecretOutputs(old!) };
        }
        switch (recordedAfter(step)) {
            case "all": // an update keeping its outputs, the new inputs over them
                return { id: old?.id, state: { ...withSecretOutputs(old!), ...knownOnly(inputs) } };
            case "id":
                return { id: old?.id, state: knownOnly(inputs) };
            case "none":
                return { id: undefined, state: knownOnly(inputs) };
        }
    }

    private async invoke(args: pulumi.runtime.MockCallArgs): Promise<pulumi.runtime.MockCallResult> {
        const provider = providerUrnOf(args.provider);
        const where = provider === "" ? "(no provider)" : `through ${provider}`;
        const handler = invokeHandler(args.token);
        if (handler === undefined) {
            throw new Error(`invoke ${args.token} ${where}: not supported by the lab`);
        }
        return handler.invoke(
            { collect: false, kvFor: (r) => this.kvFor(r) },
            { token: args.token, provider, where, inputs: (args.inputs ?? {}) as Record<string, unknown> },
        );
    }

    private kvFor(r: { type: string; urn: string; provider: string }): KvClient {
        const p = this.providers.get(r.provider);
        if (p === undefined) {
            throw new Error(`${r.type} ${r.urn}: needs an explicit consul provider (got "${r.provider}")`);
        }
        return this.opts.kv(p);
    }
}

// ------------------------------------------------------------------ run

export interface PreviewResult {
    stack: string;
    stateFile: string;
    /** Every step: one per registration in program order, then the deletes. */
    steps: Step[];
    /** Dependents deleted in a delete-before-replace chain and not registered again: shown, not counted (chainDeletedRow). */
    uncounted: ChainDeletedRow[];
    changes: Changes;
    /**
     * Unchanged resources whose recorded dependencies, property dependencies, parent or provider,
     * or the options retainOnDelete, deletedWith and protect, differ from the program's
     * registration now. The engine still writes these into the state of an update without
     * changes (pulumi/pulumi v3.248.0 pkg/backend/snapshot.go:221-355 `mustWrite`: Dependencies,
     * Provider, Parent, DeletedWith, Protect, RetainOnDelete; a same step's new state is what the
     * snapshot keeps, `markNew` :370): the next update's replacement chains read the edges
     * (step_generator.go:3009-3149), its deletes the options (step.go:630-633; `hosts[].lost`).
     */
    stale: string[];
    seconds: number;
}

export interface PreviewOptions {
    program?: string;
    secrets?: Record<string, string>;
    kv: ApplierDeps["kv"];
}

/** Runs the program for a stack file as a preview against the lab's state. */
export async function runPreview(stackFile: string, opts: PreviewOptions): Promise<PreviewResult> {
    const started = Date.now();
    const { stack, raw } = loadStackFile(stackFile);
    const stateFile = statePath(stack);
    const state = readState(stateFile);
    const mocks = new PreviewMocks({ recorded: state?.resources ?? [], kv: opts.kv });
    const registered = new Map<string, Registration>();
    await runProgram({
        stack,
        raw,
        secrets: opts.secrets ?? {},
        // The program `lab up` would apply (lab/applier.ts), as `pulumi preview` runs the project's
        // program as it is now: not the one the state recorded, which made an up from another
        // checkout preview that checkout's code (0 changes) and then apply this one's.
        program: path.resolve(opts.program ?? DEFAULT_PROGRAM),
        mocks,
        preview: true,
        stackOutputs: state?.exports,
        onRegister: (r) => {
            registered.set(r.urn, r);
            mocks.noteRegistration(r);
        },
        performer: mocks,
        echoes: LAB_ECHO,
    });
    const steps = [...mocks.generator.steps, ...mocks.generator.deletes()];
    const uncounted = mocks.generator.chainDeleted().map(({ record, root }) => chainDeletedRow(record, root));
    const recorded = new Map((state?.resources ?? []).filter((r) => r.pendingDelete !== true).map((r) => [r.urn, r]));
    const stale = steps.filter((s) => s.op === "same" && staleRecord(recorded.get(s.urn), registered.get(s.urn))).map((s) => s.urn);
    return { stack, stateFile, steps, uncounted, changes: countChanges(steps), stale, seconds: (Date.now() - started) / 1000 };
}

/** Whether a recorded resource's graph edges or kept options differ from its registration now (PreviewResult.stale). */
export function staleRecord(
    old: Pick<ResourceRecord, "dependsOn" | "propertyDependencies" | "parent" | "provider" | "options"> | undefined,
    now: (Pick<Registration, "dependsOn" | "propertyDependencies" | "parent" | "provider"> & Partial<Pick<Registration, "options">>) | undefined,
): boolean {
    if (old === undefined || now === undefined) {
        return false;
    }
    const edges = (deps: Record<string, string[]> | undefined) =>
        JSON.stringify(
            Object.entries(deps ?? {})
                .filter(([, urns]) => urns.length > 0)
                .map(([k, urns]) => [k, [...urns].sort()])
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        );
    return (
        old.parent !== now.parent ||
        old.provider !== now.provider ||
        JSON.stringify([...old.dependsOn].sort()) !== JSON.stringify([...now.dependsOn].sort()) ||
        edges(old.propertyDependencies) !== edges(now.propertyDependencies) ||
        (now.options !== undefined &&
            ((old.options?.retainOnDelete ?? false) !== (now.options.retainOnDelete ?? false) ||
                (old.options?.deletedWith ?? "") !== now.options.deletedWith ||
                (old.options?.protect ?? false) !== (now.options.protect ?? false)))
    );
}

// --------------------------------------------------------------- render

/**
 * The symbol of a step: `+` create, `~` update, `-` delete; a replacement `+-` when the
 * new resource is created before the old is deleted, `-+` when the old is deleted first.
 */
export function stepSymbol(s: Pick<Step, "op" | "deleteBeforeReplace">): string {
    const symbols: Record<StepOp, string> = { same: " ", create: "+", update: "~", replace: s.deleteBeforeReplace === true ? "-+" : "+-", delete: "-" };
    return symbols[s.op];
}

/** `--json`: exactly `{ steps: [{ op, urn, type, name }], changes }` (docs/architecture.md, "Lab preview"). */
export function previewJson(r: Pick<PreviewResult, "steps" | "changes">): {
    steps: { op: StepOp; urn: string; type: string; name: string }[];
    changes: Changes;
} {
    return { steps: r.steps.map((s) => ({ op: s.op, urn: s.urn, type: s.type, name: s.name })), changes: r.changes };
}

/** The summary line: `1 to create, 0 to update, 4 to replace, 0 to delete, 17 unchanged`. */
export function previewSummary(changes: Changes): string {
    return `${changes.create} to create, ${changes.update} to update, ${changes.replace} to replace, ${changes.delete} to delete, ${changes.same} unchanged`;
}

/** The summary of an applied `up`: `1 created, 0 updated, 4 replaced, 0 deleted, 17 unchanged`. */
export function appliedSummary(changes: Changes): string {
    return `${changes.create} created, ${changes.update} updated, ${changes.replace} replaced, ${changes.delete} deleted, ${changes.same} unchanged`;
}

/**
 * One line per step that changes something, like `pulumi preview`'s: symbol, type,
 * name, op, and the inputs that cause it (`[diff: ~<inputs>]` for an update, the
 * reasons of a replacement, `[delete-before-replace]`, `[retain]`).
 */
export function renderStepLines(steps: readonly Step[]): string[] {
    const lines: string[] = [];
    for (const s of steps.filter((x) => x.op !== "same")) {
        const details: string[] = [];
        if (s.op === "update" && s.diffs !== undefined) {
            details.push(`[diff: ~${s.diffs.join(",")}]`);
        }
        if (s.op === "replace") {
            // A URN in a reason ("dependent of <urn>") is shown by its name, as pulumi preview names resources.
            details.push(`[diff: ${(s.replaceReasons ?? []).map((x) => x.replace(/urn:pulumi:\S*::([^\s,]+)/g, "$1")).join(", ")}]`);
            if (s.deleteBeforeReplace === true) {
                details.push("[delete-before-replace]");
            }
        }
        if (s.retain === true) {
            details.push("[retain]");
        }
        lines.push(`${stepSymbol(s).padStart(3)} ${s.type} ${s.name}  ${s.op}${details.length > 0 ? `  ${details.join(" ")}` : ""}`);
    }
    return lines;
}

/** A replace row that is shown and not counted, with the URN of the replacement whose chain deletes it. */
export type ChainDeletedRow = Step & { root: string };

/**
 * A dependent a delete-before-replace deletes in its chain and the run does not register
 * again (StepGenerator.chainDeleted), as `pulumi preview` shows it: a replace row, deleted
 * before its root, not counted in the summary.
 */
export function chainDeletedRow(record: Pick<ResourceRecord, "urn" | "type" | "name">, root: string): ChainDeletedRow {
    return {
        op: "replace",
        urn: record.urn,
        type: record.type,
        name: record.name,
        replaceReasons: [`dependent of ${root}`],
        deleteBeforeReplace: true,
        root,
    };
}

/**
 * Text like `pulumi preview`: the steps that change something, then the summary. The
 * `uncounted` rows (chainDeletedRow) come right before the replacement whose chain deletes them.
 */
export function renderPreviewText(r: Pick<PreviewResult, "stack" | "steps" | "changes"> & Partial<Pick<PreviewResult, "uncounted">>): string {
    const uncounted = r.uncounted ?? [];
    const rows = r.steps.flatMap((s) => [...uncounted.filter((u) => u.root === s.urn), s]);
    return [`Previewing update (${r.stack}):`, ...renderStepLines(rows), `preview: ${previewSummary(r.changes)}`].join("\n") + "\n";
}

/** True when the steps change nothing. */
export function isNoop(changes: Changes): boolean {
    return changes.create + changes.update + changes.replace + changes.delete === 0;
}
