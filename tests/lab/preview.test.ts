/**
 * Day 2, first steps: `lab preview` and a no-op `lab up` against a running
 * cluster. A dev-stack-like stack (tests/lab/stacks/Pulumi.t-preview.yaml: consul,
 * a manager and two nodes, net1 with c1 and c2 on two hosts) is brought up;
 * its preview shows every resource "same"; a second `up` performs nothing
 * and leaves the state file as it was; modified copies of the stack file
 * (same stack name, in a temporary directory) preview the engine's steps: a
 * changed subnet replaces the network, the containers on it and the check
 * (delete-before-replace), a removed container is deleted. Then `down` leaves
 * nothing behind. Applying such changes: tests/lab/day2.test.ts.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import "./support/root-hooks";
import { describeRun, LabStack, run, RunResult, statePathOf, STACKS, REPO, UpJson } from "./support/lab";

interface PreviewJson {
    steps: { op: "same" | "create" | "update" | "replace" | "delete"; urn: string; type: string; name: string }[];
    changes: { same: number; create: number; update: number; replace: number; delete: number };
}

const TS_NODE = path.join(REPO, "node_modules", ".bin", "ts-node");

/** `lab <command> <file> [--json]` as a child process, as a user runs it. */
async function labCli(command: "preview" | "up", file: string, json: boolean): Promise<RunResult & { json?: unknown }> {
    const r: RunResult & { json?: unknown } = await run(
        TS_NODE,
        ["--transpile-only", path.join(REPO, "tools", "lab.ts"), command, file, ...(json ? ["--json"] : [])],
        {
            timeoutMs: 300_000,
        },
    );
    if (json && r.stdout.trim().startsWith("{")) {
        r.json = JSON.parse(r.stdout);
    }
    return r;
}

async function preview(file: string): Promise<PreviewJson> {
    const r = await labCli("preview", file, true);
    assert.strictEqual(r.code, 0, describeRun(r));
    assert.ok(r.json, describeRun(r));
    return r.json as PreviewJson;
}

const byOp = (p: PreviewJson, op: string) =>
    p.steps
        .filter((s) => s.op === op)
        .map((s) => `${s.type} ${s.name}`)
        .sort();

