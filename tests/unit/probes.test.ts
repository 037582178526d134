/** The underlay probes each mode needs (lib/plan/probes.ts), from the `ports` rules. */
import * as assert from "node:assert/strict";
import { normalizeConfig } from "../../lib/config/validate";
import { ESP_NOT_PROBED, formationProbes, PROBE_ALL_PAIRS_UP_TO, probeLabel, probePlan, PROGRAM_NOT_PROBED } from "../../lib/plan/probes";
import { SWARM_DEV } from "./fixtures/configs";
import { devRaw } from "./helpers";

const labels = (config: Parameters<typeof probePlan>[0]) => probePlan(config).probes.map((p) => `${probeLabel(p)} (${p.why})`);

describe("underlay probes", () => {
    it("cluster-store: serf tcp and udp and VXLAN between every ordered pair of engines, each engine to the KV store", () => {
        const config = normalizeConfig(devRaw(), "dev");
        const serf = "overlay membership gossip (serf)";
        const vxlan = "overlay data plane (VXLAN)";
        assert.deepEqual(labels(config), [
            `swarm-manager -> swarm-node1 tcp/7946 (${serf})`,
            `swarm-manager -> swarm-node2 tcp/7946 (${serf})`,
            `swarm-node1 -> swarm-manager tcp/7946 (${serf})`,
            `swarm-node1 -> swarm-node2 tcp/7946 (${serf})`,
            `swarm-node2 -> swarm-manager tcp/7946 (${serf})`,
            `swarm-node2 -> swarm-node1 tcp/7946 (${serf})`,
            `swarm-manager -> swarm-node1 udp/7946 (${serf})`,
            `swarm-manager -> swarm-node2 udp/7946 (${serf})`,
            `swarm-node1 -> swarm-manager udp/7946 (${serf})`,
            `swarm-node1 -> swarm-node2 udp/7946 (${serf})`,
            `swarm-node2 -> swarm-manager udp/7946 (${serf})`,
            `swarm-node2 -> swarm-node1 udp/7946 (${serf})`,
            `swarm-manager -> swarm-node1 udp/4789 (${vxlan})`,
            `swarm-manager -> swarm-node2 udp/4789 (${vxlan})`,
            `swarm-node1 -> swarm-manager udp/4789 (${vxlan})`,
            `swarm-node1 -> swarm-node2 udp/4789 (${vxlan})`,
            `swarm-node2 -> swarm-manager udp/4789 (${vxlan})`,
            `swarm-node2 -> swarm-node1 udp/4789 (${vxlan})`,
            "swarm-manager -> kvstore tcp/8500 (the consul cluster store)",
            "swarm-node1 -> kvstore tcp/8500 (the consul cluster store)",
            "swarm-node2 -> kvstore tcp/8500 (the consul cluster store)",
        ]);
        assert.deepEqual(probePlan(config).notProbed, []);
    });

    it("cluster-store with an existing store: the probes go to its address", () => {
        const raw = devRaw();
        raw.kvStore = { backend: "etcd", address: "etcd://10.199.0.250:2379" };
        raw.hosts = [{ name: "a" }, { name: "b" }];
        raw.containers = [];
        assert.deepEqual(
            probePlan(normalizeConfig(raw, "dev"))
                .probes.filter((p) => p.port === 2379)
                .map(probeLabel),
            ["a -> 10.199.0.250 tcp/2379", "b -> 10.199.0.250 tcp/2379"],
        );
    });

    it("swarm: the management port to every manager, serf, the data path port; ESP and the engine API listed as not probed, with the reason", () => {
        const raw = structuredClone(SWARM_DEV) as typeof SWARM_DEV & {
            engine: Record<string, unknown>;
            hosts: Record<string, unknown>[];
            networks: Record<string, unknown>[];
        };
        raw.engine = { mode: "swarm", tls: true, swarm: { dataPathPort: 4790 } };
        raw.hosts = [{ name: "m1", role: "manager" }, { name: "w1" }, { name: "m2", role: "manager" }, { name: "m3", role: "manager" }];
        raw.networks = [{ name: "net1", subnet: "10.0.0.0/24", encrypted: true }];
        raw.containers = [];
        const config = normalizeConfig(raw, "dev");
        const plan = probePlan(config);
        assert.deepEqual(plan.probes.filter((p) => p.port === 2377).map(probeLabel), [
            "m1 -> m2 tcp/2377",
            "m1 -> m3 tcp/2377",
            "w1 -> m1 tcp/2377",
            "w1 -> m2 tcp/2377",
            "w1 -> m3 tcp/2377",
            "m2 -> m1 tcp/2377",
            "m2 -> m3 tcp/2377",
            "m3 -> m1 tcp/2377",
            "m3 -> m2 tcp/2377",
        ]);
        assert.deepEqual(
            plan.probes.filter((p) => p.port === 4790).map((p) => `${probeLabel(p)} (${p.why})`),
            [
                "m1 -> w1 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m1 -> m2 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m1 -> m3 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "w1 -> m1 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "w1 -> m2 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "w1 -> m3 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m2 -> m1 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m2 -> w1 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m2 -> m3 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m3 -> m1 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m3 -> w1 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
                "m3 -> m2 udp/4790 (overlay data plane (VXLAN, engine.swarm.dataPathPort))",
            ],
        );
        assert.deepEqual(
            plan.probes.map((p) => `${p.protocol}/${p.port}`).filter((x, i, all) => all.indexOf(x) === i),
            ["tcp/2377", "tcp/7946", "udp/7946", "udp/4790"],
        );
        assert.equal(plan.probes.length, 9 + 12 * 3);
        assert.deepEqual(
            plan.notProbed.map((n) => [n.rule.protocol, n.rule.port, n.reason]),
            [
                ["esp", undefined, ESP_NOT_PROBED],
                ["tcp", 2376, PROGRAM_NOT_PROBED],
            ],
        );
    });

    it("swarm without a manager role: the first host is the manager", () => {
        const raw = structuredClone(SWARM_DEV) as typeof SWARM_DEV & { hosts: Record<string, unknown>[] };
        raw.hosts = [{ name: "a" }, { name: "b" }];
        raw.containers = [];
        assert.deepEqual(probePlan(normalizeConfig(raw, "dev")).probes.map(probeLabel), [
            "b -> a tcp/2377",
            "a -> b tcp/7946",
            "b -> a tcp/7946",
            "a -> b udp/7946",
            "b -> a udp/7946",
            "a -> b udp/4789",
            "b -> a udp/4789",
        ]);
    });
});

