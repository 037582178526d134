/**
 * The program as a whole, under mocks: the dev stack is the seed's cluster,
 * wired as one dependency graph with the right providers, parents and inputs.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import { loadStackFile } from "../../lib/config/load";
import { BUILD_BATCH } from "../../components/cluster";
import { applied } from "./appliedMocks";
import { devRaw, devWith, find, netnsDaemonJsonOf, ofType, preview, T } from "./helpers";
import { ProgramRun, Registration } from "../../runner/program";

const SOCK = (host: string) => `unix:///run/docker-overlay/dev/${host}/docker.sock`;

/**
 * A cluster-store host's command that reloads its engine (`<host>-engine-<role>`: netns's config,
 * dind's labels), checked as every driver that has one wires it: under its host, after its
 * machine (the resource that makes it) and `after`, and replaced with it (its id a trigger,
 * unknown in a preview), no delete (the file goes with the machine), and no option but what the
 * SDK gives every Command.
 */
function reloadCommandOf(run: ProgramRun, host: string, machine: Registration, role: "config" | "labels", after: string[] = []): Registration {
    const reload = find(run, T.command, `${host}-engine-${role}`);
    assert.equal(reload.parent, find(run, T.host, host).urn);
    assert.deepEqual(reload.dependsOn, [machine.urn, ...after].sort());
    assert.deepEqual(reload.inputs["triggers"], ["[unknown]"]);
    assert.deepEqual(reload.propertyDependencies["triggers"], [machine.urn]);
    assert.deepEqual(reload.inputs["interpreter"], ["/bin/bash", "-c"]);
    assert.equal(reload.inputs["delete"], undefined, "the file goes with the machine");
    assert.deepEqual(reload.options.replaceOnChanges, ["triggers[*]"]);
    assert.equal(reload.options.deleteBeforeReplace, undefined);
    return reload;
}

/** What a cluster-store host's config command waits for besides its machine: the KV machine, every probe, the host before it (its machine and its join). */
function joinAfter(run: ProgramRun, host: string): string[] {
    const hosts = ["swarm-manager", "swarm-node1", "swarm-node2"];
    const i = hosts.indexOf(host);
    const kv = run.registrations.find((r) => r.name === "kvstore-machine" || r.name === "kvstore-machine-container");
    assert.ok(kv !== undefined, "no KV machine");
    const machine = (h: string) =>
        run.registrations.find((r) => r.parent === find(run, T.host, h).urn && (r.name === `${h}-engine` || r.name === `${h}-engine-container`));
    const before = i === 0 ? [] : [machine(hosts[i - 1])?.urn ?? "", find(run, T.command, `${hosts[i - 1]}-engine-config`).urn];
    return [kv.urn, ...hosts.map((h) => find(run, T.command, `underlay-probe-${h}`).urn), ...before];
}

