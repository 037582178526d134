/**
 * `up` again after a failed `up`, as users re-run `pulumi up` once they fixed
 * what failed (tests/lab/stacks/Pulumi.t-rerun.yaml). The first `up` fails at
 * c2's image (on no engine) with the fabric, the KV machine and both engines
 * made, and whatever else was done before the failure stopped new steps (net1
 * waits for the underlay probe, which the image's quick failure may stop).
 * The engine records no resource for a create the provider failed
 * without partial state (lab/steps.ts `resumeBase`), so the corrected `up`
 * creates c2's image anew and goes on: everything made before is left as it is
 * (same), nothing is deleted or replaced, the check passes, and the state holds
 * no failed record any more. Before, the lab refused this `up` ("run down
 * first"), which no Pulumi user is ever told.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import "./support/root-hooks";
import { readState } from "../../lab/state";
import { describeRun, DOCKER_BIN, lab, LabStack, run, STACKS, statePathOf } from "./support/lab";
import { StackChanges, stepsOf } from "./support/changes";

describe("lab: up again after a failed up", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-rerun.yaml"));
    const changes = new StackChanges(stack);

    after(async function () {
        changes.cleanup();
        await stack.teardown();
    });

    /** Custom resources the first `up` made: the second must leave every one as it is. */
    let madeFirst: string[] = [];

    it("the first `up` fails at c2's image, with the engines made", async function () {
        const r = await stack.up();
        assert.notEqual(r.code, 0, `up succeeded:\n${describeRun(r)}`);
        assert.equal(r.json?.ok, false, describeRun(r));
        assert.deepEqual(
            r.json?.resources.filter((x) => x.status === "failed").map((x) => x.name),
            ["c2-image"],
        );
        const created = r.json?.resources.filter((x) => x.status === "created").map((x) => x.name) ?? [];
        for (const name of ["h1-engine", "h2-engine"]) {
            assert.ok(created.includes(name), `${name} was not made before the failure: ${created.join(", ")}`);
        }
        madeFirst = created;
    });

    it("`up` of the corrected stack creates what failed and the rest, touching nothing made before", async function () {
        const fixed = changes.variant((yaml) => yaml.replace("image: nosuchimage:1", "image: busybox:latest"));
        const up = await changes.apply(fixed);
        assert.equal(up.warnings, undefined, "a failed create is not a pending operation: no warning");
        assert.deepEqual(stepsOf(up, "delete"), []);
        assert.deepEqual(stepsOf(up, "replace"), []);
        assert.deepEqual(stepsOf(up, "update"), []);
        const created = stepsOf(up, "create");
        for (const name of ["c2-image", "c2-container", "connectivity-ping"]) {
            assert.ok(
                created.some((s) => s.endsWith(` ${name}`)),
                `${name} not created: ${created.join(", ")}`,
            );
        }
        assert.ok(madeFirst.length > 0, "the first up made nothing");
        for (const name of madeFirst) {
            assert.ok(
                stepsOf(up, "same").some((s) => s.endsWith(` ${name}`)),
                `${name} was not left as it was`,
            );
        }
        // What the failure left undone is created now, the overlay and its containers with it.
        for (const name of ["net1-network", "c1-container"].filter((n) => !madeFirst.includes(n))) {
            assert.ok(
                created.some((s) => s.endsWith(` ${name}`)),
                `${name} not created: ${created.join(", ")}`,
            );
        }
        const state = readState(statePathOf(stack.info));
        assert.equal(state?.status, "succeeded");
        assert.deepEqual(
            state?.resources.filter((x) => x.custom && x.status !== "created").map((x) => x.name),
            [],
            "the state still holds an unfinished record",
        );
        assert.equal(state?.resources.filter((x) => x.name === "c2-image").length, 1, "c2-image recorded twice");
    });

    it("c1 and c2 reach each other", async function () {
        await changes.checkPasses(2);
    });
});

/**
 * The same with a container whose start fails after it was created
 * (tests/lab/stacks/Pulumi.t-rerun-start.yaml: c2's command is no file in the
 * image): the docker provider had its ID, so the engine keeps it with
 * initialization errors (lab/steps.ts hasInitErrors). A preview of the same
 * stack shows an empty update of it (step_generator.go:2053-2066); the
 * corrected command replaces it (delete-before-replace), and the check passes.
 * Before, the lab refused this `up` ("down first").
 */
describe("lab: up again after a container's start failed", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-rerun-start.yaml"));
    const changes = new StackChanges(stack);
    let firstId = "";

    after(async function () {
        changes.cleanup();
        await stack.teardown();
    });

    it("the first `up` fails at c2's start; c2 exists on h2, created, not running", async function () {
        const r = await stack.up();
        assert.notEqual(r.code, 0, `up succeeded:\n${describeRun(r)}`);
        assert.deepEqual(
            r.json?.resources.filter((x) => x.status === "failed").map((x) => x.name),
            ["c2-container"],
            describeRun(r),
        );
        const state = readState(statePathOf(stack.info));
        const c2 = state?.resources.find((x) => x.name === "c2-container");
        assert.equal(c2?.status, "failed");
        assert.match(c2?.id ?? "", /^[0-9a-f]{64}$/, "the lab did not note the id the provider had");
        firstId = c2?.id ?? "";
        // The stack has no saved outputs (its up did not finish): h2's engine by its socket.
        const inspect = await run(DOCKER_BIN, ["-H", `unix://${stack.info.runDir}/h2/docker.sock`, "inspect", "-f", "{{.Id}} {{.State.Running}}", "c2"]);
        assert.equal(inspect.stdout.trim(), `${firstId} false`, describeRun(inspect));
    });

    it("a preview of the same stack: an empty update of c2's container, the check to create, nothing else", async function () {
        const p = await lab<{ steps: { op: string; name: string }[] }>("preview", stack.info.file);
        assert.equal(p.code, 0, describeRun(p));
        const changed = (p.json?.steps ?? []).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);
        assert.deepEqual(changed.sort(), ["create connectivity-ping", "update c2-container"], describeRun(p));
    });

    it("the corrected command replaces the half-made container (the old one deleted first), and the check passes", async function () {
        const up = await changes.apply(changes.variant((yaml) => yaml.replace('command: ["/no/such/binary"]', 'command: ["top"]')));
        assert.deepEqual(stepsOf(up, "replace"), ["docker:index/container:Container c2-container"]);
        assert.deepEqual(stepsOf(up, "create"), ["command:local:Command connectivity-ping"]);
        assert.deepEqual(stepsOf(up, "delete"), []);
        const inspect = await stack.docker("h2", ["inspect", "-f", "{{.Id}} {{.State.Running}}", "c2"]);
        assert.match(inspect.stdout.trim(), /^[0-9a-f]{64} true$/, describeRun(inspect));
        assert.notEqual(inspect.stdout.trim().split(" ")[0], firstId, "c2 is still the half-made container");
        const state = readState(statePathOf(stack.info));
        assert.deepEqual(
            state?.resources.filter((x) => x.custom && x.status !== "created").map((x) => x.name),
            [],
        );
        await changes.checkPasses(2);
    });
});
