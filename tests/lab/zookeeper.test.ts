/**
 * Scenario c: zookeeper. Docker 20.10 engines (what the netns driver runs)
 * panic as soon as a container joins an overlay on a zookeeper cluster store
 * (measured in the lab: libkv's zookeeper List returns bare child names, so
 * libnetwork never finds the network's endpoint_count). Validation must refuse
 * such a stack before anything exists; nothing is brought up here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { lab, LabStack, REPO, run, STACKS, statePathOf } from "./support/lab";

const MESSAGE = "docker-overlay:kvStore.backend: zookeeper crashes the Docker 20.10 engines the netns driver runs as soon as a container joins an overlay";

describe("lab: zookeeper is refused for the netns driver (Pulumi.t-zk.yaml)", function () {
    const file = path.join(STACKS, "Pulumi.t-zk.yaml");
    const zk = new LabStack(file);

    after(async function () {
        // Only does anything if a broken validation let `up` build something.
        await zk.teardown();
    });

    it("`npm run validate` exits 1 naming the problem and its key", async function () {
        const r = await run("npm", ["run", "--silent", "validate", "--", file], { cwd: REPO });
        assert.strictEqual(r.code, 1, r.stdout + r.stderr);
        const lines = r.stdout.split("\n").filter((l) => l !== "");
        assert.strictEqual(lines.length, 1, r.stdout);
        assert.ok(lines[0].startsWith(MESSAGE), lines[0]);
        assert.match(lines[0], /use consul or etcd/);
    });

    it("`lab up` fails the same way before creating anything, and leaves nothing behind (not even a state file)", async function () {
        // Twice: a refused `up` must not leave a state that blocks the next one.
        for (let i = 0; i < 2; i++) {
            zk.owned = true; // should validation let it through, the after hook takes it down
            const r = await lab("up", file, false);
            assert.notStrictEqual(r.code, 0, r.stdout + r.stderr);
            assert.ok(r.stderr.includes(MESSAGE), r.stderr);
            assert.match(r.stderr, /nothing was created/);
            assert.ok(!r.stdout.includes("+ command:local:Command"), `something was created:\n${r.stdout}`);
            assert.ok(!fs.existsSync(statePathOf(zk.info)), `up left ${statePathOf(zk.info)}`);
        }
        const left0 = await zk.leftovers();
        assert.strictEqual(left0.code, 0, left0.stdout);
        // Nothing to take down; `down` is harmless all the same.
        const d = await lab("down", file);
        assert.strictEqual(d.code, 0, d.stdout + d.stderr);
        const left = await zk.leftovers();
        assert.strictEqual(left.code, 0, left.stdout);
    });
});
