/**
 * Day 2 on a running cluster-store cluster (consul): `lab up` applies changes
 * the way the Pulumi engine does (lab/executor.ts), checked with the docker
 * CLI on every engine. tests/lab/stacks/Pulumi.t-day2.yaml (a manager and a
 * node, net1 with c1 and c2 on the two hosts) is brought up, then modified
 * copies of it (same stack name, in a temporary directory) are applied in turn:
 *  (a) a host d2-node2 and a container c3 placed on it: only their resources are
 *      created, its underlay probe among them (the check replaced, the cluster
 *      record updated, no other probe run again); c1 and c2 keep their ids and
 *      start times; the check passes;
 *  (b) net1's subnet changed: the network and its three containers replaced
 *      (delete-before-replace), the check passes on the new subnet, and no engine
 *      has the old network;
 *  (c) d2-node2 removed with c3 on it: c3 deleted before the host's engine, the
 *      host's namespace gone, nothing of it in the state; the check passes;
 *  (d) a second `up` with no change: 0 changes;
 *  (e) the store switched from consul to etcd: the KV machine and every engine
 *      replaced, consul's cluster record deleted while consul still answered (the
 *      record's pathPrefix goes through the KV machine, so the engine deletes it in
 *      the machine's replacement chain; it used to be left for the end and fail
 *      ECONNREFUSED), every engine on etcd, the check passes;
 *  (f) net1 renamed to front with `renamedFrom: net1`, its subnet kept: the network
 *      (its resources taking the old ones by alias) and its containers replaced
 *      delete-before-replace, nothing created or deleted beside them; the check
 *      passes on front, and a second `up` is 0 changes;
 *  (g) a host's labels set, then removed: the labels command updated each time,
 *      nothing else; the engine lists them (then none) with the same engine ID,
 *      c1 on it neither re-created nor restarted; the check passes;
 *  (h) two unconstrained containers added, then a host with a third: the host's and the
 *      new container's resources created, nothing else (spread afresh, one of the first
 *      two would have moved to the new host); the host removed again: only the container
 *      on it moves; the others keep their ids and start times; the check passes.
 * The stack is taken down in the after hook, also when a test failed.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { containerOn, freeContainer, StackChanges, stepsOf } from "./support/changes";
import { describeRun, DOCKER_BIN, lab, LabStack, run, STACKS, statePathOf, UpJson } from "./support/lab";

const HOSTS_BEFORE = ["d2-manager", "d2-node1"];

/** What adding d2-node2 with c3 on it creates, and removing them deletes (sorted). */
const NODE2_AND_C3 = [
    "command:local:Command d2-node2-engine",
    "command:local:Command d2-node2-engine-config",
    "docker-overlay:container:PlacedContainer c3",
    "docker-overlay:host:DockerHost d2-node2",
    "docker:index/container:Container c3-container",
    "docker:index/remoteImage:RemoteImage c3-image",
    "pulumi:providers:docker d2-node2",
];
/** The added host's underlay probe: its pairs with the hosts before it (components/underlayProbe.ts, lib/plan/probes.ts probeOwners). */
const NODE2_PROBES = ["command:local:Command underlay-probe-d2-node2"];

