/**
 * MTU everywhere (tests/lab/stacks/Pulumi.t-mtu.yaml): on an underlay of MTU
 * 1400 (driver.underlayMtu: the lab bridge and every veth), an overlay's
 * containers get 1350 (the underlay's minus VXLAN's 50) and a packet of
 * exactly that size, do-not-fragment, crosses between hosts; a network with
 * networks[].mtu 1300 gets 1300. Then one host's underlay link is narrowed
 * to 1380 (a path that carries less than the stack says; validation cannot
 * see a link changed under it): the program's connectivity check fails the
 * pairs across it and says why, while net2's 1300 still fits.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import "./support/root-hooks";
import { netnsName, netnsVethName } from "../../lib/drivers/netns";
import { CheckResult, renderCheckScript } from "../../lib/render/check";
import { describeRun, LabStack, note, run, STACKS, UpJson } from "./support/lab";

describe("lab: MTU (underlayMtu 1400; net1 default, net2 mtu 1300)", function () {
    const s = new LabStack(path.join(STACKS, "Pulumi.t-mtu.yaml"));
    let up: UpJson;

    before(async function () {
        up = await s.upOk();
    });

    after(async function () {
        await s.teardown();
    });

    /** `cat /sys/class/net/<if>/mtu` for the container's interface on a network (by its address). */
    async function mtuOn(container: string, network: string): Promise<number> {
        const ip = await s.ipOf(container, network);
        const r = await s.exec(container, ["sh", "-c", `ip -o addr show | grep -F ' ${ip}/' | awk '{print $2}' | xargs -I{} cat /sys/class/net/{}/mtu`]);
        assert.equal(r.code, 0, describeRun(r));
        return Number(r.stdout.trim());
    }

    /** One ping of `size` data bytes from `from` to `to`'s address on `network`; "0% packet loss" or not. */
    async function ping(from: string, to: string, network: string, size: number): Promise<boolean> {
        const ip = await s.ipOf(to, network);
        const r = await s.exec(from, ["ping", "-c", "1", "-W", "2", "-s", String(size), ip]);
        return r.code === 0;
    }

    /** The IP fragments a container's network namespace has made (/proc/net/snmp, Ip: FragCreates). */
    async function fragCreates(container: string): Promise<number> {
        const r = await s.exec(container, ["cat", "/proc/net/snmp"]);
        assert.equal(r.code, 0, describeRun(r));
        const [names, values] = r.stdout.split("\n").filter((l) => l.startsWith("Ip:"));
        return Number(values.split(/\s+/)[names.split(/\s+/).indexOf("FragCreates")]);
    }

    it("the bridge and every machine's underlay link carry MTU 1400", async function () {
        const bridge = await run("ip", ["-o", "link", "show", "dev", s.info.bridge]);
        assert.match(bridge.stdout, / mtu 1400 /, bridge.stdout);
        for (const host of ["h1", "h2"]) {
            const veth = await run("ip", ["-o", "link", "show", "dev", netnsVethName({ stack: s.stack, name: host })]);
            assert.match(veth.stdout, / mtu 1400 /, `${host}'s veth: ${veth.stdout}`);
            const inside = await run("ip", ["-n", netnsName({ stack: s.stack, name: host }), "-o", "link", "show", "dev", "eth1"]);
            assert.match(inside.stdout, / mtu 1400 /, `${host}'s eth1: ${inside.stdout}`);
        }
    });

    it("net1's containers get 1350 (1400 - VXLAN's 50), net2's get networks[].mtu 1300; the option each network carries is what Docker reads as the underlay", async function () {
        const measured: Record<string, number> = {};
        for (const c of ["m1", "m2"]) {
            for (const n of ["net1", "net2"]) {
                measured[`${c} ${n}`] = await mtuOn(c, n);
            }
        }
        note(`measured overlay MTU: ${JSON.stringify(measured)}`);
        assert.deepEqual(measured, { "m1 net1": 1350, "m1 net2": 1300, "m2 net1": 1350, "m2 net2": 1300 });
        const options = await s.docker("h1", ["network", "inspect", "-f", '{{index .Options "com.docker.network.driver.mtu"}}', "net1", "net2"]);
        assert.equal(options.code, 0, describeRun(options));
        assert.deepEqual(options.stdout.trim().split("\n"), ["1400", "1350"]);
    });

    it("full-size packets cross between hosts in both directions without fragments (net1: 1322 data bytes, net2: 1272)", async function () {
        for (const [from, to] of [
            ["m1", "m2"],
            ["m2", "m1"],
        ]) {
            const before = await fragCreates(from);
            assert.ok(await ping(from, to, "net1", 1350 - 28), `${from} -> ${to} on net1, 1350 bytes`);
            assert.ok(await ping(from, to, "net2", 1300 - 28), `${from} -> ${to} on net2, 1300 bytes`);
            // Neither the request nor the reply was cut into fragments in the containers.
            assert.equal(await fragCreates(from), before, `${from} fragmented nothing`);
            assert.equal(await fragCreates(to), 0, `${to} fragmented nothing`);
        }
        // The program's check at up: every pair reached with a full-size packet.
        const c = up.exports?.["connectivity"] as CheckResult | undefined;
        assert.ok(c, "no connectivity export");
        assert.equal(c.failed, 0, JSON.stringify(c.pairs));
        assert.deepEqual(
            c.pairs.map((p) => `${p.from}->${p.to} ${p.network} mtu:${p.mtu} full:${p.fullSize}`),
            ["m1->m2 net1 mtu:1350 full:true", "m2->m1 net1 mtu:1350 full:true"],
        );
    });

    it("with h2's underlay link narrowed to 1380, the program's check fails the pairs across it, naming the pair, the MTU and the reason", async function () {
        const ns = netnsName({ stack: s.stack, name: "h2" });
        for (const args of [
            ["link", "set", "dev", netnsVethName({ stack: s.stack, name: "h2" }), "mtu", "1380"],
            ["-n", ns, "link", "set", "dev", "eth1", "mtu", "1380"],
        ]) {
            const r = await run("ip", args);
            assert.equal(r.code, 0, describeRun(r));
        }
        // net2's overlay (1300 + 50) still fits the narrower path; net1's (1350 + 50) does not.
        assert.ok(await ping("m1", "m2", "net2", 1300 - 28), "net2 full size still crosses");
        assert.ok(await ping("m1", "m2", "net1", 56), "small packets on net1 still cross");

        // The check the program runs (connectivity-ping), rendered for this stack's containers and engines.
        const status = await s.status(true);
        const script = renderCheckScript(
            status.containers.map((c) => ({ name: c.name, networks: Object.keys(c.networks) })),
            Object.fromEntries(status.containers.map((c) => [c.name, { dockerHost: status.hosts.find((h) => h.name === c.host)!.dockerHost }])),
            { cli: "/opt/docker-overlay/engine/bin/docker" },
        );
        const started = Date.now();
        const r = await run("/bin/bash", ["-c", script], { timeoutMs: 120_000 });
        note(`check with a narrowed link: exit ${r.code} in ${((Date.now() - started) / 1000).toFixed(1)}s; stderr: ${r.stderr.trim()}`);
        assert.equal(r.code, 1, describeRun(r));
        const result = JSON.parse(r.stdout) as CheckResult;
        assert.deepEqual(
            result.pairs.map((p) => ({
                pair: `${p.from}->${p.to}`,
                byIp: p.byIp,
                byName: p.byName,
                mtu: p.mtu,
                fullSize: p.fullSize,
                ok: p.ok,
                reason: p.reason,
            })),
            ["m1->m2", "m2->m1"].map((pair) => ({
                pair,
                byIp: true,
                byName: true,
                mtu: 1350,
                fullSize: false,
                ok: false,
                reason:
                    "a full-size packet (1350 bytes, do-not-fragment) got no answer while small ones did: the path between the hosts carries less than net1's MTU 1350 " +
                    "(VXLAN adds 50 bytes; set driver.underlayMtu or networks[].mtu to what the underlay carries)",
            })),
        );
        assert.match(r.stderr, /m1 +-> m2 .*FAIL: a full-size packet \(1350 bytes, do-not-fragment\)/);
    });
});

