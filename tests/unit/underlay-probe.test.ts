/**
 * The underlay probed before the cluster forms: which command probes which
 * pairs (lib/plan/probes.ts probeOwners), the tables and the script
 * (lib/probe/underlay.ts) run against stub `iptables` and `nsenter` (datagrams
 * and connects go to loopback only), and the program's wiring
 * (components/underlayProbe.ts): swarm init and every join after every probe.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { RawConfig } from "../../lib/config/types";
import { normalizeConfig } from "../../lib/config/validate";
import { probeLabel, probeOwners, probePlan } from "../../lib/plan/probes";
import { ProbeMachine, probeTables, probeTablesDigest, renderProbeScript } from "../../lib/probe/underlay";
import { SWARM_DEV } from "./fixtures/configs";
import { devRaw, devWith, find, preview, T } from "./helpers";

/** The stub iptables the probe scripts run against. */
const FAKE_IPTABLES = path.join(__dirname, "fixtures", "fake-iptables.sh");

const swarmRaw = (): RawConfig => JSON.parse(JSON.stringify(SWARM_DEV)) as RawConfig;
const ADDR: Record<string, string> = { "swarm-manager": "127.0.0.2", "swarm-node1": "127.0.0.3", "swarm-node2": "127.0.0.4" };
const owners = (raw: RawConfig) => {
    const config = normalizeConfig(raw, "dev");
    return probeOwners(config, probePlan(config).probes);
};
const labelsOf = (m: Map<string, ReturnType<typeof probePlan>["probes"]>) => new Map([...m].map(([h, ps]) => [h, ps.map(probeLabel)]));

describe("underlay probe: which command probes which pairs (lib/plan/probes.ts probeOwners)", () => {
    it("a pair, both ways and every port, belongs to the later of its hosts: the first host of a swarm has no command", () => {
        const o = labelsOf(owners(swarmRaw()));
        assert.deepEqual([...o.keys()], ["swarm-node1", "swarm-node2"]);
        assert.deepEqual(o.get("swarm-node1"), [
            "swarm-node1 -> swarm-manager tcp/2377",
            "swarm-manager -> swarm-node1 tcp/7946",
            "swarm-node1 -> swarm-manager tcp/7946",
            "swarm-manager -> swarm-node1 udp/7946",
            "swarm-node1 -> swarm-manager udp/7946",
            "swarm-manager -> swarm-node1 udp/4789",
            "swarm-node1 -> swarm-manager udp/4789",
        ]);
        // Every probe of the plan exactly once.
        const config = normalizeConfig(swarmRaw(), "dev");
        assert.deepEqual([...o.values()].flat().sort(), probePlan(config).probes.map(probeLabel).sort());
    });

    it("adding a host at the end adds its command and leaves every other command's pairs as they were", () => {
        const raw = swarmRaw();
        (raw.hosts as unknown[]).push({ name: "swarm-node3" });
        const before = labelsOf(owners(swarmRaw()));
        const after = labelsOf(owners(raw));
        assert.deepEqual([...after.keys()], ["swarm-node1", "swarm-node2", "swarm-node3"]);
        for (const [h, ps] of before) {
            assert.deepEqual(after.get(h), ps, h);
        }
    });

    it("a host marked lost is probed by none and probes none: its command goes, a host added after it pairs only with the others", () => {
        const raw = {
            ...swarmRaw(),
            driver: { kind: "ssh", user: "root" },
            hosts: [
                { name: "m", role: "manager", ssh: { address: "192.0.2.11" } },
                { name: "w", ssh: { address: "192.0.2.12" }, lost: true },
                { name: "x", ssh: { address: "192.0.2.13" } },
            ],
            containers: [],
        };
        const o = labelsOf(owners(raw));
        assert.deepEqual([...o.keys()], ["x"]);
        assert.deepEqual(o.get("x"), [
            "x -> m tcp/2377",
            "m -> x tcp/7946",
            "x -> m tcp/7946",
            "m -> x udp/7946",
            "x -> m udp/7946",
            "m -> x udp/4789",
            "x -> m udp/4789",
        ]);
        // Without the mark, w has its command and x pairs with it too.
        const alive = labelsOf(owners({ ...raw, hosts: raw.hosts.map(({ lost: _lost, ...h }) => h) }));
        assert.deepEqual([...alive.keys()], ["w", "x"]);
        assert.ok(alive.get("x")?.includes("w -> x udp/4789"));
    });

    it("cluster-store: a probe to the KV store belongs to its sender, so the first host has one too", () => {
        const o = labelsOf(owners(devRaw()));
        assert.deepEqual(o.get("swarm-manager"), ["swarm-manager -> kvstore tcp/8500"]);
        assert.ok(o.get("swarm-node2")?.includes("swarm-node2 -> kvstore tcp/8500"));
    });
});

