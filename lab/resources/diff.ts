/**
 * How a provider's Diff classifies a change of top-level inputs, as data: each
 * resource type's file (lab/resources/<kind>.ts) keeps its table, read from the
 * real provider's source and cited from docs/provider-rules.md section 3; this
 * file only applies such a table. The step generator (lab/steps.ts) adds what
 * the engine decides on top (replaceOnChanges, ignoreChanges, the
 * delete-before-replace option, dependents).
 *
 * Rules applied here (docs/provider-rules.md:105-116, section 3's preamble):
 *  - a key whose old and new values differ (deep, after the type's
 *    normalization) is changed; a value that is unknown anywhere in a preview
 *    ("[unknown]") counts as changed (terraform-plugin-sdk
 *    helper/schema/schema.go:396-410: `RequiresNew = Old != New || NewComputed`);
 *  - an Optional+Computed input the program does not give never diffs
 *    (schema.go:1150-1152, :1349-1355): the table lists those as `computed`;
 *  - a changed key is a replacement when its row says so, else an update.
 */

/** What a changed top-level input is to the provider. */
export type ChangeKind = "update" | "replace";

/** One type's table (docs/provider-rules.md section 3). */
export interface DiffTable {
    /** Change kind per top-level input. */
    readonly inputs: Readonly<Record<string, ChangeKind>>;
    /** For an input the table does not list. */
    readonly otherwise: ChangeKind;
    /** Optional+Computed inputs: absent in the new inputs = no diff, whatever was recorded. */
    readonly computed?: readonly string[];
    /** Whether the provider asks for delete-before-replace, given the new inputs. */
    readonly deleteBeforeReplace: (news: Record<string, unknown>) => boolean;
    /** Brings a value to the form the provider compares (e.g. drops empty strings it does not record). */
    readonly normalize?: (key: string, value: unknown) => unknown;
}

/** The provider's answer for one resource: which changed inputs it updates and which force a new resource. */
export interface DiffResult {
    /** Changed top-level inputs the provider updates in place, sorted. */
    updates: string[];
    /** Changed top-level inputs that force a replacement, sorted. */
    replaces: string[];
    /** The provider's delete-before-replace (the resource option overrides it, lab/steps.ts). */
    deleteBeforeReplace: boolean;
}

/** A type's diff: old inputs (as recorded), new inputs, and the recorded outputs where the provider diffs against them. */
export type DiffFunction = (olds: Record<string, unknown>, news: Record<string, unknown>, oldOutputs?: Record<string, unknown>) => DiffResult;

export const UNKNOWN_TEXT = "[unknown]";

/** True when the value is, or holds, a preview's unknown. */
export function holdsUnknown(value: unknown): boolean {
    if (value === UNKNOWN_TEXT) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some(holdsUnknown);
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).some(holdsUnknown);
    }
    return false;
}

/** Deep equality of JSON values; object key order does not matter, `undefined` members are absent. */
export function sameValue(a: unknown, b: unknown): boolean {
    if (a === b) {
        return true;
    }
    if (Array.isArray(a) || Array.isArray(b)) {
        return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
    }
    if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
        const ak = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
        const bk = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
        return (
            ak.length === bk.length &&
            ak.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
        );
    }
    return false;
}

/** The top-level inputs that changed between `olds` and `news` (sorted), under a table's rules. */
export function changedKeys(table: Pick<DiffTable, "computed" | "normalize">, olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
    const norm = table.normalize ?? ((_k: string, v: unknown) => v);
    const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
    const changed: string[] = [];
    for (const key of keys) {
        const n = news[key];
        if (n === undefined && (table.computed ?? []).includes(key)) {
            continue;
        }
        if (holdsUnknown(n) || !sameValue(norm(key, olds[key]), norm(key, n))) {
            changed.push(key);
        }
    }
    return changed.sort();
}

/** Splits changed keys into updates and replacements by the table. */
export function classify(table: DiffTable, changed: readonly string[], news: Record<string, unknown>): DiffResult {
    const kind = (k: string): ChangeKind => table.inputs[k] ?? table.otherwise;
    return {
        updates: changed.filter((k) => kind(k) === "update"),
        replaces: changed.filter((k) => kind(k) === "replace"),
        deleteBeforeReplace: table.deleteBeforeReplace(news),
    };
}

/** The diff a table describes (old inputs against new inputs). */
export function tableDiff(table: DiffTable): DiffFunction {
    return (olds, news) => classify(table, changedKeys(table, olds, news), news);
}

export const never = (): boolean => false;
