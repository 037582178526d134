/**
 * More day-2 changes applied to a running swarm (issue 10, item 4), checked with
 * the docker CLI on every engine. tests/lab/stacks/Pulumi.t-day2-more.yaml (a
 * manager and a worker labelled zone=a, net1 with c1 and c2 on the two hosts) is
 * brought up, then modified copies of it are applied in turn:
 *  (a) the worker's labels changed: the node labels updated in place (only the
 *      label command replaced); the same node, engines and containers;
 *  (b) engine.swarm.rotateTokens set, then changed: each time both join tokens
 *      are new (`docker swarm join-token -q`), the token command read again, no
 *      host or container touched;
 *  (c) a worker added after the rotations: it joins with the sealed token the
 *      program read again (a stale one would be refused), and is Ready;
 *  (d) net2 added with c3 and c4 on it, then removed: only their resources created
 *      and deleted, nothing else replaced but the check; net2 gone from every engine;
 *  (e) c1 moved to another host by its constraint: replaced there, gone from the
 *      old engine, c2 untouched, the check passes;
 *  (f) a second `up` with no change: 0 changes.
 * The stack is taken down in the after hook, also when a test failed.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import "./support/root-hooks";
import { containerOn, StackChanges, stepsOf } from "./support/changes";
import { describeRun, lab, LabStack, STACKS, UpJson } from "./support/lab";

const MANAGER = "d4-manager";
const CMD = "command:local:Command";

describe("lab: more day-2 changes on a running swarm (t-day2-more)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-day2-more.yaml"));
    const changes = new StackChanges(stack);
    let hosts = [MANAGER, "d4-node1"];

    /** What a rebuilt host or re-created container would change: engine ids and container ids with start times. */
    async function identities(containers: Record<string, string>): Promise<Record<string, string>> {
        const out: Record<string, string> = {};
        for (const h of hosts) {
            const r = await stack.docker(h, ["info", "-f", "{{.ID}} {{.Swarm.NodeID}}"]);
            assert.equal(r.code, 0, describeRun(r));
            out[`engine ${h}`] = r.stdout.trim();
        }
        for (const [c, h] of Object.entries(containers)) {
            out[c] = await changes.identity(h, c);
        }
        return out;
    }

    async function joinToken(kind: "worker" | "manager"): Promise<string> {
        const r = await stack.docker(MANAGER, ["swarm", "join-token", "-q", kind]);
        assert.equal(r.code, 0, describeRun(r));
        assert.match(r.stdout.trim(), /^SWMTKN-1-[0-9a-z]+-[0-9a-z]+$/);
        return r.stdout.trim();
    }

    /** The names of the overlays an engine has (but ingress), sorted. */
    async function overlays(host: string): Promise<string[]> {
        const r = await stack.docker(host, ["network", "ls", "--no-trunc", "--filter", "driver=overlay", "--format", "{{.Name}}"]);
        assert.equal(r.code, 0, describeRun(r));
        return r.stdout
            .trim()
            .split("\n")
            .filter((l) => l !== "" && l !== "ingress")
            .sort();
    }

    changes.runningStack(2);

    it("(a) changes a worker's labels: node labels updated in place, the same node, engines and containers", async function () {
        const labels = async () => (await stack.docker(MANAGER, ["node", "inspect", "-f", "{{json .Spec.Labels}}", "d4-node1"])).stdout.trim();
        assert.equal(await labels(), '{"zone":"a"}');
        const before = await identities({ c1: "d4-node1", c2: MANAGER });
        const up = await changes.apply(changes.variant((y) => y.replace("        zone: a\n", "        zone: b\n        disk: ssd\n")));
        assert.deepEqual(stepsOf(up, "replace"), [`${CMD} swarm-labels-d4-node1`]);
        assert.deepEqual([...stepsOf(up, "create"), ...stepsOf(up, "update"), ...stepsOf(up, "delete")], []);
        assert.equal(await labels(), '{"disk":"ssd","zone":"b"}');
        assert.deepEqual(await identities({ c1: "d4-node1", c2: MANAGER }), before);
        await changes.checkPasses(2);
    });

    it("(b) rotates the join tokens on request, and again when the trigger changes; no host or container touched", async function () {
        const before = await identities({ c1: "d4-node1", c2: MANAGER });
        const old = { worker: await joinToken("worker"), manager: await joinToken("manager") };
        const up = await changes.apply(changes.variant((y) => y.replace("    mode: swarm\n", '    mode: swarm\n    swarm:\n      rotateTokens: "r1"\n')));
        assert.deepEqual(stepsOf(up, "create"), [`${CMD} swarm-rotate-tokens`]);
        assert.deepEqual(stepsOf(up, "replace"), [`${CMD} swarm-join-token`]);
        // The join's environment carries the sealed token: an update re-runs its create, which finds the node joined.
        assert.deepEqual(stepsOf(up, "update"), [`${CMD} swarm-join-d4-node1`]);
        assert.deepEqual(stepsOf(up, "delete"), []);
        const r1 = { worker: await joinToken("worker"), manager: await joinToken("manager") };
        assert.notEqual(r1.worker, old.worker, "the worker token was not rotated");
        assert.notEqual(r1.manager, old.manager, "the manager token was not rotated");

        const again = await changes.apply(changes.variant((y) => y.replace('rotateTokens: "r1"', 'rotateTokens: "r2"')));
        assert.deepEqual(stepsOf(again, "replace"), [`${CMD} swarm-join-token`, `${CMD} swarm-rotate-tokens`]);
        assert.deepEqual(stepsOf(again, "create"), []);
        assert.deepEqual(stepsOf(again, "update"), [`${CMD} swarm-join-d4-node1`]);
        assert.deepEqual(stepsOf(again, "delete"), []);
        const r2 = { worker: await joinToken("worker"), manager: await joinToken("manager") };
        assert.notEqual(r2.worker, r1.worker);
        assert.notEqual(r2.manager, r1.manager);
        assert.deepEqual(await identities({ c1: "d4-node1", c2: MANAGER }), before);
        await changes.checkPasses(2);
    });

    it("(c) adds a worker after the rotations: it joins with the token the program read again, and is Ready", async function () {
        const up = await changes.apply(changes.variant((y) => y.replace("        disk: ssd\n", "        disk: ssd\n    - name: d4-node2\n")));
        assert.ok(stepsOf(up, "create").includes(`${CMD} swarm-join-d4-node2`), JSON.stringify(up.steps));
        assert.ok(stepsOf(up, "create").includes(`${CMD} underlay-probe-d4-node2`), JSON.stringify(up.steps));
        // Nothing replaced: the new pairs are all the new host's probe's (lib/plan/probes.ts probeOwners).
        assert.deepEqual(stepsOf(up, "replace"), []);
        hosts = [MANAGER, "d4-node1", "d4-node2"];
        const ls = await stack.docker(MANAGER, ["node", "ls", "--format", "{{.Hostname}} {{.Status}}"]);
        assert.deepEqual(ls.stdout.trim().split("\n").sort(), ["d4-manager Ready", "d4-node1 Ready", "d4-node2 Ready"]);
    });

    it("(d) adds net2 with c3 and c4, then removes it: nothing else replaced, net2 gone from every engine", async function () {
        const before = await identities({ c1: "d4-node1", c2: MANAGER });
        const withNet2 = (y: string) =>
            y.replace("  docker-overlay:containers:\n", "    - name: net2\n      subnet: 10.0.9.0/24\n  docker-overlay:containers:\n") +
            containerOn("c3", "d4-node1").replace("[net1]", "[net2]") +
            containerOn("c4", "d4-node2").replace("[net1]", "[net2]");
        const up = await changes.apply(changes.variant(withNet2));
        assert.deepEqual(stepsOf(up, "replace"), [`${CMD} connectivity-ping`]);
        assert.deepEqual(stepsOf(up, "update"), []);
        assert.deepEqual(stepsOf(up, "delete"), []);
        assert.deepEqual(stepsOf(up, "create"), [
            `${CMD} c3-settle`,
            `${CMD} c4-settle`,
            `${CMD} swarm-ingress-net2`,
            "docker-overlay:container:PlacedContainer c3",
            "docker-overlay:container:PlacedContainer c4",
            "docker-overlay:network:OverlayNetwork net2",
            "docker:index/container:Container c3-container",
            "docker:index/container:Container c4-container",
            "docker:index/network:Network net2-network",
            "docker:index/remoteImage:RemoteImage c3-image",
            "docker:index/remoteImage:RemoteImage c4-image",
        ]);
        assert.match(await stack.ipOf("c3", "net2"), /^10\.0\.9\.\d+$/);
        assert.deepEqual(await overlays(MANAGER), ["net1", "net2"]);
        // Every ordered pair of c1..c4: reach on a shared network, isolated across them.
        await changes.checkPasses(12);
        assert.deepEqual(await identities({ c1: "d4-node1", c2: MANAGER }), before);

        const removed = await changes.apply(
            changes.variant((y) => y.replace("    - name: net2\n      subnet: 10.0.9.0/24\n", "").replace(/ {4}- name: c3\n[\s\S]*$/, "")),
        );
        assert.deepEqual(stepsOf(removed, "delete"), stepsOf(up, "create"));
        assert.deepEqual(stepsOf(removed, "replace"), [`${CMD} connectivity-ping`]);
        assert.deepEqual([...stepsOf(removed, "create"), ...stepsOf(removed, "update")], []);
        for (const h of hosts) {
            assert.deepEqual(await overlays(h), h === "d4-node2" ? [] : ["net1"], h);
            const ps = await stack.docker(h, ["ps", "-a", "--format", "{{.Names}}"]);
            assert.doesNotMatch(ps.stdout, /^c[34]$/m, `${h}: ${ps.stdout}`);
        }
        assert.deepEqual(await identities({ c1: "d4-node1", c2: MANAGER }), before);
        await changes.checkPasses(2);
    });

    it("(e) moves c1 to another host by its constraint: replaced there, gone from the old engine, the check passes", async function () {
        const old = await changes.identity("d4-node1", "c1");
        const c2 = await changes.identity(MANAGER, "c2");
        const up = await changes.apply(changes.variant((y) => y.replace('["node==d4-node1"]', '["node==d4-node2"]')));
        assert.deepEqual(stepsOf(up, "replace"), [
            `${CMD} c1-settle`,
            `${CMD} connectivity-ping`,
            "docker:index/container:Container c1-container",
            "docker:index/remoteImage:RemoteImage c1-image",
        ]);
        assert.deepEqual([...stepsOf(up, "create"), ...stepsOf(up, "update"), ...stepsOf(up, "delete")], []);
        assert.equal(await stack.hostOf("c1"), "d4-node2");
        const moved = await changes.identity("d4-node2", "c1");
        assert.notEqual(moved.split(" ")[0], old.split(" ")[0]);
        const ps = await stack.docker("d4-node1", ["ps", "-a", "--format", "{{.Names}}"]);
        assert.equal(ps.code, 0, describeRun(ps));
        assert.doesNotMatch(ps.stdout, /^c1$/m, `d4-node1 still has c1: ${ps.stdout}`);
        assert.equal(await changes.identity(MANAGER, "c2"), c2, "c2 was re-created or restarted");
        assert.match(await stack.ipOf("c1", "net1"), /^10\.0\.0\.\d+$/);
        await changes.checkPasses(2);
    });

    it("(f) a second `up` with no change is 0 changes", async function () {
        const r = await lab<UpJson>("up", changes.current);
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.json?.noop, true, describeRun(r));
    });

    it("comes down clean", async function () {
        await stack.downClean();
    });
});
