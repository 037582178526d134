/**
 * Day 2 in swarm mode: `lab up` applies changes to a running swarm
 * (tests/lab/stacks/Pulumi.t-day2-swarm.yaml: a manager and a worker, net1 with
 * c1 and c2 on the two hosts), checked with the docker CLI:
 *  (a) a worker d3-node2 and a container c3 on it: only their resources and the
 *      worker's join are created, the swarm is the same swarm (cluster id, nodes),
 *      c1 and c2 keep their ids and start times, the node is Ready, the check passes;
 *  (b) the worker between the two, d3-node1, removed with c1: c1 deleted first,
 *      then the join (drain, leave, node rm), then the host; the node is gone from
 *      `docker node ls`; d3-node2 keeps its address (it follows its name), so its
 *      machine, c3 and c2 are untouched and only d3-node2's probe (it paired with
 *      d3-node1) and the check run again; the check passes.
 * The stack is taken down in the after hook, also when a test failed.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import "./support/root-hooks";
import { containerOn, freeContainer, StackChanges, stepsOf } from "./support/changes";
import { describeRun, LabStack, STACKS } from "./support/lab";

describe("lab: day-2 changes applied to a running swarm (t-day2-swarm)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-day2-swarm.yaml"));
    const changes = new StackChanges(stack);

    /** `<hostname> <status> <manager status>` of every node, from the manager, sorted. */
    async function nodes(): Promise<string[]> {
        const r = await stack.docker("d3-manager", ["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"]);
        assert.equal(r.code, 0, describeRun(r));
        return r.stdout
            .trim()
            .split("\n")
            .map((l) => l.trim())
            .sort();
    }

    async function clusterId(): Promise<string> {
        const r = await stack.docker("d3-manager", ["info", "-f", "{{.Swarm.Cluster.ID}}"]);
        assert.equal(r.code, 0, describeRun(r));
        assert.match(r.stdout.trim(), /^[0-9a-z]{25}$/);
        return r.stdout.trim();
    }

    changes.runningStack(2);

    it("(a) adds a worker and a container on it: only their resources and its join created, the same swarm", async function () {
        const before = { c1: await changes.identity("d3-node1", "c1"), c2: await changes.identity("d3-manager", "c2"), swarm: await clusterId() };
        assert.deepEqual(await nodes(), ["d3-manager Ready Leader", "d3-node1 Ready"]);
        const up = await changes.apply(
            changes.variant((y) => y.replace("    - name: d3-node1\n", "    - name: d3-node1\n    - name: d3-node2\n") + containerOn("c3", "d3-node2")),
        );
        assert.deepEqual(stepsOf(up, "create"), [
            "command:local:Command c3-settle",
            "command:local:Command d3-node2-engine",
            "command:local:Command swarm-join-d3-node2",
            "command:local:Command underlay-probe-d3-node2",
            "docker-overlay:container:PlacedContainer c3",
            "docker-overlay:host:DockerHost d3-node2",
            "docker:index/container:Container c3-container",
            "docker:index/remoteImage:RemoteImage c3-image",
            "pulumi:providers:docker d3-node2",
        ]);
        // The new pairs are all the new host's probe's (lib/plan/probes.ts probeOwners): no other probe runs again.
        assert.deepEqual(stepsOf(up, "replace"), ["command:local:Command connectivity-ping"]);
        // The swarm's spec knows every node it would make leave for a new swarm (its delete; nothing runs).
        assert.deepEqual(stepsOf(up, "update"), ["command:local:Command swarm-spec"]);
        assert.deepEqual(stepsOf(up, "delete"), []);
        assert.equal(await clusterId(), before.swarm, "the swarm was re-created");
        assert.deepEqual(await nodes(), ["d3-manager Ready Leader", "d3-node1 Ready", "d3-node2 Ready"]);
        assert.equal(await changes.identity("d3-node1", "c1"), before.c1, "c1 was re-created or restarted");
        assert.equal(await changes.identity("d3-manager", "c2"), before.c2, "c2 was re-created or restarted");
        await changes.checkPasses(6);
    });

    it("(b) removes the worker between the others with its container: c1, then its join, then the host; the node gone; d3-node2 untouched", async function () {
        const before = { c2: await changes.identity("d3-manager", "c2"), c3: await changes.identity("d3-node2", "c3"), swarm: await clusterId() };
        const up = await changes.apply(changes.variant((y) => y.replace("    - name: d3-node1\n", "").replace(containerOn("c1", "d3-node1"), "")));
        const deletes = (up.steps ?? []).filter((s) => s.op === "delete").map((s) => s.name);
        assert.deepEqual([...deletes].sort(), [
            "c1",
            "c1-container",
            "c1-image",
            "c1-settle",
            "d3-node1",
            "d3-node1",
            "d3-node1-engine",
            "swarm-join-d3-node1",
            "underlay-probe-d3-node1",
        ]);
        const at = (x: string) => deletes.indexOf(x);
        assert.ok(at("c1-container") < at("swarm-join-d3-node1") && at("swarm-join-d3-node1") < at("d3-node1-engine"), deletes.join(", "));
        assert.ok(at("c1-container") < at("c1-settle") && at("c1-settle") < at("swarm-join-d3-node1"), deletes.join(", "));
        assert.deepEqual(stepsOf(up, "create"), []);
        assert.deepEqual(stepsOf(up, "update"), ["command:local:Command swarm-spec"]);
        // d3-node2's probe paired with d3-node1 (lib/plan/probes.ts probeOwners); its machine keeps its address.
        assert.deepEqual(stepsOf(up, "replace"), ["command:local:Command connectivity-ping", "command:local:Command underlay-probe-d3-node2"]);
        assert.deepEqual(await nodes(), ["d3-manager Ready Leader", "d3-node2 Ready"]);
        assert.equal(await clusterId(), before.swarm);
        assert.equal(await changes.identity("d3-manager", "c2"), before.c2, "c2 was re-created or restarted");
        assert.equal(await changes.identity("d3-node2", "c3"), before.c3, "c3 was re-created or restarted");
        await changes.checkPasses(2);
    });

    it("(c) unconstrained containers stay where they run: a worker added takes only the new one, and removed moves only its own", async function () {
        const free = (name: string) => freeContainer(name, "net1");
        // Spread around c2 and c3 (one host each): c4 to d3-manager (the tie goes to the name first), c5 to d3-node2.
        await changes.apply(changes.variant((y) => y + free("c4") + free("c5")));
        assert.deepEqual([await stack.hostOf("c4"), await stack.hostOf("c5")], ["d3-manager", "d3-node2"]);
        const unmoved = await changes.keep({ c2: "d3-manager", c3: "d3-node2", c4: "d3-manager", c5: "d3-node2" });
        const swarm = await clusterId();
        // A worker d3-node3 with c6. Spread afresh from the config, c4 would move to it and c6 go
        // to d3-manager; the stack's placements are kept, so only c6 goes there.
        const added = await changes.apply(
            changes.variant((y) => y.replace("    - name: d3-node2\n", "    - name: d3-node2\n    - name: d3-node3\n") + free("c6")),
        );
        assert.deepEqual(stepsOf(added, "create"), [
            "command:local:Command c6-settle",
            "command:local:Command d3-node3-engine",
            "command:local:Command swarm-join-d3-node3",
            "command:local:Command underlay-probe-d3-node3",
            "docker-overlay:container:PlacedContainer c6",
            "docker-overlay:host:DockerHost d3-node3",
            "docker:index/container:Container c6-container",
            "docker:index/remoteImage:RemoteImage c6-image",
            "pulumi:providers:docker d3-node3",
        ]);
        assert.deepEqual(stepsOf(added, "replace"), ["command:local:Command connectivity-ping"]);
        assert.deepEqual(stepsOf(added, "update"), ["command:local:Command swarm-spec"]);
        assert.deepEqual(stepsOf(added, "delete"), []);
        assert.equal(await stack.hostOf("c6"), "d3-node3");
        assert.deepEqual(await nodes(), ["d3-manager Ready Leader", "d3-node2 Ready", "d3-node3 Ready"]);
        assert.equal(await clusterId(), swarm, "the swarm was re-created");
        await unmoved();
        // d3-node3 removed: c6 alone moves, to the least loaded host left (a tie of two each: d3-manager).
        const removed = await changes.apply(changes.variant((y) => y.replace("    - name: d3-node3\n", "")));
        assert.deepEqual(stepsOf(removed, "replace"), [
            "command:local:Command c6-settle",
            "command:local:Command connectivity-ping",
            "docker:index/container:Container c6-container",
            "docker:index/remoteImage:RemoteImage c6-image",
        ]);
        assert.deepEqual(stepsOf(removed, "create"), []);
        assert.deepEqual(stepsOf(removed, "update"), ["command:local:Command swarm-spec"]);
        assert.deepEqual(stepsOf(removed, "delete"), [
            "command:local:Command d3-node3-engine",
            "command:local:Command swarm-join-d3-node3",
            "command:local:Command underlay-probe-d3-node3",
            "docker-overlay:host:DockerHost d3-node3",
            "pulumi:providers:docker d3-node3",
        ]);
        assert.equal(await stack.hostOf("c6"), "d3-manager");
        assert.deepEqual(await nodes(), ["d3-manager Ready Leader", "d3-node2 Ready"]);
        assert.equal(await clusterId(), swarm);
        await unmoved();
        await changes.checkPasses(20);
    });

    it("comes down clean", async function () {
        await stack.downClean();
    });
});
