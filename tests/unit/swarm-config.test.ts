/**
 * The config side of swarm mode, TLS and encrypted overlays: validation
 * messages with their key paths, what normalization fills in (no KV store in
 * swarm mode unless configured, TLS defaults per driver), the address pool the
 * plan takes (configured, or chosen; property tests of the choice) and the
 * ports each mode needs.
 */
import * as assert from "node:assert/strict";
import { RawConfig } from "../../lib/config/types";
import { formatProblem, normalizeConfig, validateConfig } from "../../lib/config/validate";
import { overlaps } from "../../lib/net/cidr";
import { planCluster, swarmAddressPool } from "../../lib/plan/cluster";
import { requiredPorts } from "../../lib/plan/ports";
import { chooseSwarmAddressPool, ingressSubnetOf, poolCandidates } from "../../lib/swarm/pool";
import type { Edit } from "./config/validateHelpers";
import { renderSwarmInitScripts } from "../../lib/swarm/scripts";
import { SWARM_DEV } from "./fixtures/configs";

function swarmWith(edit: Edit = () => undefined): RawConfig {
    const raw = structuredClone(SWARM_DEV);
    edit(raw);
    return raw;
}

const problems = (raw: RawConfig) => validateConfig(raw, "dev").map(formatProblem);

describe("swarm config: validation", () => {
    it("the dev stack in swarm mode needs no KV store", () => {
        assert.deepEqual(problems(swarmWith()), []);
    });

    it("the ssh driver in swarm mode needs no kvStore.address (cluster-store mode still does)", () => {
        const ssh = (mode: string) =>
            swarmWith((raw) => {
                raw.driver = { kind: "ssh" };
                raw.engine.mode = mode;
                raw.hosts.forEach((h: { ssh?: object }, i: number) => (h.ssh = { address: `192.0.2.${10 + i}` }));
            });
        assert.deepEqual(problems(ssh("swarm")), []);
        assert.deepEqual(problems(ssh("cluster-store")), [
            "docker-overlay:kvStore.address: is required with driver.kind ssh: the ssh driver creates no machines, so point it at an existing store, e.g. consul://192.0.2.10:8500",
        ]);
    });

    it("rejects an address pool that overlaps an overlay, saying why", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { addressPool: "10.0.0.0/8" }))), [
            'docker-overlay:engine.swarm.addressPool: "10.0.0.0/8" overlaps net1\'s subnet 10.0.0.0/24 (networks[0]); swarm allocates its ingress network from this pool, and an attachable overlay on addresses the ingress holds fails at container start with only "attaching to network failed ... context deadline exceeded"; choose a pool outside every overlay subnet, or leave addressPool out to have one chosen',
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { addressPool: "10.199.0.0/16" }))), [
            'docker-overlay:engine.swarm.addressPool: "10.199.0.0/16" overlaps the underlay 10.199.0.0/24 (driver.underlay); swarm allocates its ingress network from this pool, and an attachable overlay on addresses the ingress holds fails at container start with only "attaching to network failed ... context deadline exceeded"; choose a pool outside every overlay subnet, or leave addressPool out to have one chosen',
        ]);
    });

    it("says when no pool is free, which it cannot prevent", () => {
        const raw = swarmWith((r) => {
            r.driver.underlay = "192.168.50.0/24";
            r.networks = [
                { name: "big", subnet: "10.0.0.0/8" },
                { name: "other", subnet: "172.16.0.0/12" },
            ];
            r.containers = [];
        });
        assert.deepEqual(problems(raw), [
            'docker-overlay:engine.swarm.addressPool: is required here: every /16 the program chooses from (those of 10.0.0.0/8, then 172.31.0.0/16 down to 172.18.0.0/16) overlaps the stack\'s networks; swarm allocates its ingress network from this pool, and an attachable overlay on addresses the ingress holds fails at container start with only "attaching to network failed ... context deadline exceeded"; set a pool that overlaps none of them',
        ]);
        assert.deepEqual(problems({ ...raw, engine: { mode: "swarm", swarm: { addressPool: "192.168.128.0/17" } } }), []);
    });

    it("checks the pool's own shape", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { addressPool: "10.1.0.0/24", addressPoolMaskLength: 24 }))), [
            'docker-overlay:engine.swarm.addressPool: "10.1.0.0/24" is not larger than the /24 networks swarm allocates from it (engine.swarm.addressPoolMaskLength); use a shorter prefix, e.g. /16',
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { addressPool: "10.1.0.1/16", port: 70000, tls: 1 }))), [
            "docker-overlay:engine.swarm.tls: unknown key (known keys: addressPool, addressPoolMaskLength, port, dataPathPort, dataPathAddress, rotateTokens)",
            "docker-overlay:engine.swarm.port: must be an integer from 1 to 65535 (a TCP port), got the number 70000",
            'docker-overlay:engine.swarm.addressPool: "10.1.0.1/16" has host bits set: its network address is 10.1.0.0; write "10.1.0.0/16"',
        ]);
    });

    it("keeps the API port and swarm's port off the overlay's own ports", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.apiPort = 2377))), [
            "docker-overlay:engine.apiPort: 2377 is swarm's management port, which the overlay uses on every host; the engine API needs another port (default 2376)",
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { port: 4789 }))), [
            "docker-overlay:engine.swarm.port: 4789 is VXLAN (overlay data), which the overlay uses on every host; use another port (default 2377)",
        ]);
        assert.deepEqual(
            problems(swarmWith((raw) => (raw.engine = { mode: "cluster-store", apiPort: 7946 }))).filter((p) => p.includes("apiPort")),
            [
                "docker-overlay:engine.apiPort: 7946 is serf (overlay gossip), which the overlay uses on every host; the engine API needs another port (default 2376)",
            ],
        );
    });

    it("keeps each mode's settings to its mode", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.clusterStoreOpts = { "kv.path": "x" }))), [
            "docker-overlay:engine.clusterStoreOpts: is only used with engine.mode: cluster-store (swarm mode has no cluster store); remove it",
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine = { mode: "cluster-store", swarm: { port: 2377 } }))), [
            "docker-overlay:engine.swarm: is only used with engine.mode: swarm; remove it, or set engine.mode: swarm",
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.driver = { kind: "docker-machine", swarm: true }))), [
            "docker-overlay:driver.swarm: classic swarm (--swarm, --swarm-discovery) needs a cluster store; with engine.mode swarm the program forms a swarm-mode cluster itself, so remove driver.swarm",
        ]);
    });

    it("version rules: cluster-store needs a dind engine <= 20.10; swarm mode takes any", () => {
        const dind = (mode: string, image: string) => swarmWith((raw) => ((raw.driver = { kind: "dind", image }), (raw.engine.mode = mode)));
        assert.deepEqual(problems(dind("cluster-store", "docker:24.0.7-dind")), [
            'docker-overlay:driver.image: "docker:24.0.7-dind" runs Docker 24.0, but engine.mode cluster-store needs an engine <= 20.10 (cluster-store was deprecated in 20.10 and removed in 23.0); use docker:20.10.24-dind, or engine.mode: swarm for current engines',
        ]);
        assert.deepEqual(problems(dind("cluster-store", "docker:20.10.24-dind")), []);
        assert.deepEqual(problems(dind("swarm", "docker:24.0.7-dind")), []);
    });

    it("encrypted overlays: cluster-store mode rejects them; swarm mode takes them, except with dind, which cannot probe its kernel", () => {
        const enc = (edit: Edit) => swarmWith((raw) => ((raw.networks[0].encrypted = true), edit(raw)));
        assert.deepEqual(problems(enc(() => undefined)), []);
        assert.deepEqual(problems(enc((raw) => (raw.engine.mode = "cluster-store"))), [
            "docker-overlay:networks[0].encrypted: encrypted overlays need swarm mode's key distribution, which engine.mode cluster-store does not have; remove encrypted or use engine.mode: swarm",
        ]);
        assert.deepEqual(problems(enc((raw) => (raw.driver = { kind: "dind" }))), [
            "docker-overlay:networks[0].encrypted: the dind driver cannot check its machines' kernel for IPsec ESP AES-GCM, without which encrypted overlays silently drop traffic; use the netns, ssh or docker-machine driver, or remove encrypted",
        ]);
    });

    it("engine.tls is a boolean, and docker-machine's TLS cannot be turned off", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.tls = "yes"))), ['docker-overlay:engine.tls: must be true or false, got the string "yes"']);
        assert.deepEqual(problems(swarmWith((raw) => ((raw.engine = { mode: "cluster-store", tls: false }), (raw.driver = { kind: "docker-machine" })))), [
            "docker-overlay:engine.tls: docker-machine always secures its engines' API with TLS certificates of its own; remove engine.tls",
        ]);
    });
});

