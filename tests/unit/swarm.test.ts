/**
 * The program in swarm mode, under mocks: the dev stack switched to
 * `engine.mode: swarm` is wired hosts -> swarm -> attachable networks ->
 * containers -> check, with no KV store, the join token a secret, the host's
 * labels as node labels and the swarm's address pool away from net1.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import { loadStackFile } from "../../lib/config/load";
import { SWARM_ENV } from "../../lib/swarm/scripts";
import { planStack } from "../../runner/plan";
import { ProgramRun } from "../../runner/program";
import { applied } from "./appliedMocks";
import { devWith, Edit, find, ofType, preview, T } from "./helpers";

const SOCK = (host: string) => `unix:///run/docker-overlay/dev/${host}/docker.sock`;
const HOSTS = ["swarm-manager", "swarm-node1", "swarm-node2"];
const SWARM = "docker-overlay:swarm:Swarm";

/** The dev stack in swarm mode: its kvStore removed, as a user switching modes would. */
const devSwarm = (edit: Edit = () => undefined) =>
    devWith((raw) => {
        raw.engine = { mode: "swarm", advertiseInterface: "eth1", apiPort: 2376 };
        delete raw.kvStore;
        raw.hosts[1].labels = { storage: "ssd" };
        edit(raw);
    });

describe("swarm mode: the dev stack as a swarm (preview)", () => {
    let run: ProgramRun;
    const urn = (type: string, name: string) => find(run, type, name).urn;
    const PROBES = () => ["swarm-node1", "swarm-node2"].map((h) => urn(T.command, `underlay-probe-${h}`));
    const script = (name: string, key = "create") => String(find(run, T.command, name).inputs[key]);

    before(async () => {
        run = await preview(devSwarm());
    });

    it("creates no KV store: no KV machine, no consul provider or record, and exports kv as null", () => {
        assert.deepEqual(ofType(run, T.kv), []);
        assert.deepEqual(ofType(run, T.consulProvider), []);
        assert.deepEqual(ofType(run, T.keyPrefix), []);
        assert.deepEqual(
            ofType(run, T.command).filter((c) => c.name.startsWith("kvstore")),
            [],
        );
        assert.equal(run.outputs["kv"], null);
        assert.equal(run.outputs["registeredEngines"], null);
    });

    it("gives the hosts the addresses their names pick from .2 on, since no KV machine takes one", () => {
        assert.deepEqual(
            (run.outputs["hosts"] as { address: string }[]).map((h) => h.address),
            ["10.199.0.174", "10.199.0.50", "10.199.0.46"],
        );
    });

    it("starts engines without cluster-store flags and without waiting for a store (the workers' after the manager's: lib/engine/startOrder.ts)", () => {
        for (const host of HOSTS) {
            const create = script(`${host}-engine`);
            assert.doesNotMatch(create, /--cluster-store|--cluster-advertise/);
            assert.deepEqual(find(run, T.command, `${host}-engine`).dependsOn, [
                urn(T.command, "cluster-fabric-bridge"),
                ...(host === "swarm-manager" ? [] : [find(run, T.command, "swarm-manager-engine").urn]),
            ]);
        }
    });

    it("inits the swarm on the manager, advertising its underlay address, with the pool chosen away from net1", () => {
        const init = find(run, T.command, "swarm-init");
        assert.deepEqual(init.inputs["interpreter"], ["/bin/bash", "-c"]);
        const create = script("swarm-init");
        assert.match(create, /^MANAGER=unix:\/\/\/run\/docker-overlay\/dev\/swarm-manager\/docker\.sock$/m);
        assert.match(create, /^ADVERTISE=10\.199\.0\.174:2377$/m);
        assert.match(create, /^POOL=10\.255\.0\.0\/16$/m);
        assert.match(create, /^MASK=24$/m);
        // The overlays are not the init's business (adding one must not re-initialise): each has its own check.
        assert.doesNotMatch(create, /OVERLAYS|net1/);
        const ingress = find(run, T.command, "swarm-ingress-net1");
        assert.match(String(ingress.inputs["create"]), /^NETWORK=net1$/m);
        assert.match(String(ingress.inputs["create"]), /^SUBNET=10\.0\.0\.0\/24$/m);
        assert.deepEqual(ingress.dependsOn, [urn(T.command, "swarm-init")]);
        assert.ok(
            create.includes('--default-addr-pool "$POOL" --default-addr-pool-mask-length "$MASK" >/dev/null'),
            "init's output (the join command with the token) goes nowhere",
        );
        assert.ok(script("swarm-init", "delete").includes("swarm leave --force"));
        // After the manager's engine and every host's underlay probe (tests/unit/underlay-probe.test.ts).
        // After the spec: when a new swarm is made, the spec's replacement (overlays and containers
        // deleted, the other nodes gone) comes before this one's delete leaves the old swarm.
        // After the adopt, which makes a first manager in no swarm join the stack's swarm if it has one.
        assert.deepEqual(
            init.dependsOn,
            [urn(T.command, "swarm-manager-engine"), ...PROBES(), urn(T.command, "swarm-spec"), urn(T.command, "swarm-adopt")].sort(),
        );
        assert.equal(init.parent, urn(SWARM, "swarm"));
    });

    it("the adopt runs before the init on the first manager, naming the other managers, and is run again when its machine is new", () => {
        const adopt = find(run, T.command, "swarm-adopt");
        const create = script("swarm-adopt");
        assert.match(create, /^WORKER=unix:\/\/\/run\/docker-overlay\/dev\/swarm-manager\/docker\.sock$/m);
        assert.match(create, /^ADVERTISE=10\.199\.0\.174:2377$/m);
        // The dev stack has one manager: no other to adopt a swarm from.
        assert.match(create, /^MANAGERS=\(\)$/m);
        assert.equal(adopt.inputs["delete"], undefined);
        assert.ok(Object.keys(adopt.inputs["environment"] as object).includes(SWARM_ENV.machine));
        assert.ok(adopt.propertyDependencies["environment"].includes(urn(T.command, "swarm-manager-engine")));
        assert.deepEqual(adopt.dependsOn, [urn(T.command, "swarm-manager-engine"), ...PROBES(), urn(T.command, "swarm-spec")].sort());
        assert.equal(adopt.parent, urn(SWARM, "swarm"));
    });

    it("joins each worker once, through its own engine, after the init and the sealed token; the first manager's join joins nothing", () => {
        const joins = ofType(run, T.command).filter((c) => c.name.startsWith("swarm-join-swarm-"));
        assert.deepEqual(
            joins.map((j) => j.name),
            ["swarm-join-swarm-manager", "swarm-join-swarm-node1", "swarm-join-swarm-node2"],
        );
        // The first manager's joins nothing (INIT_HOST: its membership checked through itself), needs
        // no token, and comes after the init: it holds the host's membership (components/swarm.ts).
        const first = find(run, T.command, "swarm-join-swarm-manager");
        for (const script of ["create", "delete"]) {
            assert.match(String(first.inputs[script]), /^INIT_HOST=1$/m, script);
        }
        assert.deepEqual(Object.keys(first.inputs["environment"] as object).sort(), [SWARM_ENV.machine]);
        assert.deepEqual(first.dependsOn, [urn(T.command, "swarm-manager-engine"), ...PROBES(), urn(T.command, "swarm-init")].sort());
        for (const worker of ["swarm-node1", "swarm-node2"]) {
            assert.doesNotMatch(String(find(run, T.command, `swarm-join-${worker}`).inputs["create"]), /^INIT_HOST=/m);
        }
        for (const worker of ["swarm-node1", "swarm-node2"]) {
            const join = find(run, T.command, `swarm-join-${worker}`);
            const create = String(join.inputs["create"]);
            assert.ok(create.includes(`WORKER=${SOCK(worker).replace(/^/, "")}`), create.slice(0, 400));
            assert.match(create, new RegExp(`^ADVERTISE=10\\.199\\.0\\.${worker === "swarm-node1" ? 50 : 46}:2377$`, "m"));
            assert.deepEqual(
                join.dependsOn,
                [
                    urn(T.command, `${worker}-engine`),
                    ...PROBES(),
                    urn(T.command, "swarm-init"),
                    urn(T.command, "swarm-join-token"),
                    urn("tls:index/privateKey:PrivateKey", "swarm-token-key"),
                ].sort(),
            );
        }
    });

    it("gives engines no labels: a host's labels are node labels only, so changing them rebuilds no machine", async () => {
        assert.doesNotMatch(script("swarm-node1-engine"), /--label/);
        const relabelled = await preview(devSwarm((raw) => (raw.hosts[1].labels = { storage: "hdd", zone: "b" })));
        for (const host of HOSTS) {
            assert.deepEqual(find(relabelled, T.command, `${host}-engine`).inputs, find(run, T.command, `${host}-engine`).inputs, host);
        }
        assert.ok(
            String(find(relabelled, T.command, "swarm-labels-swarm-node1").inputs["create"]).includes(
                "\nLABEL_ADD=(--label-add storage=hdd --label-add zone=b)\n",
            ),
        );
    });

    it("sets swarm-node1's label as a node label, and only on the labelled host", () => {
        assert.deepEqual(
            ofType(run, T.command)
                .filter((c) => c.name.startsWith("swarm-labels-"))
                .map((c) => c.name),
            ["swarm-labels-swarm-node1"],
        );
        // The labels are values of the header; swarm-scripts.test.ts runs the script that applies them.
        assert.ok(script("swarm-labels-swarm-node1").includes("\nLABEL_ADD=(--label-add storage=ssd)\n"));
        assert.ok(script("swarm-labels-swarm-node1").includes(`node_update "\${LABEL_ADD[@]}" "$NODE"`));
        assert.ok(script("swarm-labels-swarm-node1", "delete").includes(`--label-rm storage`));
        assert.deepEqual(
            find(run, T.command, "swarm-labels-swarm-node1").dependsOn,
            // The engine through the machine's id in its environment: a replaced machine is labelled again.
            [urn(T.command, "swarm-init"), urn(T.command, "swarm-join-swarm-node1"), urn(T.command, "swarm-node1-engine")].sort(),
        );
    });

    it("creates net1 attachable, with its subnet, through the manager, after the whole swarm", () => {
        const net = find(run, T.network, "net1-network");
        assert.equal(net.inputs["attachable"], true);
        assert.equal(net.inputs["driver"], "overlay");
        assert.deepEqual(net.inputs["ipamConfigs"], [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }]);
        assert.equal(net.provider, find(run, T.dockerProvider, "swarm-manager").urn);
        assert.deepEqual(
            net.dependsOn,
            [
                urn(T.command, "swarm-manager-engine"),
                urn(T.command, "swarm-init"),
                urn(T.command, "swarm-ingress-net1"),
                urn(T.command, "swarm-join-token"),
                urn(T.command, "swarm-join-swarm-manager"),
                urn(T.command, "swarm-join-swarm-node1"),
                urn(T.command, "swarm-join-swarm-node2"),
                urn(T.command, "swarm-labels-swarm-node1"),
                urn(T.command, "overlay-machines"),
                urn(T.command, "swarm-spec"),
            ].sort(),
        );
    });

    it("places containers by the same constraints, through the placed host's provider, then checks them", () => {
        assert.deepEqual(run.outputs["placements"], { c1: "swarm-node2", c2: "swarm-node1" });
        assert.equal(find(run, T.container, "c1-container").provider, find(run, T.dockerProvider, "swarm-node2").urn);
        assert.equal(find(run, T.container, "c2-container").provider, find(run, T.dockerProvider, "swarm-node1").urn);
        assert.ok(find(run, T.container, "c1-container").dependsOn.includes(urn(T.network, "net1-network")));
        assert.deepEqual(find(run, T.command, "connectivity-ping").dependsOn, [urn(T.container, "c1-container"), urn(T.container, "c2-container")].sort());
    });

    it("has the check ask the swarm's managers (here the one, swarm-manager) before the pairs", () => {
        const create = script("connectivity-ping");
        assert.match(create, /^MANAGER_NAMES=\(swarm-manager\)$/m);
        assert.match(create, /^MANAGER_HOSTS=\(unix:\/\/\/run\/docker-overlay\/dev\/swarm-manager\/docker\.sock\)$/m);
        assert.ok(create.includes("swarm has lost its quorum"));
    });

    it("exports the ports swarm mode needs between hosts", () => {
        assert.deepEqual(run.outputs["ports"], [
            { port: 2377, protocol: "tcp", peers: "hosts-managers", between: "hosts -> managers", why: "swarm management: join and raft" },
            { port: 7946, protocol: "tcp+udp", peers: "host-host", between: "host <-> host", why: "overlay membership gossip (serf)" },
            { port: 4789, protocol: "udp", peers: "host-host", between: "host <-> host", why: "overlay data plane (VXLAN)" },
        ]);
    });

    it("what the swarm is made with is its spec: a trigger, delete-before-replace; the overlay depends on it; its delete makes the other nodes leave, workers first", async () => {
        const spec = find(run, T.command, "swarm-spec");
        assert.deepEqual(spec.inputs["triggers"], [
            JSON.stringify({ port: 2377, pool: { pool: "10.255.0.0/16", maskLength: 24 }, dataPathPort: 4789 }),
            // The first manager's machine, kept (components/overlayNetwork.ts keptMachineLabel): unknown in a preview of a new stack.
            "[unknown]",
        ]);
        // Through it, a property dependency on the first manager's machine: replacing that machine (a new swarm) puts the spec in its chain.
        assert.deepEqual(spec.propertyDependencies["triggers"], [urn(T.command, "swarm-manager-engine"), urn(T.command, "overlay-machines")].sort());
        assert.equal(spec.inputs["create"], undefined, "nothing runs until it is replaced");
        assert.equal(spec.options.deleteBeforeReplace, true);
        assert.deepEqual(spec.options.replaceOnChanges, ["triggers[*]"]);
        const del = String(spec.inputs["delete"]);
        assert.match(del, /^NODE_NAMES=\(swarm-node1 swarm-node2\)$/m);
        assert.match(del, new RegExp(`^NODE_HOSTS=\\(${SOCK("swarm-node1")} ${SOCK("swarm-node2")}\\)$`, "m"));
        assert.doesNotMatch(del, /swarm-manager\b.*NODE_NAMES|NODE_NAMES=.*swarm-manager/);
        // The overlay's label depends on it (same value), so a replaced spec puts the overlay in its chain.
        assert.ok(find(run, T.network, "net1-network").propertyDependencies["labels"].includes(spec.urn));
        // A new data path port is a new spec (a new swarm); a new network or host is not.
        const moved = await preview(devSwarm((raw) => (raw.engine.swarm = { dataPathPort: 4790 })));
        assert.notDeepEqual(find(moved, T.command, "swarm-spec").inputs["triggers"], spec.inputs["triggers"]);
        const grown = await preview(devSwarm((raw) => raw.hosts.push({ name: "swarm-node3" })));
        assert.deepEqual(find(grown, T.command, "swarm-spec").inputs["triggers"], spec.inputs["triggers"]);
        assert.match(String(find(grown, T.command, "swarm-spec").inputs["delete"]), /^NODE_NAMES=\(swarm-node1 swarm-node2 swarm-node3\)$/m);
    });

    it("labels and availability are set again in a new swarm (the swarm's first node id in their environment)", () => {
        const labels = find(run, T.command, "swarm-labels-swarm-node1");
        assert.ok(Object.keys(labels.inputs["environment"] as object).includes(SWARM_ENV.swarmNode));
        assert.ok(labels.propertyDependencies["environment"].includes(urn(T.command, "swarm-init")));
    });

    it("creates nothing else", () => {
        const counts: Record<string, number> = {};
        for (const r of run.registrations) {
            counts[r.type] = (counts[r.type] ?? 0) + 1;
        }
        assert.deepEqual(counts, {
            "pulumi:pulumi:Stack": 1,
            [T.cluster]: 1,
            [T.command]: 19, // bridge, 3 engines, 2 probes (the first host pairs with none before it), spec, adopt, init, ingress check for net1, token, 3 joins (the first manager's too), 1 labels, 2 settles, the overlays' kept machine label, check
            [T.host]: 3,
            [T.dockerProvider]: 3,
            [SWARM]: 1,
            "docker-overlay:probe:UnderlayProbe": 1,
            "tls:index/privateKey:PrivateKey": 1,
            "docker-overlay:network:OverlayNetwork": 1,
            [T.network]: 1,
            "docker-overlay:container:PlacedContainer": 2,
            [T.image]: 2,
            [T.container]: 2,
            "docker-overlay:check:ConnectivityCheck": 1,
        });
    });
});

