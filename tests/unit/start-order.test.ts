/**
 * The order the hosts' machines start in (lib/engine/startOrder.ts): with a
 * cluster store a chain (each engine after the one before it: libnetwork's
 * one-shot gossip join), in swarm mode every machine after the network host's
 * (so that when one change replaces every machine, the network host's
 * delete-before-replace chain removes the containers and overlays while every
 * engine still runs). The rule, and the program's wiring in both modes.
 */
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { engineStartAfter } from "../../lib/engine/startOrder";
import { RawConfig } from "../../lib/config/types";
import { previewMocks } from "../../runner/mocks";
import { ProgramRun, runProgram } from "../../runner/program";
import { devWith, find, preview, T } from "./helpers";

const engineDeps = (run: ProgramRun, host: string) => find(run, T.command, `${host}-engine`).dependsOn;
const engineUrn = (run: ProgramRun, host: string) => find(run, T.command, `${host}-engine`).urn;

function swarmDev(edit: (raw: RawConfig) => void = () => {}): RawConfig {
    return devWith((raw) => {
        raw.engine = { mode: "swarm", advertiseInterface: "eth1", apiPort: 2376 };
        delete raw.kvStore;
        edit(raw);
    });
}

describe("engine start order (lib/engine/startOrder.ts)", () => {
    it("chains the hosts in config order with a cluster store", () => {
        assert.deepEqual(
            [...engineStartAfter(["m", "n1", "n2"], { chain: true })],
            [
                ["m", undefined],
                ["n1", "m"],
                ["n2", "n1"],
            ],
        );
        assert.deepEqual([...engineStartAfter([], { chain: true })], []);
    });

    it("otherwise starts every host after the one named, wherever it stands in the list", () => {
        assert.deepEqual(
            [...engineStartAfter(["n1", "m", "n2"], { after: "m" })],
            [
                ["n1", "m"],
                ["m", undefined],
                ["n2", "m"],
            ],
        );
        assert.deepEqual([...engineStartAfter(["m"], { after: "m" })], [["m", undefined]]);
    });
});

