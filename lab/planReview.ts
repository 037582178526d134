/**
 * The credential-free pull-request comment (scripts/plan-diff.sh,
 * .github/workflows/plan-diff.yml): for every shipped stack planned on the base
 * and on the head of a pull request, first the steps `pulumi up` would take
 * (lab/planSteps.ts: the lab's step generator), one line per changed resource
 * with the inputs that cause it and a summary line; then, folded, the raw diff
 * of the two plans rendered as YAML (lib/render/plan.ts renderPlanYaml), where
 * a script is a block of lines and a changed line of it one changed line.
 *
 * The plans come as files: `<dir>/<stack file without .yaml>.json`, the plan's
 * JSON, or `<...>.failed`, what the failed `npm run plan` printed. The line diff
 * is GNU diff's (`diff -u`).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PlanDocument, renderPlanYaml } from "../lib/render/plan";
import { stepsBetweenPlans } from "./planSteps";
import { previewSummary, renderStepLines } from "./preview";

/** One side's plan of a stack: the document, or why planning failed. */
export type PlanSide = { doc: PlanDocument } | { failed: string };

const EMPTY: PlanDocument = { resources: [], placements: {} };

/** The plans in a folder, by stack file (`examples/Pulumi.ssh.yaml`). */
export function readPlans(dir: string): Map<string, PlanSide> {
    const plans = new Map<string, PlanSide>();
    for (const rel of (fs.readdirSync(dir, { recursive: true }) as string[]).sort()) {
        const m = /^(.*)\.(json|failed)$/.exec(rel);
        if (m === null) {
            continue;
        }
        const file = `${m[1].split(path.sep).join("/")}.yaml`;
        const text = fs.readFileSync(path.join(dir, rel), "utf8");
        if (m[2] === "failed") {
            plans.set(file, { failed: text.trim() });
            continue;
        }
        try {
            plans.set(file, { doc: JSON.parse(text) as PlanDocument });
        } catch (err) {
            plans.set(file, { failed: `not a plan document (${(err as Error).message}):\n${text.trim()}` });
        }
    }
    return plans;
}

/** `diff -u` of two texts, labelled; "" when they are equal. */
export function unifiedDiff(baseLabel: string, base: string, headLabel: string, head: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-"));
    try {
        fs.writeFileSync(path.join(dir, "base"), base);
        fs.writeFileSync(path.join(dir, "head"), head);
        const r = spawnSync("diff", ["-u", "--label", baseLabel, "--label", headLabel, "base", "head"], { cwd: dir, encoding: "utf8" });
        if (r.status === 0 || r.status === 1) {
            return r.stdout;
        }
        throw new Error(`diff failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** What the comment says about one stack: its steps and its raw diff; undefined when its plan did not change. */
export interface StackReview {
    file: string;
    /** The steps (one line per changed resource, then the summary), or why there are none. */
    steps: string;
    /** The unified diff of the plans as YAML ("" when a plan failed). */
    diff: string;
}

export function reviewStack(file: string, base: PlanSide | undefined, head: PlanSide | undefined): StackReview | undefined {
    const failures = [
        base !== undefined && "failed" in base ? `plan failed on base:\n${base.failed}` : "",
        head !== undefined && "failed" in head ? `plan failed on head:\n${head.failed}` : "",
    ].filter((s) => s !== "");
    if (failures.length > 0) {
        if (base !== undefined && head !== undefined && "failed" in base && "failed" in head && base.failed === head.failed) {
            return undefined;
        }
        return { file, steps: failures.join("\n"), diff: "" };
    }
    const baseDoc = base !== undefined && "doc" in base ? base.doc : EMPTY;
    const headDoc = head !== undefined && "doc" in head ? head.doc : EMPTY;
    const diff = unifiedDiff(`base/${file} (plan)`, renderPlanYaml(baseDoc), `head/${file} (plan)`, renderPlanYaml(headDoc));
    if (diff === "") {
        return undefined;
    }
    const { steps, changes } = stepsBetweenPlans(baseDoc, headDoc);
    const note = base === undefined ? ["(a new stack file: every resource created)"] : head === undefined ? ["(stack file removed)"] : [];
    return { file, steps: [...note, ...renderStepLines(steps), previewSummary(changes)].join("\n"), diff };
}

/** The comment's markdown for two folders of plans (scripts/plan-diff.sh). */
export function planReview(baseDir: string, headDir: string): string {
    const base = readPlans(baseDir);
    const head = readPlans(headDir);
    const files = [...new Set([...base.keys(), ...head.keys()])].sort();
    const reviews = files.map((f) => reviewStack(f, base.get(f), head.get(f))).filter((r): r is StackReview => r !== undefined);
    if (reviews.length === 0) {
        return "No change to any stack's plan.\n";
    }
    const changed = new Set(reviews.map((r) => r.file));
    const unchanged = files.filter((f) => !changed.has(f));
    const out: string[] = ["Steps `pulumi up` would take (base -> head), per stack:", ""];
    for (const r of reviews) {
        out.push(`\`${r.file}\``, "```", r.steps, "```", "");
    }
    if (unchanged.length > 0) {
        out.push(`No change: ${unchanged.map((f) => `\`${f}\``).join(", ")}.`, "");
    }
    // The raw diffs last and folded: a long one (a new host's scripts) never hides another stack's steps.
    for (const r of reviews.filter((x) => x.diff !== "")) {
        const lines = r.diff.split("\n").length - 1;
        out.push(
            `<details><summary>Plan diff of <code>${r.file}</code> (${lines} lines)</summary>`,
            "",
            "```diff",
            r.diff.trimEnd(),
            "```",
            "",
            "</details>",
            "",
        );
    }
    return out.join("\n");
}
