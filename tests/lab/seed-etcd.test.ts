/**
 * Scenario b: the seed with etcd as the cluster store
 * (tests/lab/stacks/Pulumi.t-etcd.yaml: the dev stack with kvStore.backend
 * etcd, on its own bridge and underlay). Modelled on libnetwork's legacy
 * overlay test with etcd: ping across hosts by IP and by name, and every engine
 * registered under docker/nodes (etcd's v2 API, the one libkv speaks).
 */
import * as assert from "assert";
import * as path from "path";
import "./support/root-hooks";
import { kvGet, kvHttp, LabStack, STACKS, UpJson } from "./support/lab";
import { inSubnet } from "./support/net";

interface EtcdNode {
    key: string;
    dir?: boolean;
    nodes?: EtcdNode[];
}

describe("lab: the seed with etcd (Pulumi.t-etcd.yaml)", function () {
    const etcd = new LabStack(path.join(STACKS, "Pulumi.t-etcd.yaml"));
    let up: UpJson;

    before(async function () {
        up = await etcd.upOk();
    });

    after(async function () {
        await etcd.teardown();
    });

    it("comes up with the program's own connectivity check passing", function () {
        assert.deepStrictEqual(
            up.resources.filter((r) => r.status !== "created"),
            [],
        );
        assert.deepStrictEqual(up.exports?.["kv"], { backend: "etcd", url: "etcd://10.180.1.2:2379" });
        assert.strictEqual(up.exports?.["connectivity"]?.failed, 0);
        assert.strictEqual(up.exports?.["connectivity"]?.passed, 2);
        // The program records itself in consul only.
        assert.strictEqual(up.exports?.["registeredEngines"], null);
    });

    it("c1 (swarm-node2) and c2 (swarm-node1) ping each other on net1 by IP and by name", async function () {
        assert.strictEqual(await etcd.hostOf("c1"), "swarm-node2");
        assert.strictEqual(await etcd.hostOf("c2"), "swarm-node1");
        const ips = { c1: await etcd.ipOf("c1", "net1"), c2: await etcd.ipOf("c2", "net1") };
        for (const ip of Object.values(ips)) {
            assert.ok(inSubnet(ip, "10.0.0.0/24"), ip);
        }
        for (const [from, to] of [
            ["c1", "c2"],
            ["c2", "c1"],
        ] as const) {
            const byIp = await etcd.ping(from, ips[to]);
            assert.ok(byIp.ok, `${from} -> ${to} (${ips[to]}): ${byIp.output}`);
            const byName = await etcd.ping(from, to);
            assert.ok(byName.ok, `${from} -> ${to} by name: ${byName.output}`);
            assert.strictEqual(byName.resolved, ips[to]);
        }
        const check = await etcd.check();
        assert.strictEqual(check.code, 0, check.stdout + check.stderr);
    });

    it("registers every engine under docker/nodes in etcd (v2 API)", async function () {
        const status = await etcd.status();
        assert.strictEqual(status.kv.backend, "etcd");
        const r = await kvGet<{ node?: EtcdNode }>(`${kvHttp(status.kv.url)}/v2/keys/docker/nodes`);
        assert.strictEqual(r.status, 200, JSON.stringify(r.body));
        const registered = (r.body?.node?.nodes ?? []).map((n) => n.key.replace(/^\/docker\/nodes\//, "")).sort();
        const expected = status.hosts.map((h) => `${h.address}:2376`).sort();
        assert.strictEqual(expected.length, 3);
        assert.deepStrictEqual(registered, expected);
    });

    it("`down` removes everything: lab-clean finds nothing of the stack", async function () {
        await etcd.downClean();
    });
});