describe("program: the dev stack is the seed's cluster", () => {
    let run: ProgramRun;
    before(async () => {
        run = await preview(devRaw());
    });

    it("places c1 on swarm-node2 and c2 on swarm-node1", () => {
        assert.deepEqual(run.outputs["placements"], { c1: "swarm-node2", c2: "swarm-node1" });
    });

    it("creates one docker provider per host, named after the host, on its own socket", () => {
        const providers = ofType(run, T.dockerProvider);
        assert.deepEqual(
            providers.map((p) => [p.name, p.inputs["host"]]),
            ["swarm-manager", "swarm-node1", "swarm-node2"].map((h) => [h, SOCK(h)]),
        );
    });

    it("starts every engine without a store; its config command gives it the seed's cluster-store, advertising its underlay address on the API port, in its daemon.json", () => {
        const addresses: Record<string, string> = { "swarm-manager": "10.199.0.13", "swarm-node1": "10.199.0.194", "swarm-node2": "10.199.0.71" };
        for (const [host, address] of Object.entries(addresses)) {
            const create = String(find(run, T.command, `${host}-engine`).inputs["create"]);
            const { "deprecated-key-path": key, ...cluster } = netnsDaemonJsonOf(create);
            assert.deepEqual(cluster, {});
            assert.doesNotMatch(create, /--cluster-/);
            assert.match(create, new RegExp(`^NAME=${host}$`, "m"));
            const keys = { "cluster-store": "consul://10.199.0.2:8500", "cluster-advertise": `${address}:2376` };
            // The keys are in the machine's script too: other keys are a new machine.
            assert.ok(create.includes(`\nCLUSTER_KEYS='${JSON.stringify(keys)}'\n`), create);
            const config = netnsDaemonJsonOf(String(find(run, T.command, `${host}-engine-config`).inputs["create"]));
            assert.deepEqual(config, { "deprecated-key-path": key, ...keys, labels: [] });
        }
    });

    it("joins each engine to the store with a command under its host, after its machine, every underlay probe and the engine before it, run again for a new machine; no other option", () => {
        const urn = (name: string) => find(run, T.command, name).urn;
        const hosts = ["swarm-manager", "swarm-node1", "swarm-node2"];
        const probes = hosts.map((h) => urn(`underlay-probe-${h}`));
        hosts.forEach((host, i) => {
            const before = i === 0 ? [] : [urn(`${hosts[i - 1]}-engine`), urn(`${hosts[i - 1]}-engine-config`)];
            assert.deepEqual(joinAfter(run, host), [urn("kvstore-machine"), ...probes, ...before]);
            const config = reloadCommandOf(run, host, find(run, T.command, `${host}-engine`), "config", joinAfter(run, host));
            assert.match(String(config.inputs["create"]), /^kill -HUP "\$DAEMON_PID"$/m);
        });
    });

    it("dind: each engine joins the store by a command under its host, after its container, every probe and the engine before it, run again for a new one, through the local Docker", async () => {
        const dind = await preview(loadStackFile(path.join(__dirname, "..", "..", "examples", "Pulumi.dind.yaml")).raw, "dind");
        for (const host of ["swarm-manager", "swarm-node1", "swarm-node2"]) {
            const container = find(dind, T.container, `${host}-engine-container`);
            const create = String(reloadCommandOf(dind, host, container, "config", joinAfter(dind, host)).inputs["create"]);
            assert.match(create, new RegExp(`^CONTAINER=docker-overlay-${host}$`, "m"));
            assert.match(create, /^LOCAL_DOCKER=unix:\/\/\/var\/run\/docker\.sock$/m);
            // No flag for what the file says: dockerd refuses a key given both ways.
            assert.doesNotMatch(JSON.stringify(container.inputs["command"]), /--cluster-|--label/);
        }
    });

    it("gives every machine its own underlay address, the KV machine first, and reports the planned underlay MTU", () => {
        assert.match(String(find(run, T.command, "kvstore-machine").inputs["create"]), /10\.199\.0\.2/);
        const addresses = run.outputs["hosts"] as { name: string; address: string; dockerHost: string }[];
        assert.deepEqual(addresses, [
            { name: "swarm-manager", dockerHost: SOCK("swarm-manager"), address: "10.199.0.13", underlayMtu: 1500 },
            { name: "swarm-node1", dockerHost: SOCK("swarm-node1"), address: "10.199.0.194", underlayMtu: 1500 },
            { name: "swarm-node2", dockerHost: SOCK("swarm-node2"), address: "10.199.0.71", underlayMtu: 1500 },
        ]);
    });

    it("exports the KV store as a consul cluster-store URL", () => {
        assert.deepEqual(run.outputs["kv"], { backend: "consul", url: "consul://10.199.0.2:8500" });
    });

    it("creates net1 as an overlay on 10.0.0.0/24 through the manager's provider", () => {
        const net = find(run, T.network, "net1-network");
        assert.deepEqual(net.inputs["name"], "net1");
        assert.deepEqual(net.inputs["driver"], "overlay");
        assert.deepEqual(net.inputs["ipamConfigs"], [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }]);
        assert.equal(net.inputs["internal"], false);
        assert.equal(net.provider, find(run, T.dockerProvider, "swarm-manager").urn);
    });

    it("creates each container through the provider of the host it was placed on", () => {
        assert.equal(find(run, T.container, "c1-container").provider, find(run, T.dockerProvider, "swarm-node2").urn);
        assert.equal(find(run, T.container, "c2-container").provider, find(run, T.dockerProvider, "swarm-node1").urn);
        assert.equal(find(run, T.image, "c1-image").provider, find(run, T.dockerProvider, "swarm-node2").urn);
    });

    it("attaches containers to net1 with their name as alias, busybox running top", () => {
        const c1 = find(run, T.container, "c1-container");
        assert.equal(c1.inputs["name"], "c1");
        assert.equal(c1.inputs["hostname"], "c1");
        assert.deepEqual(c1.inputs["command"], ["top"]);
        assert.equal(c1.inputs["image"], "busybox:latest");
        assert.deepEqual(c1.inputs["networksAdvanced"], [{ name: "net1", aliases: ["c1"] }]);
        assert.equal(c1.inputs["restart"], "unless-stopped");
    });

    it("wires the graph KV store -> machines (one after another) -> underlay probe -> engines join the store (one after another) -> network -> containers -> check", () => {
        const urn = (type: string, name: string) => find(run, type, name).urn;
        const deps = (type: string, name: string) => find(run, type, name).dependsOn;
        const bridge = urn(T.command, "cluster-fabric-bridge");
        const kv = urn(T.command, "kvstore-machine");
        assert.deepEqual(deps(T.command, "kvstore-machine"), [bridge]);
        // The machines start one after another, their engines without a store; each joins it after the
        // probe, one after another too (lib/engine/gossip.ts): the previous test.
        const hosts = ["swarm-manager", "swarm-node1", "swarm-node2"];
        hosts.forEach((host, i) => {
            const before = i === 0 ? [] : [urn(T.command, `${hosts[i - 1]}-engine`)];
            assert.deepEqual(deps(T.command, `${host}-engine`), [bridge, kv, ...before].sort());
            assert.deepEqual(deps(T.dockerProvider, host), [urn(T.command, `${host}-engine`)]);
        });
        // What lives on a host waits for its engine to be in the store.
        assert.ok(deps(T.image, "c1-image").includes(urn(T.command, "swarm-node2-engine-config")));
        assert.ok(deps(T.image, "c2-image").includes(urn(T.command, "swarm-node1-engine-config")));
        // The underlay probed (components/underlayProbe.ts): a probe per host of its pairs with the hosts
        // before it (both ways) and its own to the store, after the machines it names.
        const probes = hosts.map((h) => urn(T.command, `underlay-probe-${h}`));
        const engine = (h: string) => urn(T.command, `${h}-engine`);
        assert.deepEqual(deps(T.command, "underlay-probe-swarm-manager"), [engine("swarm-manager"), kv].sort());
        assert.deepEqual(deps(T.command, "underlay-probe-swarm-node1"), [engine("swarm-node1"), engine("swarm-manager"), kv].sort());
        assert.deepEqual(deps(T.command, "underlay-probe-swarm-node2"), [engine("swarm-node2"), engine("swarm-manager"), engine("swarm-node1"), kv].sort());
        // The network lives on the network host and, in cluster-store mode, in the KV store: it carries
        // both machines' ids (components/overlayNetwork.ts), so it depends on both; and on every probe.
        // Its label's value is kept by overlay-machines (components/overlayNetwork.ts keptMachineLabel).
        assert.deepEqual(
            deps(T.network, "net1-network"),
            [
                urn(T.command, "swarm-manager-engine"),
                kv,
                urn(T.command, "overlay-machines"),
                ...probes,
                // Every engine in the store first: none registers while the overlay is made.
                ...hosts.map((h) => urn(T.command, `${h}-engine-config`)),
            ].sort(),
        );
        assert.ok(deps(T.container, "c1-container").includes(urn(T.network, "net1-network")));
        assert.ok(deps(T.container, "c1-container").includes(urn(T.image, "c1-image")));
        assert.deepEqual(deps(T.command, "connectivity-ping"), [urn(T.container, "c1-container"), urn(T.container, "c2-container")].sort());
        // Cluster-store mode has no swarm managers: the check asks none.
        const check = String(find(run, T.command, "connectivity-ping").inputs["create"]);
        assert.match(check, /^c c1 /m);
        assert.doesNotMatch(check, /MANAGER_NAMES|quorum_seconds/);
    });

    it("parents every resource under the cluster component, children named after their component", () => {
        const cluster = find(run, T.cluster, "cluster");
        const host = find(run, T.host, "swarm-node1");
        assert.equal(host.parent, cluster.urn);
        assert.equal(find(run, T.command, "swarm-node1-engine").parent, host.urn);
        assert.equal(find(run, T.dockerProvider, "swarm-node1").parent, host.urn);
        assert.equal(find(run, T.command, "kvstore-machine").parent, find(run, T.kv, "kvstore").urn);
        assert.equal(find(run, T.network, "net1-network").parent, find(run, "docker-overlay:network:OverlayNetwork", "net1").urn);
        const children = run.registrations.filter((x) => x.type !== "pulumi:pulumi:Stack" && x.type !== T.cluster);
        assert.ok(children.length > 0, "the program registered nothing below the cluster");
        for (const r of children) {
            assert.notEqual(r.parent, "", `${r.type} ${r.name} has no parent`);
        }
    });

    it("records the cluster in consul and reads back docker/nodes through the consul provider", () => {
        const provider = find(run, T.consulProvider, "cluster-record-consul");
        assert.equal(provider.inputs["address"], "10.199.0.2:8500");
        assert.deepEqual(provider.dependsOn, [find(run, T.command, "kvstore-machine").urn]);
        const keys = find(run, T.keyPrefix, "cluster-record-keys");
        assert.equal(keys.provider, provider.urn);
        // Through the KV machine's ids (change-safety.test.ts): unknown in the preview of a new stack.
        assert.equal(keys.inputs["pathPrefix"], "[unknown]");
        const subkeys = keys.inputs["subkeys"] as Record<string, string>;
        assert.deepEqual(Object.keys(subkeys).sort(), [
            "containers/c1",
            "containers/c2",
            "hosts/swarm-manager",
            "hosts/swarm-node1",
            "hosts/swarm-node2",
            "networks/net1",
        ]);
        assert.deepEqual(JSON.parse(subkeys["containers/c1"]), { host: "swarm-node2", networks: ["net1"] });
        assert.deepEqual(JSON.parse(subkeys["hosts/swarm-manager"]), { address: "10.199.0.13", role: "manager", labels: {} });
    });

    it("checks c1 <-> c2 by IP and by name on net1 after both containers exist", () => {
        const create = String(find(run, T.command, "connectivity-ping").inputs["create"]);
        // The script walks the pairs itself (tests/unit/check-script.test.ts); the program gives it each
        // container with its host and networks.
        assert.ok(create.includes(`\nc c1 ${SOCK("swarm-node2")} net1\n`), "c1 is checked from and on swarm-node2");
        assert.ok(create.includes(`\nc c2 ${SOCK("swarm-node1")} net1\n`), "c2 is checked from and on swarm-node1");
    });

    it("creates nothing else", () => {
        const counts: Record<string, number> = {};
        for (const r of run.registrations) {
            counts[r.type] = (counts[r.type] ?? 0) + 1;
        }
        assert.deepEqual(counts, {
            "pulumi:pulumi:Stack": 1,
            [T.cluster]: 1,
            [T.command]: 13, // bridge, kv machine, 3 engines and their config commands, 3 probes, the overlays' kept machine label, check
            "docker-overlay:probe:UnderlayProbe": 1,
            [T.kv]: 1,
            [T.host]: 3,
            [T.dockerProvider]: 3,
            "docker-overlay:network:OverlayNetwork": 1,
            [T.network]: 1,
            "docker-overlay:container:PlacedContainer": 2,
            [T.image]: 2,
            [T.container]: 2,
            "docker-overlay:check:ConnectivityCheck": 1,
            "docker-overlay:kv:ClusterRecord": 1,
            [T.consulProvider]: 1,
            [T.keyPrefix]: 1,
        });
    });
});