describe("the probes before the cluster forms (formationProbes)", () => {
    const swarmOf = (n: number) =>
        normalizeConfig(
            {
                ...structuredClone(SWARM_DEV),
                driver: { ...structuredClone(SWARM_DEV).driver, underlay: "10.199.0.0/22" },
                hosts: Array.from({ length: n }, (_, i) => ({ name: `h${i}`, ...(i === 0 ? { role: "manager" } : {}) })),
                containers: [],
            },
            "dev",
        );
    const byRule = (probes: ReturnType<typeof formationProbes>, port: number, protocol: string) =>
        probes.filter((p) => p.port === port && p.protocol === protocol);

    it(`every directed pair up to ${PROBE_ALL_PAIRS_UP_TO} hosts: the same probes as diagnose runs`, () => {
        for (const config of [swarmOf(3), swarmOf(PROBE_ALL_PAIRS_UP_TO), normalizeConfig(devRaw(), "dev")]) {
            assert.deepEqual(formationProbes(config), probePlan(config).probes);
        }
    });

    it("beyond: each host probes the hosts 1, 2, 4, 8, ... places after it (wrapping), and is probed by as many; the managers by every host", () => {
        const config = swarmOf(20);
        const probes = formationProbes(config);
        const vxlan = byRule(probes, 4789, "udp");
        assert.deepEqual(
            vxlan.filter((p) => p.from === "h18").map((p) => p.to),
            ["h0", "h2", "h6", "h14", "h19"],
        );
        for (let i = 0; i < 20; i++) {
            assert.equal(vxlan.filter((p) => p.to === `h${i}`).length, 5, `h${i} is probed by 5`);
        }
        assert.equal(byRule(probes, 7946, "tcp").length, 100);
        assert.equal(byRule(probes, 7946, "udp").length, 100);
        // Swarm's management port: from every other host to the manager, as before.
        assert.deepEqual(byRule(probes, 2377, "tcp"), byRule(probePlan(config).probes, 2377, "tcp"));
        assert.equal(byRule(probes, 2377, "tcp").length, 19);
    });

    it("300 hosts: 9 targets a host and port, not 299", () => {
        const probes = formationProbes(swarmOf(300));
        assert.equal(byRule(probes, 4789, "udp").length, 300 * 9);
        assert.equal(probePlan(swarmOf(300)).probes.filter((p) => p.port === 4789).length, 300 * 299);
    });
});
