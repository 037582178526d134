/**
 * The underlay probed before the cluster forms: the round from the probe plan
 * (lib/probe/underlay.ts), its scripts run against stub `iptables` and
 * `nsenter` (datagrams and connects go to loopback only), and the program's
 * wiring (components/underlayProbe.ts): swarm init and every join after every
 * host's probe, each probe after every watch.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { RawConfig } from "../../lib/config/types";
import { normalizeConfig } from "../../lib/config/validate";
import { probePlan } from "../../lib/plan/probes";
import { sshProbeTargets } from "../../lib/probe/ssh";
import { probeRound, probeRoundDigest, renderProbeFromScript, renderProbeWatchScripts } from "../../lib/probe/underlay";
import { SWARM_DEV } from "./fixtures/configs";
import { devRaw, devWith, find, preview, T } from "./helpers";

/** The stub iptables the probe scripts run against. */
const FAKE_IPTABLES = path.join(__dirname, "fixtures", "fake-iptables.sh");

const swarmRaw = (): RawConfig => JSON.parse(JSON.stringify(SWARM_DEV)) as RawConfig;
const ADDR: Record<string, string> = { "swarm-manager": "127.0.0.2", "swarm-node1": "127.0.0.3", "swarm-node2": "127.0.0.4" };

describe("underlay probe: the round (lib/probe/underlay.ts)", () => {
    const config = normalizeConfig(swarmRaw(), "dev");
    const round = probeRound(
        probePlan(config).probes,
        (m) => ADDR[m],
        (m) => (ADDR[m] !== undefined ? `/ns/${m}` : undefined),
    );

    it("each host watches for what every peer sends it; each manager also for the manager port", () => {
        assert.deepEqual(
            round.watches.get("swarm-manager")?.map((w) => `${w.source} ${w.protocol}/${w.port}`),
            [
                "127.0.0.3 tcp/2377",
                "127.0.0.4 tcp/2377",
                "127.0.0.3 tcp/7946",
                "127.0.0.4 tcp/7946",
                "127.0.0.3 udp/7946",
                "127.0.0.4 udp/7946",
                "127.0.0.3 udp/4789",
                "127.0.0.4 udp/4789",
            ],
        );
        assert.deepEqual(
            round.targets.get("swarm-node2")?.map((t) => `${t.name} ${t.namespace ?? "-"} ${t.protocol}/${t.port}`),
            [
                "swarm-manager /ns/swarm-manager tcp/2377",
                "swarm-manager /ns/swarm-manager tcp/7946",
                "swarm-node1 /ns/swarm-node1 tcp/7946",
                "swarm-manager /ns/swarm-manager udp/7946",
                "swarm-node1 /ns/swarm-node1 udp/7946",
                "swarm-manager /ns/swarm-manager udp/4789",
                "swarm-node1 /ns/swarm-node1 udp/4789",
            ],
        );
    });

    it("an existing KV store (cluster-store mode) is a target without a namespace, and watches nothing", () => {
        const withKv = normalizeConfig(
            devWith((raw) => {
                raw.kvStore = { backend: "consul", address: "consul://192.0.2.10:8500" };
            }),
            "dev",
        );
        const r = probeRound(
            probePlan(withKv).probes,
            (m) => ADDR[m],
            (m) => (ADDR[m] !== undefined ? `/ns/${m}` : undefined),
        );
        assert.equal(r.watches.has("192.0.2.10"), false);
        assert.deepEqual(
            r.targets.get("swarm-node1")?.filter((t) => t.port === 8500),
            [{ name: "192.0.2.10", address: "192.0.2.10", protocol: "tcp", port: 8500 }],
        );
    });

    it("the digest changes with what is probed and the machines' ids, and only then", () => {
        const again = probeRound(
            probePlan(normalizeConfig(swarmRaw(), "dev")).probes,
            (m) => ADDR[m],
            (m) => `/ns/${m}`,
        );
        assert.equal(probeRoundDigest(again, ["id1"]), probeRoundDigest(round, ["id1"]));
        assert.notEqual(probeRoundDigest(round, ["id2"]), probeRoundDigest(round, ["id1"]), "a replaced machine is a new round");
        const raw = swarmRaw();
        (raw.hosts as unknown[]).push({ name: "swarm-node3" });
        const more = probeRound(
            probePlan(normalizeConfig(raw, "dev")).probes,
            (m) => ADDR[m] ?? "127.0.0.5",
            (m) => `/ns/${m}`,
        );
        assert.notEqual(probeRoundDigest(more, ["id1"]), probeRoundDigest(round, ["id1"]));
    });

    it("refuses a host without an address", () => {
        assert.throws(
            () =>
                probeRound(
                    probePlan(config).probes,
                    () => undefined,
                    () => undefined,
                ),
            { message: 'underlay probe: no underlay address for host "swarm-node1"' },
        );
    });

    describe("the scripts against stub iptables and nsenter", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "underlay-probe-"));
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            fs.mkdirSync(path.join(dir, "state"));
            // The namespaces' mounts, as files: a watch's delete looks for its namespace first.
            fs.mkdirSync(path.join(dir, "ns"));
            for (const m of Object.keys(ADDR)) {
                fs.writeFileSync(path.join(dir, "ns", m), "");
            }
            // nsenter --net=/ns/<name> CMD...: runs CMD with NS=<name> (the iptables stub keeps one chain per namespace).
            fs.writeFileSync(path.join(bin, "nsenter"), '#!/usr/bin/env bash\nns=${1#--net=}; shift\nNS=$(basename "$ns") exec "$@"\n', { mode: 0o755 });
            // iptables: the security table's INPUT chain in $STATE/$NS (tests/unit/fixtures/fake-iptables.sh).
            fs.copyFileSync(FAKE_IPTABLES, path.join(bin, "iptables"));
            fs.chmodSync(path.join(bin, "iptables"), 0o755);
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const sh = (script: string, interpreter: string[], env: Record<string, string> = {}) =>
            spawnSync(interpreter[0], [...interpreter.slice(1), script], {
                encoding: "utf8",
                env: { PATH: `${path.join(dir, "bin")}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: dir, STATE: path.join(dir, "state"), ...env },
                timeout: 30_000,
            });
        const chain = (ns: string) => fs.readFileSync(path.join(dir, "state", ns), "utf8");
        const watch = (m: string) =>
            renderProbeWatchScripts({ tag: "dev", machine: m, address: ADDR[m], namespace: path.join(dir, "ns", m), watches: round.watches.get(m) ?? [] });
        const bash = ["/bin/bash", "-c"];
        const from = (host: string, waitSeconds: number) =>
            renderProbeFromScript({
                host,
                address: ADDR[host],
                namespace: `/ns/${host}`,
                targets: (round.targets.get(host) ?? []).map((t) => ({ ...t, tag: "dev" })),
                waitSeconds,
            });

        it("a watch's create replaces the stack's rules (twice: each once), its delete removes them and nothing else", () => {
            fs.writeFileSync(path.join(dir, "state", "swarm-node2"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
            for (let i = 0; i < 2; i++) {
                const r = sh(watch("swarm-node2").create, bash);
                assert.equal(r.status, 0, r.stderr);
            }
            const rules = chain("swarm-node2")
                .split("\n")
                .filter((l) => l.includes("docker-overlay probe dev "));
            assert.equal(rules.length, round.watches.get("swarm-node2")?.length);
            assert.ok(
                rules.includes('-A INPUT -s 127.0.0.2 -d 127.0.0.4 -p udp --dport 4789 -m comment --comment "docker-overlay probe dev 127.0.0.2 udp 4789"'),
                rules.join("\n"),
            );
            const d = sh(watch("swarm-node2").delete, bash);
            assert.equal(d.status, 0, d.stderr);
            assert.equal(chain("swarm-node2"), '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n');
            assert.equal(sh(watch("swarm-node2").delete, bash).status, 0, "delete twice");
            // A machine that is gone: its delete succeeds without entering anything.
            fs.writeFileSync(path.join(dir, "bin", "nsenter"), "#!/bin/sh\necho nsenter ran >&2; exit 1\n", { mode: 0o755 });
            const gone = sh(watch("swarm-node2").delete.replace('[ -e "$NS" ]', "[ -e /nonexistent ]"), bash);
            assert.deepEqual([gone.status, gone.stderr], [0, ""]);
        });

        it("what counts is what arrives now: a counter that had packets from an earlier run (a sender's machine replaced, same address) and gains none fails", () => {
            for (const m of Object.keys(ADDR)) {
                assert.equal(sh(watch(m).create, bash).status, 0);
            }
            const stale = sh(from("swarm-node1", 1), ["/bin/bash", "-c"], { FROZEN: "127.0.0.3 udp 7946" });
            assert.equal(stale.status, 1);
            assert.deepEqual(
                stale.stderr.split("\n").filter((l) => l.endsWith(": no answer")),
                ["swarm-node1 -> swarm-manager udp/7946: no answer", "swarm-node1 -> swarm-node2 udp/7946: no answer"],
            );
        });

        it("a host's probe passes when every target counted it, and names exactly the pairs that did not arrive", () => {
            for (const m of Object.keys(ADDR)) {
                assert.equal(sh(watch(m).create, bash).status, 0);
            }
            const ok = sh(from("swarm-node1", 1), ["/bin/bash", "-c"]);
            assert.equal(ok.status, 0, ok.stderr);
            assert.equal(ok.stderr, "docker-overlay: swarm-node1 reaches 7 target(s) on the underlay\n");
            const cut = sh(from("swarm-node1", 1), ["/bin/bash", "-c"], { DROPPED: "127.0.0.3 udp 4789\n127.0.0.3 tcp 2377" });
            assert.equal(cut.status, 1);
            assert.equal(
                cut.stderr,
                "docker-overlay: the underlay does not carry what the cluster needs from swarm-node1 (nothing of the cluster was created; open these and run up again):\n" +
                    "swarm-node1 -> swarm-manager tcp/2377: no answer\n" +
                    "swarm-node1 -> swarm-manager udp/4789: no answer\n" +
                    "swarm-node1 -> swarm-node2 udp/4789: no answer\n",
            );
        });

        it("a target without a namespace (an existing store) answers when a tcp connect is accepted", async () => {
            const server = net.createServer();
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const port = (server.address() as net.AddressInfo).port;
            try {
                const script = (p: number) =>
                    renderProbeFromScript({
                        host: "swarm-node1",
                        address: ADDR["swarm-node1"],
                        namespace: "/ns/swarm-node1",
                        targets: [{ name: "kvstore", address: "127.0.0.1", protocol: "tcp", port: p, tag: "" }],
                        waitSeconds: 1,
                    });
                // The kernel accepts into the listen backlog while this process waits for the script.
                const ok = sh(script(port), ["/bin/bash", "-c"]);
                assert.equal(ok.status, 0, ok.stderr);
                await new Promise<void>((resolve) => server.close(() => resolve()));
                const refused = sh(script(port), ["/bin/bash", "-c"]);
                assert.equal(refused.status, 1);
                assert.match(refused.stderr, new RegExp(`\\nswarm-node1 -> kvstore tcp/${port}: no answer\\n$`));
            } finally {
                server.close();
            }
        });
    });
});

describe("underlay probe: the program's wiring (components/underlayProbe.ts)", () => {
    it("swarm mode on netns: a watch per host, a probe per host after its targets' watches; init and every join after every probe", async () => {
        const run = await preview(swarmRaw());
        const hosts = ["swarm-manager", "swarm-node1", "swarm-node2"];
        const watches = hosts.map((h) => find(run, T.command, `underlay-probe-watch-${h}`));
        const probes = hosts.map((h) => find(run, T.command, `underlay-probe-from-${h}`));
        const engine = (h: string) => find(run, T.command, `${h}-engine`).urn;
        // Each watch after its own machine only (its namespace exists then; its tag is the round's and that machine's id).
        hosts.forEach((h, i) => assert.deepEqual(watches[i].dependsOn, [engine(h)], watches[i].name));
        // Each probe after the watches of the hosts it sends to (here every other host) and its own machine; on
        // the machines' ids only through them: its own, and its targets' (their watches' tags).
        probes.forEach((p, i) => {
            const others = hosts.filter((_, j) => j !== i);
            assert.deepEqual(p.dependsOn, [...others.map((h) => watches[hosts.indexOf(h)].urn), ...hosts.map(engine)].sort(), p.name);
            assert.deepEqual(p.propertyDependencies["create"], hosts.map(engine).sort(), p.name);
        });
        for (const name of ["swarm-init", "swarm-join-swarm-node1", "swarm-join-swarm-node2"]) {
            const r = find(run, T.command, name);
            for (const p of probes) {
                assert.ok(r.dependsOn.includes(p.urn), `${name} does not wait for ${p.name}`);
            }
        }
    });

    it("a container waits for its host's join (so a removed host's containers go before it leaves), in swarm mode only", async () => {
        const run = await preview(swarmRaw());
        assert.ok(find(run, T.container, "c2-container").dependsOn.includes(find(run, T.command, "swarm-join-swarm-node1").urn));
        assert.ok(find(run, T.container, "c1-container").dependsOn.includes(find(run, T.command, "swarm-join-swarm-node2").urn));
    });

    it("cluster-store mode on netns: every overlay after every probe, the probes after every engine and the KV machine", async () => {
        const run = await preview(devRaw());
        const probes = ["swarm-manager", "swarm-node1", "swarm-node2"].map((h) => find(run, T.command, `underlay-probe-from-${h}`));
        const network = find(run, T.network, "net1-network");
        for (const p of probes) {
            assert.ok(network.dependsOn.includes(p.urn), `net1-network does not wait for ${p.name}`);
        }
        // What a host must reach there: serf (tcp+udp) and VXLAN on every other host, the store's port on the KV machine.
        const round = probeRound(
            probePlan(normalizeConfig(devRaw(), "dev")).probes,
            (m) => ({ ...ADDR, kvstore: "127.0.0.5" })[m],
            (m) => `/ns/${m}`,
        );
        assert.deepEqual(
            round.targets.get("swarm-node1")?.map((t) => `${t.name} ${t.protocol}/${t.port}`),
            [
                "swarm-manager tcp/7946",
                "swarm-node2 tcp/7946",
                "swarm-manager udp/7946",
                "swarm-node2 udp/7946",
                "swarm-manager udp/4789",
                "swarm-node2 udp/4789",
                "kvstore tcp/8500",
            ],
        );
        assert.deepEqual(
            round.watches.get("kvstore")?.map((w) => `${w.source} ${w.protocol}/${w.port}`),
            ["127.0.0.2 tcp/8500", "127.0.0.3 tcp/8500", "127.0.0.4 tcp/8500"],
        );
        // The KV machine's watch after the store's machine (and, through the round's tag, after every engine).
        assert.ok(find(run, T.command, "underlay-probe-watch-kvstore").dependsOn.includes(find(run, T.command, "kvstore-machine").urn));
    });

    it("ssh: one probe per host, run where the program runs with the private key as a secret, after every machine; swarm init after every probe", async () => {
        const ssh = await preview({
            ...swarmRaw(),
            driver: { kind: "ssh", user: "root" },
            hosts: [
                { name: "m", role: "manager", ssh: { address: "192.0.2.11" } },
                { name: "w", ssh: { address: "192.0.2.12", port: 2222 } },
            ],
            containers: [],
        });
        const probes = ssh.registrations.filter((r) => r.name.startsWith("underlay-probe-"));
        assert.deepEqual(probes.map((r) => `${r.type} ${r.name}`).sort(), [`${T.command} underlay-probe-from-m`, `${T.command} underlay-probe-from-w`]);
        const machines = ["m", "w"].map((h) => find(ssh, "command:remote:Command", `${h}-engine-daemon`).urn).sort();
        const init = find(ssh, T.command, "swarm-init");
        for (const p of probes) {
            assert.deepEqual(p.dependsOn, machines, p.name);
            assert.deepEqual(Object.keys(p.inputs["environment"] as object), ["DOCKER_OVERLAY_SSH_KEY"], p.name);
            assert.ok(init.dependsOn.includes(p.urn), `swarm-init does not wait for ${p.name}`);
        }
        // What m must reach, over which connection: w's engine on swarm's gossip and data ports.
        const targets = sshProbeTargets(
            probePlan(
                normalizeConfig(
                    {
                        ...swarmRaw(),
                        driver: { kind: "ssh", user: "root" },
                        hosts: [
                            { name: "m", role: "manager", ssh: { address: "192.0.2.11" } },
                            { name: "w", ssh: { address: "192.0.2.12", port: 2222 } },
                        ],
                        containers: [],
                    },
                    "dev",
                ),
            ).probes,
            (h) => (h === "w" ? { user: "root", host: "192.0.2.12", port: 2222 } : h === "m" ? { user: "root", host: "192.0.2.11", port: 22 } : undefined),
        );
        assert.deepEqual(
            targets.get("w")?.map((t) => `${t.name} ${t.ssh?.host}:${t.ssh?.port} ${t.protocol}/${t.port}`),
            ["m 192.0.2.11:22 tcp/2377", "m 192.0.2.11:22 tcp/7946", "m 192.0.2.11:22 udp/7946", "m 192.0.2.11:22 udp/4789"],
        );
    });

    it("none on drivers that can neither enter their machines nor log in to them (dind)", async () => {
        const dind = await preview({ ...swarmRaw(), driver: { kind: "dind" } });
        assert.equal(dind.registrations.filter((r) => r.name.startsWith("underlay-probe")).length, 0);
        assert.ok(
            dind.registrations.some((r) => r.type === T.container),
            "the dind stack did not plan",
        );
    });
});