describe("program: other stacks", () => {
    it("with etcd, engines use an etcd:// store and nothing is recorded in consul", async () => {
        const run = await preview(devWith((raw) => (raw.kvStore = { backend: "etcd", machine: "kvstore" })));
        assert.equal(netnsDaemonJsonOf(String(find(run, T.command, "swarm-node1-engine-config").inputs["create"]))["cluster-store"], "etcd://10.199.0.2:2379");
        assert.equal(ofType(run, T.consulProvider).length, 0);
        assert.equal(run.outputs["registeredEngines"], null);
    });

    it("with zookeeper (docker-machine engines), engines join a zk:// store and get the seed's swarm flags", async () => {
        const run = await preview(
            devWith((raw) => {
                raw.kvStore = { backend: "zookeeper", address: "zk://192.0.2.10:2181" };
                raw.driver = { kind: "docker-machine" };
                delete raw.networks;
                delete raw.containers;
            }),
        );
        const create = String(find(run, T.command, "swarm-node2-engine-machine").inputs["create"]);
        // The engine joins the zk:// store after the underlay probe (its config command), not at create.
        assert.ok(!create.includes("--engine-opt=cluster-store"), create);
        assert.ok(String(find(run, T.command, "swarm-node2-engine-config").inputs["create"]).includes('"cluster-store":"zk://192.0.2.10:2181"'));
        assert.ok(create.includes("--swarm-discovery=zk://192.0.2.10:2181"), create);
        assert.ok(!create.includes("--swarm-master"), create);
        assert.ok(String(find(run, T.command, "swarm-manager-engine-machine").inputs["create"]).includes("--swarm-master"));
    });

    it("with an existing store, no KV machine is made and the hosts' slots start right after the gateway", async () => {
        const run = await preview(devWith((raw) => (raw.kvStore = { backend: "etcd", address: "etcd://10.199.0.250:2379" })));
        assert.equal(ofType(run, T.command).filter((c) => c.name.startsWith("kvstore")).length, 0);
        const create = String(find(run, T.command, "swarm-manager-engine-config").inputs["create"]);
        assert.equal(netnsDaemonJsonOf(create)["cluster-store"], "etcd://10.199.0.250:2379");
        assert.deepEqual(find(run, T.command, "swarm-manager-engine").dependsOn, [find(run, T.command, "cluster-fabric-bridge").urn]);
        // No KV machine to wait for: the first engine joins after its machine and the probes.
        assert.deepEqual(
            find(run, T.command, "swarm-manager-engine-config").dependsOn,
            ["swarm-manager-engine", ...["swarm-manager", "swarm-node1", "swarm-node2"].map((h) => `underlay-probe-${h}`)]
                .map((n) => find(run, T.command, n).urn)
                .sort(),
        );
        assert.equal((run.outputs["hosts"] as { address: string }[])[0].address, "10.199.0.174");
    });

    it("passes labels to engines through their config commands (not the machines) and places by label", async () => {
        const run = await preview(
            devWith((raw) => {
                raw.hosts[1].labels = { storage: "ssd" };
                raw.containers[1].constraints = ["storage==ssd"];
                raw.containers[0].constraints = ["storage!=ssd", "node!=swarm-manager"];
            }),
        );
        assert.deepEqual(run.outputs["placements"], { c1: "swarm-node2", c2: "swarm-node1" });
        const labelsFile = (host: string) => netnsDaemonJsonOf(String(find(run, T.command, `${host}-engine-config`).inputs["create"]))["labels"];
        assert.deepEqual(labelsFile("swarm-node1"), ["storage=ssd"]);
        assert.deepEqual(labelsFile("swarm-node2"), []);
        assert.doesNotMatch(String(find(run, T.command, "swarm-node1-engine").inputs["create"]), /storage/);
    });

    it("gives a static container address, gateway and ip range to the engine as written", async () => {
        const run = await preview(
            devWith((raw) => {
                raw.networks[0] = { name: "net1", subnet: "10.0.0.0/24", gateway: "10.0.0.254", ipRange: "10.0.0.0/25", internal: true };
                raw.containers[0].networks = [{ name: "net1", ipv4Address: "10.0.0.200" }];
            }),
        );
        assert.deepEqual(find(run, T.network, "net1-network").inputs["ipamConfigs"], [
            { subnet: "10.0.0.0/24", gateway: "10.0.0.254", ipRange: "10.0.0.0/25" },
        ]);
        assert.equal(find(run, T.network, "net1-network").inputs["internal"], true);
        assert.deepEqual(find(run, T.container, "c1-container").inputs["networksAdvanced"], [{ name: "net1", ipv4Address: "10.0.0.200", aliases: ["c1"] }]);
    });

    it("plans containers on two networks and checks that unrelated pairs stay isolated", async () => {
        const run = await preview(
            devWith((raw) => {
                raw.networks.push({ name: "net2", subnet: "10.0.1.0/24" });
                raw.containers.push({ name: "c3", image: "busybox:latest", command: ["top"], networks: ["net2"] });
            }),
        );
        const create = String(find(run, T.command, "connectivity-ping").inputs["create"]);
        // c3 shares no network with c1 and c2: the script checks those pairs stay apart (tests/unit/check-script.test.ts).
        assert.ok(create.includes(`\nc c3 ${SOCK("swarm-manager")} net2\n`), create);
        assert.ok(create.includes(`\nc c1 ${SOCK("swarm-node2")} net1\n`), create);
        assert.deepEqual(run.outputs["placements"], { c1: "swarm-node2", c2: "swarm-node1", c3: "swarm-manager" });
        // Networks are created one at a time (concurrent pool allocation races in libnetwork).
        assert.ok(find(run, T.network, "net2-network").dependsOn.includes(find(run, T.network, "net1-network").urn));
        assert.ok(!find(run, T.network, "net1-network").dependsOn.includes(find(run, T.network, "net2-network").urn));
    });

    it("with engine.mode swarm, builds a swarm instead of KV-backed engines (tests/unit/swarm.test.ts has the details)", async () => {
        const run = await preview(devWith((raw) => (raw.engine = { mode: "swarm" })));
        assert.equal(ofType(run, "docker-overlay:swarm:Swarm").length, 1);
        assert.equal(ofType(run, T.kv).length, 1, "the dev stack configures kvStore, so the store stays");
        assert.doesNotMatch(String(find(run, T.command, "swarm-node1-engine").inputs["create"]), /--cluster-store/);
        assert.equal(find(run, T.network, "net1-network").inputs["attachable"], true);
    });
});

