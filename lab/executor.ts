/**
 * The lab's step executor: performs, against the lab's state (lab/state.ts) and with
 * the handlers of lab/resources, the steps the step generator (lab/steps.ts) decides
 * for each registration of a run, the way the Pulumi engine executes them. With an
 * empty state every step is a create, so a first `up` and an `up` of a stack that is
 * already up are one code path.
 *
 * The engine's rules (pulumi/pulumi v3.248.0, pkg/resource/deploy/):
 *  - Each registration's steps form one chain, executed in order, as soon as the
 *    program registers it (deployment_executor.go:568-636 handleSingleEvent ->
 *    step_executor.go:141-150 ExecuteSerial, :395-427 executeChain); registrations
 *    the program makes concurrently run concurrently, so creates, updates and
 *    replacements follow the program's dependency order, in parallel where it allows.
 *  - same: nothing performed; the old id and outputs (step.go:150-); the state takes the
 *    new registration (backend/snapshot.go:358-380).
 *  - update: the provider's Update, same id (step.go:925-); the old record stays until it
 *    succeeds (snapshot.go:456-470).
 *  - replace, create-before-delete: create the successor; the old resource is marked
 *    pending deletion (step.go:438-443) and deleted with the deletes at the end
 *    (step_generator.go:2047-2053, :2208-2240).
 *  - replace, delete-before-replace: first the dependents the step generator marked, in
 *    reverse dependency order, then the old resource, each marked pending replacement once
 *    deleted (step_generator.go:1926-2035, step.go:735-752); then the create; a successor
 *    created retires the pending-replacement record (snapshot.go:412-436).
 *  - after the program finished: what it no longer registers and what waits for deletion,
 *    in antichains of reverse dependency order, each antichain in parallel
 *    (deployment_executor.go:484-553, step_generator.go:2560-2607 ScheduleDeletes).
 *  - a delete honours retainOnDelete and deletedWith (step.go:630-633, :573-582).
 *  - the first failure stops the run: nothing new starts (step_executor.go:430-461), and
 *    the state, written after every step, says what exists (the engine's checkpoints).
 */
import * as pulumi from "@pulumi/pulumi";
import { CreateContext, DeleteContext, DeleteOutcome, NothingPerformedError, resourceHandler } from "./resources";
import { withSecretOutputs } from "./secrets";
import { ResourceRecord, StateRecorder } from "./state";
import { hasInitErrors, scheduleDeletes, Step, StepGenerator } from "./steps";

export type ApplierEvent =
    | { kind: "created" | "updated" | "replaced" | "deleted"; record: ResourceRecord; seconds: number }
    | { kind: "failed"; record: ResourceRecord; seconds: number; error: string }
    | { kind: "invoke"; token: string; urn: string; seconds: number; error?: string };

/** A registration as the applier records it (lab/state.ts), before its step. */
export type NewRecord = Omit<ResourceRecord, "status" | "startedAt">;

export interface StepExecutorOptions {
    recorder: StateRecorder;
    /** The recorded resources the run starts from (the same objects the recorder holds). */
    base: readonly ResourceRecord[];
    ctx: CreateContext;
    deleteCtx: DeleteContext;
    now: () => Date;
    onEvent: (e: ApplierEvent) => void;
}

/**
 * Whether a delete step leaves the provider alone, as the engine's DeleteStep.Apply does:
 * retainOnDelete (step.go:630), or deletedWith a resource this run deletes too (step.go:632-633,
 * isDeletedWith :573-582). `deleting`: every URN the run plans to delete (the engine's
 * `sg.deletes`, filled before any delete step runs; a destroy puts every resource in it,
 * step_generator.go:2239-2278).
 */
export function skipsDelete(r: ResourceRecord, deleting: ReadonlySet<string>): boolean {
    const withUrn = r.options?.deletedWith ?? "";
    return r.options?.retainOnDelete === true || (withUrn !== "" && deleting.has(withUrn));
}

