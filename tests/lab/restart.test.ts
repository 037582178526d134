/**
 * Scenario e: an engine restart (tests/lab/stacks/Pulumi.t-restart.yaml: consul,
 * h1 with c1, h2 with c2, net1). h2's dockerd is stopped with SIGTERM through
 * its pidfile and started again exactly as the netns driver's create script
 * starts it (same argv and environment, `nsenter --net` into its namespace,
 * `unshare --uts` with its hostname; lib/drivers/netns.ts start_daemon). Its
 * container comes back on its own (restart: unless-stopped) and must reach the
 * other host's container again by IP and by name within a bounded wait.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { alive, captureDaemon, DaemonLaunch, eventually, LabStack, note, STACKS, startDaemon, stopDaemon } from "./support/lab";

describe("lab: an engine restart (Pulumi.t-restart.yaml)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-restart.yaml"));
    const pidFile = `${stack.info.runDir}/h2/docker.pid`;
    let daemon: DaemonLaunch;
    let clusterStore: string;

    before(async function () {
        await stack.upOk();
    });

    after(async function () {
        await stack.teardown();
    });

    async function pingsBothWays(): Promise<void> {
        const ip1 = await stack.ipOf("c1", "net1");
        const ip2 = await stack.ipOf("c2", "net1");
        assert.ok(ip1 !== "" && ip2 !== "", `addresses: c1 ${ip1}, c2 ${ip2}`);
        for (const [from, to, ip] of [
            ["c1", "c2", ip2],
            ["c2", "c1", ip1],
        ]) {
            const byIp = await stack.ping(from, ip);
            assert.ok(byIp.ok, `${from} -> ${to} (${ip}): ${byIp.output}`);
            const byName = await stack.ping(from, to);
            assert.ok(byName.ok, `${from} -> ${to} by name: ${byName.output}`);
            assert.strictEqual(byName.resolved, ip, `${to} resolves to ${byName.resolved} in ${from}, not ${ip}`);
        }
    }

    it("c1 (h1) and c2 (h2) reach each other before the restart", async function () {
        assert.strictEqual(await stack.hostOf("c2"), "h2");
        await pingsBothWays();
        const info = await stack.docker("h2", ["info", "--format", "{{.Name}} {{.ClusterStore}}"]);
        [, clusterStore] = info.stdout.trim().split(" ");
        assert.match(clusterStore, /^consul:\/\/10\.180\.3\.2:8500$/);
    });

    it("SIGTERM through h2's pidfile stops its dockerd, and c2 with it", async function () {
        daemon = await captureDaemon(pidFile, `${stack.info.stateDir}/h2/dockerd.log`);
        assert.match(daemon.argv[0], /\/dockerd$/);
        assert.ok(daemon.argv.includes(`--pidfile=${pidFile}`), daemon.argv.join(" "));
        assert.strictEqual(daemon.hostname, "h2");
        assert.match(daemon.netns, /^dovl-t-restart-h2-[0-9a-f]{6}$/);
        const seconds = await stopDaemon(daemon.pid, 60_000);
        note(`h2's dockerd stopped in ${seconds.toFixed(1)}s`);
        const version = await stack.docker("h2", ["version"], 10_000);
        assert.notStrictEqual(version.code, 0, "h2's engine still answers");
        const ip2 = await stack.ipOf("c2", "net1", "h1").catch(() => "");
        const ping = await stack.ping("c1", "c2");
        assert.ok(!ping.ok, `c1 still reaches c2 (${ip2}) with h2's engine down: ${ping.output}`);
    });

    it("h2's dockerd, started again the same way, answers with its own hostname and cluster store", async function () {
        assert.ok(daemon !== undefined, "h2's dockerd was not captured and stopped");
        const pid = startDaemon(daemon);
        note(`h2's dockerd started again as pid ${pid}`);
        const info = await eventually("h2's engine answers", 60_000, async () => {
            assert.ok(alive(pid), `dockerd pid ${pid} exited; see ${daemon.log}`);
            const r = await stack.docker("h2", ["info", "--format", "{{.Name}} {{.ClusterStore}}"], 10_000);
            assert.strictEqual(r.code, 0, r.stderr);
            return r.stdout.trim();
        });
        assert.strictEqual(info, `h2 ${clusterStore}`);
        assert.strictEqual(fs.readFileSync(pidFile, "utf8").trim(), String(pid));
    });

    it("c2 comes back (restart: unless-stopped) and reaches c1 again, both ways, by IP and by name", async function () {
        assert.ok(daemon !== undefined, "h2's dockerd was not restarted");
        await eventually("c2 is running again", 60_000, async () => {
            const r = await stack.docker("h2", ["inspect", "-f", "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}", "c2"]);
            assert.strictEqual(r.stdout.trim(), "true unless-stopped", r.stdout + r.stderr);
        });
        await eventually("c1 <-> c2 by IP and by name after h2's restart", 90_000, pingsBothWays, 2000);
        const check = await stack.check();
        assert.strictEqual(check.code, 0, check.stdout + check.stderr);
    });

    it("`down` removes everything, the restarted engine included", async function () {
        await stack.downClean();
    });
});
