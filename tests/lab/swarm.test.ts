/**
 * Swarm mode on real engines (tests/lab/stacks/Pulumi.lab-swarm.yaml, the dev
 * stack switched to swarm mode, on bridge dovls1): the lab's bullseye dockerd
 * 20.10.5 in three namespace hosts forms a swarm through the program's own
 * resources; c1 and c2 ping by IP and by name on 10.0.0.0/24 although swarm's
 * ingress would have taken that subnet by default; no KV store runs; the join
 * token is nowhere in the lab's output or state; running the swarm scripts
 * again changes nothing; `down` leaves nothing behind.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { runScript } from "../../lab/clients/script";
import { readState, ResourceRecord } from "../../lab/state";
import { overlaps } from "../../lib/net/cidr";
import { describeRun, LabStack, note, run, STACKS, statePathOf, UpJson } from "./support/lab";
import { inSubnet } from "./support/net";

describe("lab: swarm mode (the dev stack as a swarm, 20.10.5 engines)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.lab-swarm.yaml"));
    let up: UpJson;

    before(async function () {
        up = await stack.upOk();
    });

    after(async function () {
        await stack.teardown();
    });

    it("brings the swarm up through the program's resources: init on the manager, two joins, node labels", function () {
        const created = up.resources.filter((r) => r.status === "created").map((r) => r.name);
        for (const name of [
            "swarm-init",
            "swarm-join-token",
            "swarm-join-swarm-node1",
            "swarm-join-swarm-node2",
            "swarm-labels-swarm-node1",
            "net1-network",
            "connectivity-ping",
        ]) {
            assert.ok(created.includes(name), `${name} created`);
        }
        note(`up in ${up.seconds.toFixed(1)}s`);
    });

    it("runs no KV store and exports none", async function () {
        assert.equal(up.exports?.["kv"], null);
        assert.equal(
            up.resources.some((r) => r.name.startsWith("kvstore")),
            false,
        );
        const ps = await run("pgrep", ["-f", `/var/lib/docker-overlay/${stack.stack}/kvstore`]);
        assert.equal(ps.stdout.trim(), "", "no consul/etcd/zookeeper of this stack");
    });

    it("every host is a ready node, swarm-node1 carries its label as a node label", async function () {
        const nodes = await stack.docker("swarm-manager", ["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"]);
        assert.equal(nodes.code, 0, describeRun(nodes));
        assert.deepEqual(
            nodes.stdout
                .trim()
                .split("\n")
                .map((l) => l.trimEnd())
                .sort(),
            ["swarm-manager Ready Leader", "swarm-node1 Ready", "swarm-node2 Ready"],
        );
        const label = await stack.docker("swarm-manager", ["node", "inspect", "swarm-node1", "--format", "{{json .Spec.Labels}}"]);
        assert.equal(label.stdout.trim(), '{"storage":"ssd"}');
        const swarm = up.exports?.["swarm"] as { managerAddress: string; nodes: Record<string, string> };
        assert.equal(swarm.managerAddress, "10.160.1.174:2377");
        assert.deepEqual(Object.keys(swarm.nodes).sort(), ["swarm-manager", "swarm-node1", "swarm-node2"]);
    });

    it("keeps swarm's ingress network off net1: the pool the program chose, and net1 attachable on 10.0.0.0/24", async function () {
        const ingress = await stack.docker("swarm-manager", ["network", "inspect", "ingress", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}"]);
        assert.equal(ingress.stdout.trim(), "10.255.0.0/24");
        assert.equal(overlaps(ingress.stdout.trim(), "10.0.0.0/24"), false);
        const net1 = await stack.docker("swarm-manager", [
            "network",
            "inspect",
            "net1",
            "--format",
            "{{.Scope}} {{.Attachable}} {{range .IPAM.Config}}{{.Subnet}}{{end}}",
        ]);
        assert.equal(net1.stdout.trim(), "swarm true 10.0.0.0/24");
    });

    it("check: c1 and c2 ping each other by IP and by name on 10.0.0.0/24", async function () {
        const r = await stack.check();
        assert.equal(r.code, 0, describeRun(r));
        assert.deepEqual(
            r.json?.pairs.map((p) => [p.from, p.to, p.byIp, p.byName, p.ok]),
            [
                ["c1", "c2", true, true, true],
                ["c2", "c1", true, true, true],
            ],
        );
        for (const p of r.json?.pairs ?? []) {
            assert.ok(p.ips.length > 0, `${p.to} has no address`);
            assert.ok(
                p.ips.every((ip) => inSubnet(ip, "10.0.0.0/24")),
                `${p.to} at ${p.ips.join(",")}`,
            );
        }
        assert.deepEqual(
            (await stack.status(true)).containers.map((c) => c.host),
            ["swarm-node2", "swarm-node1"],
        );
    });

    it("the worker join token is nowhere in the lab's output or state file", async function () {
        const token = await stack.docker("swarm-manager", ["swarm", "join-token", "-q", "worker"]);
        assert.match(token.stdout.trim(), /^SWMTKN-1-/);
        assert.equal(stack.upResult?.stdout.includes(token.stdout.trim()), false, "up's output");
        assert.equal(stack.upResult?.stderr.includes(token.stdout.trim()), false, "up's stderr");
        assert.equal(fs.readFileSync(statePathOf(stack.info), "utf8").includes(token.stdout.trim()), false, "the state file");
    });

    it("a re-run of the swarm's scripts joins and inits nothing again, and keeps every node id", async function () {
        const state = readState(statePathOf(stack.info));
        assert.ok(state !== undefined);
        const nodesBefore = await stack.docker("swarm-manager", ["node", "ls", "-q"]);
        for (const name of ["swarm-init", "swarm-join-swarm-node1", "swarm-join-swarm-node2", "swarm-labels-swarm-node1"]) {
            const r: ResourceRecord | undefined = state.resources.find((x) => x.name === name);
            assert.ok(r !== undefined, name);
            const inputs = r.inputs as { create: string; interpreter: string[]; environment?: Record<string, string> };
            const again = await runScript({ script: inputs.create, interpreter: inputs.interpreter, environment: inputs.environment });
            assert.equal(again.code, 0, `${name}: ${again.stderr}`);
            assert.equal(again.stdout.trim(), ((r.outputs?.["stdout"] as string | undefined) ?? "").trim(), `${name} prints what it printed the first time`);
            if (name.startsWith("swarm-join-")) {
                assert.match(again.stderr, /already a node of this swarm \([a-z0-9]+\); not joining again/);
            }
            if (name === "swarm-init") {
                assert.match(again.stderr, /already manages a swarm; not initialising again/);
            }
        }
        const nodesAfter = await stack.docker("swarm-manager", ["node", "ls", "-q"]);
        assert.deepEqual(nodesAfter.stdout.trim().split("\n").sort(), nodesBefore.stdout.trim().split("\n").sort());
    });

    it("down: workers leave, the manager leaves, the machines go, nothing stays", async function () {
        await stack.downClean();
    });
});