/** Deletes what a record describes through the handler for its type, tolerating objects already gone. */
export async function deleteRecord(ctx: DeleteContext, r: ResourceRecord): Promise<DeleteOutcome> {
    if (!r.custom) {
        return "nothing";
    }
    // Its create failed before anything ran on the target, or a delete-before-replace already
    // deleted it (the engine only drops such a record: RemovePendingReplaceStep,
    // step_generator.go:2243-2248; running a command's delete twice could undo its successor).
    if ((r.status === "failed" && r.nothingPerformed === true) || r.pendingReplacement === true) {
        return "absent";
    }
    const handler = resourceHandler(r.type);
    if (handler === undefined) {
        throw new Error(`${r.type} ${r.urn}: resource type not supported by the lab applier; delete it by hand`);
    }
    return handler.delete(ctx, r);
}

export class StepExecutor {
    readonly generator: StepGenerator;
    /** URNs deleted in this run (the engine's `sg.deletes`, what deletedWith looks at). */
    private readonly deleting = new Set<string>();

    constructor(private readonly opts: StepExecutorOptions) {
        this.generator = new StepGenerator(opts.base);
    }

    /** Every step of the run so far (the deletes once `deleteCondemned` ran). */
    get steps(): readonly Step[] {
        return this.generator.steps;
    }

    /** Decides and performs the step of one registration; resolves with what the engine tells the program. */
    async execute(n: NewRecord): Promise<pulumi.runtime.MockResourceResult> {
        const step = this.generator.step(n);
        const old = this.generator.old(n.urn);
        switch (step.op) {
            case "create":
                return this.create(n, "created");
            case "same":
                return this.same(old!, n);
            case "update":
                return this.update(old!, n, step.diffs ?? []);
            case "replace":
                return this.replace(old!, n, step.deleteBeforeReplace === true);
            default:
                throw new Error(`lab: a registration cannot be a ${step.op} step (${n.urn})`);
        }
    }

    private seconds(started: number): number {
        return (this.opts.now().getTime() - started) / 1000;
    }

    private record(n: NewRecord, extra: Partial<ResourceRecord>): ResourceRecord {
        const now = this.opts.now().toISOString();
        return { ...n, status: "created", startedAt: now, endedAt: now, ...extra };
    }

    private async create(n: NewRecord, event: "created" | "replaced"): Promise<pulumi.runtime.MockResourceResult> {
        const started = this.opts.now().getTime();
        const record = this.opts.recorder.begin(n);
        try {
            const result = await this.perform(record);
            const done = this.opts.recorder.complete(n.urn, result.id, result.state);
            if (record.custom) {
                this.opts.onEvent({ kind: event, record: done, seconds: this.seconds(started) });
            }
            return result;
        } catch (err) {
            const message = (err as Error).message;
            const failed = this.opts.recorder.fail(n.urn, message, err instanceof NothingPerformedError);
            this.opts.onEvent({ kind: "failed", record: failed, seconds: this.seconds(started), error: message });
            throw err;
        }
    }

    /** Performs a resource through the handler for its type (lab/resources/index.ts). */
    private async perform(r: ResourceRecord): Promise<pulumi.runtime.MockResourceResult> {
        if (!r.custom) {
            // Component resources (and the stack) own nothing of their own.
            return { id: undefined, state: r.inputs };
        }
        const handler = resourceHandler(r.type);
        if (handler === undefined) {
            throw new Error(`${r.type} ${r.urn}: resource type not supported by the lab applier`);
        }
        return handler.create(this.opts.ctx, r);
    }

    /** The new registration with what the step was decided on: the inputs after ignoreChanges, the secrets of both. */
    private successor(old: ResourceRecord, n: NewRecord): NewRecord {
        const secrets = [...new Set([...(n.secrets ?? []), ...(old.secrets ?? []).filter((k) => !(k in old.inputs))])].sort();
        return { ...n, inputs: this.generator.goalInputs(n.urn) ?? n.inputs, ...(secrets.length > 0 ? { secrets } : {}) };
    }

    private same(old: ResourceRecord, n: NewRecord): pulumi.runtime.MockResourceResult {
        const record = this.record(this.successor(old, n), { id: old.id, ...(old.outputs !== undefined ? { outputs: old.outputs } : {}) });
        if (resourceHandler(n.type)?.provider === true) {
            this.opts.ctx.registerProvider(record);
        }
        this.opts.recorder.supersede(old, record);
        return { id: old.id, state: n.custom ? withSecretOutputs(old) : record.inputs };
    }

