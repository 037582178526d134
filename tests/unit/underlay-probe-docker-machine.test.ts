/**
 * The underlay probe on docker-machine machines (lib/probe/underlay.ts with the
 * docker-machine transport, lib/probe/sh/probe-docker-machine.sh): the rendered
 * script run against a stub docker-machine (tests/unit/fixtures/fake-docker-machine.sh)
 * whose `ssh` hands its arguments to the machine's shell as docker-machine's own
 * clients do, here with NS set to the machine (the stub iptables keeps one chain
 * per NS, the stub ip answers for it), and whose `ip` answers from a table. The
 * datagrams and connects really go out, to loopback addresses. This machine has
 * no docker-machine (Debian does not package it); tests/lab/ssh.test.ts runs the
 * transport over real ssh through a stand-in with docker-machine's own ssh argv.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { dockerMachineAccess } from "../../lab/remoteDiagnose";
import { RawConfig } from "../../lib/config/types";
import { normalizeConfig } from "../../lib/config/validate";
import { ProbeTables, renderProbeScript } from "../../lib/probe/underlay";
import { SWARM_DEV } from "./fixtures/configs";
import { LoopbackStore, loopbackStore, SshStubs, sshStubs } from "./fixtures/sshStubs";

/** Each engine machine's eth1 address (the stub ip), and each machine's `docker-machine ip` (another: the probe must use eth1's for engines). */
const ETH1: Record<string, string> = { "swarm-manager": "127.0.0.2", "swarm-node1": "127.0.0.3" };
const DM_IPS = "swarm-manager 127.0.1.2\nswarm-node1 127.0.1.3\nkvstore 127.0.0.1";

/** Two engine machines (cluster-store mode: addresses of eth1) and the KV machine (its `docker-machine ip`, reached by a connect). */
const tablesWith = (kvPort: number): ProbeTables => ({
    machines: [
        { name: "swarm-manager", dockerMachine: { name: "swarm-manager", iface: "eth1" } },
        { name: "swarm-node1", dockerMachine: { name: "swarm-node1", iface: "eth1" } },
        { name: "kvstore", dockerMachine: { name: "kvstore", connectOnly: true } },
    ],
    pairs: [
        { from: 1, to: 0, protocol: "tcp", port: 7946 },
        { from: 0, to: 1, protocol: "udp", port: 4789 },
        { from: 1, to: 0, protocol: "udp", port: 7946 },
        { from: 1, to: 2, protocol: "tcp", port: kvPort },
    ],
});
const script = (tables: ProbeTables, waitSeconds = 2) =>
    renderProbeScript({ tag: "dm-swarm-node1", what: "the pairs of swarm-node1", transport: { kind: "docker-machine" }, tables, waitSeconds });