describe("swarm mode: secrets (update mocks, outputs known)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await applied(devSwarm());
    });

    it("hands each join the sealed token and its key as secrets, through the environment only", () => {
        for (const worker of ["swarm-node1", "swarm-node2"]) {
            const join = find(run, T.command, `swarm-join-${worker}`);
            assert.deepEqual(join.inputs["environment"], {
                DOCKER_OVERLAY_MACHINE: `${worker}-engine-id`,
                DOCKER_OVERLAY_SWARM_SEAL_KEY: "[secret]",
                DOCKER_OVERLAY_SWARM_TOKEN_SEALED: "[secret]",
            });
            for (const key of ["create", "delete"]) {
                const text = String(join.inputs[key]);
                assert.ok(!text.includes("c2VhbGVkLXRva2Vu") && !text.includes("FAKE PRIVATE KEY"), `${worker} ${key} carries no secret`);
            }
        }
    });

    it("gives the token command only the seal key's public half, and seals before printing", () => {
        const token = find(run, T.command, "swarm-join-token");
        assert.deepEqual(token.inputs["environment"], {
            DOCKER_OVERLAY_SWARM_NODE: "node-manager",
            DOCKER_OVERLAY_SWARM_SEAL_PUBLIC_KEY: "FAKE PUBLIC KEY swarm-token-key",
        });
        assert.deepEqual(token.inputs["triggers"], ["swarm-init-id"]);
        assert.ok(String(token.inputs["create"]).includes("openssl pkeyutl -encrypt -pubin"));
    });

    it("has no token rotation unless engine.swarm.rotateTokens asks for one", () => {
        assert.deepEqual(
            ofType(run, T.command).filter((c) => c.name.includes("rotate")),
            [],
        );
    });

    it("exports the swarm: manager, its address, ingress subnet, pool and node ids", () => {
        assert.deepEqual(run.outputs["swarm"], {
            manager: "swarm-manager",
            managerAddress: "10.199.0.2:2377",
            ingressSubnet: "10.255.0.0/24",
            addressPool: "10.255.0.0/16",
            nodes: { "swarm-manager": "node-manager", "swarm-node1": "node-1", "swarm-node2": "node-2" },
        });
    });
});

