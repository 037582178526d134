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
import { describeRun, LabStack, STACKS, statePathOf } from "./support/lab";
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
