/**
 * Scenario d: a bigger topology, one `up` and several tests
 * (tests/lab/stacks/Pulumi.t-topo.yaml): three hosts each with a container on
 * net1 (a2 at a static address), a second overlay net2 whose containers b1 and
 * b2 must stay apart from net1's, and an internal overlay inet on which i1
 * (attached to nothing else, so without a default route) reaches b2 on
 * another host. Modelled on libnetwork's legacy overlay tests (multi-host
 * reachability, network isolation, internal networks).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { LabStack, STACKS, statePathOf, UpJson } from "./support/lab";
import { inSubnet } from "./support/net";

const NET1 = ["a1", "a2", "a3"];
const NET2 = ["b1", "b2"];
const ALL = [...NET1, ...NET2, "i1"];
const SUBNETS: Record<string, string> = { net1: "10.0.0.0/24", net2: "10.0.1.0/24", inet: "10.0.2.0/24" };

describe("lab: a bigger topology (3 hosts; net1, net2 and an internal overlay)", function () {
    const topo = new LabStack(path.join(STACKS, "Pulumi.t-topo.yaml"));
    let up: UpJson;

    before(async function () {
        up = await topo.upOk();
    });

    after(async function () {
        await topo.teardown();
    });

    it("places every container as its constraints say: one net1 container on each host", async function () {
        const status = await topo.status();
        const placed: Record<string, string> = Object.fromEntries(status.containers.map((c) => [c.name, c.host]));
        const expected: Record<string, string> = { a1: "h1", a2: "h2", a3: "h3", b1: "h2", b2: "h3", i1: "h1" };
        assert.deepStrictEqual(placed, expected);
        assert.deepStrictEqual(up.exports?.["placements"], expected);
        assert.strictEqual(new Set(NET1.map((c) => expected[c])).size, 3);
    });

    it("passes the program's own connectivity check: 10 pairs reach, 20 pairs stay apart", function () {
        const c = up.exports?.["connectivity"];
        assert.ok(c, "no connectivity export");
        assert.strictEqual(c.failed, 0, JSON.stringify(c.pairs.filter((p: { ok: boolean }) => !p.ok)));
        // One entry per probed network: an isolated pair is probed on each network of its target.
        const pairs = new Map<string, string>(c.pairs.map((p: { from: string; to: string; expect: string }) => [`${p.from}->${p.to}`, p.expect]));
        assert.strictEqual(pairs.size, ALL.length * (ALL.length - 1));
        // net1: 3 x 2 ordered pairs; net2: b1 <-> b2; inet: i1 <-> b2.
        assert.strictEqual([...pairs.values()].filter((e) => e === "reach").length, 10);
        assert.strictEqual([...pairs.values()].filter((e) => e === "isolated").length, 20);
        // a1..a3 -> b2 were probed on both of b2's networks.
        assert.strictEqual(c.pairs.filter((p: { from: string; to: string }) => p.from === "a1" && p.to === "b2").length, 2);
    });

    it("`lab check` passes: net1's three containers reach each other by IP and by name, and every isolated pair holds", async function () {
        const r = await topo.check();
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        const report = r.json;
        assert.ok(report);
        assert.strictEqual(
            report.failed,
            0,
            JSON.stringify(
                report.pairs.filter((p) => !p.ok),
                null,
                1,
            ),
        );
        const pair = (from: string, to: string) => report.pairs.find((p) => p.from === from && p.to === to);
        for (const from of NET1) {
            for (const to of NET1.filter((x) => x !== from)) {
                const p = pair(from, to);
                assert.ok(p && p.expect === "reach" && p.byIp && p.byName, `${from} -> ${to}: ${JSON.stringify(p)}`);
            }
        }
        for (const [from, to] of [
            ["b1", "b2"],
            ["b2", "b1"],
            ["i1", "b2"],
            ["b2", "i1"],
        ]) {
            const p = pair(from, to);
            assert.ok(p && p.expect === "reach" && p.byIp && p.byName, `${from} -> ${to}: ${JSON.stringify(p)}`);
        }
        for (const a of NET1) {
            for (const b of NET2) {
                for (const [from, to] of [
                    [a, b],
                    [b, a],
                ]) {
                    const p = pair(from, to);
                    assert.ok(p && p.expect === "isolated" && !p.byIp && !p.byName, `${from} -> ${to}: ${JSON.stringify(p)}`);
                }
            }
        }
        assert.strictEqual(report.pairs.filter((p) => p.expect === "isolated").length, 20);
    });

    it("a ping from a net1 container to net2 containers' addresses and names fails, while its net1 peer answers", async function () {
        const a2 = await topo.ipOf("a2", "net1");
        const control = await topo.ping("a1", a2);
        assert.ok(control.ok, `a1 -> a2 (${a2}) must answer: ${control.output}`);
        for (const b of NET2) {
            const ip = await topo.ipOf(b, "net2");
            assert.ok(inSubnet(ip, SUBNETS["net2"]), `${b} has ${ip} on net2`);
            const byIp = await topo.ping("a1", ip);
            assert.ok(!byIp.ok, `a1 (net1) reached ${b}'s net2 address ${ip}: ${byIp.output}`);
            const byName = await topo.ping("a1", b);
            assert.ok(!byName.ok, `a1 (net1) reached ${b} by name: ${byName.output}`);
        }
        const a1 = await topo.ipOf("a1", "net1");
        const back = await topo.ping("b1", a1);
        assert.ok(!back.ok, `b1 (net2) reached a1's net1 address ${a1}: ${back.output}`);
    });

    it("the internal overlay: i1 has no default route, yet reaches b2 on inet (another host) by IP and by name", async function () {
        const routes = await topo.exec("i1", ["ip", "route"]);
        assert.strictEqual(routes.code, 0, routes.stderr);
        assert.ok(!/^default/m.test(routes.stdout), `i1 has a default route:\n${routes.stdout}`);
        assert.match(routes.stdout, /^10\.0\.2\.0\/24 dev \S+/m);
        // Control: a container on a non-internal overlay does get one (through docker_gwbridge).
        const a1Routes = await topo.exec("a1", ["ip", "route"]);
        assert.match(a1Routes.stdout, /^default via /m);

        assert.notStrictEqual(await topo.hostOf("i1"), await topo.hostOf("b2"));
        const b2 = await topo.ipOf("b2", "inet");
        assert.ok(inSubnet(b2, SUBNETS["inet"]), `b2 has ${b2} on inet`);
        const byIp = await topo.ping("i1", b2);
        assert.ok(byIp.ok, `i1 -> b2 (${b2}): ${byIp.output}`);
        const byName = await topo.ping("i1", "b2");
        assert.ok(byName.ok, `i1 -> b2 by name: ${byName.output}`);
        assert.strictEqual(byName.resolved, b2, "b2's name must resolve to its inet address in i1");
    });

    it("every network, created through the manager h1, is visible on all three hosts: same id, overlay, global scope", async function () {
        // Created through h1's provider (the state file records each resource's provider).
        const state = JSON.parse(fs.readFileSync(statePathOf(topo.info), "utf8")) as { resources: { type: string; name: string; provider: string }[] };
        const nets = state.resources.filter((r) => r.type === "docker:index/network:Network");
        assert.deepStrictEqual(nets.map((r) => r.name).sort(), ["inet-network", "net1-network", "net2-network"]);
        for (const n of nets) {
            assert.match(n.provider, /::h1$/, `${n.name} was created through ${n.provider}`);
        }
        const format = "{{json .}}";
        type Net = {
            Name: string;
            Id: string;
            Driver: string;
            Scope: string;
            Internal: boolean;
            IPAM: { Config: { Subnet?: string; Gateway?: string; IPRange?: string }[] };
        };
        const seen: Record<string, string> = {};
        for (const host of ["h1", "h2", "h3"]) {
            const ls = await topo.docker(host, ["network", "ls", "--filter", "driver=overlay", "--format", "{{.Name}}"]);
            assert.strictEqual(ls.code, 0, ls.stderr);
            assert.deepStrictEqual(
                ls.stdout
                    .split("\n")
                    .filter((x) => x !== "")
                    .sort(),
                ["inet", "net1", "net2"],
                `overlays on ${host}`,
            );
            const inspect = await topo.docker(host, ["network", "inspect", "--format", format, "net1", "net2", "inet"]);
            assert.strictEqual(inspect.code, 0, inspect.stderr);
            // What every engine shares through the store: id, driver, scope, internal flag, IPAM.
            seen[host] = JSON.stringify(
                inspect.stdout
                    .trim()
                    .split("\n")
                    .map((l) => JSON.parse(l) as Net)
                    .map((n) => [n.Name, n.Id, n.Driver, n.Scope, n.Internal, n.IPAM.Config.map((c) => [c.Subnet, c.Gateway, c.IPRange ?? ""])]),
            );
        }
        assert.strictEqual(seen["h2"], seen["h1"]);
        assert.strictEqual(seen["h3"], seen["h1"]);
        const byName = Object.fromEntries((JSON.parse(seen["h1"]) as unknown[][]).map(([name, , ...rest]) => [name as string, rest]));
        assert.deepStrictEqual(byName["net1"], ["overlay", "global", false, [["10.0.0.0/24", "10.0.0.1", ""]]]);
        assert.deepStrictEqual(byName["net2"], ["overlay", "global", false, [["10.0.1.0/24", "10.0.1.254", "10.0.1.128/25"]]]);
        assert.deepStrictEqual(byName["inet"], ["overlay", "global", true, [["10.0.2.0/24", "10.0.2.1", ""]]]);
    });

    it("honours a2's static address 10.0.0.50, and every address lies in its network (net2's in its ip range)", async function () {
        const status = await topo.status();
        const a2 = status.containers.find((c) => c.name === "a2");
        assert.strictEqual(a2?.networks["net1"], "10.0.0.50");
        assert.strictEqual(await topo.ipOf("a2", "net1"), "10.0.0.50");
        const inspect = await topo.docker("h2", ["inspect", "-f", '{{(index .NetworkSettings.Networks "net1").IPAMConfig.IPv4Address}}', "a2"]);
        assert.strictEqual(inspect.stdout.trim(), "10.0.0.50");
        assert.deepStrictEqual(status.containers.map((c) => c.name).sort(), ["a1", "a2", "a3", "b1", "b2", "i1"]);
        for (const c of status.containers) {
            for (const [net, ip] of Object.entries(c.networks)) {
                assert.ok(inSubnet(ip, SUBNETS[net]), `${c.name} has ${ip} on ${net} (${SUBNETS[net]})`);
                if (net === "net2") {
                    assert.ok(inSubnet(ip, "10.0.1.128/25"), `${c.name} has ${ip}, outside net2's ip range`);
                }
            }
        }
    });

    it("`down` removes everything: lab-clean finds nothing of the stack", async function () {
        await topo.downClean();
    });
});