describe("program: bad config stops it before anything is registered", () => {
    it("throws one error listing every problem and registers no resource", async () => {
        const registered: string[] = [];
        const { runProgram } = await import("../../runner/program");
        const { previewMocks } = await import("../../runner/mocks");
        const raw = devWith((r) => {
            r.networks[0].subnet = "10.0.0.0/33";
            r.containers[0].constraints = ["node==swarm-node9"];
            r.hostz = [];
        });
        await assert.rejects(
            runProgram({ stack: "dev", raw, mocks: previewMocks, preview: true, onRegister: (r) => registered.push(r.type) }),
            (err: Error) => {
                assert.equal(
                    err.message,
                    [
                        "docker-overlay: 3 problems in the stack configuration:",
                        'docker-overlay:hostz: unknown config key; did you mean "docker-overlay:hosts"? (known keys: docker-overlay:driver, docker-overlay:kvStore, docker-overlay:engine, docker-overlay:hosts, docker-overlay:networks, docker-overlay:containers, docker-overlay:sshPrivateKey)',
                        'docker-overlay:networks[0].subnet: "10.0.0.0/33" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)',
                        'docker-overlay:containers[0].constraints[0]: "node==swarm-node9" names no host; did you mean "swarm-node1"? (hosts: swarm-manager, swarm-node1, swarm-node2)',
                    ].join("\n"),
                );
                return true;
            },
        );
        assert.deepEqual(
            registered.filter((t) => t !== "pulumi:pulumi:Stack"),
            [],
        );
    });
});

