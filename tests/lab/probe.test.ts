/**
 * The underlay probed before the cluster forms (components/underlayProbe.ts),
 * in each mode: swarm (tests/lab/stacks/Pulumi.t-probe.yaml: before swarm
 * init) and cluster store (Pulumi.t-probe-cs.yaml: before any engine joins the
 * store; netns engines start without it and join by a reload). The test drops
 * udp/4789 inside the last host's namespace as soon as the namespace exists,
 * while `up` runs (the engines take seconds to start, the probe runs after all
 * of them). `up` must fail naming exactly the two pairs into that host on
 * udp/4789 (both the last host's probe: a pair is the later host's,
 * lib/plan/probes.ts probeOwners), with no swarm, no engine in the store, no
 * network and no container made. With the rule
 * removed, `up` again re-runs only the failed probe and forms the cluster;
 * `down` leaves nothing.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { describeRun, DOCKER_BIN, kvGet, lab, LabStack, run, STACKS, UpJson } from "./support/lab";
import { netnsPath } from "../../lib/drivers/netns";

interface ProbeCase {
    file: string;
    /** Hosts in config order; the rule goes into the last one's namespace. */
    hosts: [string, string, string];
    /** What forms the cluster and must not have started after the failed probe. */
    neverStarted: string[];
    /** Asked of each engine after the failed `up`: nothing of the cluster formed on it. */
    unformed: { args: string[]; expect: string }[];
    /** With a cluster store: its `docker/nodes` keys (consul's HTTP API), which must not exist after the failed `up`. */
    storeNodes?: string;
}

