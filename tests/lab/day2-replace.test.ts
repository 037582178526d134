/**
 * Day 2 in swarm mode: a worker's machine replaced under a running swarm
 * (tests/lab/stacks/Pulumi.t-replace.yaml: a manager and a labelled worker, net1
 * with c1 and c2 on the two hosts). A new `hosts[].address` for the worker
 * changes its netns machine's create, so the machine is replaced
 * (delete-before-replace) and what lived on it goes first and comes back on the
 * new engine. Before, the swarm's commands were not told: the join stayed as it
 * was, the new engine was in no swarm, and c1 could not start on it. Now the
 * join, the labels and the availability carry their machine's id in their
 * environment (components/swarm.ts): an update runs them again, so the new
 * engine joins, the node the old machine left is removed, and the labels are set
 * on the new node. Checked with the docker CLI: the same swarm, exactly the two
 * nodes Ready, the label on the new node, c1 running again on the new engine,
 * c2 untouched, the check passes. Then c1 replaced in place and c1 and c2 swapping
 * hosts, each the last container on its host's overlay (the settle waits out the
 * engine's teardown of its copy before the new start). Then every machine at once (a `driver.images`
 * entry): the manager's machine's delete-before-replace chain removes the
 * containers and the overlay while the worker's engine still runs (the worker's
 * machine starts after the manager's: lib/engine/startOrder.ts), a new swarm
 * forms with both nodes, the check passes; then a second `up` is 0 changes.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import "./support/root-hooks";
import { StackChanges, stepsOf } from "./support/changes";
import { describeRun, lab, LabStack, STACKS, UpJson } from "./support/lab";

describe("lab: every machine replaced under a running swarm (t-replace)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-replace.yaml"));
    const changes = new StackChanges(stack);

    const docker = (host: string, args: string[]) => stack.dockerOut(host, args);

    /** `docker node ls` on the manager: `<hostname> <status> [<manager status>]`, sorted. */
    const nodes = async () =>
        (await docker("rp-manager", ["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"]))
            .split("\n")
            .map((l) => l.trim())
            .sort();

    /** Each of `names` (`<type> <name>`) among the up's replacements. */
    const assertReplaced = (up: UpJson, names: string[]) => {
        const replaced = stepsOf(up, "replace");
        for (const r of names) {
            assert.ok(replaced.includes(r), `${r} not replaced: ${replaced.join(", ")}`);
        }
    };

    changes.runningStack(2);

    it("replaces the worker's machine: it joins the same swarm again, its old node removed, its label set again, c1 back on it, the check passes", async function () {
        const before = {
            swarm: await docker("rp-manager", ["info", "-f", "{{.Swarm.Cluster.ID}}"]),
            node: await docker("rp-node1", ["info", "-f", "{{.Swarm.NodeID}}"]),
            c1: await changes.identity("rp-node1", "c1"),
            c2: await changes.identity("rp-manager", "c2"),
        };
        const up = await changes.apply(changes.variant((y) => y.replace("    - name: rp-node1\n", "    - name: rp-node1\n      address: 10.180.71.20\n")));
        assertReplaced(up, [
            "command:local:Command rp-node1-engine",
            "docker:index/container:Container c1-container",
            "docker:index/remoteImage:RemoteImage c1-image",
        ]);
        const replaced = stepsOf(up, "replace");
        assert.ok(
            !replaced.includes("docker:index/network:Network net1-network") && !replaced.includes("docker:index/container:Container c2-container"),
            replaced.join(", "),
        );
        const updated = stepsOf(up, "update");
        for (const r of ["command:local:Command swarm-join-rp-node1", "command:local:Command swarm-labels-rp-node1"]) {
            assert.ok(updated.includes(r), `${r} not updated: ${updated.join(", ")}`);
        }
        assert.equal(await docker("rp-manager", ["info", "-f", "{{.Swarm.Cluster.ID}}"]), before.swarm, "the same swarm");
        assert.notEqual(await docker("rp-node1", ["info", "-f", "{{.Swarm.NodeID}}"]), before.node, "a new node for the new engine");
        assert.deepEqual(await nodes(), ["rp-manager Ready Leader", "rp-node1 Ready"]);
        assert.equal(await docker("rp-manager", ["node", "inspect", "rp-node1", "-f", "{{json .Spec.Labels}}"]), '{"zone":"b"}');
        assert.notEqual(await changes.identity("rp-node1", "c1"), before.c1);
        assert.equal(await changes.identity("rp-manager", "c2"), before.c2, "c2 was re-created or restarted");
        await changes.checkPasses(2);
    });

    it("replaces c1 in place, alone on its host's overlay (a new command): its settle waits out the overlay's teardown there, and it starts", async function () {
        // Before the settle, the start met Docker's own race: "network <id> not found" (1 of 1 here).
        const before = { c1: await changes.identity("rp-node1", "c1"), c2: await changes.identity("rp-manager", "c2") };
        const up = await changes.apply(
            changes.variant((y) =>
                y.replace(
                    '    - name: c1\n      image: busybox:latest\n      command: ["top"]',
                    '    - name: c1\n      image: busybox:latest\n      command: ["sleep", "100000"]',
                ),
            ),
        );
        assert.deepEqual(
            stepsOf(up, "replace").filter((r) => !r.endsWith("connectivity-ping")),
            ["command:local:Command c1-settle", "docker:index/container:Container c1-container"],
        );
        assert.notEqual(await changes.identity("rp-node1", "c1"), before.c1);
        assert.equal(await changes.identity("rp-manager", "c2"), before.c2, "c2 was re-created or restarted");
        assert.equal(await docker("rp-node1", ["inspect", "-f", "{{json .Config.Cmd}}", "c1"]), '["sleep","100000"]');
        await changes.checkPasses(2);
    });

    it("swaps c1 and c2 between the hosts, each the last on its old host's overlay: both start on their new host, the check passes", async function () {
        const up = await changes.apply(
            changes.variant((y) =>
                y
                    .replace('constraints: ["node==rp-node1"]', 'constraints: ["node==SWAP"]')
                    .replace('constraints: ["node==rp-manager"]', 'constraints: ["node==rp-node1"]')
                    .replace("node==SWAP", "node==rp-manager"),
            ),
        );
        assertReplaced(up, [
            "command:local:Command c1-settle",
            "command:local:Command c2-settle",
            "docker:index/container:Container c1-container",
            "docker:index/container:Container c2-container",
        ]);
        assert.equal(await docker("rp-manager", ["ps", "--format", "{{.Names}}"]), "c1");
        assert.equal(await docker("rp-node1", ["ps", "--format", "{{.Names}}"]), "c2");
        await changes.checkPasses(2);
    });

    it("replaces every machine at once (a driver.images entry): the containers and the overlay go while every engine still runs, a new swarm forms, the check passes", async function () {
        // Before lib/engine/startOrder.ts, the worker's machine went in its own delete-before-replace
        // chain beside the manager's, and the overlay's delete failed `in use by task` (2 of 3 runs).
        const engines = {
            manager: await docker("rp-manager", ["info", "-f", "{{.ID}}"]),
            node: await docker("rp-node1", ["info", "-f", "{{.ID}}"]),
        };
        const up = await changes.apply(
            changes.variant((y) =>
                y.replace(
                    "        rootfs: /var/lib/docker-overlay/images/busybox-rootfs.tar\n",
                    "        rootfs: /var/lib/docker-overlay/images/busybox-rootfs.tar\n      - name: busybox:again\n        rootfs: /var/lib/docker-overlay/images/busybox-rootfs.tar\n",
                ),
            ),
        );
        assertReplaced(up, [
            "command:local:Command rp-manager-engine",
            "command:local:Command rp-node1-engine",
            "docker:index/network:Network net1-network",
            "docker:index/container:Container c1-container",
            "docker:index/container:Container c2-container",
        ]);
        assert.notEqual(await docker("rp-manager", ["info", "-f", "{{.ID}}"]), engines.manager, "a new engine on the manager");
        assert.notEqual(await docker("rp-node1", ["info", "-f", "{{.ID}}"]), engines.node, "a new engine on the worker");
        assert.deepEqual(await nodes(), ["rp-manager Ready Leader", "rp-node1 Ready"]);
        assert.equal(await docker("rp-node1", ["image", "inspect", "-f", "{{.Id}}", "busybox:again"]).then((id) => id.startsWith("sha256:")), true);
        await changes.checkPasses(2);
    });

    it("a second `up` with no change is 0 changes", async function () {
        const again = await lab<UpJson>("up", changes.current);
        assert.equal(again.code, 0, describeRun(again));
        assert.deepEqual(
            (again.json?.steps ?? []).filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`),
            [],
        );
    });

    it("comes down clean", async function () {
        await stack.downClean();
    });
});
