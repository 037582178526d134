/**
 * The underlay probe on dind (lib/probe/underlay.ts with the docker transport,
 * lib/probe/sh/probe-docker.sh): the rendered script run against a stub docker
 * CLI whose `exec` runs the probe here under the shell the test names, with a
 * stub iptables keeping one chain per container (tests/unit/fixtures). The
 * docker:dind image is Alpine (busybox ash and nc, no bash), so the probe runs
 * under POSIX shells: dash, and busybox's ash where this machine has busybox.
 * Its nc is a stub that takes only the forms Alpine's busybox nc takes and
 * sends with bash's /dev/udp and /dev/tcp: datagrams and connects really go
 * out, to loopback addresses.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProbeTables, renderProbeScript } from "../../lib/probe/underlay";
import { LoopbackStore, loopbackStore, SshStubs, sshStubs } from "./fixtures/sshStubs";

const LOCAL = "unix:///run/laptop/docker.sock";
/** manager and node1 are machine containers; kv is the store's (no container: a tcp connect). */
const tablesWith = (kvPort: number): ProbeTables => ({
    machines: [
        { name: "swarm-manager", address: "127.0.0.2", container: "overlay-swarm-manager" },
        { name: "swarm-node1", address: "127.0.0.3", container: "overlay-swarm-node1" },
        { name: "kvstore", address: "127.0.0.1" },
    ],
    pairs: [
        { from: 1, to: 0, protocol: "tcp", port: 7946 },
        { from: 0, to: 1, protocol: "udp", port: 4789 },
        { from: 1, to: 0, protocol: "udp", port: 7946 },
        { from: 1, to: 2, protocol: "tcp", port: kvPort },
    ],
});
const script = (tables: ProbeTables) =>
    renderProbeScript({ tag: "lab-swarm-node1", what: "the pairs of swarm-node1", transport: { kind: "docker", host: LOCAL }, tables, waitSeconds: 2 });

/**
 * The POSIX shells the probe must run under (given the stubs' bin directory): dash (/bin/sh
 * here) and busybox ash when present. Debian's busybox prefers its own applets to PATH (its
 * nc has neither -u nor -z); Alpine's takes nc from PATH, busybox's full one
 * (CONFIG_NC_110_COMPAT=y, FEATURE_PREFER_APPLETS unset: aports main/busybox/busyboxconfig).
 * So under busybox ash here, a function sends nc to the stub.
 */
const SHELLS: { shell: string; env: (bin: string) => Record<string, string> }[] = [{ shell: "dash", env: () => ({ INNER_SH: "/bin/sh" }) }];
if (spawnSync("busybox", ["sh", "-c", "true"]).status === 0) {
    SHELLS.push({ shell: "busybox ash", env: (bin) => ({ INNER_SH: "busybox sh", INNER_PRELUDE: `nc() { ${bin}/nc "$@"; }\n` }) });
}

