/**
 * The lab's step executor (lab/executor.ts) through the applier, with command
 * resources and a fake script runner: what runs, in which order, and what the
 * state says after each run (also after a failure part-way); and the delete
 * schedule (lab/steps.ts scheduleDeletes). No engines, no daemons.
 */
import * as assert from "node:assert/strict";
import { ApplierDeps, LabApplier } from "../../lab/applier";
import { deleteRecord, skipsDelete } from "../../lab/executor";
import { ScriptRun } from "../../lab/clients/script";
import { ResourceRecord, StateRecorder } from "../../lab/state";
import { scheduleDeletes } from "../../lab/steps";
import type { RegistrationOptions } from "../../runner/program";

const CMD = "command:local:Command";
const urn = (name: string) => `urn:pulumi:t::docker-overlay::${CMD}::${name}`;

interface Reg {
    name: string;
    create: string;
    delete?: string;
    update?: string;
    /** Names this one takes an input from (its `create`'s property dependency). */
    from?: string[];
    options?: Partial<RegistrationOptions>;
}

interface Run {
    ok: boolean;
    error?: string;
    /** Every script run, in order. */
    ran: string[];
    /** The environment of each script run, by script. */
    env: Map<string, Record<string, string> | undefined>;
    records: ResourceRecord[];
    steps: string[];
}

/** One `up`: the registrations in order (each after the one before settled), then the deletes. */
async function up(base: readonly ResourceRecord[], regs: readonly Reg[], fail: readonly string[] = []): Promise<Run> {
    const ran: string[] = [];
    const env = new Map<string, Record<string, string> | undefined>();
    const deps: Partial<ApplierDeps> = {
        runScript: async (r: ScriptRun) => {
            ran.push(r.script);
            env.set(r.script, r.environment);
            return fail.includes(r.script)
                ? { code: 1, signal: null, stdout: "", stderr: "boom" }
                : { code: 0, signal: null, stdout: `out of ${r.script}\n`, stderr: "" };
        },
        now: () => new Date(Date.UTC(2026, 0, 1)),
        // The network delete waits as the provider does (lab/resources/network.ts): no real time in unit tests.
        sleep: async () => undefined,
        newId: () => `${String(++ids).padStart(8, "0")}`,
    };
    // What readState would give: a deep copy of what the last run wrote.
    const copy = JSON.parse(JSON.stringify(base)) as ResourceRecord[];
    const recorder = new StateRecorder(undefined, { stack: "t", stackFile: "/x/Pulumi.t.yaml", program: "/x/index.ts", base: copy }, deps.now);
    const applier = new LabApplier({ mode: "up", stack: "t", recorder, base: copy, deps });
    const run: Run = { ok: true, ran, env, records: [], steps: [] };
    try {
        for (const r of regs) {
            const from = (r.from ?? []).map(urn);
            applier.noteRegistration({
                urn: urn(r.name),
                type: CMD,
                name: r.name,
                parent: "",
                provider: "",
                custom: true,
                dependsOn: from,
                propertyDependencies: from.length > 0 ? { create: from } : {},
                options: { replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: "", ...r.options },
            });
            const inputs: Record<string, unknown> = { create: r.create };
            for (const k of ["delete", "update"] as const) {
                if (r[k] !== undefined) {
                    inputs[k] = r[k];
                }
            }
            await applier.newResource({ type: CMD, name: r.name, custom: true, inputs });
        }
        await applier.deleteCondemned();
    } catch (err) {
        run.ok = false;
        run.error = (err as Error).message;
    }
    run.records = JSON.parse(JSON.stringify(recorder.state.resources)) as ResourceRecord[];
    run.steps = applier.executor.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);
    return run;
}

/** Ids across runs: a new resource never gets an old id. */
let ids = 0;

/** Each record as `name:old` (the id `base` recorded for it), `name:new` (another id) or `name:none`, and its flags. */
const summary = (records: ResourceRecord[], base: readonly ResourceRecord[] = []) =>
    records.map((r) => {
        const id = r.id === undefined ? "none" : base.some((b) => b.urn === r.urn && b.id === r.id) ? "old" : "new";
        return `${r.name}:${id}${r.pendingDelete ? " pendingDelete" : ""}${r.pendingReplacement ? " pendingReplacement" : ""}`;
    });

const A: Reg = { name: "a", create: "make-a", delete: "undo-a" };
const B: Reg = { name: "b", create: "make-b", delete: "undo-b", from: ["a"] };
const D: Reg = { name: "d", create: "make-d", delete: "undo-d", from: ["b"] };
const ALL = { replaceOnChanges: ["*"] };
const DBR = { replaceOnChanges: ["*"], deleteBeforeReplace: true };
/** b and d replaced by any change of what they take from a (and b). */
const CASCADE: Reg[] = [A, { ...B, options: ALL }, { ...D, options: ALL }];