describe("swarm config: normalization", () => {
    it("swarm mode: no KV store unless configured, the pool chosen (by the plan) away from net1 and the underlay", () => {
        const c = normalizeConfig(swarmWith(), "dev");
        assert.equal(c.kvStore, undefined);
        assert.deepEqual(c.engine, {
            mode: "swarm",
            advertiseInterface: "eth1",
            apiPort: 2376,
            clusterStoreOpts: {},
            tls: false,
            swarm: { addressPoolMaskLength: 24, port: 2377, dataPathPort: 4789 },
        });
        assert.deepEqual(planCluster(c).swarmAddressPool, { pool: "10.255.0.0/16", maskLength: 24 });
        assert.deepEqual(swarmAddressPool(c), { pool: "10.255.0.0/16", maskLength: 24 });
        const given = normalizeConfig(
            swarmWith((raw) => (raw.engine.swarm = { addressPool: "192.168.128.0/17", addressPoolMaskLength: 26 })),
            "dev",
        );
        assert.deepEqual(given.engine.swarm, { addressPool: "192.168.128.0/17", addressPoolMaskLength: 26, port: 2377, dataPathPort: 4789 });
        assert.deepEqual(planCluster(given).swarmAddressPool, { pool: "192.168.128.0/17", maskLength: 26 });
        assert.equal(
            planCluster(
                normalizeConfig(
                    swarmWith((raw) => (raw.engine.mode = "cluster-store")),
                    "dev",
                ),
            ).swarmAddressPool,
            undefined,
        );
        const withStore = normalizeConfig(
            swarmWith((raw) => (raw.kvStore = { backend: "consul" })),
            "dev",
        );
        assert.deepEqual(withStore.kvStore, { backend: "consul", machine: "kvstore", port: 8500, recordPrefix: "docker-overlay/dev", tls: false });
    });

    it("docker-machine's classic swarm is never on in swarm mode", () => {
        const c = normalizeConfig(
            swarmWith((raw) => (raw.driver = { kind: "docker-machine" })),
            "dev",
        );
        assert.equal(c.driver.kind === "docker-machine" && c.driver.swarm, false);
    });

    it("TLS defaults per driver: dind on (TCP API), netns and ssh off (unix socket, ssh://), docker-machine on (its own)", () => {
        const tls = (driver: object, extra: Edit = () => undefined) =>
            normalizeConfig(
                swarmWith((raw) => {
                    raw.driver = driver;
                    extra(raw);
                }),
                "dev",
            ).engine.tls;
        assert.equal(tls({ kind: "netns" }), false);
        assert.equal(tls({ kind: "dind" }), true);
        assert.equal(tls({ kind: "docker-machine" }), true);
        assert.equal(
            tls({ kind: "ssh" }, (raw) => raw.hosts.forEach((h: { ssh?: object }) => (h.ssh = { address: "192.0.2.1" }))),
            false,
        );
        assert.equal(
            tls({ kind: "netns" }, (raw) => (raw.engine.tls = true)),
            true,
        );
        assert.equal(
            tls({ kind: "dind" }, (raw) => (raw.engine.tls = false)),
            false,
        );
    });
});