describe("underlay probe: the tables and the script (lib/probe/underlay.ts)", () => {
    const config = normalizeConfig(swarmRaw(), "dev");
    const probesOf = (h: string) => probeOwners(config, probePlan(config).probes).get(h) ?? [];
    const place = (m: string): ProbeMachine => ({ name: m, address: ADDR[m], namespace: `/ns/${m}` });

    it("each machine once, in the order the pairs name them; an existing store is an address without a namespace", () => {
        const t = probeTables(probesOf("swarm-node1"), place);
        assert.deepEqual(
            t.machines.map((m) => m.name),
            ["swarm-node1", "swarm-manager"],
        );
        assert.deepEqual(t.pairs[0], { from: 0, to: 1, protocol: "tcp", port: 2377 });
        assert.deepEqual(t.pairs[1], { from: 1, to: 0, protocol: "tcp", port: 7946 });
        const withKv = normalizeConfig(
            devWith((raw) => {
                raw.kvStore = { backend: "consul", address: "consul://192.0.2.10:8500" };
            }),
            "dev",
        );
        const kv = probeTables(probeOwners(withKv, probePlan(withKv).probes).get("swarm-manager") ?? [], (m) =>
            ADDR[m] !== undefined ? place(m) : { name: m, address: m },
        );
        assert.deepEqual(kv.machines[1], { name: "192.0.2.10", address: "192.0.2.10" });
    });

    it("the digest changes with the pairs, the places and the transport, and only then", () => {
        const t = probeTables(probesOf("swarm-node2"), place);
        const d = probeTablesDigest(t, { kind: "netns" });
        assert.equal(probeTablesDigest(probeTables(probesOf("swarm-node2"), place), { kind: "netns" }), d);
        assert.notEqual(probeTablesDigest(probeTables(probesOf("swarm-node1"), place), { kind: "netns" }), d);
        assert.notEqual(
            probeTablesDigest(
                probeTables(probesOf("swarm-node2"), (m) => ({ ...place(m), address: "127.0.0.9" })),
                { kind: "netns" },
            ),
            d,
        );
        assert.notEqual(probeTablesDigest(t, { kind: "ssh", iface: "eth1" }), d);
    });

    it("refuses a machine without an address", () => {
        assert.throws(
            () =>
                renderProbeScript({ tag: "dev", what: "x", transport: { kind: "netns" }, tables: probeTables(probesOf("swarm-node1"), (m) => ({ name: m })) }),
            {
                message: 'underlay probe: no underlay address for "swarm-node1"',
            },
        );
    });

    describe("the script against stub iptables and nsenter", () => {
        let dir: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "underlay-probe-"));
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            fs.mkdirSync(path.join(dir, "state"));
            // nsenter --net=/ns/<name> CMD...: runs CMD with NS=<name> (the iptables stub keeps one chain per namespace).
            fs.writeFileSync(path.join(bin, "nsenter"), '#!/usr/bin/env bash\nns=${1#--net=}; shift\nNS=$(basename "$ns") exec "$@"\n', { mode: 0o755 });
            // iptables: the security table's INPUT chain in $STATE/$NS (tests/unit/fixtures/fake-iptables.sh).
            fs.copyFileSync(FAKE_IPTABLES, path.join(bin, "iptables"));
            fs.chmodSync(path.join(bin, "iptables"), 0o755);
            fs.copyFileSync(path.join(__dirname, "fixtures", "fake-iptables-restore.sh"), path.join(bin, "iptables-restore"));
            fs.chmodSync(path.join(bin, "iptables-restore"), 0o755);
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        const sh = (script: string, env: Record<string, string> = {}) =>
            spawnSync("/bin/bash", ["-c", script], {
                encoding: "utf8",
                env: { PATH: `${path.join(dir, "bin")}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: dir, STATE: path.join(dir, "state"), ...env },
                timeout: 30_000,
            });
        const chain = (ns: string) => (fs.existsSync(path.join(dir, "state", ns)) ? fs.readFileSync(path.join(dir, "state", ns), "utf8") : "");
        const reads = (ns: string) => fs.readFileSync(path.join(dir, "state", `${ns}.reads`), "utf8").trim();
        const script = (owner: string, waitSeconds = 1) =>
            renderProbeScript({
                tag: `dev-${owner}`,
                what: `the pairs of ${owner}`,
                transport: { kind: "netns" },
                tables: probeTables(probesOf(owner), place),
                waitSeconds,
            });

        it("passes when every pair arrived; its own rules at each target only while it runs, each target's counters read once a round", () => {
            const other = '-A INPUT -p tcp -m comment --comment "someone else" -j ACCEPT\n';
            fs.writeFileSync(path.join(dir, "state", "swarm-manager"), other);
            const ok = sh(script("swarm-node2"));
            assert.equal(ok.status, 0, ok.stderr);
            assert.equal(ok.stderr, "docker-overlay: the underlay carries 13 probe(s) of the pairs of swarm-node2\n");
            // Every target read once (one round), whatever the number of its rules; its rules set in one
            // iptables-restore and cleared in another; nothing left, nothing else touched.
            assert.deepEqual(["swarm-manager", "swarm-node1", "swarm-node2"].map(reads), ["1", "1", "1"]);
            const restores = fs
                .readFileSync(path.join(dir, "state", "restore.log"), "utf8")
                .trim()
                .split("\n")
                .sort();
            assert.deepEqual(restores, ["swarm-manager", "swarm-manager", "swarm-node1", "swarm-node1", "swarm-node2", "swarm-node2"]);
            assert.equal(chain("swarm-manager"), other);
            assert.equal(chain("swarm-node1"), "");
            assert.equal(chain("swarm-node2"), "");
        });

        it("names exactly the pairs that did not arrive, both directions, and removes its rules then too, touching no other command's", () => {
            const others = '-A INPUT -s 127.0.0.3 -p udp --dport 4789 -m comment --comment "docker-overlay probe dev-swarm-node1 127.0.0.3 udp 4789"\n';
            fs.writeFileSync(path.join(dir, "state", "swarm-manager"), others);
            const cut = sh(script("swarm-node2"), { DROPPED: "127.0.0.4 udp 4789\n127.0.0.2 tcp 7946\n127.0.0.4 tcp 2377" });
            assert.equal(cut.status, 1);
            assert.equal(
                cut.stderr,
                "docker-overlay: the underlay does not carry what the cluster needs (nothing of the cluster was created; open these and run up again):\n" +
                    "swarm-node2 -> swarm-manager tcp/2377: no answer\n" +
                    "swarm-manager -> swarm-node2 tcp/7946: no answer\n" +
                    "swarm-node2 -> swarm-manager udp/4789: no answer\n" +
                    "swarm-node2 -> swarm-node1 udp/4789: no answer\n",
            );
            assert.equal(chain("swarm-manager"), others);
            assert.equal(chain("swarm-node1"), "");
            assert.equal(chain("swarm-node2"), "");
        });

        it("a target without a namespace (an existing store) answers when a tcp connect is accepted", async () => {
            const server = net.createServer();
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            const port = (server.address() as net.AddressInfo).port;
            try {
                const store = (p: number) =>
                    renderProbeScript({
                        tag: "dev-swarm-node1",
                        what: "the pairs of swarm-node1",
                        transport: { kind: "netns" },
                        tables: probeTables([{ from: "swarm-node1", to: "kvstore", protocol: "tcp", port: p, why: "" }], (m) =>
                            m === "kvstore" ? { name: m, address: "127.0.0.1" } : place(m),
                        ),
                        waitSeconds: 1,
                    });
                // The kernel accepts into the listen backlog while this process waits for the script.
                const ok = sh(store(port));
                assert.equal(ok.status, 0, ok.stderr);
                await new Promise<void>((resolve) => server.close(() => resolve()));
                const refused = sh(store(port));
                assert.equal(refused.status, 1);
                assert.match(refused.stderr, new RegExp(`\\nswarm-node1 -> kvstore tcp/${port}: no answer\\n$`));
            } finally {
                server.close();
            }
        });
    });
});

describe("underlay probe: the program's wiring (components/underlayProbe.ts)", () => {
    it("swarm mode on netns: a command per host that owns pairs, after its pairs' machines; init and every join after every probe", async () => {
        const run = await preview(swarmRaw());
        assert.deepEqual(
            run.registrations.filter((r) => r.name.startsWith("underlay-probe-")).map((r) => `${r.type} ${r.name}`),
            [`${T.command} underlay-probe-swarm-node1`, `${T.command} underlay-probe-swarm-node2`],
        );
        const engine = (h: string) => find(run, T.command, `${h}-engine`).urn;
        const node1 = find(run, T.command, "underlay-probe-swarm-node1");
        const node2 = find(run, T.command, "underlay-probe-swarm-node2");
        // After the machines of its pairs only (their namespaces exist then), on their ids through its trigger.
        assert.deepEqual(node1.dependsOn, [engine("swarm-node1"), engine("swarm-manager")].sort());
        assert.deepEqual(node2.dependsOn, [engine("swarm-node2"), engine("swarm-manager"), engine("swarm-node1")].sort());
        assert.deepEqual(node2.propertyDependencies["triggers"], [engine("swarm-node2"), engine("swarm-manager"), engine("swarm-node1")].sort());
        assert.deepEqual(node2.propertyDependencies["create"], [], "the script is known without any machine");
        assert.equal(node2.inputs["environment"], undefined);
        assert.match(node2.inputs["create"] as string, /^TAG=dev-swarm-node2$/m);
        for (const name of ["swarm-init", "swarm-join-swarm-node1", "swarm-join-swarm-node2"]) {
            const r = find(run, T.command, name);
            for (const p of [node1, node2]) {
                assert.ok(r.dependsOn.includes(p.urn), `${name} does not wait for ${p.name}`);
            }
        }
    });

    it("a container waits for its host's join (so a removed host's containers go before it leaves), in swarm mode only", async () => {
        const run = await preview(swarmRaw());
        assert.ok(find(run, T.container, "c2-container").dependsOn.includes(find(run, T.command, "swarm-join-swarm-node1").urn));
        assert.ok(find(run, T.container, "c1-container").dependsOn.includes(find(run, T.command, "swarm-join-swarm-node2").urn));
    });

    it("cluster-store mode on netns: every overlay after every probe; the first host's probe reaches the KV machine", async () => {
        const run = await preview(devRaw());
        const probes = ["swarm-manager", "swarm-node1", "swarm-node2"].map((h) => find(run, T.command, `underlay-probe-${h}`));
        const network = find(run, T.network, "net1-network");
        for (const p of probes) {
            assert.ok(network.dependsOn.includes(p.urn), `net1-network does not wait for ${p.name}`);
        }
        assert.deepEqual(probes[0].dependsOn, [find(run, T.command, "swarm-manager-engine").urn, find(run, T.command, "kvstore-machine").urn].sort());
    });

    it("ssh: a probe per host that owns pairs, run where the program runs with the private key as a secret, before any engine is configured; swarm init after every probe", async () => {
        const raw = {
            ...swarmRaw(),
            driver: { kind: "ssh", user: "root" },
            hosts: [
                { name: "m", role: "manager", ssh: { address: "192.0.2.11" } },
                { name: "w", ssh: { address: "192.0.2.12", port: 2222 } },
            ],
            containers: [],
        };
        const ssh = await preview(raw);
        const probes = ssh.registrations.filter((r) => r.name.startsWith("underlay-probe-"));
        assert.deepEqual(
            probes.map((r) => `${r.type} ${r.name}`),
            [`${T.command} underlay-probe-w`],
        );
        const engines = ["w", "m"].map((h) => find(ssh, "command:remote:Command", `${h}-engine-daemon`));
        const init = find(ssh, T.command, "swarm-init");
        for (const p of probes) {
            // The hosts exist before the stack: the probe waits for nothing, every engine's configuration waits for it.
            assert.deepEqual(p.dependsOn, [], p.name);
            assert.deepEqual(p.propertyDependencies["triggers"], [], p.name);
            for (const e of engines) {
                assert.ok(e.dependsOn.includes(p.urn), `${e.name} does not wait for ${p.name}`);
            }
            assert.deepEqual(Object.keys(p.inputs["environment"] as object), ["DOCKER_OVERLAY_SSH_KEY"], p.name);
            assert.ok(init.dependsOn.includes(p.urn), `swarm-init does not wait for ${p.name}`);
            // Over which connections: both hosts' ssh endpoints, their addresses read on them (eth1 there).
            const create = p.inputs["create"] as string;
            assert.match(create, /^M_SSH=\(root@w root@192\.0\.2\.11\)$|^M_SSH=\(root@192\.0\.2\.12 root@192\.0\.2\.11\)$/m);
            assert.match(create, /^M_SSHPORT=\(2222 22\)$/m);
            assert.match(create, /^IFACE=eth1$/m);
        }
    });

    it("ssh with a cluster store: every probe before any engine is configured (so none registers in the store before a pair fails), every overlay after them", async () => {
        const raw = {
            ...devRaw(),
            driver: { kind: "ssh", user: "root" },
            kvStore: { backend: "consul", address: "consul://192.0.2.10:8500" },
            hosts: [
                { name: "a", ssh: { address: "192.0.2.11" } },
                { name: "b", ssh: { address: "192.0.2.12" } },
                { name: "c", ssh: { address: "192.0.2.13" } },
            ],
            containers: [],
        };
        const run = await preview(raw);
        const probes = ["a", "b", "c"].map((h) => find(run, T.command, `underlay-probe-${h}`));
        // The first host's probe is its own probe of the store.
        const first = probes[0].inputs["create"] as string;
        assert.match(first, /^M_NAME=\(a 192\.0\.2\.10\)$/m);
        assert.match(first, /^P_PORT=\(8500\)$/m);
        const network = find(run, T.network, "net1-network");
        for (const p of probes) {
            assert.deepEqual(p.dependsOn, [], p.name);
            assert.ok(network.dependsOn.includes(p.urn), `net1-network does not wait for ${p.name}`);
            for (const h of ["a", "b", "c"]) {
                const engine = find(run, "command:remote:Command", `${h}-engine-daemon`);
                assert.ok(engine.dependsOn.includes(p.urn), `${engine.name} does not wait for ${p.name}`);
            }
        }
    });

    it("dind: a probe per host that owns pairs, through the local Docker into the engine machines' containers, after them; swarm init after every probe", async () => {
        const dind = await preview({ ...swarmRaw(), driver: { kind: "dind" } });
        const probes = dind.registrations.filter((r) => r.name.startsWith("underlay-probe-"));
        assert.deepEqual(
            probes.map((r) => `${r.type} ${r.name}`),
            [`${T.command} underlay-probe-swarm-node1`, `${T.command} underlay-probe-swarm-node2`],
        );
        const machine = (h: string) => find(dind, T.container, `${h}-engine-container`).urn;
        const init = find(dind, T.command, "swarm-init");
        const node2 = find(dind, T.command, "underlay-probe-swarm-node2");
        assert.deepEqual(node2.dependsOn, [machine("swarm-node2"), machine("swarm-manager"), machine("swarm-node1")].sort());
        assert.deepEqual(node2.propertyDependencies["triggers"], [machine("swarm-node2"), machine("swarm-manager"), machine("swarm-node1")].sort());
        assert.equal(node2.inputs["environment"], undefined);
        const create = node2.inputs["create"] as string;
        assert.match(create, /^LOCAL_DOCKER=unix:\/\/\/var\/run\/docker\.sock$/m);
        // Rounds through docker exec take seconds: a longer window than netns and ssh get.
        assert.match(create, /^WAIT_SECONDS=30$/m);
        assert.match(create, /^M_NAME=\(swarm-node2 swarm-manager swarm-node1\)$/m);
        assert.match(create, /^M_CTR=\(docker-overlay-swarm-node2 docker-overlay-swarm-manager docker-overlay-swarm-node1\)$/m);
        assert.match(create, /dk "\$LOCAL_DOCKER" exec "\$\{M_CTR\[m\]\}" sh -c "\$PROBE_SH" underlay-probe "\$@"/);
        for (const p of probes) {
            assert.ok(init.dependsOn.includes(p.urn), `swarm-init does not wait for ${p.name}`);
        }
    });

    it("dind with a cluster store: the store's container is no probe's to enter (a tcp connect reaches it); every overlay after every probe", async () => {
        const dind = await preview({ ...devRaw(), driver: { kind: "dind" } });
        const probes = ["swarm-manager", "swarm-node1", "swarm-node2"].map((h) => find(dind, T.command, `underlay-probe-${h}`));
        const network = find(dind, T.network, "net1-network");
        for (const p of probes) {
            assert.ok(network.dependsOn.includes(p.urn), `net1-network does not wait for ${p.name}`);
        }
        const first = probes[0].inputs["create"] as string;
        assert.match(first, /^M_NAME=\(swarm-manager kvstore\)$/m);
        assert.match(first, /^M_CTR=\(docker-overlay-swarm-manager ''\)$/m);
        assert.deepEqual(
            probes[0].dependsOn,
            [find(dind, T.container, "swarm-manager-engine-container").urn, find(dind, T.container, "kvstore-machine-container").urn].sort(),
        );
    });

    it("docker-machine: a probe per host that owns pairs, through docker-machine ssh into each VM, after them; its addresses read at run time; swarm init after every probe", async () => {
        const dm = await preview({ ...swarmRaw(), driver: { kind: "docker-machine", machineDriver: "virtualbox" } });
        const probes = dm.registrations.filter((r) => r.name.startsWith("underlay-probe-"));
        assert.deepEqual(
            probes.map((r) => `${r.type} ${r.name}`),
            [`${T.command} underlay-probe-swarm-node1`, `${T.command} underlay-probe-swarm-node2`],
        );
        const machine = (h: string) => [find(dm, T.command, `${h}-engine-machine`).urn, find(dm, T.command, `${h}-engine-connection`).urn];
        const node2 = find(dm, T.command, "underlay-probe-swarm-node2");
        assert.deepEqual(node2.dependsOn, [...machine("swarm-node2"), ...machine("swarm-manager"), ...machine("swarm-node1")].sort());
        assert.deepEqual(
            node2.propertyDependencies["triggers"],
            [
                find(dm, T.command, "swarm-node2-engine-machine").urn,
                find(dm, T.command, "swarm-manager-engine-machine").urn,
                find(dm, T.command, "swarm-node1-engine-machine").urn,
            ].sort(),
        );
        assert.deepEqual(node2.propertyDependencies["create"], [], "the script is known without any machine");
        assert.equal(node2.inputs["environment"], undefined);
        const create = node2.inputs["create"] as string;
        // Every call is a docker-machine process and a new ssh connection: the window docker exec gets.
        assert.match(create, /^WAIT_SECONDS=30$/m);
        assert.match(create, /^M_NAME=\(swarm-node2 swarm-manager swarm-node1\)$/m);
        assert.match(create, /^M_ADDR=\('' '' ''\)$/m);
        assert.match(create, /^M_DM=\(swarm-node2 swarm-manager swarm-node1\)$/m);
        // Swarm mode advertises each machine's IP: no interface to read, `docker-machine ip` it is.
        assert.match(create, /^M_IFACE=\('' '' ''\)$/m);
        assert.match(create, /^M_RULES=\(1 1 1\)$/m);
        assert.match(create, /docker-machine ssh "\$\{M_DM\[m\]\}" "set --\$args; \$DM_PROBE"/);
        const init = find(dm, T.command, "swarm-init");
        for (const p of probes) {
            assert.ok(init.dependsOn.includes(p.urn), `swarm-init does not wait for ${p.name}`);
        }
    });

    it("docker-machine with a cluster store: engines' addresses are their advertise interface's, the KV machine's its IP and no rules there (a connect); every overlay after every probe", async () => {
        const dm = await preview({ ...devRaw(), driver: { kind: "docker-machine", machineDriver: "virtualbox" } });
        const probes = ["swarm-manager", "swarm-node1", "swarm-node2"].map((h) => find(dm, T.command, `underlay-probe-${h}`));
        const network = find(dm, T.network, "net1-network");
        for (const p of probes) {
            assert.ok(network.dependsOn.includes(p.urn), `net1-network does not wait for ${p.name}`);
        }
        const first = probes[0].inputs["create"] as string;
        assert.match(first, /^M_NAME=\(swarm-manager kvstore\)$/m);
        assert.match(first, /^M_DM=\(swarm-manager kvstore\)$/m);
        assert.match(first, /^M_IFACE=\(eth1 ''\)$/m);
        assert.match(first, /^M_RULES=\(1 ''\)$/m);
        assert.match(first, /^P_PORT=\(8500\)$/m);
        assert.ok(probes[0].dependsOn.includes(find(dm, T.command, "kvstore-machine-machine").urn), "the first probe does not wait for the KV machine");
    });
});
