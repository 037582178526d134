/**
 * Scenario f: the KV store goes down and comes back
 * (tests/lab/stacks/Pulumi.t-kvdown.yaml: consul, h1 with c1, h2 with c2, net1).
 * With consul stopped, the existing containers keep reaching each other across
 * hosts (the data path and serf do not need the store). Once consul runs again
 * (same argv, same namespace, as its create script starts it), a container
 * created afterwards through the Docker CLI on h1 must be reachable from h2's
 * container by IP and by name, within bounded retries.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { alive, captureDaemon, DaemonLaunch, eventually, kvGet, kvHttp, LabStack, note, STACKS, startDaemon, stopDaemon } from "./support/lab";
import { inSubnet } from "./support/net";

describe("lab: the KV store down and back (Pulumi.t-kvdown.yaml)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-kvdown.yaml"));
    const pidFile = `${stack.info.runDir}/kvstore/consul.pid`;
    let consul: DaemonLaunch;
    let kvUrl: string;
    let c3Created = false;

    before(async function () {
        await stack.upOk();
        kvUrl = kvHttp((await stack.status()).kv.url);
    });

    after(async function () {
        if (c3Created && stack.owned && !stack.downDone) {
            await stack.docker("h1", ["rm", "-f", "c3"]).catch(() => undefined);
        }
        await stack.teardown();
    });

    async function pings(pairs: [string, string][]): Promise<void> {
        for (const [from, to] of pairs) {
            const ip = await stack.ipOf(to, "net1", to === "c3" ? "h1" : undefined);
            assert.ok(inSubnet(ip, "10.0.0.0/24"), `${to} has "${ip}" on net1`);
            const host = from === "c3" ? "h1" : undefined; // c3 is not the program's: status does not know it
            const byIp = await stack.ping(from, ip, host);
            assert.ok(byIp.ok, `${from} -> ${to} (${ip}): ${byIp.output}`);
            const byName = await stack.ping(from, to, host);
            assert.ok(byName.ok, `${from} -> ${to} by name: ${byName.output}`);
            assert.strictEqual(byName.resolved, ip, `${to} resolves to ${byName.resolved} in ${from}, not ${ip}`);
        }
    }

    it("c1 (h1) and c2 (h2) reach each other while consul runs", async function () {
        await pings([
            ["c1", "c2"],
            ["c2", "c1"],
        ]);
        const leader = await kvGet<string>(`${kvUrl}/v1/status/leader`);
        assert.ok(leader.status === 200 && leader.body !== "", JSON.stringify(leader));
    });

    it("with consul stopped, c1 and c2 keep reaching each other by IP and by name", async function () {
        consul = await captureDaemon(pidFile, `${stack.info.stateDir}/kvstore/consul.log`);
        assert.match(consul.argv[0], /\/consul$/);
        assert.strictEqual(consul.argv[1], "agent");
        assert.match(consul.netns, /^dovl-t-kvdown-kvstore-[0-9a-f]{6}$/);
        const seconds = await stopDaemon(consul.pid, 30_000);
        note(`consul stopped in ${seconds.toFixed(1)}s`);
        await assert.rejects(kvGet(`${kvUrl}/v1/status/leader`), "consul still answers");
        // A few rounds over several seconds: the overlay must not depend on the store being up.
        for (let round = 0; round < 3; round++) {
            await pings([
                ["c1", "c2"],
                ["c2", "c1"],
            ]);
            await new Promise((r) => setTimeout(r, 2000));
        }
    });

    it("consul, started again the same way, elects itself and still holds both engines under docker/nodes", async function () {
        assert.ok(consul !== undefined, "consul was not captured and stopped");
        const pid = startDaemon(consul);
        fs.writeFileSync(pidFile, `${pid}\n`); // as the create script does, so `down` finds it by its pidfile
        note(`consul started again as pid ${pid}`);
        await eventually("consul has a leader", 60_000, async () => {
            assert.ok(alive(pid), `consul pid ${pid} exited; see ${consul.log}`);
            const r = await kvGet<string>(`${kvUrl}/v1/status/leader`);
            assert.ok(r.status === 200 && typeof r.body === "string" && r.body !== "", JSON.stringify(r));
        });
        const addresses = (await stack.status()).hosts.map((h) => `${h.address}:2376`).sort();
        await eventually("both engines registered under docker/nodes", 60_000, async () => {
            const r = await kvGet<string[]>(`${kvUrl}/v1/kv/docker/nodes/?keys`);
            const nodes = (r.body ?? [])
                .filter((k) => k !== "docker/nodes/")
                .map((k) => k.replace(/^docker\/nodes\//, ""))
                .sort();
            assert.deepStrictEqual(nodes, addresses);
        });
    });

    it("a container created on h1 after the outage reaches, and is reached from, c2 on h2 by IP and by name", async function () {
        await eventually(
            "docker run c3 on h1 attached to net1",
            60_000,
            async () => {
                c3Created = true;
                const r = await stack.docker("h1", [
                    "run",
                    "-d",
                    "--name",
                    "c3",
                    "--hostname",
                    "c3",
                    "--network",
                    "net1",
                    "--network-alias",
                    "c3",
                    "busybox:latest",
                    "top",
                ]);
                if (r.code !== 0) {
                    await stack.docker("h1", ["rm", "-f", "c3"]);
                    assert.fail(`docker run c3: ${r.stderr.trim()}`);
                }
            },
            2000,
        );
        await eventually(
            "c2 <-> c3 by IP and by name",
            90_000,
            () =>
                pings([
                    ["c2", "c3"],
                    ["c3", "c2"],
                ]),
            2000,
        );
    });

    it("c3 is removed again", async function () {
        const r = await stack.docker("h1", ["rm", "-f", "c3"]);
        assert.strictEqual(r.code, 0, r.stderr);
        // By exact name: `docker inspect c3` also matches any image, network or
        // container whose ID starts with the hex digits "c3" (seen in CI).
        const left = await stack.docker("h1", ["ps", "--all", "--filter", "name=^/?c3$", "--format", "{{.Names}}"]);
        assert.strictEqual(left.code, 0, left.stderr);
        assert.strictEqual(left.stdout.trim(), "", "c3 still exists");
        c3Created = false;
    });

    it("`down` removes everything, the restarted consul included", async function () {
        await stack.downClean();
    });
});