describe("lab: day-2 changes applied to a running cluster (t-day2)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-day2.yaml"));
    const changes = new StackChanges(stack);

    changes.runningStack(2);

    /** Global scope: every engine sees exactly one overlay, `name` on 10.0.7.0/24, not the one whose id was `oldId`. */
    async function onlyOverlay(hosts: readonly string[], name: string, oldId: string): Promise<void> {
        for (const host of hosts) {
            const ls = await stack.docker(host, ["network", "ls", "--no-trunc", "--filter", "driver=overlay", "--format", "{{.Name}} {{.ID}}"]);
            assert.equal(ls.code, 0, describeRun(ls));
            const nets = ls.stdout.trim().split("\n");
            assert.equal(nets.length, 1, `${host}: ${ls.stdout}`);
            const [seen, id] = nets[0].split(" ");
            assert.equal(seen, name, `${host}: ${ls.stdout}`);
            assert.notEqual(id, oldId, `${host} still has the old network`);
            const subnet = await stack.docker(host, ["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", name]);
            assert.equal(subnet.stdout.trim(), "10.0.7.0/24", `${host}: ${describeRun(subnet)}`);
        }
    }

    it("(a) adds a host and a container on it: only their resources created, c1 and c2 untouched, the check passes", async function () {
        const before = { c1: await changes.identity("d2-node1", "c1"), c2: await changes.identity("d2-manager", "c2") };
        const copy = changes.variant(
            (y) => y.replace("    - name: d2-node1\n", "    - name: d2-node1\n    - name: d2-node2\n") + containerOn("c3", "d2-node2"),
        );
        const up = await changes.apply(copy);
        assert.deepEqual(stepsOf(up, "create"), [...NODE2_AND_C3, ...NODE2_PROBES].sort());
        // The check's triggers are the containers' ids: it runs again, as a replacement. The other hosts'
        // probes stay: the new pairs are all the new host's.
        assert.deepEqual(stepsOf(up, "replace"), ["command:local:Command connectivity-ping"]);
        assert.deepEqual(stepsOf(up, "update"), ["consul:index/keyPrefix:KeyPrefix cluster-record-keys"]);
        assert.deepEqual(stepsOf(up, "delete"), []);
        assert.equal(up.changes?.create, 8);
        assert.equal(await changes.identity("d2-node1", "c1"), before.c1, "c1 was re-created or restarted");
        assert.equal(await changes.identity("d2-manager", "c2"), before.c2, "c2 was re-created or restarted");
        assert.equal(await stack.hostOf("c3"), "d2-node2");
        await changes.checkPasses(6);
    });

    it("(b) changes net1's subnet: the network and its containers replaced, the check passes on it, no old network on any engine", async function () {
        const hosts = [...HOSTS_BEFORE, "d2-node2"];
        const oldId = (await stack.docker("d2-manager", ["network", "inspect", "-f", "{{.Id}}", "net1"])).stdout.trim();
        assert.match(oldId, /^[0-9a-f]{64}$/);
        const up = await changes.apply(changes.variant((y) => y.replace("subnet: 10.0.0.0/24", "subnet: 10.0.7.0/24")));
        assert.deepEqual(stepsOf(up, "replace"), [
            "command:local:Command connectivity-ping",
            "docker:index/container:Container c1-container",
            "docker:index/container:Container c2-container",
            "docker:index/container:Container c3-container",
            "docker:index/network:Network net1-network",
        ]);
        assert.deepEqual(stepsOf(up, "create"), []);
        assert.deepEqual(stepsOf(up, "delete"), []);
        await onlyOverlay(hosts, "net1", oldId);
        for (const c of ["c1", "c2", "c3"]) {
            assert.match(await stack.ipOf(c, "net1"), /^10\.0\.7\.\d+$/, c);
        }
        const check = await changes.checkPasses(6);
        assert.ok(
            check.pairs.every((p) => p.ips.length > 0 && p.ips.every((ip) => /^10\.0\.7\./.test(ip))),
            JSON.stringify(check.pairs),
        );
    });

    it("(c) removes the host with c3 on it: c3 deleted before the host, the host gone, nothing of it left", async function () {
        const node2 = await stack.host("d2-node2");
        const copy = changes.variant((y) => y.replace("    - name: d2-node2\n", "").replace(/ {4}- name: c3\n[\s\S]*$/, ""));
        const up = await changes.apply(copy);
        const deletes = (up.steps ?? []).filter((s) => s.op === "delete").map((s) => `${s.type} ${s.name}`);
        assert.deepEqual([...deletes].sort(), [...NODE2_AND_C3, ...NODE2_PROBES].sort());
        const at = (x: string) => deletes.indexOf(x);
        assert.ok(at("docker:index/container:Container c3-container") < at("command:local:Command d2-node2-engine"), deletes.join(", "));
        assert.deepEqual(stepsOf(up, "create"), []);
        // The last host removed: no other probe paired with it.
        assert.deepEqual(stepsOf(up, "replace"), ["command:local:Command connectivity-ping"]);
        // The machine is gone: its namespace, and its engine's socket.
        const netns = await run("ip", ["netns", "list"]);
        assert.doesNotMatch(netns.stdout, new RegExp(`^dovl-${stack.stack}-d2-node2-`, "m"), netns.stdout);
        assert.match(netns.stdout, new RegExp(`^dovl-${stack.stack}-d2-node1-`, "m"), netns.stdout);
        const gone = await run(DOCKER_BIN, ["-H", node2.dockerHost, "version"], { timeoutMs: 20_000 });
        assert.notEqual(gone.code, 0, describeRun(gone));
        const state = JSON.parse(fs.readFileSync(statePathOf(stack.info), "utf8")) as { status: string; resources: { name: string }[] };
        assert.equal(state.status, "succeeded");
        assert.deepEqual(
            state.resources.filter((r) => /^(d2-node2|c3)/.test(r.name)),
            [],
        );
        for (const host of HOSTS_BEFORE) {
            const ps = await stack.docker(host, ["ps", "-a", "--format", "{{.Names}}"]);
            assert.doesNotMatch(ps.stdout, /^c3$/m, `${host}: ${ps.stdout}`);
        }
        await changes.checkPasses(2);
    });

    it("(d) a second `up` with no change is 0 changes", async function () {
        const r = await lab<UpJson>("up", changes.current);
        assert.equal(r.code, 0, describeRun(r));
        assert.equal(r.json?.noop, true, describeRun(r));
        assert.deepEqual(r.json?.changes && { ...r.json.changes, same: 0 }, { same: 0, create: 0, update: 0, replace: 0, delete: 0 });
    });

    it("(e) switches the store from consul to etcd: the record deleted while consul still answers, every engine on etcd", async function () {
        const up = await changes.apply(changes.variant((y) => y.replace("    backend: consul\n", "    backend: etcd\n")));
        // The record went in kvstore-machine's replacement chain (before the machine's delete), so the
        // deletes left for the end are its provider and component only; nothing of it is in the state.
        assert.deepEqual(stepsOf(up, "delete"), ["docker-overlay:kv:ClusterRecord cluster-record", "pulumi:providers:consul cluster-record-consul"]);
        const state = JSON.parse(fs.readFileSync(statePathOf(stack.info), "utf8")) as { resources: { name: string }[] };
        assert.deepEqual(
            state.resources.filter((r) => r.name.startsWith("cluster-record")).map((r) => r.name),
            [],
        );
        const replaced = stepsOf(up, "replace");
        for (const r of ["command:local:Command kvstore-machine", ...HOSTS_BEFORE.map((h) => `command:local:Command ${h}-engine`)]) {
            assert.ok(replaced.includes(r), `${r} not replaced: ${replaced.join(", ")}`);
        }
        for (const host of HOSTS_BEFORE) {
            const info = await stack.docker(host, ["info", "--format", "{{.ClusterStore}}"]);
            assert.equal(info.code, 0, describeRun(info));
            assert.match(info.stdout.trim(), /^etcd:\/\/10\.180\.48\.2:2379$/, host);
        }
        await changes.checkPasses(2);
    });

    it("(f) renames net1 to front with renamedFrom, keeping its subnet: one delete-before-replace, no network created beside it, the check passes on front", async function () {
        const oldId = (await stack.docker("d2-manager", ["network", "inspect", "-f", "{{.Id}}", "net1"])).stdout.trim();
        assert.match(oldId, /^[0-9a-f]{64}$/);
        const up = await changes.apply(
            changes.variant((y) =>
                y.replace("    - name: net1\n", "    - name: front\n      renamedFrom: net1\n").replace(/networks: \[net1\]/g, "networks: [front]"),
            ),
        );
        // The component and its network take their old resources by alias (the child's inherited):
        // nothing of net1 is deleted at the end, nothing created beside it.
        assert.deepEqual(stepsOf(up, "create"), []);
        assert.deepEqual(stepsOf(up, "delete"), []);
        assert.deepEqual(stepsOf(up, "replace"), [
            "command:local:Command connectivity-ping",
            "docker:index/container:Container c1-container",
            "docker:index/container:Container c2-container",
            "docker:index/network:Network front-network",
        ]);
        // Created beside net1 (no alias), front would have failed: `Pool overlaps with other one on this address space`.
        await onlyOverlay(HOSTS_BEFORE, "front", oldId);
        for (const c of ["c1", "c2"]) {
            assert.match(await stack.ipOf(c, "front"), /^10\.0\.7\.\d+$/, c);
        }
        await changes.checkPasses(2);
        // Applied, the alias changes nothing: a second `up` is 0 changes.
        const again = await lab<UpJson>("up", changes.current);
        assert.equal(again.code, 0, describeRun(again));
        assert.equal(again.json?.noop, true, describeRun(again));
    });

    it("(g) sets a host's labels, then removes them: the engine reloads them in place, the same engine and containers, the check passes", async function () {
        const labels = async () =>
            (await stack.docker("d2-node1", ["info", "--format", "{{range .Labels}}{{println .}}{{end}}"])).stdout.trim().split("\n").filter(Boolean).sort();
        const engineId = async () => (await stack.docker("d2-node1", ["info", "--format", "{{.ID}}"])).stdout.trim();
        const touched = (up: UpJson) => (up.steps ?? []).filter((st) => st.op !== "same").map((st) => `${st.op} ${st.type} ${st.name}`);
        const before = { engine: await engineId(), c1: await changes.identity("d2-node1", "c1") };
        assert.deepEqual(await labels(), []);
        // The store is etcd since (e): no cluster record to update; the labels command alone changes.
        const set = await changes.apply(
            changes.variant((y) => y.replace("    - name: d2-node1\n", "    - name: d2-node1\n      labels: { zone: b, disk: ssd }\n")),
        );
        assert.deepEqual(touched(set), ["update command:local:Command d2-node1-engine-config"]);
        assert.deepEqual(await labels(), ["disk=ssd", "zone=b"]);
        const unset = await changes.apply(changes.variant((y) => y.replace("      labels: { zone: b, disk: ssd }\n", "")));
        assert.deepEqual(touched(unset), ["update command:local:Command d2-node1-engine-config"]);
        // Removed from the file, a key dockerd's reload would keep: the script writes an empty list.
        assert.deepEqual(await labels(), []);
        assert.equal(await engineId(), before.engine, "the engine was made again");
        assert.equal(await changes.identity("d2-node1", "c1"), before.c1, "c1 was re-created or restarted");
        await changes.checkPasses(2);
    });

    it("(h) unconstrained containers stay where they run: a host added takes none of them, and removing it moves only its own", async function () {
        const free = (name: string) => freeContainer(name, "front");
        const pinned = await changes.keep({ c1: "d2-node1", c2: "d2-manager" });
        // Spread around c1 and c2 (one each): c4 to d2-manager (the tie goes to the name first), c5 to d2-node1.
        await changes.apply(changes.variant((y) => y + free("c4") + free("c5")));
        assert.deepEqual([await stack.hostOf("c4"), await stack.hostOf("c5")], ["d2-manager", "d2-node1"]);
        await pinned();
        const unmoved = await changes.keep({ c1: "d2-node1", c2: "d2-manager", c4: "d2-manager", c5: "d2-node1" });
        // A third host with c6. Spread afresh from the config, c4 would move to it (d2-node3 has none)
        // and c6 go to d2-manager; the stack's placements are kept, so only c6 goes there.
        const added = await changes.apply(
            changes.variant((y) => y.replace("    - name: d2-node1\n", "    - name: d2-node1\n    - name: d2-node3\n") + free("c6")),
        );
        assert.deepEqual(stepsOf(added, "create"), [
            "command:local:Command d2-node3-engine",
            "command:local:Command d2-node3-engine-config",
            "command:local:Command underlay-probe-d2-node3",
            "docker-overlay:container:PlacedContainer c6",
            "docker-overlay:host:DockerHost d2-node3",
            "docker:index/container:Container c6-container",
            "docker:index/remoteImage:RemoteImage c6-image",
            "pulumi:providers:docker d2-node3",
        ]);
        assert.deepEqual(stepsOf(added, "replace"), ["command:local:Command connectivity-ping"]);
        assert.deepEqual([...stepsOf(added, "update"), ...stepsOf(added, "delete")], []);
        assert.equal(await stack.hostOf("c6"), "d2-node3");
        await unmoved();
        // d2-node3 removed: c6 alone moves, to the least loaded host left (a tie of two each: d2-manager).
        const removed = await changes.apply(changes.variant((y) => y.replace("    - name: d2-node3\n", "")));
        assert.deepEqual(stepsOf(removed, "replace"), [
            "command:local:Command connectivity-ping",
            "docker:index/container:Container c6-container",
            "docker:index/remoteImage:RemoteImage c6-image",
        ]);
        assert.ok(
            stepsOf(removed, "delete").every((d) => d.includes("d2-node3")),
            stepsOf(removed, "delete").join("\n"),
        );
        assert.equal(await stack.hostOf("c6"), "d2-manager");
        await unmoved();
        await changes.checkPasses(20);
    });

    it("comes down clean", async function () {
        await stack.downClean();
    });
});