describe("lab: preview and a no-op up on a running cluster (t-preview)", function () {
    const file = path.join(STACKS, "Pulumi.t-preview.yaml");
    const stack = new LabStack(file);
    const text = fs.readFileSync(file, "utf8");
    let tmp: string;
    let up: UpJson;

    /** A copy of the stack file with `edit` applied, under the same stack name. */
    function variant(edit: (yaml: string) => string): string {
        const dir = fs.mkdtempSync(path.join(tmp, "v-"));
        const copy = path.join(dir, path.basename(file));
        const edited = edit(text);
        assert.notStrictEqual(edited, text, "the edit changed nothing");
        fs.writeFileSync(copy, edited);
        return copy;
    }

    before(async function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lab-preview-"));
        up = await stack.upOk();
    });

    after(async function () {
        fs.rmSync(tmp, { recursive: true, force: true });
        await stack.teardown();
    });

    it("previews the stack it just brought up as all same: 0 changes", async function () {
        const p = await preview(file);
        assert.ok(p.steps.length > up.resources.length, `${p.steps.length} steps for ${up.resources.length} custom resources`);
        assert.deepStrictEqual(p.changes, { same: p.steps.length, create: 0, update: 0, replace: 0, delete: 0 });
        assert.ok(p.steps.every((s) => s.op === "same"));
        for (const s of p.steps) {
            assert.deepStrictEqual(Object.keys(s).sort(), ["name", "op", "type", "urn"]);
        }
        // Every custom resource `up` created is in the preview, by URN.
        const urns = new Set(p.steps.map((s) => s.urn));
        for (const r of up.resources) {
            assert.ok(urns.has(r.urn), r.urn);
        }
    });

    it("a second `up` is a no-op: 0 steps, the state file and the containers untouched", async function () {
        const stateFile = statePathOf(stack.info);
        const before = fs.readFileSync(stateFile, "utf8");
        const ids = async () =>
            (await stack.docker("pv-node1", ["ps", "-q", "--no-trunc"])).stdout + (await stack.docker("pv-node2", ["ps", "-q", "--no-trunc"])).stdout;
        const idsBefore = await ids();
        assert.ok(idsBefore.trim().length > 0, "no containers running");
        const r = await labCli("up", file, true);
        assert.strictEqual(r.code, 0, describeRun(r));
        const j = r.json as UpJson & { noop?: boolean; changes?: PreviewJson["changes"] };
        assert.strictEqual(j.ok, true);
        assert.strictEqual(j.noop, true);
        assert.deepStrictEqual(j.resources, []);
        assert.strictEqual(j.changes?.create, 0);
        assert.strictEqual(j.changes?.update, 0);
        assert.strictEqual(j.changes?.replace, 0);
        assert.strictEqual(j.changes?.delete, 0);
        assert.strictEqual(fs.readFileSync(stateFile, "utf8"), before, "the state file changed");
        assert.strictEqual(await ids(), idsBefore, "containers changed");
        const t = await labCli("up", file, false);
        assert.strictEqual(t.code, 0, describeRun(t));
        assert.match(t.stdout, /^up: no changes, 0 steps \(\d+ unchanged\) in [\d.]+s \(state: .*t-preview\.json\)$/m);
    });

    it("a changed subnet previews a replacement of the network, the containers on it and the check, and nothing else", async function () {
        const copy = variant((y) => y.replace("subnet: 10.0.0.0/24", "subnet: 10.0.7.0/24"));
        const p = await preview(copy);
        assert.deepStrictEqual(byOp(p, "replace"), [
            "command:local:Command connectivity-ping",
            "docker:index/container:Container c1-container",
            "docker:index/container:Container c2-container",
            "docker:index/network:Network net1-network",
        ]);
        assert.deepStrictEqual(byOp(p, "create"), []);
        assert.deepStrictEqual(byOp(p, "delete"), []);
        // The consul record lists the networks with their subnets: an update of its keys, not a replacement.
        assert.deepStrictEqual(byOp(p, "update"), ["consul:index/keyPrefix:KeyPrefix cluster-record-keys"]);
        // The text form: -+ per resource replaced delete-before-replace (+- create-before-delete), and the summary line.
        const t = await labCli("preview", copy, false);
        assert.strictEqual(t.code, 0, describeRun(t));
        assert.match(t.stdout, /^ -\+ docker:index\/network:Network net1-network {2}replace {2}\[diff: ipamConfigs\] \[delete-before-replace\]$/m);
        assert.match(t.stdout, /^ \+- command:local:Command connectivity-ping {2}replace {2}\[diff: dependent of net1-network, triggers\]$/m);
        assert.match(t.stdout, /^preview: 0 to create, 1 to update, 4 to replace, 0 to delete, \d+ unchanged$/m);
    });

    it("a removed container previews its deletion (and the check's, now that one container is left), nothing replaced", async function () {
        const copy = variant((y) => y.slice(0, y.indexOf("    - name: c2")));
        const p = await preview(copy);
        const deletes = p.steps.filter((s) => s.op === "delete").map((s) => s.name);
        assert.deepStrictEqual([...deletes].sort(), ["c2", "c2-container", "c2-image", "connectivity", "connectivity-ping"]);
        assert.ok(deletes.indexOf("connectivity-ping") < deletes.indexOf("c2-container"), deletes.join(", "));
        assert.ok(deletes.indexOf("c2-container") < deletes.indexOf("c2-image"), deletes.join(", "));
        assert.deepStrictEqual(byOp(p, "replace"), []);
        assert.deepStrictEqual(byOp(p, "create"), []);
        assert.deepStrictEqual(byOp(p, "update"), ["consul:index/keyPrefix:KeyPrefix cluster-record-keys"]);
    });

    it("comes down clean", async function () {
        await stack.downClean();
    });
});
