/**
 * The Pulumi engine's step generator, for the lab: given what the lab's state
 * recorded (inputs, outputs, dependencies, property dependencies, provider,
 * parent, options) and the registrations of a new run of the program, the
 * steps `pulumi preview` / `pulumi up` would take: same, create, update,
 * replace, delete. Pure: no I/O; the per-type provider diffs come from
 * lab/resources/<kind>.ts (tables of docs/provider-rules.md section 3).
 *
 * Incremental as the engine is: `step()` is called for each registration in
 * the order the program makes them (a resource registers only after what it
 * depends on), and a delete-before-replace replacement marks its dependents
 * for replacement before they register. `deletes()` then lists what the
 * program no longer registers. `generateSteps()` runs both over a list.
 *
 * The engine's rules (docs/provider-rules.md section 4, pulumi/pulumi v3.248.0
 * pkg/resource/deploy/step_generator.go):
 *  - no old state: create (:1665-1667);
 *  - ignoreChanges: the listed paths take the old value first (:1151-1156, :2836-2858);
 *  - replaceWith: replaced when a listed resource is replaced in this run (:2706-2717);
 *  - a provider that is replaced replaces its resources (providerChanged :2613-2690);
 *    a docker or consul provider is only ever updated, so in practice never;
 *  - otherwise the provider's diff (:2743-2748), then replaceOnChanges turns changed
 *    keys under a listed path into replacements, "*" all of them (:1826, :2909-3002);
 *  - replace: delete-before-replace is the provider's answer, overridden by the
 *    option when the program gave it (:1922-1925); a protected resource refuses
 *    (:1837-1852); a DBR replacement replaces its dependents
 *    (calculateDependentReplacements :3009-3149): those whose provider is replaced, and
 *    those with a property dependency on a replaced resource whose diff, with those
 *    inputs unknown, says replace; never through a bare dependsOn (:3072-3076), never a
 *    component (:3037-3040); plus those naming it in replaceWith (:3154-3174). A
 *    create-before-delete replacement replaces no dependents: they register later with
 *    its new (in a preview unknown) outputs, and their own diff decides (:2033-2038);
 *  - update when the diff has changes but no replacement, same otherwise (:2041-2050, :1773-1803);
 *  - deletes: what is not registered, in reverse dependency order (:2159-, ScheduleDeletes
 *    :2560-2607); retainOnDelete skips the provider's delete (step.go:630-631); a protected
 *    resource refuses to be deleted.
 */
import { resourceHandler } from "./resources";
import { DiffRequest, DiffResult } from "./resources/handler";
import { changedKeys, holdsUnknown, UNKNOWN_TEXT } from "./resources/diff";
import { COMMAND_TYPE } from "./resources/localCommand";
import { REMOTE_COMMAND_TYPE } from "./resources/remoteCommand";
import { ResourceRecord } from "./state";
import type { AliasSpec, Registration, RegistrationOptions } from "../runner/program";

export type StepOp = "same" | "create" | "update" | "replace" | "delete";

export const STEP_OPS: readonly StepOp[] = ["same", "create", "update", "replace", "delete"];

export interface Step {
    op: StepOp;
    urn: string;
    type: string;
    name: string;
    /** Changed top-level inputs (update, replace). */
    diffs?: string[];
    /** The inputs that force the replacement, or why it is replaced. */
    replaceReasons?: string[];
    /** A replacement that deletes the old resource first. */
    deleteBeforeReplace?: boolean;
    /** A delete that only drops the resource from the state (retainOnDelete). */
    retain?: boolean;
}

export type Changes = Record<StepOp, number>;

/** A new run's registration, its inputs in plain form ("[unknown]" for a preview's unknowns). */
export type NewRegistration = Pick<Registration, "urn" | "type" | "name" | "parent" | "provider" | "custom" | "dependsOn" | "inputs"> &
    Partial<Pick<Registration, "propertyDependencies" | "options">>;

/** The provider's diff for a type: lab/resources' table, or for a type without one, every change an update. */
export type Differ = (req: DiffRequest) => DiffResult;