    private async update(old: ResourceRecord, n: NewRecord, diffs: readonly string[]): Promise<pulumi.runtime.MockResourceResult> {
        const started = this.opts.now().getTime();
        const next = this.successor(old, n);
        const pending = this.record(next, { status: "creating" });
        try {
            let result: pulumi.runtime.MockResourceResult;
            if (!n.custom) {
                result = { id: undefined, state: next.inputs };
            } else if (hasInitErrors(old) && diffs.length === 0) {
                // The empty update of an object left with initialization errors: the bridge's Update finds a
                // nil Terraform diff and returns the old state, touching nothing (pulumi-terraform-bridge
                // pkg/tfbridge/provider.go:1725-1731 at 59de6c66); the errors are cleared.
                result = { id: old.id, state: old.outputs ?? next.inputs };
            } else {
                const handler = resourceHandler(n.type);
                if (handler?.update === undefined) {
                    throw new Error(`${n.type} ${n.urn}: the lab cannot update this type in place`);
                }
                result = await handler.update(this.opts.ctx, old, pending);
            }
            const done = this.record(pending, { id: result.id ?? undefined, outputs: result.state as Record<string, unknown> });
            this.opts.recorder.supersede(old, done);
            if (n.custom) {
                this.opts.onEvent({ kind: "updated", record: done, seconds: this.seconds(started) });
            }
            return result;
        } catch (err) {
            // The old record stays: the update did not happen (or not all of it), as the engine's state says.
            const message = (err as Error).message;
            this.opts.onEvent({ kind: "failed", record: { ...pending, status: "failed", error: message }, seconds: this.seconds(started), error: message });
            throw err;
        }
    }

    private async replace(old: ResourceRecord, n: NewRecord, deleteBeforeReplace: boolean): Promise<pulumi.runtime.MockResourceResult> {
        if (deleteBeforeReplace && old.pendingReplacement !== true) {
            // Dependents first, in reverse dependency order, then the old resource itself.
            for (const d of [...this.generator.dependentsOf(n.urn)].reverse()) {
                if (d.pendingReplacement !== true) {
                    await this.deleteOld(d, "pendingReplacement");
                }
            }
            await this.deleteOld(old, "pendingReplacement");
        }
        const result = await this.create(n, "replaced");
        if (old.pendingReplacement === true) {
            this.opts.recorder.drop(old);
        } else {
            this.opts.recorder.mark(old, "pendingDelete");
        }
        return result;
    }

    /** Deletes an old resource (retainOnDelete, deletedWith honoured); marks it, or drops it from the state. */
    private async deleteOld(r: ResourceRecord, then: "pendingReplacement" | "drop"): Promise<void> {
        const started = this.opts.now().getTime();
        this.deleting.add(r.urn);
        try {
            if (!skipsDelete(r, this.deleting)) {
                await deleteRecord(this.opts.deleteCtx, r);
            }
        } catch (err) {
            const message = (err as Error).message;
            this.opts.onEvent({ kind: "failed", record: r, seconds: this.seconds(started), error: message });
            throw err;
        }
        if (then === "drop") {
            this.opts.recorder.drop(r);
        } else {
            this.opts.recorder.mark(r, "pendingReplacement");
        }
        if (r.custom) {
            this.opts.onEvent({ kind: "deleted", record: r, seconds: this.seconds(started) });
        }
    }

    /**
     * After the program: deletes what it no longer registers and the old resources
     * replacements left pending deletion, antichain by antichain; drops records whose
     * delete-before-replace successor was never registered.
     */
    async deleteCondemned(): Promise<void> {
        for (const r of this.generator.abandoned()) {
            this.opts.recorder.drop(r);
        }
        const unregistered = new Set(this.generator.unregistered());
        // Also refuses a protected resource, and records the delete steps.
        this.generator.deletes();
        const condemned = this.opts.base.filter((r) => r.status === "created" && (r.pendingDelete === true || unregistered.has(r)));
        for (const r of condemned) {
            this.deleting.add(r.urn);
        }
        for (const antichain of scheduleDeletes(condemned)) {
            const results = await Promise.allSettled(antichain.map((r) => this.deleteOld(r, "drop")));
            const failed = results.find((x): x is PromiseRejectedResult => x.status === "rejected");
            if (failed !== undefined) {
                throw failed.reason;
            }
        }
    }
}