describe("engine start order in the program", () => {
    it("cluster-store mode: each machine after the one before it, each engine joins the store after the one before it (four netns hosts)", async () => {
        const run = await preview(devWith((raw) => raw.hosts.push({ name: "swarm-node3" })));
        const hosts = ["swarm-manager", "swarm-node1", "swarm-node2", "swarm-node3"];
        const joinUrn = (host: string) => find(run, T.command, `${host}-engine-config`).urn;
        const engines = new Set(hosts.flatMap((h) => [engineUrn(run, h), joinUrn(h)]));
        hosts.forEach((host, i) => {
            assert.deepEqual(
                engineDeps(run, host).filter((d) => engines.has(d)),
                i === 0 ? [] : [engineUrn(run, hosts[i - 1])],
                `${host}: the machine before it, and not its join (which waits for the probe, which waits for this machine)`,
            );
            const joinDeps = find(run, T.command, `${host}-engine-config`).dependsOn.filter((d) => engines.has(d));
            assert.deepEqual(joinDeps, [engineUrn(run, host), ...(i === 0 ? [] : [engineUrn(run, hosts[i - 1]), joinUrn(hosts[i - 1])])].sort(), host);
        });
    });

    it("cluster-store mode on docker-machine: each machine after the one before it; each engine joins its store after its machine, every underlay probe and the join before it", async () => {
        const run = await preview(
            devWith((raw) => {
                raw.driver = { kind: "docker-machine" };
                raw.hosts.push({ name: "swarm-node3" });
            }),
            "dm",
        );
        const hosts = ["swarm-manager", "swarm-node1", "swarm-node2", "swarm-node3"];
        const machine = (host: string) => find(run, T.command, `${host}-engine-machine`);
        const join = (host: string) => find(run, T.command, `${host}-engine-config`);
        const probes = run.registrations.filter((r) => r.name.startsWith("underlay-probe-")).map((r) => r.urn);
        assert.deepEqual(
            run.registrations.filter((r) => r.name.startsWith("underlay-probe-")).map((r) => r.name),
            hosts.map((h) => `underlay-probe-${h}`),
        );
        const machines = new Set(hosts.map((h) => machine(h).urn));
        const joins = new Set(hosts.map((h) => join(h).urn));
        hosts.forEach((host, i) => {
            assert.deepEqual(
                machine(host).dependsOn.filter((d) => machines.has(d) || joins.has(d) || probes.includes(d)),
                i === 0 ? [] : [machine(hosts[i - 1]).urn],
                `${host}: the machine before it, no join, no probe`,
            );
            const deps = join(host).dependsOn;
            for (const d of [machine(host).urn, find(run, T.command, "kvstore-machine-machine").urn, ...probes, ...(i === 0 ? [] : [join(hosts[i - 1]).urn])]) {
                assert.ok(deps.includes(d), `${host}-engine-config waits for ${d}`);
            }
            assert.deepEqual(
                deps.filter((d) => joins.has(d)),
                i === 0 ? [] : [join(hosts[i - 1]).urn],
                host,
            );
        });
        // Every probe waits for the machines, none for a join: the underlay passed before any engine is in the store.
        for (const p of probes) {
            assert.deepEqual(
                run.registrations.find((r) => r.urn === p)!.dependsOn.filter((d) => joins.has(d)),
                [],
            );
        }
    });

    it("swarm mode: every engine after the first manager's, none after another's, by dependsOn only (no input of theirs changes)", async () => {
        // The manager listed last: the order follows the role, not the list.
        const run = await preview(
            swarmDev((raw) => {
                raw.hosts = [{ name: "swarm-node1", labels: { storage: "ssd" } }, { name: "swarm-node2" }, { name: "swarm-manager", role: "manager" }];
            }),
        );
        const hosts = ["swarm-manager", "swarm-node1", "swarm-node2"];
        const engines = new Set(hosts.map((h) => engineUrn(run, h)));
        const manager = engineUrn(run, "swarm-manager");
        for (const host of hosts) {
            assert.deepEqual(
                engineDeps(run, host).filter((d) => engines.has(d)),
                host === "swarm-manager" ? [] : [manager],
                host,
            );
            const fromInputs = Object.values(find(run, T.command, `${host}-engine`).propertyDependencies).flat();
            assert.ok(!fromInputs.includes(manager), `${host}: the manager's machine in its inputs`);
        }
        // The hosts keep their config order wherever the program lists them (the summaries).
        assert.deepEqual(
            (run.outputs.hosts as { name: string }[]).map((h) => h.name),
            ["swarm-node1", "swarm-node2", "swarm-manager"],
        );
    });

    it("swarm mode: a worker's machine is registered only once the manager's registration is done", async () => {
        // The manager's engine held in its provider call: no other engine may be sent meanwhile,
        // as the engine runs a registration's (delete-before-replace) steps as soon as it arrives.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const arrived: string[] = [];
        let whileHeld: string[] = [];
        const mocks: pulumi.runtime.Mocks = {
            ...previewMocks,
            newResource: async (args) => {
                if (args.name.endsWith("-engine")) {
                    arrived.push(args.name);
                    if (args.name === "swarm-manager-engine") {
                        setTimeout(() => {
                            whileHeld = [...arrived];
                            release();
                        }, 200);
                        await held;
                    }
                }
                return previewMocks.newResource(args);
            },
        };
        await runProgram({ stack: "dev", raw: swarmDev(), mocks, preview: true, secrets: { sshPrivateKey: "test-key" } });
        assert.deepEqual(whileHeld, ["swarm-manager-engine"], "a worker's engine sent before the manager's was done");
        assert.deepEqual([...arrived].sort(), ["swarm-manager-engine", "swarm-node1-engine", "swarm-node2-engine"]);
    });
});