describe("lab step executor (fakes)", function () {
    let first: Run;
    let cascade: Run;

    before(async function () {
        first = await up([], [A, B, D]);
        assert.equal(first.ok, true, first.error);
        cascade = await up([], CASCADE);
        assert.equal(cascade.ok, true, cascade.error);
    });

    it("an empty state: every registration created, in order", function () {
        assert.deepEqual(first.ran, ["make-a", "make-b", "make-d"]);
        assert.deepEqual(first.steps, ["create a", "create b", "create d"]);
        assert.deepEqual(summary(first.records), ["a:new", "b:new", "d:new"]);
    });

    it("same, update, create, delete: the update runs `update` with the old output, keeps its id; the delete comes last", async function () {
        const r = await up(first.records, [A, { ...B, create: "make-b2", update: "update-b" }, { name: "c", create: "make-c", from: ["a"] }]);
        assert.equal(r.ok, true, r.error);
        assert.deepEqual(r.ran, ["update-b", "make-c", "undo-d"]);
        assert.deepEqual(r.steps, ["update b", "create c", "delete d"]);
        assert.equal(r.env.get("update-b")?.["PULUMI_COMMAND_STDOUT"], "out of make-b");
        assert.deepEqual(summary(r.records, first.records), ["a:old", "b:old", "c:new"]);
        assert.equal(r.records[1].outputs?.["stdout"], "out of update-b");
        assert.equal(r.records[1].inputs["create"], "make-b2");
    });

    it("an object left with initialization errors: an empty update that runs nothing and keeps its id; a changed input takes its own diff", async function () {
        const half = first.records.map((r) => (r.name === "b" ? { ...r, status: "failed" as const, error: "created but not finished" } : r));
        const r = await up(half, [A, B, D]);
        assert.equal(r.ok, true, r.error);
        assert.deepEqual(r.ran, []);
        assert.deepEqual(r.steps, ["update b"]);
        const b = r.records.find((x) => x.name === "b");
        assert.equal(b?.status, "created");
        assert.equal(b?.id, first.records.find((x) => x.name === "b")?.id);
        const changed = await up(half, [A, { ...B, create: "make-b2" }, D]);
        assert.equal(changed.ok, true, changed.error);
        assert.deepEqual(changed.ran, ["make-b2"]);
        assert.deepEqual(changed.steps, ["update b"]);
    });

    it("an update without an `update` script runs `create` again", async function () {
        const r = await up(first.records, [A, { ...B, create: "make-b2" }, D]);
        assert.equal(r.ok, true, r.error);
        assert.deepEqual(r.ran, ["make-b2"]);
        assert.deepEqual(r.steps, ["update b"]);
    });

    it("create-before-delete: the successor first, the old one deleted after everything else", async function () {
        const r = await up(first.records, [{ ...A, create: "make-a2", options: ALL }, B, D]);
        assert.equal(r.ok, true, r.error);
        // b's inputs do not change (the fakes' scripts ignore a's outputs): the engine replaces no dependent of a CBD.
        assert.deepEqual(r.ran, ["make-a2", "undo-a"]);
        assert.deepEqual(r.steps, ["replace a"]);
        assert.deepEqual(summary(r.records, first.records), ["a:new", "b:old", "d:old"]);
    });

    it("delete-before-replace: its dependents deleted first (reverse dependency order), then it, then all re-created in order", async function () {
        const r = await up(cascade.records, [{ ...A, create: "make-a2", options: DBR }, ...CASCADE.slice(1)]);
        assert.equal(r.ok, true, r.error);
        assert.deepEqual(r.ran, ["undo-d", "undo-b", "undo-a", "make-a2", "make-b", "make-d"]);
        assert.deepEqual(r.steps, ["replace a", "replace b", "replace d"]);
        assert.deepEqual(summary(r.records, cascade.records), ["a:new", "b:new", "d:new"]);
    });

    it("a failure part-way leaves an honest state, and the next up finishes the replacement without deleting again", async function () {
        const regs: Reg[] = [{ ...A, create: "make-a2", options: DBR }, ...CASCADE.slice(1)];
        const failed = await up(cascade.records, regs, ["make-a2"]);
        assert.equal(failed.ok, false);
        assert.match(failed.error ?? "", /::a: create exited with code 1\n/);
        assert.deepEqual(failed.ran, ["undo-d", "undo-b", "undo-a", "make-a2"]);
        // The new a failed; the old three are deleted and wait for their successors.
        assert.deepEqual(summary(failed.records, cascade.records), [
            "a:none",
            "a:old pendingReplacement",
            "b:old pendingReplacement",
            "d:old pendingReplacement",
        ]);
        assert.equal(failed.records[0].status, "failed");
        const base = failed.records.filter((r) => r.status === "created");
        const again = await up(base, regs);
        assert.equal(again.ok, true, again.error);
        assert.deepEqual(again.ran, ["make-a2", "make-b", "make-d"]);
        assert.deepEqual(again.steps, ["replace a", "replace b", "replace d"]);
        assert.deepEqual(summary(again.records, cascade.records), ["a:new", "b:new", "d:new"]);
    });

    it("a failed create-before-delete keeps the old resource, not pending deletion", async function () {
        const r = await up(first.records, [{ ...A, create: "make-a2", options: ALL }], ["make-a2"]);
        assert.equal(r.ok, false);
        assert.deepEqual(r.ran, ["make-a2"]);
        assert.deepEqual(summary(r.records, first.records), ["a:none", "a:old", "b:old", "d:old"]);
        assert.equal(r.records[0].status, "failed");
    });

    it("a resource left pending deletion by an earlier run is deleted at the end; retainOnDelete deletes nothing", async function () {
        const base = first.records.map((r) => (r.name === "d" ? { ...r, options: { ...r.options!, retainOnDelete: true } } : r));
        base.push({ ...first.records[0], id: "a-older", pendingDelete: true });
        const r = await up(base, [A, B]);
        assert.equal(r.ok, true, r.error);
        assert.deepEqual(r.ran, ["undo-a"]);
        assert.deepEqual([...r.steps].sort(), ["delete a", "delete d"]);
        assert.deepEqual(summary(r.records, first.records), ["a:old", "b:old"]);
    });
});

