/**
 * The floor of a plan: what the Pulumi SDK alone costs for the resources a
 * plan registers. bench/floorChild.ts registers, in the same kind of process
 * and under the same preview mocks as a plan, the same number of resources of
 * the same types (the provider packages' own classes, the project's component
 * types as plain ComponentResources) with the same inputs (so the same size),
 * flat: every resource a child of the stack, no providers passed, no
 * dependencies, no outputs read, no logic. Its shape comes from the plan
 * document of the same stack (floorShape): count and types are the plan's by
 * construction. Pure: no Pulumi here.
 */
import { PlanDocument } from "../lib/render/plan";

const STACK_TYPE = "pulumi:pulumi:Stack";

export interface FloorResource {
    /** The type token, e.g. `docker:index/container:Container`. */
    type: string;
    /** Unique among the floor's resources of this type (flat: all siblings under the stack). */
    name: string;
    /** false for the project's own component types (`<project>:...`). */
    custom: boolean;
    /** The inputs as the plan recorded them (secrets and unknowns as their plain markers). */
    inputs: Record<string, unknown>;
}

/**
 * The floor's resources for a plan document: every resource but the stack, in
 * the plan's order, with its type and inputs; custom unless its type is one of
 * `project`'s components. Names are the plan's; flat, two resources with the
 * same type and name under different parents would collide, so a repeat gets
 * a `-<n>` suffix.
 */
export function floorShape(doc: PlanDocument, project: string): FloorResource[] {
    const seen = new Map<string, number>();
    const out: FloorResource[] = [];
    for (const r of doc.resources) {
        if (r.type === STACK_TYPE) {
            continue;
        }
        const key = `${r.type}::${r.name}`;
        const n = seen.get(key) ?? 0;
        seen.set(key, n + 1);
        out.push({ type: r.type, name: n === 0 ? r.name : `${r.name}-${n}`, custom: !r.type.startsWith(`${project}:`), inputs: r.inputs });
    }
    return out;
}

/**
 * Where a custom type's class lives in its provider package:
 * `docker:index/container:Container` -> `@pulumi/docker`, `Container`;
 * `command:local:Command` -> `@pulumi/command`, `local.Command`;
 * `pulumi:providers:docker` -> `@pulumi/docker`, `Provider`.
 */
export function classPath(type: string): { pkg: string; path: string[] } {
    const parts = type.split(":");
    if (parts.length !== 3 || parts.some((p) => p === "")) {
        throw new Error(`floor: not a type token: ${type}`);
    }
    const [pkg, mod, cls] = parts;
    if (pkg === "pulumi" && mod === "providers") {
        return { pkg: `@pulumi/${cls}`, path: ["Provider"] };
    }
    const module = mod.split("/")[0];
    return { pkg: `@pulumi/${pkg}`, path: module === "index" ? [cls] : [...module.split("/"), cls] };
}

/** Counts by type: what a floor and its plan must agree on. */
export function countByType(types: Iterable<string>): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const t of types) {
        counts[t] = (counts[t] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
