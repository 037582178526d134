/**
 * Day 2 in swarm mode with several managers: the first manager, whose init made
 * the swarm, removed from a running swarm and another manager added in its place
 * (tests/lab/stacks/Pulumi.t-day2-managers.yaml: m1, m2, m3 managers, w1 a worker;
 * net1 with c1 on m2, c2 on w1, c3 on m1). Checked with the docker CLI:
 *  - the preview and the `up` take the same steps: m1's machine, join and c3 go,
 *    m4 joins as a manager, swarm-init moves to m2 (which adopts the swarm), and
 *    neither net1 nor c1 nor c2 is touched (components/overlayNetwork.ts
 *    keptMachineLabel; m2's own join stays, components/swarm.ts);
 *  - the same swarm (cluster id), net1 the same network, c1 and c2 the same
 *    containers (ids and start times); m1's node is gone from `docker node ls`,
 *    m2, m3 and m4 are managers with one leader, and the check passes;
 *  - a second preview shows no change.
 * Then a new data path port (engine.swarm.dataPathPort), which only a new swarm can
 * take: swarm-spec is replaced, and in its chain net1, c1 and c2 go and every node
 * but the first manager leaves while the old swarm answers (lib/swarm/sh/spec-delete.sh);
 * the new swarm has all four nodes, 3 managers, net1 and the containers made again,
 * and the check passes.
 * Then the managers reordered (m3 first): swarm-init moves to m3 and m2, the first
 * manager before, keeps its node (swarm-init's delete leaves only the last manager);
 * and a new manager, m5, put first with m4 removed: it joins the stack's swarm before
 * swarm-init adopts it (lib/swarm/sh/adopt.sh), instead of making a second swarm.
 * Each time the same swarm, net1, c1 and c2, and the check passes.
 * The stack is taken down in the after hook, also when a test failed.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import "./support/root-hooks";
import { StackChanges, stepsOf } from "./support/changes";
import { describeRun, lab, LabStack, STACKS, UpJson } from "./support/lab";

describe("lab: the first manager of a three-manager swarm replaced on a running swarm (t-day2-managers)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-day2-managers.yaml"));
    const changes = new StackChanges(stack);

    const docker = (host: string, args: string[]) => stack.dockerOut(host, args);

    /** `<hostname> <status> <manager status>` of every node, through `host`, sorted. */
    async function nodes(host: string): Promise<string[]> {
        const out = await docker(host, ["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"]);
        return out
            .split("\n")
            .map((l) => l.trim())
            .sort();
    }

    changes.runningStack(6);

    it("m1 removed with c3, m4 added as a manager: m2 takes the swarm over; net1, c1 and c2 untouched; m1's node gone", async function () {
        const before = {
            swarm: await docker("m2", ["info", "-f", "{{.Swarm.Cluster.ID}}"]),
            net1: await docker("m2", ["network", "inspect", "-f", "{{.Id}}", "net1"]),
            c1: await changes.identity("m2", "c1"),
            c2: await changes.identity("w1", "c2"),
        };
        assert.match(before.swarm, /^[0-9a-z]{25}$/);
        const copy = changes.variant((y) =>
            y
                .replace("    - name: m1\n      role: manager\n", "")
                .replace("    - name: w1\n", "    - name: w1\n    - name: m4\n      role: manager\n")
                .replace(/ {4}- name: c3\n[\s\S]*$/, ""),
        );
        const preview = await lab<UpJson>("preview", copy);
        assert.equal(preview.code, 0, describeRun(preview));
        const up = await changes.apply(copy);
        for (const op of ["create", "update", "replace", "delete"]) {
            assert.deepEqual(stepsOf(up, op), stepsOf(preview.json as UpJson, op), `the preview's ${op} steps are the up's`);
        }
        const touched = (up.steps ?? []).filter((s) => s.op !== "same").map((s) => s.name);
        for (const kept of ["net1-network", "c1-container", "c2-container", "overlay-machines", "swarm-join-m2"]) {
            assert.ok(
                !stepsOf(up, "replace").some((s) => s.endsWith(` ${kept}`)) && !stepsOf(up, "delete").some((s) => s.endsWith(` ${kept}`)),
                `${kept}: ${touched.join(", ")}`,
            );
        }
        for (const same of ["net1-network", "c1-container", "c2-container", "overlay-machines"]) {
            assert.ok(!touched.includes(same), `${same} changed: ${touched.join(", ")}`);
        }
        assert.ok(stepsOf(up, "replace").includes("command:local:Command swarm-init"), stepsOf(up, "replace").join(", "));
        // m2's join now checks, through m2 itself, the membership it had: an update, never a leave.
        assert.ok(stepsOf(up, "update").includes("command:local:Command swarm-join-m2"), stepsOf(up, "update").join(", "));
        assert.deepEqual(
            stepsOf(up, "create").filter((s) => s.startsWith("command:")),
            ["command:local:Command m4-engine", "command:local:Command swarm-join-m4", "command:local:Command underlay-probe-m4"],
        );
        for (const gone of ["command:local:Command swarm-join-m1", "command:local:Command m1-engine", "docker:index/container:Container c3-container"]) {
            assert.ok(stepsOf(up, "delete").includes(gone), `${gone}: ${stepsOf(up, "delete").join(", ")}`);
        }

        const after = await nodes("m2");
        assert.deepEqual(
            after.map((l) => l.split(" ").slice(0, 2).join(" ")),
            ["m2 Ready", "m3 Ready", "m4 Ready", "w1 Ready"],
            after.join(" | "),
        );
        assert.equal(after.filter((l) => l.endsWith(" Leader")).length, 1, after.join(" | "));
        assert.equal(after.filter((l) => / (Leader|Reachable)$/.test(l)).length, 3, after.join(" | "));
        assert.equal(await docker("m2", ["info", "-f", "{{.Swarm.Cluster.ID}}"]), before.swarm, "the swarm was made anew");
        assert.equal(await docker("m4", ["info", "-f", "{{.Swarm.Cluster.ID}}"]), before.swarm, "m4 joined another swarm");
        assert.equal(await docker("m2", ["network", "inspect", "-f", "{{.Id}}", "net1"]), before.net1, "net1 was re-created");
        assert.equal(await changes.identity("m2", "c1"), before.c1, "c1 was re-created or restarted");
        assert.equal(await changes.identity("w1", "c2"), before.c2, "c2 was re-created or restarted");
        await changes.checkPasses(2);

        const again = await lab<UpJson>("preview", changes.current);
        assert.equal(again.code, 0, describeRun(again));
        assert.deepEqual({ ...again.json?.changes, same: 0 }, { same: 0, create: 0, update: 0, replace: 0, delete: 0 }, describeRun(again));
    });

    it("a new data path port is a new swarm: every other node leaves the old one first, net1, c1 and c2 are made again in the new one, all four nodes in it", async function () {
        const before = {
            swarm: await docker("m2", ["info", "-f", "{{.Swarm.Cluster.ID}}"]),
            net1: await docker("m2", ["network", "inspect", "-f", "{{.Id}}", "net1"]),
            c1: await changes.identity("m2", "c1"),
        };
        const up = await changes.apply(changes.variant((y) => y.replace("    mode: swarm\n", "    mode: swarm\n    swarm:\n      dataPathPort: 4790\n")));
        for (const replaced of [
            "command:local:Command swarm-spec",
            "command:local:Command swarm-init",
            "docker:index/network:Network net1-network",
            "docker:index/container:Container c1-container",
            "docker:index/container:Container c2-container",
        ]) {
            assert.ok(stepsOf(up, "replace").includes(replaced), `${replaced}: ${stepsOf(up, "replace").join(", ")}`);
        }
        assert.deepEqual(stepsOf(up, "delete"), []);
        const swarm = await docker("m2", ["info", "-f", "{{.Swarm.Cluster.ID}}"]);
        assert.notEqual(swarm, before.swarm, "the same swarm: its data path port cannot change");
        assert.equal(await docker("m2", ["info", "-f", "{{.Swarm.Cluster.DataPathPort}}"]), "4790");
        for (const host of ["m3", "m4"]) {
            assert.equal(await docker(host, ["info", "-f", "{{.Swarm.Cluster.ID}}"]), swarm, `${host} is in another swarm`);
        }
        const after = await nodes("m2");
        assert.deepEqual(
            after.map((l) => l.split(" ").slice(0, 2).join(" ")),
            ["m2 Ready", "m3 Ready", "m4 Ready", "w1 Ready"],
            after.join(" | "),
        );
        assert.equal(after.filter((l) => / (Leader|Reachable)$/.test(l)).length, 3, after.join(" | "));
        assert.notEqual(await docker("m2", ["network", "inspect", "-f", "{{.Id}}", "net1"]), before.net1);
        assert.notEqual(await changes.identity("m2", "c1"), before.c1);
        await changes.checkPasses(2);
        const again = await lab<UpJson>("preview", changes.current);
        assert.equal(again.code, 0, describeRun(again));
        assert.deepEqual({ ...again.json?.changes, same: 0 }, { same: 0, create: 0, update: 0, replace: 0, delete: 0 }, describeRun(again));
    });

    /** The swarm's cluster id, net1's id and c1's and c2's identities, through `via`. */
    async function kept(via: string) {
        return {
            swarm: await docker(via, ["info", "-f", "{{.Swarm.Cluster.ID}}"]),
            net1: await docker(via, ["network", "inspect", "-f", "{{.Id}}", "net1"]),
            c1: await changes.identity("m2", "c1"),
            c2: await changes.identity("w1", "c2"),
        };
    }

    /** Every node's id, hostname and role, through `via`, sorted. */
    async function roles(via: string): Promise<string[]> {
        const ids = (await docker(via, ["node", "ls", "-q"])).split("\n").filter((l) => l !== "");
        const out: string[] = [];
        for (const id of ids) {
            out.push(`${await docker(via, ["node", "inspect", "-f", "{{.Description.Hostname}} {{.Spec.Role}}", id])} ${id}`);
        }
        return out.sort();
    }

    it("the managers reordered (m3 first): swarm-init moves to m3, and m2, the first manager before, keeps its node; nothing on it touched", async function () {
        const before = { ...(await kept("m2")), nodes: await roles("m2") };
        const copy = changes.variant((y) =>
            y.replace(
                "    - name: m2\n      role: manager\n    - name: m3\n      role: manager\n",
                "    - name: m3\n      role: manager\n    - name: m2\n      role: manager\n",
            ),
        );
        const up = await changes.apply(copy);
        assert.ok(stepsOf(up, "replace").includes("command:local:Command swarm-init"), stepsOf(up, "replace").join(", "));
        const touched = (up.steps ?? []).filter((s) => s.op !== "same").map((s) => s.name);
        for (const same of ["net1-network", "c1-container", "c2-container"]) {
            assert.ok(!touched.includes(same), `${same} changed: ${touched.join(", ")}`);
        }
        // The same swarm: the spec's delete (which names the other nodes) is only updated.
        assert.ok(!stepsOf(up, "replace").includes("command:local:Command swarm-spec"), stepsOf(up, "replace").join(", "));
        // Before: swarm-init's delete made m2 leave; it joined again as a new node and c1 lost net1.
        assert.deepEqual({ ...(await kept("m3")), nodes: await roles("m3") }, before);
        await changes.checkPasses(2);
        const again = await lab<UpJson>("preview", changes.current);
        assert.deepEqual({ ...again.json?.changes, same: 0 }, { same: 0, create: 0, update: 0, replace: 0, delete: 0 }, describeRun(again));
    });

    it("a new manager put first (m5, with m4 removed): it joins the stack's swarm before swarm-init adopts it; no second swarm; m4's node gone, the rest kept", async function () {
        const before = { ...(await kept("m3")), nodes: await roles("m3") };
        const copy = changes.variant((y) =>
            y
                .replace("  docker-overlay:hosts:\n", "  docker-overlay:hosts:\n    - name: m5\n      role: manager\n")
                .replace("    - name: m4\n      role: manager\n", ""),
        );
        const up = await changes.apply(copy);
        assert.ok(stepsOf(up, "create").includes("command:local:Command swarm-join-m5"), stepsOf(up, "create").join(", "));
        assert.ok(stepsOf(up, "delete").includes("command:local:Command swarm-join-m4"), stepsOf(up, "delete").join(", "));
        const touched = (up.steps ?? []).filter((s) => s.op !== "same").map((s) => s.name);
        for (const same of ["net1-network", "c1-container", "c2-container"]) {
            assert.ok(!touched.includes(same), `${same} changed: ${touched.join(", ")}`);
        }
        // The same swarm: the spec's delete (which names the other nodes) is only updated.
        assert.ok(!stepsOf(up, "replace").includes("command:local:Command swarm-spec"), stepsOf(up, "replace").join(", "));
        const after = { ...(await kept("m5")), nodes: await roles("m5") };
        assert.deepEqual({ ...after, nodes: undefined }, { ...before, nodes: undefined }, "the swarm, net1, c1 or c2 is not the same");
        const m5 = after.nodes.filter((n) => n.startsWith("m5 "));
        assert.equal(m5.length, 1, after.nodes.join(" | "));
        assert.deepEqual(
            after.nodes.filter((n) => !n.startsWith("m5 ")),
            before.nodes.filter((n) => !n.startsWith("m4 ")),
            "m2, m3 and w1 keep their nodes, m4's is gone",
        );
        assert.match(m5[0], /^m5 manager /);
        const listed = await nodes("m2");
        assert.equal(listed.filter((l) => / (Leader|Reachable)$/.test(l)).length, 3, listed.join(" | "));
        await changes.checkPasses(2);
        const again = await lab<UpJson>("preview", changes.current);
        assert.deepEqual({ ...again.json?.changes, same: 0 }, { same: 0, create: 0, update: 0, replace: 0, delete: 0 }, describeRun(again));
    });

    it("comes down clean", async function () {
        await stack.downClean();
    });
});
