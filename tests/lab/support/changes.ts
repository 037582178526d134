/**
 * Day-2 lab tests (tests/lab/day2*.test.ts): a running stack changed step by
 * step. Each change is a modified copy of the last applied stack file, written
 * under the same file name (the stack's name comes from it) in a temporary
 * directory, and applied with `lab up`.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CheckJson, describeRun, engineDigest, lab, LabStack, UpJson } from "./lab";

/** `<type> <name>` of the steps of one op, sorted. */
export function stepsOf(up: UpJson, op: string): string[] {
    return (up.steps ?? [])
        .filter((s) => s.op === op)
        .map((s) => `${s.type} ${s.name}`)
        .sort();
}

export class StackChanges {
    private tmp = "";
    /** The stack file last applied (each change builds on the one before). */
    current: string;
    private text: string;

    constructor(readonly stack: LabStack) {
        this.current = stack.info.file;
        this.text = fs.readFileSync(this.current, "utf8");
    }

    /**
     * The describe block's hooks: before, the stack up with its check passing `pairs` pairs;
     * after, the variants removed and the stack taken down (also when a test failed).
     */
    runningStack(pairs: number): void {
        before(async () => {
            await this.stack.upOk();
            await this.checkPasses(pairs);
        });
        after(async () => {
            this.cleanup();
            await this.stack.teardown();
        });
    }

    /** A copy of the last applied stack file with `edit` applied, under the same file name. */
    variant(edit: (yaml: string) => string): string {
        const edited = edit(this.text);
        assert.notEqual(edited, this.text, "the edit changed nothing");
        if (this.tmp === "") {
            this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `lab-${this.stack.stack}-`));
        }
        const copy = path.join(fs.mkdtempSync(path.join(this.tmp, "v-")), path.basename(this.stack.info.file));
        fs.writeFileSync(copy, edited);
        return copy;
    }

    /** `lab up` of a changed stack file; must succeed. The stack's status is refreshed. */
    async apply(copy: string): Promise<UpJson> {
        const r = await lab<UpJson>("up", copy);
        // The engines' digest only for a failure: it enters every machine's namespace.
        if (r.code !== 0 || r.json?.ok !== true) {
            assert.fail(`lab up exited ${r.code}, ok ${String(r.json?.ok)}\n${describeRun(r)}${engineDigest(this.stack.info)}`);
        }
        this.current = copy;
        this.text = fs.readFileSync(copy, "utf8");
        await this.stack.status(true);
        return r.json;
    }

    /** `lab check` of the current stack: all `pairs` hold. */
    async checkPasses(pairs: number): Promise<CheckJson> {
        const c = await lab<CheckJson>("check", this.current);
        if (c.code !== 0) {
            assert.fail(`lab check exited ${c.code}\n${describeRun(c)}${engineDigest(this.stack.info)}`);
        }
        assert.ok(c.json !== undefined, describeRun(c));
        assert.equal(c.json.passed, pairs, describeRun(c));
        assert.equal(c.json.pairs.length, pairs);
        return c.json;
    }

    /** `<id> <startedAt>` of a container on its host: what a re-create or a restart changes. */
    async identity(host: string, container: string): Promise<string> {
        const r = await this.stack.docker(host, ["inspect", "-f", "{{.Id}} {{.State.StartedAt}}", container]);
        assert.equal(r.code, 0, describeRun(r));
        return r.stdout.trim();
    }

    /**
     * Each container's identity on its host now (`where`: container -> host); the function returned
     * asserts later that each still has it: not moved, re-created or restarted.
     */
    async keep(where: Record<string, string>): Promise<() => Promise<void>> {
        const kept: Record<string, string> = {};
        for (const [c, host] of Object.entries(where)) {
            kept[c] = await this.identity(host, c);
        }
        return async () => {
            for (const [c, host] of Object.entries(where)) {
                assert.equal(await this.identity(host, c), kept[c], `${c} was moved, re-created or restarted`);
            }
        };
    }

    /** Removes the temporary copies. */
    cleanup(): void {
        if (this.tmp !== "") {
            fs.rmSync(this.tmp, { recursive: true, force: true });
        }
    }
}

/** A YAML list entry for one more busybox container on `network`, with no constraint: placement chooses its host. */
export function freeContainer(name: string, network: string): string {
    return `    - name: ${name}\n      image: busybox:latest\n      command: ["top"]\n      networks: [${network}]\n`;
}

/** A YAML list entry for one more busybox container placed on `host`, on net1. */
export function containerOn(name: string, host: string): string {
    return `    - name: ${name}\n      image: busybox:latest\n      command: ["top"]\n      networks: [net1]\n      constraints: ["node==${host}"]\n`;
}