describe("swarm mode: rotating the join tokens (engine.swarm.rotateTokens)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await applied(devSwarm((raw) => (raw.engine.swarm = { rotateTokens: "2026-11-30" })));
    });

    it("rotates both tokens through a manager after the init, the trigger as the command's trigger only", () => {
        const rotate = find(run, T.command, "swarm-rotate-tokens");
        assert.deepEqual(rotate.inputs["triggers"], ["2026-11-30"]);
        const create = String(rotate.inputs["create"]);
        assert.ok(create.includes('dk "$MANAGER" swarm join-token --rotate -q "$kind" >/dev/null'), create);
        assert.match(create, /^for kind in worker manager; do$/m);
        assert.ok(!create.includes("2026-11-30"), "a new trigger changes no script: it replaces the command");
        assert.deepEqual(rotate.dependsOn, [find(run, T.command, "swarm-init").urn]);
        assert.equal(rotate.inputs["delete"], undefined, "nothing to undo: the old tokens stay refused");
    });

    it("reads the token again after each rotation: the rotation's output is among the token command's triggers", () => {
        const token = find(run, T.command, "swarm-join-token");
        assert.deepEqual(token.inputs["triggers"], ["swarm-init-id", '{"rotatedAt":"2026-11-30T19:30:00.000000000Z"}']);
    });

    it("rebuilds nothing else: the same engines, init and joins as without it", async () => {
        const plain = await applied(devSwarm());
        const names = (r: ProgramRun) => r.registrations.map((x) => `${x.type} ${x.name}`).sort();
        assert.deepEqual(names(run), [...names(plain), `${T.command} swarm-rotate-tokens`].sort());
        for (const name of ["swarm-init", "swarm-join-swarm-node1", "swarm-manager-engine", "swarm-node1-engine"]) {
            assert.deepEqual(find(run, T.command, name).inputs, find(plain, T.command, name).inputs, name);
        }
    });
});

