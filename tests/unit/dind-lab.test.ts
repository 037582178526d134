/**
 * The dind path, mocked: what the program declares for the lab's dind stack
 * (tests/lab/stacks/Pulumi.dind-lab.yaml: images from the stack's image fields,
 * unique hostnames, no shared data root, the overlay's MTU), and how the lab
 * applier turns the dind containers' inputs (ports, healthcheck, wait) into
 * Docker API requests. No daemons; tests/lab/dind.test.ts runs it for real.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import { containerPlan, ContainerInspect, parseGoDuration, waitHealthy } from "../../lab/resources/container";
import { loadStackFile } from "../../lib/config/load";
import { devRaw, find, ofType, preview, T } from "./helpers";

const DIND_LAB = path.resolve(__dirname, "..", "lab", "stacks", "Pulumi.dind-lab.yaml");
const CONTAINER_URN = "urn:pulumi:dind-lab::docker-overlay::docker:index/container:Container::x";

describe("dind lab stack (mocked)", function () {
    this.timeout(60_000);
    const { stack, raw } = loadStackFile(DIND_LAB);
    const HOSTS = ["swarm-manager", "swarm-node1", "swarm-node2"];

    it("runs every machine from the stack's image fields, privileged, with its own hostname and no shared storage", async () => {
        const run = await preview(raw, stack);
        const engines = HOSTS.map((h) => find(run, T.container, `${h}-engine-container`));
        for (const [i, e] of engines.entries()) {
            assert.equal(e.inputs["image"], "docker-overlay/dind:20.10.5");
            assert.equal(e.inputs["privileged"], true);
            assert.equal(e.inputs["hostname"], HOSTS[i]);
            assert.equal(e.inputs["name"], `dovld-dind-${HOSTS[i]}`);
            // No volumes or bind mounts: each container's /var/lib/docker (and key.json) is its own.
            assert.equal(e.inputs["volumes"], undefined);
            assert.equal(e.inputs["mounts"], undefined);
            assert.equal(e.inputs["wait"], true);
            assert.ok(Array.isArray(e.inputs["command"]) && (e.inputs["command"] as string[]).includes("--mtu=1400"));
        }
        const kv = find(run, T.container, "kvstore-machine-container");
        assert.equal(kv.inputs["image"], "docker-overlay/consul:1.8.7");
        assert.equal(find(run, T.image, "cluster-fabric-engine-image").inputs["name"], "docker-overlay/dind:20.10.5");
        assert.equal(find(run, T.image, "cluster-fabric-kv-image").inputs["name"], "docker-overlay/consul:1.8.7");
        assert.equal(find(run, T.dockerProvider, "cluster-fabric-local-docker").inputs["host"], "unix:///run/docker-overlay/dovld/laptop/docker.sock");
    });

    it("puts the machines on a user-defined network apart from the overlay, and gives the overlay an MTU that fits it", async () => {
        const run = await preview(raw, stack);
        const fabric = find(run, T.network, "cluster-fabric-network");
        assert.deepEqual(fabric.inputs["ipamConfigs"], [{ subnet: "172.29.0.0/24", gateway: "172.29.0.1" }]);
        assert.deepEqual(fabric.inputs["options"], { "com.docker.network.driver.mtu": "1450" });
        const net1 = find(run, T.network, "net1-network");
        assert.equal(net1.inputs["driver"], "overlay");
        assert.deepEqual(net1.inputs["ipamConfigs"], [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }]);
        // The overlay driver subtracts VXLAN's 50 bytes from this: containers get 1400 on a 1450 fabric.
        assert.deepEqual(net1.inputs["options"], { "com.docker.network.driver.mtu": "1450" });
    });

    it("leaves the netns driver's overlays on a 1500 underlay without driver options, and gives others the MTU option", async () => {
        const narrow = devRaw();
        (narrow["driver"] as Record<string, unknown>)["underlayMtu"] = 1400;
        const narrowNets = ofType(await preview(narrow), T.network);
        assert.equal(narrowNets.length, 1);
        assert.deepEqual(narrowNets[0].inputs["options"], { "com.docker.network.driver.mtu": "1400" });
        const run = await preview(devRaw());
        const networks = ofType(run, T.network);
        assert.deepEqual(
            networks.map((n) => n.name),
            ["net1-network"],
        );
        for (const n of networks) {
            assert.equal(n.inputs["options"], undefined, n.name);
        }
    });

    it("the applier translates the engine container's ports, healthcheck and wait", async () => {
        const run = await preview(raw, stack);
        const inputs = { ...find(run, T.container, "swarm-node1-engine-container").inputs };
        // Drop what a preview leaves unknown or secret (the TLS uploads, the command's cluster-store URL).
        delete inputs["uploads"];
        inputs["command"] = ["dockerd"];
        const plan = containerPlan(CONTAINER_URN, inputs);
        assert.deepEqual(plan.create.ExposedPorts, { "2376/tcp": {} });
        assert.deepEqual(plan.create.HostConfig?.PortBindings, { "2376/tcp": [{ HostIp: "127.0.0.1", HostPort: "2377" }] });
        assert.deepEqual(plan.create.Healthcheck, {
            Test: ["CMD", "docker", "version", "--format", "{{.Server.Version}}"],
            Interval: 2e9,
            Timeout: 5e9,
            StartPeriod: 5e9,
            Retries: 60,
        });
        assert.deepEqual(plan.waitHealthy, { timeoutSeconds: 180 });
        assert.equal(plan.create.HostConfig?.Privileged, true);
    });
});

describe("lab applier: ports, healthcheck, wait", () => {
    const base = { name: "x", image: "busybox" };

    it("ports: defaults as the provider's (ip 0.0.0.0, tcp, engine-chosen external port)", () => {
        const plan = containerPlan(CONTAINER_URN, { ...base, ports: [{ internal: 80 }, { internal: 53, external: 5353, protocol: "udp", ip: "127.0.0.1" }] });
        assert.deepEqual(plan.create.ExposedPorts, { "80/tcp": {}, "53/udp": {} });
        assert.deepEqual(plan.create.HostConfig?.PortBindings, {
            "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }],
            "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }],
        });
        assert.throws(() => containerPlan(CONTAINER_URN, { ...base, ports: [{ internal: 0 }] }), /ports\[0\]\.internal 0 is not a port/);
        assert.throws(() => containerPlan(CONTAINER_URN, { ...base, ports: [{ internal: 1, protocol: "icmp" }] }), /not tcp, udp or sctp/);
    });

    it("healthcheck: Go durations to nanoseconds; refuses what it cannot honour", () => {
        assert.equal(parseGoDuration("2s"), 2e9);
        assert.equal(parseGoDuration("1m30s"), 90e9);
        assert.equal(parseGoDuration("500ms"), 5e8);
        assert.equal(parseGoDuration("1.5h"), 5400e9);
        assert.equal(parseGoDuration("0"), 0);
        assert.equal(parseGoDuration("0s"), 0);
        assert.equal(parseGoDuration("5"), undefined);
        assert.equal(parseGoDuration("2 s"), undefined);
        assert.equal(parseGoDuration(""), undefined);
        assert.throws(
            () => containerPlan(CONTAINER_URN, { ...base, healthcheck: { tests: ["CMD", "true"], interval: "soon" } }),
            /healthcheck\.interval "soon" is not a duration/,
        );
        assert.throws(
            () => containerPlan(CONTAINER_URN, { ...base, healthcheck: { tests: ["CMD", "true"], startInterval: "1s" } }),
            /startInterval is not supported/,
        );
        assert.throws(() => containerPlan(CONTAINER_URN, { ...base, healthcheck: { tests: [] } }), /healthcheck\.tests is empty/);
    });

    it("wait: default timeout 60 s; refused on a container that is not started", () => {
        assert.deepEqual(containerPlan(CONTAINER_URN, { ...base, wait: true }).waitHealthy, { timeoutSeconds: 60 });
        assert.equal(containerPlan(CONTAINER_URN, { ...base, wait: false, waitTimeout: 5 }).waitHealthy, undefined);
        assert.throws(() => containerPlan(CONTAINER_URN, { ...base, wait: true, start: false }), /never becomes healthy/);
    });

    /** An engine whose container reports the given states in turn (the last one repeats), on a fake clock. */
    function fake(states: ContainerInspect["State"][]) {
        let t = 0;
        let i = 0;
        const engine = {
            host: "unix:///fake.sock",
            inspectContainer: async (): Promise<ContainerInspect> => ({ Id: "id", Name: "/x", State: states[Math.min(i++, states.length - 1)] }),
        };
        const clock = { now: () => new Date(t), sleep: async (ms: number) => void (t += ms) };
        return { engine, clock, polls: () => i };
    }
    const running = (status: string, output = "") => ({ Running: true, Status: "running", Health: { Status: status, Log: [{ ExitCode: 1, Output: output }] } });

    it("waitHealthy: returns once healthy; fails without a health check, when the container stops, or at the timeout", async () => {
        const ok = fake([running("starting"), running("starting"), running("healthy")]);
        const info = await waitHealthy(ok.engine, "id", "c", 10, ok.clock);
        assert.equal(info.State?.Health?.Status, "healthy");
        assert.equal(ok.polls(), 3);

        const none = fake([{ Running: true, Status: "running" }]);
        await assert.rejects(waitHealthy(none.engine, "id", "c", 10, none.clock), /has no health check/);

        const died = fake([
            running("starting"),
            { Running: false, Status: "exited", ExitCode: 1, Health: { Status: "unhealthy", Log: [{ ExitCode: 1, Output: "no engine" }] } },
        ]);
        await assert.rejects(
            waitHealthy(died.engine, "id", "c", 10, died.clock),
            /container stopped \(status exited, exit 1\) before becoming healthy \(last check exit 1: no engine\)/,
        );

        const slow = fake([running("starting", "Cannot connect to the Docker daemon")]);
        await assert.rejects(
            waitHealthy(slow.engine, "id", "c", 3, slow.clock),
            /not healthy after waitTimeout 3s \(health starting\) \(last check exit 1: Cannot connect/,
        );
        assert.equal(slow.polls(), 7);
    });
});