export const labDiffer: Differ = (req) => {
    const handler = resourceHandler(req.type);
    if (handler !== undefined) {
        return handler.diff(req);
    }
    // No table (a component, a type the lab does not perform): the engine's fallback when a
    // provider cannot diff compares inputs, and reports an update (step_generator.go:2795-2805).
    return { updates: changedKeys({}, req.olds, req.news), replaces: [], deleteBeforeReplace: false };
};

const NO_OPTIONS: RegistrationOptions = { replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: "" };

/** The first segment of a property path: `a.b`, `a[0]`, `a["x"]` -> `a`. */
export function rootOfPath(path: string): string {
    const m = /^([^.[]+)/.exec(path);
    return m === null ? path : m[1];
}

/** Whether a replaceOnChanges entry covers a changed top-level input (the engine compares paths; the lab has top-level keys). */
function covers(entry: string, key: string): boolean {
    return entry === "*" || rootOfPath(entry) === key || (entry.startsWith('["') && entry.slice(2, entry.indexOf('"]')) === key);
}

/** Splits a property path into its segments: `a.b[0]["c.d"]` -> ["a", "b", 0, "c.d"]. */
export function pathSegments(path: string): (string | number)[] {
    const out: (string | number)[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(path)) !== null) {
        out.push(m[1] !== undefined ? m[1] : m[2] !== undefined ? Number(m[2]) : m[3]);
    }
    return out;
}

function getAt(value: unknown, segs: readonly (string | number)[]): { found: boolean; value: unknown } {
    let cur: unknown = value;
    for (const s of segs) {
        if (cur === null || typeof cur !== "object" || !(s in (cur as Record<string, unknown>))) {
            return { found: false, value: undefined };
        }
        cur = (cur as Record<string | number, unknown>)[s];
    }
    return { found: true, value: cur };
}

function setAt(target: Record<string, unknown>, segs: readonly (string | number)[], value: unknown, remove: boolean): void {
    let cur: Record<string | number, unknown> = target;
    for (let i = 0; i < segs.length - 1; i++) {
        const next = cur[segs[i]];
        if (next === null || typeof next !== "object") {
            if (remove) {
                return;
            }
            cur[segs[i]] = typeof segs[i + 1] === "number" ? [] : {};
        }
        cur = cur[segs[i]] as Record<string | number, unknown>;
    }
    const last = segs[segs.length - 1];
    if (remove) {
        delete cur[last];
    } else {
        cur[last] = value;
    }
}

/** The new inputs with each ignoreChanges path given its old value (absent when the old inputs lack it). */
export function applyIgnoreChanges(olds: Record<string, unknown>, news: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
    if (paths.length === 0) {
        return news;
    }
    const out = JSON.parse(JSON.stringify(news)) as Record<string, unknown>;
    for (const p of paths) {
        if (p === "*") {
            return JSON.parse(JSON.stringify(olds)) as Record<string, unknown>;
        }
        const segs = pathSegments(p);
        if (segs.length === 0) {
            continue;
        }
        const old = getAt(olds, segs);
        setAt(out, segs, old.found ? JSON.parse(JSON.stringify(old.value)) : undefined, !old.found);
    }
    return out;
}

/** The engine's refusal to replace or delete a protected resource. */
export class ProtectedResourceError extends Error {
    constructor(urn: string, what: "replace" | "delete") {
        super(
            what === "replace"
                ? `unable to replace resource "${urn}" as it is currently marked for protection. To unprotect the resource, remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\``
                : `resource "${urn}" cannot be deleted because it is protected. To unprotect the resource, either remove the \`protect\` flag from the resource in your Pulumi program and run \`pulumi up\`, or use the command: \`pulumi state unprotect ${urn}\``,
        );
        this.name = "ProtectedResourceError";
    }
}

export class StepGenerator {
    private readonly olds = new Map<string, ResourceRecord>();
    private readonly order: ResourceRecord[];
    private readonly seen = new Set<string>();
    /** Every resource replaced in this run (registered or marked as a dependent of a DBR replacement). */
    private readonly replaced = new Set<string>();
    /** Dependents a DBR replacement marked, with the URN of the replacement that caused it. */
    private readonly dependentOf = new Map<string, string>();
    /** Old resources an earlier run's create-before-delete replacement left to delete. */
    private readonly pendingDeletes: ResourceRecord[];
    /** Each registration's new inputs after ignoreChanges. */
    private readonly goals = new Map<string, Record<string, unknown>>();
    /** The old record each registration took (by its URN or one of its aliases). */
    private readonly matched = new Map<string, ResourceRecord>();
    /** A registration's URN -> the old URN it took through an alias (the engine's `sg.aliases`). */
    private readonly aliasOf = new Map<string, string>();
    /** An old URN an alias took -> the registration that took it (the engine's `sg.aliased`). */
    private readonly aliased = new Map<string, string>();
    readonly steps: Step[] = [];

