/**
 * The policy pack's rules, fed the registrations `npm run plan` makes: the
 * shipped stacks comply, and each rule catches its violation with an exact message.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import {
    clusterStoreEngineVersion,
    CheckedResource,
    containerLimits,
    dockerApiTls,
    overlayMtuOption,
    overlaySubnetsDisjoint,
    swarmDataPath,
} from "../../policy/rules";
import { normalizeConfig } from "../../lib/config/validate";
import { renderSwarmInitScripts } from "../../lib/swarm/scripts";
import { loadStackFile } from "../../lib/config/load";
import { previewMocks } from "../../runner/mocks";
import { runProgram } from "../../runner/program";

const ROOT = path.resolve(__dirname, "..", "..");

async function planned(file: string): Promise<CheckedResource[]> {
    const { stack, raw } = loadStackFile(file);
    const run = await runProgram({ stack, raw, mocks: previewMocks, preview: true, secrets: { sshPrivateKey: "policy-test" } });
    return run.registrations.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }));
}

function allViolations(resources: CheckedResource[], underlays: string[]): string[] {
    return [
        ...resources.flatMap((r) => [
            ...dockerApiTls(r),
            ...clusterStoreEngineVersion(r),
            ...containerLimits(r, {}),
            ...swarmDataPath(r),
            ...overlayMtuOption(r),
        ]),
        ...overlaySubnetsDisjoint(resources, { underlays }),
    ].map((v) => v.message);
}

const r = (type: string, name: string, props: Record<string, unknown>): CheckedResource => ({ type, name, urn: `urn:test::${name}`, props });

describe("policy: the shipped stacks comply", () => {
    const stacks = [
        path.join(ROOT, "Pulumi.dev.yaml"),
        ...fs
            .readdirSync(path.join(ROOT, "examples"))
            .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
            .map((f) => path.join(ROOT, "examples", f)),
    ];
    it("finds the dev stack and the examples", () => {
        assert.deepEqual(stacks.map((f) => path.relative(ROOT, f)).sort(), [
            "Pulumi.dev.yaml",
            "examples/Pulumi.dind.yaml",
            "examples/Pulumi.docker-machine.yaml",
            "examples/Pulumi.etcd.yaml",
            "examples/Pulumi.ssh.yaml",
            "examples/Pulumi.swarm.yaml",
        ]);
    });
    for (const file of stacks) {
        it(`${path.relative(ROOT, file)} has no violations`, async () => {
            const resources = await planned(file);
            assert.ok(resources.length > 0, "the plan has no resources to check");
            const { raw } = loadStackFile(file);
            const driver = (raw.driver ?? {}) as Record<string, unknown>;
            const underlays = typeof driver["underlay"] === "string" ? [driver["underlay"]] : [];
            assert.deepEqual(allViolations(resources, underlays), []);
        });
    }
});

describe("policy: docker-api-tls", () => {
    it("flags a docker provider on tcp:// without client certificates", () => {
        assert.deepEqual(dockerApiTls(r("pulumi:providers:docker", "node1", { host: "tcp://192.0.2.5:2376" })), [
            {
                message:
                    "docker provider node1 reaches tcp://192.0.2.5:2376 over TCP without client certificates; set caMaterial, certMaterial and keyMaterial (or certPath)",
            },
        ]);
    });
    it("accepts a tcp:// provider with material, and unix:// and ssh:// providers", () => {
        assert.deepEqual(
            dockerApiTls(r("pulumi:providers:docker", "a", { host: "tcp://192.0.2.5:2376", caMaterial: "x", certMaterial: "y", keyMaterial: "z" })),
            [],
        );
        assert.deepEqual(dockerApiTls(r("pulumi:providers:docker", "b", { host: "unix:///run/x.sock" })), []);
        assert.deepEqual(dockerApiTls(r("pulumi:providers:docker", "c", { host: "ssh://root@192.0.2.5:22" })), []);
    });
    it("flags a dind engine container listening on TCP without --tlsverify", () => {
        assert.deepEqual(dockerApiTls(r("docker:index/container:Container", "e1", { command: ["dockerd", "--host=tcp://0.0.0.0:2376"] })), [
            { message: "e1 starts dockerd with a TCP API but without --tlsverify; anyone who reaches the port controls the engine" },
        ]);
        assert.deepEqual(dockerApiTls(r("docker:index/container:Container", "e2", { command: ["dockerd", "--host=tcp://0.0.0.0:2376", "--tlsverify"] })), []);
    });
    it("flags a script that starts dockerd with -H tcp:// across continued lines", () => {
        const create = "exec dockerd \\\n  --data-root /x \\\n  -H tcp://0.0.0.0:2376\n";
        assert.equal(dockerApiTls(r("command:local:Command", "h1-engine", { create })).length, 1);
        assert.equal(dockerApiTls(r("command:local:Command", "h1-engine", { create: create.replace("-H tcp", "--tlsverify -H tcp") })).length, 0);
        assert.equal(dockerApiTls(r("command:local:Command", "h1-engine", { create: "# dockerd -H tcp://0.0.0.0:2375\n" })).length, 0);
    });
});

describe("policy: cluster-store-engine-version", () => {
    const engine = (image: string) => r("docker:index/container:Container", "n1", { image, command: ["dockerd", "--cluster-store=consul://kv:8500"] });
    it("accepts docker:20.10.x-dind and older", () => {
        assert.deepEqual(clusterStoreEngineVersion(engine("docker:20.10.24-dind")), []);
        assert.deepEqual(clusterStoreEngineVersion(engine("docker:19.03.15-dind")), []);
    });
    it("flags newer engines with cluster-store", () => {
        assert.deepEqual(clusterStoreEngineVersion(engine("docker:24.0.7-dind")), [
            { message: "n1 runs Docker 24.0 with cluster-store, which engines after 20.10 no longer have; use docker:20.10.x-dind or engine.mode: swarm" },
        ]);
    });
    it("knows the program's own dind engines, whose cluster keys are in a label (their config command writes them into daemon.json), not in their command", async () => {
        // Validation refuses such an image in a stack; the rule guards what it did not make.
        const engines = (await planned(path.join(ROOT, "examples", "Pulumi.dind.yaml"))).filter((x) => x.name.endsWith("-engine-container"));
        assert.equal(engines.length, 3);
        for (const e of engines) {
            assert.doesNotMatch(JSON.stringify(e.props["command"]), /cluster-store/);
            assert.deepEqual(clusterStoreEngineVersion(e), []);
            assert.deepEqual(clusterStoreEngineVersion({ ...e, props: { ...e.props, image: "docker:24.0.7-dind" } }), [
                {
                    message: `${e.name} runs Docker 24.0 with cluster-store, which engines after 20.10 no longer have; use docker:20.10.x-dind or engine.mode: swarm`,
                },
            ]);
        }
    });
    it("flags an engine image whose version cannot be told", () => {
        assert.equal(clusterStoreEngineVersion(engine("docker:dind"))[0].message.includes("whose version cannot be told"), true);
    });
    it("ignores engines without cluster-store", () => {
        assert.deepEqual(clusterStoreEngineVersion(r("docker:index/container:Container", "n1", { image: "docker:27.0-dind", command: ["dockerd"] })), []);
    });
});

describe("policy: overlay-subnets-disjoint", () => {
    const net = (name: string, driver: string, subnet: string) => r("docker:index/network:Network", name, { name, driver, ipamConfigs: [{ subnet }] });
    it("flags overlapping overlays, naming both", () => {
        assert.deepEqual(overlaySubnetsDisjoint([net("a", "overlay", "10.0.0.0/24"), net("b", "overlay", "10.0.0.128/25")], {}), [
            { message: "overlay a 10.0.0.0/24 overlaps overlay b 10.0.0.128/25", urn: "urn:test::b" },
        ]);
    });
    it("flags an overlay inside the configured underlay or a host network of the stack", () => {
        assert.deepEqual(
            overlaySubnetsDisjoint([net("a", "overlay", "10.199.0.0/25"), net("machines", "bridge", "172.30.0.0/24"), net("b", "overlay", "172.30.0.0/16")], {
                underlays: ["10.199.0.0/24"],
            }).map((v) => v.message),
            ["overlay a 10.199.0.0/25 overlaps the underlay 10.199.0.0/24", "overlay b 172.30.0.0/16 overlaps the host network machines 172.30.0.0/24"],
        );
    });
    it("accepts disjoint subnets", () => {
        assert.deepEqual(
            overlaySubnetsDisjoint([net("a", "overlay", "10.0.0.0/24"), net("b", "overlay", "10.0.1.0/24")], { underlays: ["10.199.0.0/24"] }),
            [],
        );
    });
});

describe("policy: container-resource-limits", () => {
    const c = (props: Record<string, unknown>) => r("docker:index/container:Container", "c1-container", { name: "c1", ...props });
    it("requires nothing unless configured", () => {
        assert.deepEqual(containerLimits(c({}), {}), []);
    });
    it("flags missing limits the config requires", () => {
        assert.deepEqual(containerLimits(c({}), { requireMemory: true, requireCpuShares: true }), [
            { message: "container c1 sets no memory or cpuShares limit, which this stack's policy requires" },
        ]);
        assert.deepEqual(containerLimits(c({ memory: 256 }), { requireMemory: true, requireCpuShares: true }), [
            { message: "container c1 sets no cpuShares limit, which this stack's policy requires" },
        ]);
    });
    it("accepts containers with the limits set", () => {
        assert.deepEqual(containerLimits(c({ memory: 256, cpuShares: 512 }), { requireMemory: true, requireCpuShares: true }), []);
    });
});

describe("policy: swarm-data-path", () => {
    const init = (dataPathPort: number | undefined, port = 2377) =>
        r("command:local:Command", "swarm-init", {
            create: renderSwarmInitScripts({
                stack: "t",
                manager: { name: "m", dockerHost: "unix:///run/m.sock", advertise: "10.199.0.3" },
                port,
                pool: { pool: "10.255.0.0/16", maskLength: 24 },
                access: { cli: "docker" },
                ...(dataPathPort !== undefined ? { dataPathPort } : {}),
            }).create,
        });
    it("accepts the engine's default and a port of its own", () => {
        assert.deepEqual(swarmDataPath(init(undefined)), []);
        assert.deepEqual(swarmDataPath(init(4789)), []);
        assert.deepEqual(swarmDataPath(init(4790)), []);
    });
    it("flags a port swarm init refuses, and one the overlay already uses", () => {
        assert.deepEqual(swarmDataPath(init(500)), [{ message: "swarm-init initialises a swarm with --data-path-port 500; swarm init accepts 1024-49151" }]);
        assert.deepEqual(swarmDataPath(init(7946)), [
            {
                message:
                    "swarm-init initialises a swarm with --data-path-port 7946, which is serf's gossip port; the overlays' VXLAN traffic needs a port of its own",
            },
        ]);
        assert.deepEqual(swarmDataPath(init(3000, 3000)), [
            {
                message:
                    "swarm-init initialises a swarm with --data-path-port 3000, which is the swarm's management port; the overlays' VXLAN traffic needs a port of its own",
            },
        ]);
    });
    it("a stack with engine.swarm.dataPathPort plans an init script the rule reads", () => {
        const config = normalizeConfig(
            {
                engine: { mode: "swarm", swarm: { dataPathPort: 4790 } },
                hosts: [{ name: "m", role: "manager" }],
                networks: [{ name: "n", subnet: "10.0.0.0/24" }],
            },
            "t",
        );
        assert.equal(config.engine.swarm?.dataPathPort, 4790);
    });
});

describe("policy: overlay-network-mtu", () => {
    const net = (options: Record<string, unknown> | undefined) =>
        r("docker:index/network:Network", "net1-network", { name: "net1", driver: "overlay", ...(options ? { options } : {}) });
    it("accepts no option and an underlay MTU", () => {
        assert.deepEqual(overlayMtuOption(net(undefined)), []);
        assert.deepEqual(overlayMtuOption(net({ "com.docker.network.driver.mtu": "1400" })), []);
        // The smallest networks[].mtu validation accepts (576) gives 626.
        assert.deepEqual(overlayMtuOption(net({ "com.docker.network.driver.mtu": "626" })), []);
    });
    it("flags a value no link has", () => {
        assert.deepEqual(overlayMtuOption(net({ "com.docker.network.driver.mtu": "14000" })), [
            { message: 'overlay network net1-network sets com.docker.network.driver.mtu "14000"; it is the underlay\'s MTU, an integer from 626 to 9000' },
        ]);
    });
});