describe("swarm mode: variations", () => {
    it("with no manager role, the first host inits the swarm and creates the networks", async () => {
        const run = await preview(devSwarm((raw) => (raw.hosts[0].role = "worker")));
        assert.match(String(find(run, T.command, "swarm-init").inputs["create"]), /^NAME=swarm-manager$/m);
        assert.equal(find(run, T.network, "net1-network").provider, find(run, T.dockerProvider, "swarm-manager").urn);
    });

    it("keeps a configured KV store (consul records the cluster) without giving engines a cluster store", async () => {
        const run = await preview(devSwarm((raw) => (raw.kvStore = { backend: "consul", machine: "kvstore" })));
        assert.equal(ofType(run, T.kv).length, 1);
        assert.doesNotMatch(String(find(run, T.command, "swarm-node1-engine").inputs["create"]), /--cluster-store/);
        assert.deepEqual(find(run, T.command, "swarm-node1-engine").dependsOn, [
            find(run, T.command, "cluster-fabric-bridge").urn,
            find(run, T.command, "swarm-manager-engine").urn,
        ]);
        assert.equal(ofType(run, T.keyPrefix).length, 1);
        assert.equal(run.outputs["registeredEngines"], null, "swarm engines register nothing in the store");
    });

    it("moves the pool when net1 sits in 10.255.0.0/16, and takes a configured one as given", async () => {
        const moved = await preview(devSwarm((raw) => (raw.networks[0].subnet = "10.255.3.0/24")));
        assert.match(String(find(moved, T.command, "swarm-init").inputs["create"]), /^POOL=10\.254\.0\.0\/16$/m);
        const given = await preview(devSwarm((raw) => (raw.engine.swarm = { addressPool: "192.168.128.0/17", addressPoolMaskLength: 26, port: 2400 })));
        const create = String(find(given, T.command, "swarm-init").inputs["create"]);
        assert.match(create, /^POOL=192\.168\.128\.0\/17$/m);
        assert.match(create, /^MASK=26$/m);
        assert.match(create, /^ADVERTISE=10\.199\.0\.174:2400$/m);
    });

    it("the shipped examples/Pulumi.swarm.yaml is this stack on its own bridge, and plans", async () => {
        const file = path.resolve(__dirname, "..", "..", "examples", "Pulumi.swarm.yaml");
        const { raw } = loadStackFile(file);
        assert.equal((raw.engine as { mode: string }).mode, "swarm");
        assert.equal(raw.kvStore, undefined);
        const doc = await planStack(file);
        assert.deepEqual(doc.placements, { c1: "swarm-node2", c2: "swarm-node1" });
        const net = doc.resources.find((r) => r.name === "net1-network");
        assert.equal(net?.inputs["attachable"], true);
    });
});