    constructor(
        recorded: readonly ResourceRecord[],
        private readonly differ: Differ = labDiffer,
    ) {
        // Only what was created is in the engine's state, with what a create left with initialization
        // errors (hasInitErrors); a failed or unfinished create is not. An old resource left pending
        // deletion by an earlier run is only deleted (step_generator.go:2208-2240).
        const inState = (r: ResourceRecord) => r.status === "created" || hasInitErrors(r);
        this.order = recorded.filter((r) => inState(r) && r.pendingDelete !== true);
        this.pendingDeletes = recorded.filter((r) => inState(r) && r.pendingDelete === true);
        for (const r of this.order) {
            this.olds.set(r.urn, r);
        }
    }

    /** The recorded resource a registration took (its own URN's, or an alias's), else the state's record of the URN. */
    old(urn: string): ResourceRecord | undefined {
        return this.matched.get(urn) ?? this.olds.get(urn);
    }

    /**
     * getOldResource (pulumi/pulumi v3.248.0 pkg/resource/deploy/step_generator.go:615-671):
     * the old record of the registration's URN, else of the first of its aliases the state
     * holds; an alias taken so is not deleted (`unregistered`) and its dependents follow it.
     */
    private lookupOld(n: NewRegistration): ResourceRecord | undefined {
        const claimedBy = this.aliased.get(n.urn);
        if (claimedBy !== undefined) {
            throw new Error(`Duplicate resource URN '${n.urn}' conflicting with alias on resource with URN '${claimedBy}'`);
        }
        for (const u of [n.urn, ...this.aliasUrns(n)]) {
            const old = this.olds.get(u);
            if (old === undefined) {
                continue;
            }
            if (u !== n.urn) {
                const conflict = this.seen.has(u) ? u : this.aliased.get(u);
                if (conflict !== undefined) {
                    throw new Error(`Duplicate resource alias '${u}' applied to resource with URN '${n.urn}' conflicting with resource with URN '${conflict}'`);
                }
                this.aliased.set(u, n.urn);
                this.aliasOf.set(n.urn, u);
            }
            return old;
        }
        return undefined;
    }