/** A created record named `name`, depending on the records named in `dependsOn`. */
const rec = (name: string, dependsOn: string[] = [], extra: Partial<ResourceRecord> = {}): ResourceRecord => ({
    urn: urn(name),
    type: CMD,
    name,
    parent: "",
    custom: true,
    provider: "",
    dependsOn: dependsOn.map(urn),
    inputs: {},
    status: "created",
    startedAt: "",
    ...extra,
});

describe("scheduleDeletes (the engine's ScheduleDeletes)", function () {
    it("antichains in reverse dependency order: dependents first, independent ones together", function () {
        const rounds = scheduleDeletes([rec("host"), rec("img", ["host"]), rec("net", ["host"]), rec("ctr", ["img", "net"]), rec("other")]);
        assert.deepEqual(
            rounds.map((r) => r.map((x) => x.name)),
            [["ctr"], ["img", "net"], ["host", "other"]],
        );
    });

    it("follows providers, parents, property dependencies and deletedWith; only to records before it", function () {
        const rounds = scheduleDeletes([
            rec("p"),
            rec("parent"),
            rec("x", [], { provider: urn("p"), parent: urn("parent"), propertyDependencies: { a: [urn("y")] } }),
            rec("y"),
            rec("z", [], { options: { replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: urn("x") } }),
        ]);
        // x's dependency on y (after it) does not count: a state's order cannot make a cycle.
        assert.deepEqual(
            rounds.map((r) => r.map((x) => x.name)),
            [["z"], ["x"], ["p", "parent", "y"]],
        );
    });
});

describe("skipsDelete (the engine's DeleteStep.Apply: retainOnDelete, isDeletedWith)", function () {
    const opts = (o: Partial<RegistrationOptions>): Partial<ResourceRecord> => ({
        options: { replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: "", ...o },
    });
    it("skips a resource deleted with one this run deletes too, or retained; deletes it otherwise", function () {
        const bridge = urn("bridge");
        const container = rec("c", [], opts({ deletedWith: bridge }));
        // A destroy: the bridge is planned for deletion with everything else.
        assert.equal(skipsDelete(container, new Set([bridge, container.urn])), true);
        // A host removed, the fabric kept: the container is deleted through its engine.
        assert.equal(skipsDelete(container, new Set([container.urn])), false);
        assert.equal(skipsDelete(rec("r", [], opts({ retainOnDelete: true })), new Set()), true);
        assert.equal(skipsDelete(rec("plain", [], opts({})), new Set([""])), false, "an empty deletedWith names nothing");
        assert.equal(skipsDelete(rec("old"), new Set([bridge])), false, "a record of an older state file has no options");
    });
});

describe("deleteRecord", function () {
    it("never runs the delete of a resource a delete-before-replace already deleted", async function () {
        const ran: string[] = [];
        const ctx = {
            deps: { runScript: async (r: ScriptRun) => (ran.push(r.script), { code: 0, signal: null, stdout: "", stderr: "" }) } as unknown as ApplierDeps,
            provider: () => undefined,
        };
        const r: ResourceRecord = {
            urn: urn("a"),
            type: CMD,
            name: "a",
            parent: "",
            custom: true,
            provider: "",
            dependsOn: [],
            inputs: { create: "make-a", delete: "undo-a" },
            status: "created",
            startedAt: "",
        };
        assert.equal(await deleteRecord(ctx, { ...r, pendingReplacement: true }), "absent");
        assert.deepEqual(ran, []);
        assert.equal(await deleteRecord(ctx, r), "deleted");
        assert.deepEqual(ran, ["undo-a"]);
    });
});
