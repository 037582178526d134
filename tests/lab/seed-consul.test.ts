/**
 * Scenario a: the seed for real. Pulumi.dev.yaml itself (consul on its own
 * machine, swarm-manager, swarm-node1, swarm-node2, net1 on 10.0.0.0/24, c1 on
 * swarm-node2, c2 on swarm-node1) brought up on real engines, then taken down.
 * Modelled on libnetwork's legacy multi-host overlay test with consul.
 *
 * The dev stack (bridge dovl0, underlay 10.199.0.0/24) may be someone else's:
 * when it is already up, this file fails without touching it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { kvGet, kvHttp, LabStack, REPO, UpJson } from "./support/lab";
import { inSubnet } from "./support/net";

describe("lab: the seed (Pulumi.dev.yaml, consul)", function () {
    const dev = new LabStack(path.join(REPO, "Pulumi.dev.yaml"));
    let up: UpJson;
    // dockerd's default identity file on the machine running the lab, before `up`.
    const SYSTEM_KEY = "/etc/docker/key.json";
    let systemKeyBefore: string | undefined;

    before(async function () {
        systemKeyBefore = fs.existsSync(SYSTEM_KEY) ? `${fs.statSync(SYSTEM_KEY).mtimeMs}` : undefined;
        up = await dev.upOk();
    });

    after(async function () {
        await dev.teardown();
    });

    it("comes up with every resource created and the program's own connectivity check passing", function () {
        const failed = up.resources.filter((r) => r.status !== "created");
        assert.deepStrictEqual(failed, [], "resources not created");
        const types = up.resources.map((r) => r.type);
        assert.strictEqual(types.filter((t) => t === "docker:index/container:Container").length, 2);
        assert.strictEqual(types.filter((t) => t === "docker:index/network:Network").length, 1);
        const connectivity = up.exports?.["connectivity"];
        assert.ok(connectivity, "no connectivity export");
        assert.strictEqual(connectivity.failed, 0, JSON.stringify(connectivity));
        assert.strictEqual(connectivity.passed, 2, JSON.stringify(connectivity));
    });

    it("places c1 on swarm-node2 and c2 on swarm-node1, as constrained", async function () {
        const status = await dev.status();
        assert.deepStrictEqual(status.containers.map((c) => [c.name, c.host]).sort(), [
            ["c1", "swarm-node2"],
            ["c2", "swarm-node1"],
        ]);
        // The engines agree: each container runs on its host, and on no other.
        assert.deepStrictEqual(status.hosts.map((h) => h.name).sort(), ["swarm-manager", "swarm-node1", "swarm-node2"]);
        for (const host of status.hosts) {
            const ps = await dev.docker(host.name, ["ps", "--format", "{{.Names}}"]);
            assert.strictEqual(ps.code, 0, ps.stderr);
            const names = ps.stdout
                .split("\n")
                .filter((n) => n !== "")
                .sort();
            const expected = status.containers.filter((c) => c.host === host.name).map((c) => c.name);
            assert.deepStrictEqual(names, expected, `containers running on ${host.name}`);
        }
    });

    it("`lab check` passes: c1 <-> c2 by IP and by name", async function () {
        const r = await dev.check();
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.ok(r.json);
        assert.strictEqual(r.json.failed, 0);
        assert.strictEqual(r.json.pairs.length, 2);
        for (const p of r.json.pairs) {
            assert.ok(p.expect === "reach" && p.byIp && p.byName, JSON.stringify(p));
        }
    });

    it("c1 (swarm-node2) and c2 (swarm-node1) have addresses in net1's 10.0.0.0/24 and ping each other by IP and by name", async function () {
        const ip1 = await dev.ipOf("c1", "net1");
        const ip2 = await dev.ipOf("c2", "net1");
        assert.ok(inSubnet(ip1, "10.0.0.0/24"), `c1 has ${ip1}`);
        assert.ok(inSubnet(ip2, "10.0.0.0/24"), `c2 has ${ip2}`);
        assert.notStrictEqual(ip1, ip2);
        for (const [from, to, ip] of [
            ["c1", "c2", ip2],
            ["c2", "c1", ip1],
        ]) {
            const byIp = await dev.ping(from, ip);
            assert.ok(byIp.ok, `${from} -> ${to} by IP ${ip}: ${byIp.output}`);
            const byName = await dev.ping(from, to);
            assert.ok(byName.ok, `${from} -> ${to} by name: ${byName.output}`);
            assert.strictEqual(byName.resolved, ip, `${to} resolves to ${byName.resolved} in ${from}, not to its address ${ip}`);
        }
    });

    it("registers every engine under docker/nodes in consul, and the program's registeredEngines export says the same", async function () {
        const status = await dev.status();
        assert.strictEqual(status.kv.backend, "consul");
        const base = kvHttp(status.kv.url);
        const r = await kvGet<string[]>(`${base}/v1/kv/docker/nodes/?keys`);
        assert.strictEqual(r.status, 200);
        const registered = (r.body ?? [])
            .filter((k) => k !== "docker/nodes/")
            .map((k) => k.replace(/^docker\/nodes\//, ""))
            .sort();
        const expected = status.hosts.map((h) => `${h.address}:2376`).sort();
        assert.strictEqual(expected.length, 3);
        assert.deepStrictEqual(registered, expected);
        assert.deepStrictEqual(up.exports?.["registeredEngines"], expected);
    });

    it("records the cluster under docker-overlay/dev/ in consul", async function () {
        const status = await dev.status();
        const r = await kvGet<{ Key: string; Value: string | null }[]>(`${kvHttp(status.kv.url)}/v1/kv/docker-overlay/dev/?recurse`);
        assert.strictEqual(r.status, 200);
        const record = Object.fromEntries(
            (r.body ?? []).map((e) => [e.Key.replace(/^docker-overlay\/dev\//, ""), JSON.parse(Buffer.from(e.Value ?? "", "base64").toString("utf8"))]),
        );
        assert.deepStrictEqual(Object.keys(record).sort(), [
            "containers/c1",
            "containers/c2",
            "hosts/swarm-manager",
            "hosts/swarm-node1",
            "hosts/swarm-node2",
            "networks/net1",
        ]);
        assert.deepStrictEqual(record["containers/c1"], { host: "swarm-node2", networks: ["net1"] });
        assert.deepStrictEqual(record["containers/c2"], { host: "swarm-node1", networks: ["net1"] });
        assert.deepStrictEqual(status.hosts.map((h) => h.name).sort(), ["swarm-manager", "swarm-node1", "swarm-node2"]);
        for (const h of status.hosts) {
            assert.strictEqual(record[`hosts/${h.name}`].address, h.address);
        }
        assert.strictEqual(record["hosts/swarm-manager"].role, "manager");
        assert.strictEqual(record["networks/net1"].subnet, "10.0.0.0/24");
    });

    it("gives every engine its own identity, kept in its own state directory and not in the machine's /etc/docker", async function () {
        const status = await dev.status();
        const ids = new Map<string, string>();
        assert.deepStrictEqual(status.hosts.map((h) => h.name).sort(), ["swarm-manager", "swarm-node1", "swarm-node2"]);
        for (const h of status.hosts) {
            const info = await dev.docker(h.name, ["info", "--format", "{{.ID}}"]);
            assert.strictEqual(info.code, 0, info.stderr);
            const id = info.stdout.trim();
            assert.match(id, /^[A-Z0-9]{4}(:[A-Z0-9]{4}){11}$/, `${h.name}: engine ID ${id}`);
            assert.ok(!ids.has(id), `${h.name} has the engine ID of ${ids.get(id)}: ${id}`);
            ids.set(id, h.name);
            assert.ok(fs.existsSync(path.join(dev.info.stateDir, h.name, "key.json")), `${h.name}: no key.json in its state directory`);
        }
        assert.strictEqual(ids.size, 3);
        const after = fs.existsSync(SYSTEM_KEY) ? `${fs.statSync(SYSTEM_KEY).mtimeMs}` : undefined;
        assert.strictEqual(after, systemKeyBefore, `${SYSTEM_KEY} was written by the lab's engines`);
    });

    it("`down` removes everything: lab-clean finds nothing of the dev stack", async function () {
        const r = await dev.downClean();
        assert.ok(r.json?.ok);
        assert.deepStrictEqual(r.json?.failed, []);
        assert.strictEqual(r.json?.source, "state");
    });
});