describe("program: a cluster larger than a batch (components/cluster.ts BUILD_BATCH)", () => {
    // Hosts and containers are built BUILD_BATCH at a time, with a turn of the event loop in between.
    const n = 2 * BUILD_BATCH + 3;
    const hostNames = Array.from({ length: n }, (_, i) => `h${String(i).padStart(2, "0")}`);
    const big = () =>
        devWith((raw) => {
            raw.hosts = hostNames.map((name) => ({ name }));
            raw.containers = hostNames.map((h, i) => ({ name: `c${i}`, image: "busybox:latest", networks: ["net1"], constraints: [`node==${h}`] }));
        });

    it("cluster-store: every engine joins the store after the one before across the batches, every container checked and recorded, the outputs whole", async () => {
        const run = await applied(big());
        const joins = hostNames.map((h) => find(run, T.command, `${h}-engine-config`));
        // Registered in start order, each after the one before it (lib/engine/startOrder.ts), also at h10 and h20.
        const at = (r: Registration) => run.registrations.indexOf(r);
        for (let i = 1; i < n; i++) {
            assert.ok(at(joins[i - 1]) < at(joins[i]), `${hostNames[i]}-engine-config registered before ${hostNames[i - 1]}-engine-config`);
            assert.ok(
                joins[i].dependsOn.includes(joins[i - 1].urn),
                `${hostNames[i]}-engine-config does not wait for ${hostNames[i - 1]}'s: ${joins[i].dependsOn.join(", ")}`,
            );
        }
        assert.equal(ofType(run, T.container).length, n);
        // The check waits for every container, built in three batches.
        const check = find(run, T.command, "connectivity-ping");
        assert.deepEqual(
            ofType(run, T.container)
                .map((c) => c.urn)
                .filter((u) => !check.dependsOn.includes(u)),
            [],
        );
        // The record, made after the last batch: a key per host and per container.
        const subkeys = Object.keys(find(run, T.keyPrefix, "cluster-record-keys").inputs["subkeys"] as Record<string, string>);
        assert.deepEqual(
            subkeys.filter((k) => !k.startsWith("networks/")).sort(),
            [...hostNames.map((_, i) => `containers/c${i}`), ...hostNames.map((h) => `hosts/${h}`)].sort(),
        );
        const hosts = run.outputs["hosts"] as { name: string }[];
        assert.deepEqual(
            hosts.map((h) => h.name),
            hostNames,
        );
        const containers = run.outputs["containers"] as { name: string; host: string }[];
        assert.deepEqual(
            containers.map((c) => [c.name, c.host]),
            hostNames.map((h, i) => [`c${i}`, h]),
        );
        assert.deepEqual(run.outputs["registeredEngines"], []);
    });

    it("swarm mode: every host has its join (the first manager's too), every container settles on its host", async () => {
        const run = await preview(
            devWith((raw) => {
                Object.assign(raw, big());
                raw.engine = { mode: "swarm" };
                delete raw.kvStore;
                (raw.hosts as { name: string; role?: string }[])[0].role = "manager";
            }),
        );
        assert.deepEqual(
            ofType(run, T.command)
                .filter((c) => c.name.startsWith("swarm-join-") && c.name !== "swarm-join-token")
                .map((c) => c.name),
            hostNames.map((h) => `swarm-join-${h}`),
        );
        assert.deepEqual(
            ofType(run, T.command)
                .filter((c) => c.name.endsWith("-settle"))
                .map((c) => c.name)
                .sort(),
            hostNames.map((_, i) => `c${i}-settle`).sort(),
        );
        assert.equal(ofType(run, T.container).length, n);
    });
});