function probeCase(title: string, c: ProbeCase): void {
    describe(title, function () {
        const stack = new LabStack(path.join(STACKS, c.file));
        const [a, b, cut] = c.hosts;
        const ns = netnsPath({ stack: stack.stack, name: cut });
        const comment = `docker-overlay lab test: drop VXLAN into ${cut}`;
        const drop = ["INPUT", "-p", "udp", "--dport", "4789", "-m", "comment", "--comment", comment, "-j", "DROP"];
        let up: UpJson;
        let dropped = "";

        before(async function () {
            const upRun = stack.up();
            let done = false;
            void upRun.finally(() => (done = true));
            // The rule goes in the moment the namespace exists: long before the probe, which waits for every engine.
            let inserted = false;
            while (!done && !inserted) {
                if (fs.existsSync(ns)) {
                    const r = await run("nsenter", [`--net=${ns}`, "iptables", "-w", "-I", ...drop]);
                    inserted = r.code === 0;
                }
                if (!inserted) {
                    await new Promise((resolve) => setTimeout(resolve, 50));
                }
            }
            const r = await upRun;
            assert.ok(inserted, `the DROP rule never went in: ${describeRun(r)}`);
            assert.ok(r.json !== undefined, describeRun(r));
            up = r.json;
            // The rule's own counter: the probe's datagrams met it (the namespace is gone after down).
            dropped = (await run("nsenter", [`--net=${ns}`, "iptables", "-w", "-S", "INPUT", "-v"])).stdout;
        });

        after(async function () {
            await stack.teardown();
        });

        it("up fails with exactly the pairs the rule cuts, after the rule dropped the probe's datagrams", function () {
            assert.equal(up.ok, false);
            assert.match(dropped, new RegExp(`--comment "${comment}" -c [1-9][0-9]* `), dropped);
            const failed = up.resources.filter((r) => r.status === "failed");
            const lines = failed.flatMap((f) => (f.error ?? "").split("\n").filter((l) => l.endsWith(": no answer")));
            assert.deepEqual(lines.sort(), [`${a} -> ${cut} udp/4789: no answer`, `${b} -> ${cut} udp/4789: no answer`]);
            assert.deepEqual(
                failed.map((f) => f.name),
                [`underlay-probe-${cut}`],
            );
            assert.ok(up.error?.includes("udp/4789: no answer"), up.error);
            const probe = up.resources.find((r) => r.name === `underlay-probe-${b}`);
            assert.equal(probe?.status, "created", JSON.stringify(up.resources));
        });

        it("nothing of the cluster was made", async function () {
            const names = up.resources.map((r) => r.name);
            for (const name of [...c.neverStarted, "net1-network", "c1-container", "c2-container"]) {
                assert.equal(names.includes(name), false, `${name} was started`);
            }
            for (const host of c.hosts) {
                for (const ask of c.unformed) {
                    const r = await run(DOCKER_BIN, ["-H", `unix://${stack.info.runDir}/${host}/docker.sock`, ...ask.args]);
                    assert.equal(r.code, 0, describeRun(r));
                    assert.equal(r.stdout.trim(), ask.expect, `${host}: ${ask.args.join(" ")}`);
                }
            }
            if (c.storeNodes !== undefined) {
                // The store itself answers (the probe reached it), and no engine registered in it.
                const leader = await kvGet<string>(c.storeNodes.replace(/\/v1\/kv\/.*$/, "/v1/status/leader"));
                assert.equal(leader.status, 200, JSON.stringify(leader));
                const nodes = await kvGet<string[]>(c.storeNodes);
                assert.equal(nodes.status, 404, `engines registered before the probe passed: ${JSON.stringify(nodes.body)}`);
            }
        });

        it("with the rule gone, `up` again runs only the failed probes (the rest is kept), forms the cluster and passes its check", async function () {
            const del = await run("nsenter", [`--net=${ns}`, "iptables", "-w", "-D", ...drop]);
            assert.equal(del.code, 0, describeRun(del));
            // `lab up` itself, not stack.up(), which first takes down what an earlier run left.
            const again = await lab<UpJson>("up", stack.info.file);
            assert.equal(again.code, 0, describeRun(again));
            const steps = again.json?.steps ?? [];
            const of = (op: string) =>
                steps
                    .filter((x) => x.op === op && x.name.startsWith("underlay-probe-"))
                    .map((x) => x.name)
                    .sort();
            // A failed command create is not in the engine's state (lab/steps.ts resumeBase): created anew; the passed one stays.
            assert.deepEqual(of("create"), [`underlay-probe-${cut}`], JSON.stringify(steps));
            assert.ok(of("same").includes(`underlay-probe-${b}`), JSON.stringify(steps));
            assert.deepEqual([...of("update"), ...of("replace"), ...of("delete")], []);
            for (const name of [...c.neverStarted, "net1-network", "c1-container", "c2-container", "connectivity-ping"]) {
                assert.ok(
                    steps.some((x) => x.op === "create" && x.name === name),
                    `${name} not created`,
                );
            }
        });

        it("down removes everything", async function () {
            await stack.downClean();
        });
    });
}

probeCase("lab: the underlay probed before swarm init (Pulumi.t-probe.yaml)", {
    file: "Pulumi.t-probe.yaml",
    hosts: ["swarm-manager", "swarm-node1", "swarm-node2"],
    neverStarted: ["swarm-init", "swarm-join-swarm-node1", "swarm-join-swarm-node2"],
    unformed: [{ args: ["info", "--format", "{{.Swarm.LocalNodeState}}"], expect: "inactive" }],
});

probeCase("lab: the underlay probed before any engine joins the cluster store (Pulumi.t-probe-cs.yaml)", {
    file: "Pulumi.t-probe-cs.yaml",
    hosts: ["pc1", "pc2", "pc3"],
    neverStarted: ["pc1-engine-config", "pc2-engine-config", "pc3-engine-config"],
    unformed: [
        { args: ["info", "--format", "{{.ClusterStore}}"], expect: "" },
        { args: ["network", "ls", "--quiet", "--filter", "driver=overlay"], expect: "" },
    ],
    // The KV machine: the underlay's first address after the bridge's (lib/net/allocate.ts).
    storeNodes: "http://10.180.64.2:8500/v1/kv/docker/nodes/?keys",
});