describe("underlay probe on dind: the script against a stub docker exec and iptables", () => {
    let stubs: SshStubs;
    let dir: string;
    let kv: LoopbackStore;
    let kvPort: number;
    beforeEach(async () => {
        stubs = sshStubs("underlay-probe-dind-", { docker: "fake-docker-exec.sh", nc: "fake-nc.sh" });
        dir = stubs.dir;
        kv = await loopbackStore();
        kvPort = kv.port;
    });
    afterEach(async () => {
        stubs.remove();
        await kv.close();
    });

    const run = (text: string, env: Record<string, string> = {}) =>
        spawnSync("/bin/bash", ["-c", text], { encoding: "utf8", env: { ...stubs.env({}), ...env }, timeout: 30_000 });
    const log = () => fs.readFileSync(path.join(dir, "state", "docker.log"), "utf8");

    for (const { shell, env } of SHELLS) {
        it(`passes under ${shell}: its rules set in each container through the local Docker, counted, and removed`, () => {
            fs.writeFileSync(path.join(dir, "state", "overlay-swarm-manager"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
            const r = run(script(tablesWith(kvPort)), env(path.join(dir, "bin")));
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "docker-overlay: the underlay carries 4 probe(s) of the pairs of swarm-node1\n");
            const calls = log();
            assert.match(
                calls,
                /^-H unix:\/\/\/run\/laptop\/docker\.sock exec overlay-swarm-manager sh -c SCRIPT underlay-probe watch-reset lab-swarm-node1 127\.0\.0\.2 127\.0\.0\.3 tcp 7946 127\.0\.0\.3 udp 7946$/m,
            );
            assert.match(calls, /exec overlay-swarm-node1 sh -c SCRIPT underlay-probe watch-reset lab-swarm-node1 127\.0\.0\.3 127\.0\.0\.2 udp 4789$/m);
            assert.match(calls, /exec overlay-swarm-node1 sh -c SCRIPT underlay-probe send 127\.0\.0\.2 tcp 7946 127\.0\.0\.2 udp 7946$/m);
            // The store, which no probe enters, answered a connect from swarm-node1's container.
            assert.match(calls, new RegExp(`exec overlay-swarm-node1 sh -c SCRIPT underlay-probe tcp-connect 127\\.0\\.0\\.1 ${kvPort} 2$`, "m"));
            assert.doesNotMatch(calls, /exec kvstore|exec '' /);
            // Datagrams and connects went through nc in the forms Alpine's busybox nc takes (under a shell without /dev/udp).
            const ncCalls = fs.readFileSync(path.join(dir, "state", "nc.log"), "utf8");
            assert.match(ncCalls, /^-u -w 1 127\.0\.0\.3 4789$/m);
            assert.match(ncCalls, /^-z -w 1 127\.0\.0\.2 7946$/m);
            assert.match(ncCalls, new RegExp(`^-z -w 2 127\\.0\\.0\\.1 ${kvPort}$`, "m"));
            assert.equal(stubs.chain("overlay-swarm-manager"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
            assert.equal(stubs.chain("overlay-swarm-node1"), "");
        });
    }

    it("names exactly the pairs that did not arrive, the store's included, and removes its rules then too", async () => {
        const closed = kvPort;
        await kv.close();
        const r = run(script(tablesWith(closed)), { DROPPED: "127.0.0.2 udp 4789" });
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr,
            "docker-overlay: the underlay does not carry what the cluster needs (nothing of the cluster was created; open these and run up again):\n" +
                "swarm-manager -> swarm-node1 udp/4789: no answer\n" +
                `swarm-node1 -> kvstore tcp/${closed}: no answer\n`,
        );
        assert.equal(stubs.chain("overlay-swarm-manager"), "");
        assert.equal(stubs.chain("overlay-swarm-node1"), "");
    });

    it("a machine container that is not running: fails naming it and the local Docker, and clears the rules it had set", () => {
        const r = run(script(tablesWith(kvPort)), { STOPPED: "overlay-swarm-node1" });
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr,
            "Error response from daemon: Container overlay-swarm-node1 is not running\n" +
                "docker-overlay: cannot set the underlay probe's counting rules on swarm-node1 in its container overlay-swarm-node1 on unix:///run/laptop/docker.sock (iptables in the privileged machine container)\n",
        );
        assert.match(log(), /exec overlay-swarm-manager sh -c SCRIPT underlay-probe watch-clear lab-swarm-node1$/m);
        assert.equal(stubs.chain("overlay-swarm-manager"), "");
    });

    it("a machine whose exec breaks after its rules are set: the pairs into it fail, and the report says the machine, not the underlay, did not answer", () => {
        // The stub iptables counts every rule at each read (fake-iptables.sh): only a read that fails loses pairs.
        const r = run(script(tablesWith(kvPort)), { EXEC_FAILS: "overlay-swarm-manager watch-counts" });
        assert.equal(r.status, 1);
        const lines = r.stderr.split("\n");
        assert.deepEqual(lines.slice(0, 3), [
            "docker-overlay: the underlay does not carry what the cluster needs (nothing of the cluster was created; open these and run up again):",
            "swarm-node1 -> swarm-manager tcp/7946: no answer",
            "swarm-node1 -> swarm-manager udp/7946: no answer",
        ]);
        // One failed read per round in the 2 s window; the message is the exec's.
        const said =
            /^docker-overlay: ([0-9]+) call\(s\) of the probe on swarm-manager in its container overlay-swarm-manager on unix:\/\/\/run\/laptop\/docker\.sock failed; the last, reading its counters: OCI runtime exec failed: exec failed: unable to start container process: stub: unknown $/.exec(
                lines[3],
            );
        assert.ok(said !== null && Number(said[1]) >= 2, lines[3]);
        assert.deepEqual(lines.slice(4), [""]);
        // Its rules were cleared all the same (watch-clear still runs); swarm-node1's too.
        assert.equal(stubs.chain("overlay-swarm-manager"), "");
        assert.equal(stubs.chain("overlay-swarm-node1"), "");
    });

    it("needs every machine's address", () => {
        const tables = tablesWith(kvPort);
        tables.machines[0] = { name: "swarm-manager", container: "overlay-swarm-manager" };
        assert.throws(() => script(tables), /^Error: underlay probe: no underlay address for "swarm-manager"$/);
    });
});