/** A small deterministic PRNG (mulberry32), so property tests are repeatable. */
function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function randomSubnet(rand: () => number): string {
    const prefix = 8 + Math.floor(rand() * 23); // /8 .. /30
    const first = [10, 172, 192][Math.floor(rand() * 3)];
    const ip = (first * 2 ** 24 + Math.floor(rand() * 2 ** 24)) >>> 0;
    const net = prefix === 0 ? 0 : (ip & (~0 << (32 - prefix))) >>> 0;
    return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${prefix}`;
}

describe("swarm address pool: the choice (property tests)", () => {
    it("with nothing in the way, 10.255.0.0/16 with /24 networks; its ingress is 10.255.0.0/24", () => {
        assert.deepEqual(chooseSwarmAddressPool([]), { pool: "10.255.0.0/16", maskLength: 24 });
        assert.deepEqual(chooseSwarmAddressPool(["10.0.0.0/24", "10.199.0.0/24"]), { pool: "10.255.0.0/16", maskLength: 24 });
        assert.equal(ingressSubnetOf({ pool: "10.255.0.0/16", maskLength: 24 }), "10.255.0.0/24");
        assert.equal(ingressSubnetOf({ pool: "192.168.128.0/17", maskLength: 26 }), "192.168.128.0/26");
    });

    it("never overlaps what it must avoid, is always a candidate, the first free one, and is deterministic (150 random stacks)", () => {
        const rand = prng(20240607);
        const candidates = poolCandidates();
        for (let i = 0; i < 150; i++) {
            const avoid = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => randomSubnet(rand));
            const chosen = chooseSwarmAddressPool(avoid);
            const free = candidates.filter((c) => !avoid.some((a) => overlaps(a, c)));
            if (chosen === undefined) {
                assert.deepEqual(free, [], `no pool for ${avoid.join(" ")}, yet ${free[0]} is free`);
                continue;
            }
            assert.ok(!avoid.some((a) => overlaps(a, chosen.pool)), `${chosen.pool} overlaps one of ${avoid.join(" ")}`);
            assert.equal(chosen.pool, free[0], `${avoid.join(" ")}`);
            assert.ok(!avoid.some((a) => overlaps(a, ingressSubnetOf(chosen))), "the ingress network lands off every overlay");
            assert.deepEqual(chooseSwarmAddressPool([...avoid].reverse()), chosen, "order of the networks does not matter");
        }
    });

    it("gives up only when every candidate is taken", () => {
        assert.equal(chooseSwarmAddressPool(["10.0.0.0/8", "172.16.0.0/12"]), undefined);
        assert.deepEqual(chooseSwarmAddressPool(["10.0.0.0/8", "172.16.0.0/13"]), { pool: "172.31.0.0/16", maskLength: 24 });
        assert.equal(poolCandidates().length, 256 + 14);
        assert.ok(!poolCandidates().some((c) => overlaps(c, "172.17.0.0/16")), "never docker0's default bridge");
    });
});

describe("ports each mode needs", () => {
    it("cluster-store: serf, VXLAN and the KV port; swarm: 2377 too and no KV port; ESP with encrypted overlays; the API port with TLS", () => {
        const clusterStore = normalizeConfig(
            swarmWith((raw) => ((raw.engine.mode = "cluster-store"), (raw.kvStore = { backend: "etcd" }))),
            "dev",
        );
        assert.deepEqual(
            requiredPorts(clusterStore).map((p) => `${p.port ?? "-"}/${p.protocol}`),
            ["7946/tcp+udp", "4789/udp", "2379/tcp"],
        );
        const swarm = normalizeConfig(
            swarmWith((raw) => ((raw.networks[0].encrypted = true), (raw.engine.tls = true))),
            "dev",
        );
        assert.deepEqual(
            requiredPorts(swarm).map((p) => `${p.port ?? "-"}/${p.protocol}`),
            ["2377/tcp", "7946/tcp+udp", "4789/udp", "-/esp", "2376/tcp"],
        );
    });
});

describe("the swarm's data path (engine.swarm.dataPathPort, dataPathAddress)", () => {
    it("validates the port swarm init accepts, off the overlay's other ports, and an address or interface", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { dataPathPort: 80, dataPathAddress: "10.0.0.300" }))), [
            "docker-overlay:engine.swarm.dataPathPort: must be an integer from 1024 to 49151 (the UDP ports swarm init accepts for --data-path-port), got the number 80",
            'docker-overlay:engine.swarm.dataPathAddress: "10.0.0.300" is not an IPv4 address (each number must be from 0 to 255); give an interface name (e.g. eth2) or an IPv4 address',
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { dataPathPort: 7946 }))), [
            "docker-overlay:engine.swarm.dataPathPort: 7946 is serf (overlay gossip), which the overlay uses on every host; use another port (default 4789)",
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { dataPathPort: 2377 }))), [
            "docker-overlay:engine.swarm.dataPathPort: 2377 is swarm's management port, which the overlay uses on every host; use another port (default 4789)",
        ]);
        assert.deepEqual(problems(swarmWith((raw) => ((raw.engine.swarm = { dataPathPort: 4790 }), (raw.engine.apiPort = 4790), (raw.engine.tls = true)))), [
            "docker-overlay:engine.apiPort: 4790 is VXLAN (overlay data), which the overlay uses on every host; the engine API needs another port (default 2376)",
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { dataPathPort: 4790, dataPathAddress: "eth2" }))), []);
    });

    it("engine.swarm.rotateTokens: any non-empty string", () => {
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { rotateTokens: 3 }))), [
            'docker-overlay:engine.swarm.rotateTokens: must be a string (a trigger: changing it rotates the join tokens), got the number 3; quote it: "3"',
        ]);
        assert.deepEqual(problems(swarmWith((raw) => (raw.engine.swarm = { rotateTokens: " " }))), [
            "docker-overlay:engine.swarm.rotateTokens: is empty; give any non-empty string (e.g. a date), and change it to rotate the join tokens again, or remove the key",
        ]);
        const raw = swarmWith((r) => (r.engine.swarm = { rotateTokens: "2026-11-30" }));
        assert.deepEqual(problems(raw), []);
        assert.equal(normalizeConfig(raw, "dev").engine.swarm?.rotateTokens, "2026-11-30");
        assert.equal(
            normalizeConfig(
                swarmWith(() => undefined),
                "dev",
            ).engine.swarm?.rotateTokens,
            undefined,
        );
    });

    it("the ports output names the data path port", () => {
        const config = normalizeConfig(
            swarmWith((raw) => (raw.engine.swarm = { dataPathPort: 4790 })),
            "dev",
        );
        assert.deepEqual(
            requiredPorts(config).map((p) => `${p.port ?? "-"}/${p.protocol} ${p.why}`),
            [
                "2377/tcp swarm management: join and raft",
                "7946/tcp+udp overlay membership gossip (serf)",
                "4790/udp overlay data plane (VXLAN, engine.swarm.dataPathPort)",
            ],
        );
    });

    it("swarm init gets --data-path-port and --data-path-addr when set, and the script it always had otherwise", () => {
        const base = {
            stack: "t",
            manager: { name: "m", dockerHost: "unix:///run/m.sock", advertise: "10.199.0.3" },
            port: 2377,
            pool: { pool: "10.255.0.0/16", maskLength: 24 },
            access: { cli: "docker" },
        };
        const plain = renderSwarmInitScripts(base).create;
        assert.equal(renderSwarmInitScripts({ ...base, dataPathPort: 4789 }).create, plain);
        assert.doesNotMatch(plain, /^DATA_PATH=/m);
        assert.match(
            renderSwarmInitScripts({ ...base, dataPathPort: 4790, dataPathAddress: "eth2" }).create,
            /^DATA_PATH=\(--data-path-port 4790 --data-path-addr eth2\)$/m,
        );
        assert.match(renderSwarmInitScripts({ ...base, dataPathAddress: "10.199.0.3" }).create, /^DATA_PATH=\(--data-path-addr 10\.199\.0\.3\)$/m);
        assert.ok(!plain.includes("DATA_PATH"), "no data path: the init script it always had");
        assert.ok(
            renderSwarmInitScripts({ ...base, dataPathPort: 4790 }).create.includes('swarm init "${DATA_PATH[@]}" --advertise-addr "$ADVERTISE"'),
            "the flags go to swarm init",
        );
    });
});