    /**
     * generateAliases (step_generator.go:580-611): each alias as a URN (collapseAliasToUrn,
     * :505-546), then, when the parent took an alias, the child's inherited ones
     * (inheritedChildAlias, :550-578: a child named after its parent is renamed with it).
     */
    private aliasUrns(n: NewRegistration): string[] {
        const out: string[] = [];
        const add = (u: string) => {
            if (!out.includes(u)) {
                out.push(u);
            }
        };
        const specs = n.options?.aliases ?? [];
        const own = specs.map((a) => this.collapseAlias(n, a));
        own.forEach(add);
        const parentAlias = n.parent !== "" ? this.aliasOf.get(n.parent) : undefined;
        if (parentAlias !== undefined) {
            const parentName = urnParts(n.parent).name;
            add(inheritedChildAlias(n.urn, n.type, n.name, parentName, parentAlias));
            for (const a of own) {
                const { qualifiedType, name } = urnParts(a);
                add(inheritedChildAlias(n.urn, qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1), name, parentName, parentAlias));
            }
        }
        return out;
    }

    /** collapseAliasToUrn (step_generator.go:505-546). */
    private collapseAlias(n: NewRegistration, a: AliasSpec): string {
        if ("urn" in a) {
            return a.urn;
        }
        let parent = a.parentUrn === "" ? n.parent : (this.aliasOf.get(a.parentUrn) ?? a.parentUrn);
        if (a.noParent || (parent !== "" && urnParts(parent).qualifiedType === ROOT_STACK_TYPE)) {
            parent = "";
        }
        const self = urnParts(n.urn);
        return createUrn(a.name || n.name, a.type || n.type, parent, a.project || self.project, a.stack || self.stack);
    }

    /** The step for one registration of the new run. */
    step(n: NewRegistration): Step {
        if (this.seen.has(n.urn)) {
            throw new Error(`lab: resource ${n.urn} registered twice`);
        }
        this.seen.add(n.urn);
        const step = this.decide(n);
        this.steps.push(step);
        return step;
    }

    private decide(n: NewRegistration): Step {
        const base = { urn: n.urn, type: n.type, name: n.name };
        const old = this.lookupOld(n);
        const options = n.options ?? NO_OPTIONS;
        if (old === undefined) {
            this.goals.set(n.urn, n.inputs);
            return { ...base, op: "create" };
        }
        this.matched.set(n.urn, old);
        const news = applyIgnoreChanges(old.inputs, n.inputs, options.ignoreChanges);
        this.goals.set(n.urn, news);
        if (!n.custom) {
            // Components own nothing: the engine records their inputs, and never replaces them.
            const diffs = changedKeys({}, old.inputs, news);
            return diffs.length === 0 ? { ...base, op: "same" } : { ...base, op: "update", diffs };
        }
        const diff = this.differ({ type: n.type, olds: old.inputs, news, oldOutputs: old.outputs });
        const changed = [...new Set([...diff.updates, ...diff.replaces])].sort();
        const reasons: string[] = [];
        const cause = this.dependentOf.get(n.urn);
        if (cause !== undefined) {
            reasons.push(`dependent of ${cause}`);
        }
        const byReplaceWith = options.replaceWith.filter((u) => this.replaced.has(u));
        reasons.push(...byReplaceWith.map((u) => `replaceWith ${u}`));
        if (n.provider !== "" && this.replaced.has(n.provider)) {
            reasons.push(`provider ${n.provider} replaced`);
        }
        if (old.pendingReplacement === true) {
            // Deleted by a delete-before-replace that did not finish: only its create is left (step_generator.go:1832-1833).
            reasons.push("pending replacement");
        }
        reasons.push(...diff.replaces);
        for (const key of diff.updates) {
            if (options.replaceOnChanges.some((e) => covers(e, key))) {
                reasons.push(key);
            }
        }
        if (reasons.length === 0) {
            // Unchanged but with initialization errors: an empty update "to continue awaiting
            // initialization" (step_generator.go:2053-2066).
            return changed.length === 0 && !hasInitErrors(old) ? { ...base, op: "same" } : { ...base, op: "update", diffs: changed };
        }
        if (old.options?.protect === true || options.protect === true) {
            throw new ProtectedResourceError(n.urn, "replace");
        }
        const deleteBeforeReplace = options.deleteBeforeReplace ?? diff.deleteBeforeReplace;
        this.replaced.add(n.urn);
        // The old state's graph knows the resource by its old URN (calculateDependentReplacements
        // takes the old state, step_generator.go:3009-3034).
        this.replaced.add(old.urn);
        if (deleteBeforeReplace) {
            this.markDependents(n.urn, old.urn);
        }
        return { ...base, op: "replace", diffs: changed, replaceReasons: [...new Set(reasons)].sort(), deleteBeforeReplace };
    }

    /**
     * calculateDependentReplacements (step_generator.go:3009-3149) over the recorded
     * graph: marks, transitively, the dependents a delete-before-replace of `root` replaces.
     */
    private markDependents(root: string, oldUrn: string): void {
        const work = [oldUrn];
        const inSet = (u: string) => this.replaced.has(u) || this.dependentOf.has(u);
        while (work.length > 0) {
            const r = work.shift()!;
            for (const d of this.order) {
                if (!d.custom || d.urn === oldUrn || inSet(d.urn) || this.seen.has(d.urn) || this.aliased.has(d.urn)) {
                    continue;
                }
                const named = (d.options?.replaceWith ?? []).includes(r);
                const dependsOnR = d.dependsOn.includes(r) || d.provider === r;
                if (!named && !dependsOnR) {
                    continue;
                }
                if (named || (d.provider !== "" && inSet(d.provider)) || this.replacedThroughProperties(d, inSet)) {
                    this.dependentOf.set(d.urn, root);
                    work.push(d.urn);
                }
            }
        }
    }

    /** A dependent's diff with its inputs that depend on a replaced resource set unknown (step_generator.go:3059-3115). */
    private replacedThroughProperties(d: ResourceRecord, inSet: (u: string) => boolean): boolean {
        const keys = Object.entries(d.propertyDependencies ?? {})
            .filter(([, urns]) => urns.some(inSet))
            .map(([k]) => k);
        if (keys.length === 0) {
            return false;
        }
        const news: Record<string, unknown> = { ...d.inputs };
        for (const k of keys) {
            news[k] = UNKNOWN_TEXT;
        }
        const diff = this.differ({ type: d.type, olds: d.inputs, news, oldOutputs: d.outputs });
        const roc = d.options?.replaceOnChanges ?? [];
        return diff.replaces.length > 0 || diff.updates.some((k) => roc.some((e) => covers(e, k)));
    }

    /**
     * What the new run did not register, in recorded order; not what is only waiting for its
     * successor, nor a dependent a delete-before-replace of this run marked: the chain of that
     * replacement deletes it as a DeleteReplacement step, which sets PendingReplacement on the old
     * state in a preview too (pulumi/pulumi v3.248.0 pkg/resource/deploy/step.go:620-627, :749-753:
     * the flag is set after the dry-run branch), and the engine generates deletes only once every
     * chain is done (deployment_executor.go:462-484), so such a record is only dropped
     * (RemovePendingReplaceStep, step_generator.go:2243-2248), a step the summary does not count
     * (pkg/engine/update.go:1239-1241). Counted as a delete here, the preview said "1 to delete"
     * where the `up` said "0 deleted".
     */
    unregistered(): ResourceRecord[] {
        return this.order.filter((r) => !this.taken(r.urn) && r.pendingReplacement !== true && !this.dependentOf.has(r.urn));
    }

    /**
     * The dependents a delete-before-replace of this run deleted in its chain and the run
     * did not register again, each with the URN of that replacement: a DeleteReplacement step
     * each (step_generator.go:1999-2003), whose op is delete-replaced and which is not
     * "logical" (step.go:551-571), so the summary does not count it (pkg/engine/update.go:1311,
     * :1329-1331), while `pulumi preview` shows it as a replace row
     * (pkg/backend/display/progress.go:1775-1778).
     */
    chainDeleted(): { record: ResourceRecord; root: string }[] {
        return this.order.filter((r) => !this.taken(r.urn) && this.dependentOf.has(r.urn)).map((r) => ({ record: r, root: this.dependentOf.get(r.urn) ?? "" }));
    }

    /** Registered in this run, under its URN or through an alias (isOperatedOn, step_generator.go:2076-2088). */
    private taken(urn: string): boolean {
        return this.seen.has(urn) || this.aliased.has(urn);
    }

    /**
     * Resources a delete-before-replace already deleted whose successors the run did not
     * register: only dropped from the state (RemovePendingReplaceStep, step_generator.go:2243-2248).
     */
    abandoned(): ResourceRecord[] {
        return this.order.filter((r) => !this.taken(r.urn) && r.pendingReplacement === true);
    }

    /** The dependents a delete-before-replace of `root` replaces, in dependency order (recorded order). */
    dependentsOf(root: string): ResourceRecord[] {
        return this.order.filter((r) => this.dependentOf.get(r.urn) === root);
    }

    /** The new inputs a step was decided on (ignoreChanges applied): what the state records for a same or an update. */
    goalInputs(urn: string): Record<string, unknown> | undefined {
        return this.goals.get(urn);
    }

    /**
     * What is deleted after everything else (GenerateDeletes, step_generator.go:2159-2260):
     * what the run did not register, and old resources a create-before-delete replacement of
     * an earlier run left pending deletion; in reverse dependency order (ScheduleDeletes).
     */
    deletes(): Step[] {
        const condemned = [...this.pendingDeletes, ...this.unregistered()];
        const out: Step[] = [];
        for (const r of scheduleDeletes(condemned).flat()) {
            if (r.options?.protect === true && r.pendingDelete !== true) {
                throw new ProtectedResourceError(r.urn, "delete");
            }
            out.push({ op: "delete", urn: r.urn, type: r.type, name: r.name, ...(r.options?.retainOnDelete === true ? { retain: true } : {}) });
        }
        this.steps.push(...out);
        return out;
    }
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** A URN's parts (`urn:pulumi:<stack>::<project>::<qualified type>::<name>`; the name keeps any `::`, urn.go:134-187). */
export function urnParts(urn: string): { stack: string; project: string; qualifiedType: string; name: string } {
    const [stack = "", project = "", qualifiedType = "", ...rest] = urn.replace(/^urn:pulumi:/, "").split("::");
    return { stack, project, qualifiedType, name: rest.join("::") };
}