describe("underlay probe on docker-machine: the script against a stub docker-machine ssh and ip", () => {
    let stubs: SshStubs;
    let dir: string;
    let kv: LoopbackStore;
    let kvPort: number;
    beforeEach(async () => {
        stubs = sshStubs("underlay-probe-dm-", { "docker-machine": "fake-docker-machine.sh" });
        dir = stubs.dir;
        kv = await loopbackStore();
        kvPort = kv.port;
    });
    afterEach(async () => {
        stubs.remove();
        await kv.close();
    });

    const run = (text: string, env: Record<string, string> = {}) =>
        spawnSync("/bin/bash", ["-c", text], { encoding: "utf8", env: { ...stubs.env(ETH1), DM_IPS, ...env }, timeout: 60_000 });
    const log = () => fs.readFileSync(path.join(dir, "state", "docker-machine.log"), "utf8");

    for (const native of [false, true]) {
        it(`passes through docker-machine ssh, ${native ? "its native client where no ssh is on PATH (a pty: \\r\\n lines, stderr on stdout)" : "its external client even with MACHINE_NATIVE_SSH set"}: rules set on each engine machine at its eth1 address, counted, removed; the store connected to`, () => {
            fs.writeFileSync(path.join(dir, "state", "swarm-manager"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
            const r = run(script(tablesWith(kvPort)), native ? { NO_SSH_CLIENT: "1" } : { MACHINE_NATIVE_SSH: "1" });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.stderr, "docker-overlay: the underlay carries 4 probe(s) of the pairs of swarm-node1\n");
            const calls = log();
            // Every ssh call through the client asked for: the external one wherever ssh is on PATH.
            assert.deepEqual(
                [
                    ...new Set(
                        fs
                            .readFileSync(path.join(dir, "state", "clients"), "utf8")
                            .trim()
                            .split("\n"),
                    ),
                ],
                [native ? "native" : "external"],
            );
            // Engines' addresses are their eth1's, read on them; the store's is its `docker-machine ip`.
            assert.match(calls, /^ssh swarm-manager set -- 'eth1'; ip -4 -o addr show dev "\$1" /m);
            assert.match(calls, /^ip kvstore$/m);
            assert.doesNotMatch(calls, /^ip swarm-/m);
            // One line for the machine's shell: the arguments single-quoted, then the probe (single-quoted) under bash, as root or with sudo -n.
            assert.match(
                calls,
                /^ssh swarm-manager set -- 'watch-reset' 'dm-swarm-node1' '127\.0\.0\.2' '127\.0\.0\.3' 'tcp' '7946' '127\.0\.0\.3' 'udp' '7946'; s=SCRIPT; if /m,
            );
            assert.match(calls, /^ssh swarm-node1 set -- 'send' '127\.0\.0\.2' 'tcp' '7946' '127\.0\.0\.2' 'udp' '7946'; s=SCRIPT; if /m);
            assert.match(calls, new RegExp(`^ssh swarm-node1 set -- 'tcp-connect' '127\\.0\\.0\\.1' '${kvPort}' '2'; s=SCRIPT; if `, "m"));
            assert.match(
                calls,
                /; s=SCRIPT; if \[ "\$\(id -u\)" = 0 \]; then bash -c "\$s" underlay-probe "\$@"; else sudo -n bash -c "\$s" underlay-probe "\$@"; fi$/m,
            );
            // No rule, and no call at all, on the KV machine beyond its IP.
            assert.doesNotMatch(calls, /^ssh kvstore/m);
            assert.equal(stubs.chain("kvstore"), "");
            assert.equal(stubs.chain("swarm-manager"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
            assert.equal(stubs.chain("swarm-node1"), "");
            assert.deepEqual(
                fs.readdirSync(dir).filter((f) => f.startsWith("tmp.")),
                [],
                "a scratch directory is left behind",
            );
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
        assert.equal(stubs.chain("swarm-manager"), "");
        assert.equal(stubs.chain("swarm-node1"), "");
    });

    it("a machine whose kernel has no security table (boot2docker's): its rules go to the top of its filter INPUT, still count, and go again; the probe says what it cannot see", () => {
        fs.writeFileSync(path.join(dir, "state", "swarm-manager.filter"), "-A INPUT -j ACCEPT\n");
        const note =
            "docker-overlay: the machine at 127.0.0.2 has no iptables security table (a kernel without CONFIG_IP_NF_SECURITY): its probe counts what reaches it at the top of its filter INPUT, so a DROP in its own INPUT rules is not seen\n";
        const ok = run(script(tablesWith(kvPort)), { NO_SECURITY: "swarm-manager" });
        assert.equal(ok.status, 0, ok.stderr);
        assert.equal(ok.stderr, note + "docker-overlay: the underlay carries 4 probe(s) of the pairs of swarm-node1\n");
        const cut = run(script(tablesWith(kvPort)), { NO_SECURITY: "swarm-manager", DROPPED: "127.0.0.3 udp 7946" });
        assert.equal(cut.status, 1);
        assert.equal(
            cut.stderr,
            note +
                "docker-overlay: the underlay does not carry what the cluster needs (nothing of the cluster was created; open these and run up again):\n" +
                "swarm-node1 -> swarm-manager udp/7946: no answer\n",
        );
        // Its filter INPUT as it was; nothing went into a security table there, swarm-node1's went into its own.
        assert.equal(stubs.chain("swarm-manager.filter"), "-A INPUT -j ACCEPT\n");
        assert.equal(stubs.chain("swarm-manager"), "");
        assert.equal(fs.existsSync(path.join(dir, "state", "swarm-node1.filter")), false);
    });

    it("a machine that is not running, or has no such interface: fails naming it and why, before any rule is set", () => {
        const where = "docker-overlay: cannot read the underlay address on swarm-node1 over docker-machine ssh swarm-node1";
        const stopped = run(script(tablesWith(kvPort)), { STOPPED: "swarm-node1" });
        assert.equal(stopped.status, 1);
        assert.equal(stopped.stderr, `${where}: Error: Cannot run SSH command: Host "swarm-node1" is not running\n`);
        // The interfaces listed are this machine's: the stub runs the machine's shell here.
        const has = fs.readdirSync("/sys/class/net").sort().join(" ");
        for (const native of [false, true]) {
            const noIface = run(script(tablesWith(kvPort)), { ADDRS: "swarm-manager 127.0.0.2", ...(native ? { NO_SSH_CLIENT: "1" } : {}) });
            assert.equal(noIface.status, 1);
            assert.equal(noIface.stderr, `${where}: its eth1 (engine.advertiseInterface) does not exist (it has: ${has})\n`);
        }
        const noIp = run(script(tablesWith(kvPort)), { DM_IPS: "swarm-manager 127.0.1.2" });
        assert.equal(noIp.status, 1);
        assert.equal(
            noIp.stderr,
            'docker-overlay: cannot read the underlay address on kvstore over docker-machine ssh kvstore: Host does not exist: "kvstore"\n',
        );
        assert.equal(stubs.chain("swarm-manager"), "");
        assert.doesNotMatch(log(), /watch-reset/);
    });

    it("a target that refuses the rules (no root, no sudo -n): fails naming it, and clears the rules it had set", () => {
        const r = run(script(tablesWith(kvPort)), { REFUSE: "swarm-node1 watch-reset" });
        assert.equal(r.status, 1);
        assert.equal(
            r.stderr,
            "sudo: a password is required\nexit status 1\n" +
                "docker-overlay: cannot set the underlay probe's counting rules on swarm-node1 over docker-machine ssh swarm-node1 (iptables as root, or sudo -n)\n",
        );
        assert.match(log(), /^ssh swarm-manager set -- 'watch-clear' 'dm-swarm-node1'; s=SCRIPT; if /m);
        assert.equal(stubs.chain("swarm-manager"), "");
    });

    for (const native of ["", "1"]) {
        it(`npm run diagnose's batch through docker-machine ssh${native === "1" ? " (MACHINE_NATIVE_SSH=1 in its environment: unset for it)" : ""}: each command's result in order, whatever it prints`, async () => {
            const saved = { ...process.env };
            Object.assign(process.env, stubs.env(ETH1), { MACHINE_NATIVE_SSH: native });
            try {
                const config = normalizeConfig(
                    JSON.parse(JSON.stringify({ ...SWARM_DEV, driver: { kind: "docker-machine", machineDriver: "generic" } })) as RawConfig,
                    "dm",
                );
                const parts = await dockerMachineAccess(config).onHost("swarm-node1", [
                    ["printf", "%s\\n", "it's a quoted 'word'", "ünïcode"],
                    ["sh", "-c", "echo out; echo 'why it failed' >&2; exit 3"],
                    ["ip", "-4", "-o", "addr", "show"],
                ]);
                assert.deepEqual(parts.slice(0, 2), [
                    { code: 0, stdout: "it's a quoted 'word'\nünïcode\n", stderr: "" },
                    { code: 3, stdout: "out\n", stderr: "why it failed\n" },
                ]);
                // Run on swarm-node1 (the stub ip answers with its address there).
                assert.match(parts[2].stdout, /inet 127\.0\.0\.3\//);
                assert.match(log(), /^ssh swarm-node1 bash -c /m);
                assert.equal(fs.readFileSync(path.join(dir, "state", "clients"), "utf8"), "external\n");
            } finally {
                for (const k of Object.keys(process.env)) {
                    if (!(k in saved)) {
                        delete process.env[k];
                    }
                }
                Object.assign(process.env, saved);
            }
        });
    }

    it("needs every machine's address or its docker-machine name", () => {
        const tables = tablesWith(kvPort);
        tables.machines[2] = { name: "kvstore" };
        assert.throws(() => script(tables), /^Error: underlay probe: no underlay address for "kvstore"$/);
    });
});
