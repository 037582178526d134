/**
 * What `npm run plan` prints: the program's registrations as a document,
 * rendered as JSON, YAML, text or a Mermaid graph. Pure and deterministic, so
 * two plans diff cleanly in a pull request.
 */
import { stringify } from "yaml";

/**
 * The resource options that decide steps (runner/program.ts RegistrationOptions), only
 * those the program gave: a flag only when set, a list or URN only when not empty.
 */
export interface PlanOptions {
    deleteBeforeReplace?: boolean;
    replaceOnChanges?: string[];
    ignoreChanges?: string[];
    retainOnDelete?: boolean;
    protect?: boolean;
    replaceWith?: string[];
    deletedWith?: string;
}

export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string;
    provider: string;
    /** false for a component (and the stack): it owns nothing, the engine never replaces it. */
    custom: boolean;
    dependsOn: string[];
    /** Top-level input -> the URNs its value came from; inputs without any are left out. */
    propertyDependencies: Record<string, string[]>;
    options: PlanOptions;
    inputs: Record<string, unknown>;
}

export interface PlanDocument {
    resources: PlanResource[];
    placements: Record<string, string>;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * Orders resources deterministically: by depth in the graph (parents and
 * dependencies first), then by URN. Keys of inputs are sorted too.
 */
export function planDocument(resources: readonly PlanResource[], placements: Record<string, string>): PlanDocument {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const depth = new Map<string, number>();
    const depthOf = (urn: string, seen: Set<string>): number => {
        const known = depth.get(urn);
        if (known !== undefined) {
            return known;
        }
        const r = byUrn.get(urn);
        if (r === undefined || seen.has(urn)) {
            return 0;
        }
        seen.add(urn);
        const before = [r.parent, r.provider, ...r.dependsOn].filter((u) => u !== "" && byUrn.has(u));
        const d = before.length === 0 ? 0 : 1 + Math.max(...before.map((u) => depthOf(u, seen)));
        depth.set(urn, d);
        return d;
    };
    // Each resource's depth once, not twice per comparison of the sort.
    const depths = new Map(resources.map((r) => [r.urn, depthOf(r.urn, new Set())]));
    const sorted = [...resources]
        .map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            provider: r.provider,
            custom: r.custom,
            dependsOn: [...r.dependsOn].sort(),
            propertyDependencies: sortKeys(
                Object.fromEntries(
                    Object.entries(r.propertyDependencies)
                        .filter(([, urns]) => urns.length > 0)
                        .map(([k, urns]) => [k, [...urns].sort()]),
                ),
            ) as Record<string, string[]>,
            options: sortKeys(givenOptions(r.options)) as PlanOptions,
            inputs: sortKeys(r.inputs) as Record<string, unknown>,
        }))
        .sort((a, b) => depths.get(a.urn)! - depths.get(b.urn)! || compare(a.urn, b.urn));
    return { resources: sorted, placements: sortKeys(placements) as Record<string, string> };
}

/** Only the options the program gave (PlanOptions). */
function givenOptions(options: PlanOptions): PlanOptions {
    return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)));
}

export function renderPlanJson(doc: PlanDocument): string {
    return JSON.stringify(doc, null, 2) + "\n";
}

/**
 * The same document as YAML, for reading and for line diffs (scripts/plan-diff.sh):
 * a string with newlines (a script) is a literal block scalar, one line of YAML per
 * line of the script, and no line is folded, so a changed line of a script is one
 * changed line of the diff. Parsing it gives the JSON document back.
 */
export function renderPlanYaml(doc: PlanDocument): string {
    return stringify(doc, { lineWidth: 0, blockQuote: "literal", aliasDuplicateObjects: false });
}

export function renderPlanText(doc: PlanDocument): string {
    const lines: string[] = [];
    const children = new Map<string, PlanResource[]>();
    for (const r of doc.resources) {
        children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const nameOf = (urn: string) => doc.resources.find((r) => r.urn === urn)?.name ?? urn;
    const walk = (parent: string, indent: string) => {
        for (const r of children.get(parent) ?? []) {
            const details = [r.provider ? `provider=${nameOf(r.provider)}` : "", r.dependsOn.length ? `after=${r.dependsOn.map(nameOf).join(",")}` : ""].filter(
                (s) => s !== "",
            );
            lines.push(`${indent}+ ${r.type} ${r.name}${details.length ? `  (${details.join("; ")})` : ""}`);
            walk(r.urn, indent + "    ");
        }
    };
    walk("", "");
    lines.push("", "placements:");
    for (const [container, host] of Object.entries(doc.placements)) {
        lines.push(`  ${container} -> ${host}`);
    }
    const count = doc.resources.filter((r) => r.type !== STACK_TYPE).length;
    lines.push("", `${count} resources to create`);
    return lines.join("\n") + "\n";
}

/** A Mermaid flowchart: one box per resource (grouped by component), arrows from a dependency to its dependent. */
export function renderPlanMermaid(doc: PlanDocument): string {
    const resources = doc.resources.filter((r) => r.type !== STACK_TYPE);
    const id = new Map(resources.map((r, i) => [r.urn, `r${i}`]));
    const isComponent = (r: PlanResource) => resources.some((c) => c.parent === r.urn);
    const lines = ["flowchart LR"];
    const emit = (parent: string | undefined, indent: string) => {
        for (const r of resources.filter((x) => (parent === undefined ? !id.has(x.parent) : x.parent === parent))) {
            if (isComponent(r)) {
                lines.push(`${indent}subgraph ${id.get(r.urn)}["${r.name} (${shortType(r.type)})"]`);
                emit(r.urn, indent + "  ");
                lines.push(`${indent}end`);
            } else {
                lines.push(`${indent}${id.get(r.urn)}["${r.name}<br/><small>${shortType(r.type)}</small>"]`);
            }
        }
    };
    emit(undefined, "  ");
    for (const r of resources) {
        // Dashed: the provider a resource is created through (which host it lands on).
        if (r.provider !== "" && id.has(r.provider)) {
            lines.push(`  ${id.get(r.provider)} -.-> ${id.get(r.urn)}`);
        }
        for (const dep of r.dependsOn) {
            if (id.has(dep) && !isComponent(resources.find((x) => x.urn === dep)!)) {
                lines.push(`  ${id.get(dep)} --> ${id.get(r.urn)}`);
            }
        }
    }
    return lines.join("\n") + "\n";
}

function shortType(type: string): string {
    if (type.startsWith("pulumi:providers:")) {
        return `provider:${type.slice("pulumi:providers:".length)}`;
    }
    const parts = type.split(":");
    return parts.length === 3 ? `${parts[0]}:${parts[2]}` : type;
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value as Record<string, unknown>)
                .sort(([a], [b]) => compare(a, b))
                .map(([k, v]) => [k, sortKeys(v)]),
        );
    }
    return value;
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
