/**
 * Scenario g: `down` leaves nothing behind, even after a failed `up`, and
 * succeeds on a stack that was never up.
 *  - Pulumi.t-badimage.yaml: c2's image (nosuchimage:1) is on no engine and no
 *    registry is reachable, so `up` fails at c2's image once the fabric, the
 *    consul machine and both engines exist.
 *  - Pulumi.t-never.yaml: never brought up.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { DownJson, lab, LabStack, run, STACKS, statePathOf } from "./support/lab";

describe("lab: teardown", function () {
    const bad = new LabStack(path.join(STACKS, "Pulumi.t-badimage.yaml"));
    const never = new LabStack(path.join(STACKS, "Pulumi.t-never.yaml"));

    after(async function () {
        await bad.teardown();
    });

    it("`down` on a stack that was never up succeeds and leaves nothing", async function () {
        const before = await never.leftovers();
        assert.strictEqual(before.code, 0, `t-never is not clean to begin with:\n${before.stdout}`);
        const r = await lab<DownJson>("down", never.info.file);
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.ok(r.json?.ok);
        assert.strictEqual(r.json?.source, "collect");
        assert.deepStrictEqual(r.json?.failed, []);
        assert.ok(!fs.existsSync(statePathOf(never.info)), "down left a state file");
        const left = await never.leftovers();
        assert.strictEqual(left.code, 0, left.stdout);
    });

    it("`up` with an image that is not preloaded fails, naming the resource and the image", async function () {
        const r = await bad.up();
        assert.notStrictEqual(r.code, 0, `up succeeded:\n${r.stdout}`);
        assert.strictEqual(r.json?.ok, false);
        const error = r.json?.error ?? "";
        assert.match(error, /docker:index\/remoteImage:RemoteImage urn:pulumi:t-badimage::\S+::c2-image/);
        assert.match(error, /image "nosuchimage:1" is not on the engine at unix:\/\/\/run\/docker-overlay\/t-badimage\/h2\/docker\.sock/);
        const failed = r.json?.resources.filter((x) => x.status === "failed").map((x) => x.name);
        assert.deepStrictEqual(failed, ["c2-image"]);
        // It got far enough that `down` has real work: the engines run.
        const created = r.json?.resources.filter((x) => x.status === "created").map((x) => x.name) ?? [];
        for (const name of ["cluster-fabric-bridge", "kvstore-machine", "h1-engine", "h2-engine"]) {
            assert.ok(created.includes(name), `${name} was not created before the failure: ${created.join(", ")}`);
        }
        const left = await bad.leftovers();
        assert.notStrictEqual(left.code, 0, "lab-clean found nothing after a half-made up");
        assert.match(left.stdout, /process \d+ \(dockerd\)/);
        const ns = await run("ip", ["netns", "list"]);
        assert.match(ns.stdout, /dovl-t-badimage-h2-/);
    });

    it("`down` after the failed `up` removes everything: lab-clean finds nothing of the stack", async function () {
        const r = await bad.downClean();
        assert.strictEqual(r.json?.source, "state+collect");
        assert.ok(!fs.existsSync(statePathOf(bad.info)), "down left the state file");
    });
});
