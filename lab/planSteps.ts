/**
 * The steps between two plans (`npm run plan` documents, lib/render/plan.ts):
 * what `pulumi up` of the head would do to a stack deployed from the base, by
 * the lab's step generator (lab/steps.ts) and its per-type diffs
 * (lab/resources/<kind>.ts), not by rules of its own. This file only adapts
 * plans to what the generator reads: the base plan plays the recorded state
 * (every resource created), the head plan the new registrations in plan order
 * (dependencies first, as a program registers them).
 *
 * One thing a plan lacks is the state's values: a plan runs under preview
 * mocks, so ids and computed outputs are "[unknown]" in both plans. In a real
 * preview such a value is the recorded one when the resources it came from are
 * kept (lab/steps.ts recordedAfter; lab/preview.ts answers so), and unknown
 * when they are created or replaced. So an unknown in a base input stands for
 * "the value recorded at up" (RECORDED), and an unknown in a head input is that
 * same value when every resource its input came from (its property
 * dependencies) keeps its recorded outputs in this run; otherwise it stays
 * unknown, and the type's diff counts it as changed, as the engine's does. A
 * plan cannot tell an id from another output, so an input taken from a
 * command that is updated (which keeps its id but re-runs) is unknown here
 * even where it was the command's id: a possible replacement shown that a real
 * preview would not show; never the other way round.
 *
 * Plans made before `custom`, `propertyDependencies` and `options` were in the
 * document (a base branch without them): a resource is a component when another
 * resource names it as parent or it is the stack, and it has no property
 * dependencies or options, as an older lab state file.
 */
import { PlanDocument, PlanResource } from "../lib/render/plan";
import type { RegistrationOptions } from "../runner/program";
import { UNKNOWN_TEXT } from "./resources/diff";
import { ResourceRecord } from "./state";
import { Changes, countChanges, Differ, labDiffer, NewRegistration, recordedAfter, Step, StepGenerator } from "./steps";

/** What a base plan's unknown stands for: the value the resource had once it was created. */
export const RECORDED = "[recorded at up]";

const STACK_TYPE = "pulumi:pulumi:Stack";

/** A plan resource as an older plan may have it. */
type AnyPlanResource = Omit<PlanResource, "custom" | "propertyDependencies" | "options"> &
    Partial<Pick<PlanResource, "custom" | "propertyDependencies" | "options">>;

/** Every "[unknown]" in a value replaced by `by`. */
function replaceUnknowns(value: unknown, by: string): unknown {
    if (value === UNKNOWN_TEXT) {
        return by;
    }
    if (Array.isArray(value)) {
        return value.map((v) => replaceUnknowns(v, by));
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceUnknowns(v, by)]));
    }
    return value;
}

function optionsOf(r: AnyPlanResource): RegistrationOptions {
    const o = r.options ?? {};
    return {
        ...(o.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: o.deleteBeforeReplace } : {}),
        replaceOnChanges: o.replaceOnChanges ?? [],
        ignoreChanges: o.ignoreChanges ?? [],
        ...(o.retainOnDelete !== undefined ? { retainOnDelete: o.retainOnDelete } : {}),
        ...(o.protect !== undefined ? { protect: o.protect } : {}),
        replaceWith: o.replaceWith ?? [],
        deletedWith: o.deletedWith ?? "",
    };
}

/** The plan's resources as registrations (inputs as the plan has them). */
function registrationsOf(doc: { resources: readonly AnyPlanResource[] }): NewRegistration[] {
    const parents = new Set(doc.resources.map((r) => r.parent));
    return doc.resources.map((r) => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        provider: r.provider,
        custom: r.custom ?? !(r.type === STACK_TYPE || parents.has(r.urn)),
        dependsOn: r.dependsOn,
        inputs: r.inputs,
        propertyDependencies: r.propertyDependencies ?? {},
        options: optionsOf(r),
    }));
}

/** The base plan as the lab's state would record the stack it deployed. */
export function planRecords(base: { resources: readonly AnyPlanResource[] }): ResourceRecord[] {
    return registrationsOf(base).map((r) => {
        const inputs = replaceUnknowns(r.inputs, RECORDED) as Record<string, unknown>;
        return { ...r, inputs, outputs: inputs, status: "created", startedAt: "" };
    });
}

/**
 * A head input with the base's recorded values where a real preview would know
 * them: every unknown becomes RECORDED when the input's property dependencies all
 * keep their recorded outputs (steps already taken: they register first).
 */
function resolveUnknowns(r: NewRegistration, stepOf: ReadonlyMap<string, Step>): Record<string, unknown> {
    const kept = (urn: string) => {
        const s = stepOf.get(urn);
        return s !== undefined && recordedAfter(s) === "all";
    };
    return Object.fromEntries(
        Object.entries(r.inputs).map(([key, value]) => [key, (r.propertyDependencies?.[key] ?? []).every(kept) ? replaceUnknowns(value, RECORDED) : value]),
    );
}

/** The steps `pulumi up` of the head plan takes on a stack deployed from the base plan. */
export function stepsBetweenPlans(
    base: { resources: readonly AnyPlanResource[] },
    head: Pick<PlanDocument, "resources">,
    differ: Differ = labDiffer,
): { steps: Step[]; changes: Changes } {
    const gen = new StepGenerator(planRecords(base), differ);
    const stepOf = new Map<string, Step>();
    for (const r of registrationsOf(head)) {
        stepOf.set(r.urn, gen.step({ ...r, inputs: resolveUnknowns(r, stepOf) }));
    }
    gen.deletes();
    return { steps: gen.steps, changes: countChanges(gen.steps) };
}