/** resource.CreateURN (pulumi/pulumi v3.248.0 sdk/go/common/resource/alias.go:40-57): a parent lends its qualified type. */
function createUrn(name: string, type: string, parent: string, project: string, stack: string): string {
    const prefix = parent === "" ? `urn:pulumi:${stack}::${project}::` : `${parent.slice(0, parent.lastIndexOf("::"))}$`;
    return `${prefix}${type}::${name}`;
}

/**
 * inheritedChildAlias (step_generator.go:550-578): the child's old URN under its parent's
 * old one; a child whose name starts with its parent's takes the parent's old name there.
 * `self` gives the deployment's stack and project.
 */
function inheritedChildAlias(self: string, childType: string, childName: string, parentName: string, parentAlias: string): string {
    const { stack, project } = urnParts(self);
    const old = urnParts(parentAlias);
    const name = childName.startsWith(parentName) ? old.name + childName.slice(parentName.length) : childName;
    // urn.New (sdk/go/common/resource/urn/urn.go:80-93): the root stack lends no type.
    const type = old.qualifiedType !== "" && old.qualifiedType !== ROOT_STACK_TYPE ? `${old.qualifiedType}$${childType}` : childType;
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/**
 * The resources a record depends on, as the engine's dependency graph sees them
 * (pulumi/pulumi v3.248.0 pkg/resource/graph/dependency_graph.go:200-253): provider,
 * parent, dependencies, property dependencies, deletedWith, replaceWith.
 */
export function dependencyUrns(r: ResourceRecord): Set<string> {
    const urns = [
        r.parent,
        r.provider,
        ...r.dependsOn,
        ...Object.values(r.propertyDependencies ?? {}).flat(),
        r.options?.deletedWith ?? "",
        ...(r.options?.replaceWith ?? []),
    ];
    return new Set(urns.filter((u) => u !== "" && u !== r.urn));
}

/**
 * ScheduleDeletes (pulumi/pulumi v3.248.0 pkg/resource/deploy/step_generator.go:2560-2607):
 * the condemned resources as antichains, each deletable in parallel once the ones before it
 * are done. Built as the engine does: round by round, those none of whose dependencies is
 * still condemned; then the rounds reversed, so dependents are deleted before what they
 * depend on. As in the engine's graph, a resource depends only on records before it in the
 * given (recorded) order, so a state's order cannot make a cycle.
 */
export function scheduleDeletes(condemned: readonly ResourceRecord[]): ResourceRecord[][] {
    const deps = condemned.map((r, i) => {
        const urns = dependencyUrns(r);
        return new Set(condemned.slice(0, i).filter((d) => urns.has(d.urn)));
    });
    const remaining = new Set(condemned);
    const rounds: ResourceRecord[][] = [];
    while (remaining.size > 0) {
        const round = condemned.filter((r, i) => remaining.has(r) && ![...deps[i]].some((d) => remaining.has(d)));
        for (const r of round) {
            remaining.delete(r);
        }
        rounds.push(round);
    }
    return rounds.reverse();
}

/** Commands: their update re-runs `create` (pulumi-command local/commandController.go:67-90). */
const COMMAND_TYPES: ReadonlySet<string> = new Set([COMMAND_TYPE, REMOTE_COMMAND_TYPE]);

/**
 * What the engine's preview hands the program for a resource after its step
 * (lab/preview.ts answers so): "all" its recorded id and outputs (same; an update
 * of anything but a command, whose id and outputs the provider keeps, with the new
 * inputs over them), "id" only its recorded id (a command's update re-runs it, so
 * its outputs are unknown in a preview: pulumi-command local/commandController.go:75-78
 * runs nothing then), "none" (create, replace: a new resource, every output unknown).
 */
export function recordedAfter(step: Pick<Step, "op" | "type">): "all" | "id" | "none" {
    switch (step.op) {
        case "same":
            return "all";
        case "update":
            return COMMAND_TYPES.has(step.type) ? "id" : "all";
        default:
            return "none";
    }
}

/** Counts steps per op. */
export function countChanges(steps: readonly Step[]): Changes {
    const changes: Changes = { same: 0, create: 0, update: 0, replace: 0, delete: 0 };
    for (const s of steps) {
        changes[s.op]++;
    }
    return changes;
}

/** All steps of a run: one per registration, in order, then the deletes. */
export function generateSteps(
    recorded: readonly ResourceRecord[],
    registrations: readonly NewRegistration[],
    differ?: Differ,
): { steps: Step[]; changes: Changes } {
    const gen = new StepGenerator(recorded, differ);
    for (const r of registrations) {
        gen.step(r);
    }
    gen.deletes();
    return { steps: gen.steps, changes: countChanges(gen.steps) };
}

/** True when a new input value is not fully known (a preview). */
export const isUnknown = holdsUnknown;

/**
 * A docker object the provider created but did not finish (the lab noted its id before the create
 * failed): the engine keeps it with InitErrors (the bridge's `initializationError`), so it is in the
 * state, and the next `up` updates it even without a diff (step_generator.go:2053-2066).
 */
export function hasInitErrors(r: ResourceRecord): boolean {
    return r.custom && r.status === "failed" && r.id !== undefined;
}

/**
 * What an `up` starts from when the previous run did not finish every create, as the
 * engine's snapshot holds it (pulumi/pulumi v3.248.0, pkg/resource/deploy/):
 *  - `pending`: creates still running when the run ended (the CLI was killed). The
 *    snapshot keeps them as pending CREATE operations, not as resources; `up` warns
 *    (`pendingOperationsWarning`, deployment_executor.go:88-110) and goes on, so the
 *    resource is created anew: whatever the interrupted create made is not known to it.
 *  - `failed`: creates the provider failed without partial state. The engine records
 *    nothing (step.go:354-356: only StatusPartialFailure keeps the new state), so the
 *    next `up` creates them anew. The command provider never returns partial state (no
 *    ResourceInitFailedError in pulumi-command), and neither does the docker provider
 *    before the Terraform resource has an ID: the create scripts clear their own
 *    leftovers first (lib/drivers/sh/netns/create-begin.sh) because of exactly this.
 *  - `initErrors`: docker objects created but not finished (the lab noted their id: the
 *    Terraform resource had its ID, so the bridge returns an initialization error with the
 *    state, pulumi-terraform-bridge pkg/tfbridge/provider.go Create, `initializationError`).
 *    The engine keeps them with InitErrors, so they are in `base` too, and the next `up`
 *    updates them even without a diff (step_generator.go:2053-2066; StepGenerator).
 *  - `base`: everything the next run starts from (created records, those an earlier
 *    replacement left pending, and the initErrors ones).
 */
export interface ResumedBase {
    base: ResourceRecord[];
    pending: ResourceRecord[];
    failed: ResourceRecord[];
    initErrors: ResourceRecord[];
}

export function resumeBase(records: readonly ResourceRecord[]): ResumedBase {
    const out: ResumedBase = { base: [], pending: [], failed: [], initErrors: [] };
    for (const r of records) {
        if (!r.custom || r.status === "created") {
            out.base.push(r);
        } else if (r.status === "creating") {
            out.pending.push(r);
        } else if (hasInitErrors(r)) {
            out.initErrors.push(r);
            out.base.push(r);
        } else {
            out.failed.push(r);
        }
    }
    return out;
}

/**
 * The warning `up` gives for pending operations: the engine's first line and list
 * (deployment_executor.go:88-110), then what it means in the lab, in our words.
 */
export function pendingOperationsWarning(pending: readonly Pick<ResourceRecord, "urn">[]): string {
    return (
        `Attempting to deploy or update resources with ${pending.length} pending operations from previous deployment.\n` +
        pending.map((r) => `  * ${r.urn}, interrupted while creating\n`).join("") +
        "The run that began them was interrupted: what they made, if anything, is not in the state. " +
        "They are created anew now, as `pulumi up` does; whatever an interrupted create left behind is not removed by it."
    );
}