describe("lab: swarm mode, data path on UDP 4790, underlayMtu 1400", function () {
    const s = new LabStack(path.join(STACKS, "Pulumi.t-datapath.yaml"));
    let up: UpJson;

    before(async function () {
        up = await s.upOk();
    });

    after(async function () {
        await s.teardown();
    });

    it("swarm init took --data-path-port 4790: the swarm reports it and the ports output names it", async function () {
        const info = await s.docker("d1", ["info", "-f", "{{.Swarm.Cluster.DataPathPort}}"]);
        assert.equal(info.code, 0, describeRun(info));
        assert.equal(info.stdout.trim(), "4790");
        const ports = (up.exports?.["ports"] ?? []) as { port?: number; protocol: string }[];
        assert.ok(
            ports.some((p) => p.port === 4790 && p.protocol === "udp"),
            JSON.stringify(ports),
        );
    });

    it("the overlay's VXLAN device sends to 4790 and its containers get 1350; the program's check passed with full-size packets", async function () {
        const r = await run("sh", [
            "-c",
            `for f in /run/docker-overlay/${s.stack}/d2/exec/netns/*; do nsenter --net="$f" ip -d -o link show type vxlan 2>/dev/null; done`,
        ]);
        const m = / dstport (\d+) /.exec(r.stdout);
        note(`d2's overlay VXLAN: ${m?.[0] ?? r.stdout.trim()}`);
        assert.equal(m?.[1], "4790", r.stdout);
        const mtu = await s.exec("s2", ["cat", "/sys/class/net/eth0/mtu"]);
        assert.equal(mtu.stdout.trim(), "1350", describeRun(mtu));
        const c = up.exports?.["connectivity"] as CheckResult | undefined;
        assert.ok(c, "no connectivity export");
        assert.deepEqual(
            c.pairs.map((p) => `${p.from}->${p.to} mtu:${p.mtu} full:${p.fullSize} ok:${p.ok}`),
            ["s1->s2 mtu:1350 full:true ok:true", "s2->s1 mtu:1350 full:true ok:true"],
        );
    });
});
