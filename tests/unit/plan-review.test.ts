/**
 * The pull-request comment (lab/planReview.ts): the steps between a base and a
 * head plan by the lab's step generator (lab/planSteps.ts), and the plans' diff
 * as YAML, where a changed line of a script is one changed line.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planReview, reviewStack } from "../../lab/planReview";
import { RECORDED, stepsBetweenPlans } from "../../lab/planSteps";
import { Step } from "../../lab/steps";
import { PlanDocument, renderPlanJson } from "../../lib/render/plan";
import { planConfig, planStack } from "../../runner/plan";
import { devRaw, devWith } from "./helpers";

/** The steps that change something, as `<op> <type> <name>`, sorted. */
const changed = (steps: readonly Step[]) =>
    steps
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.type} ${s.name}`)
        .sort();

const step = (steps: readonly Step[], name: string) => {
    const hits = steps.filter((s) => s.name === name);
    assert.equal(hits.length, 1, `${hits.length} steps named ${name}`);
    return hits[0];
};

const clone = (doc: PlanDocument): PlanDocument => JSON.parse(JSON.stringify(doc)) as PlanDocument;

describe("plan review: steps between two plans (lab/planSteps.ts)", function () {
    this.timeout(120_000);
    let dev: PlanDocument;

    before(async () => {
        dev = await planConfig("dev", devRaw());
    });

    it("the same plan twice: every resource same", () => {
        const { steps, changes } = stepsBetweenPlans(dev, clone(dev));
        assert.ok(dev.resources.length > 10, `${dev.resources.length} resources`);
        assert.deepEqual(changes, { same: dev.resources.length, create: 0, update: 0, replace: 0, delete: 0 });
        assert.equal(steps.length, dev.resources.length);
    });

    it("every shipped stack planned twice: no step changes anything", async () => {
        const examples = path.resolve(__dirname, "..", "..", "examples");
        const files = fs.readdirSync(examples).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
        assert.ok(files.length >= 5, files.join(", "));
        for (const f of files) {
            // Plans are byte-identical run to run (tests/unit/examples.test.ts): one plan, twice.
            const a = await planStack(path.join(examples, f));
            const { changes } = stepsBetweenPlans(a, clone(a));
            assert.deepEqual(changes, { same: a.resources.length, create: 0, update: 0, replace: 0, delete: 0 }, f);
        }
    });

    it("adding one host to the dev stack: that host's resources created, the cluster record updated, nothing of the cluster replaced", async () => {
        const head = await planConfig(
            "dev",
            devWith((r) => {
                r.hosts.push({ name: "swarm-node3" });
            }),
        );
        const { steps, changes } = stepsBetweenPlans(dev, head);
        assert.deepEqual(changed(steps), [
            "create command:local:Command swarm-node3-engine",
            "create command:local:Command swarm-node3-engine-config",
            // Its pairs with every host before it: one probe, the others' pairs unchanged (lib/plan/probes.ts probeOwners).
            "create command:local:Command underlay-probe-swarm-node3",
            "create docker-overlay:host:DockerHost swarm-node3",
            "create pulumi:providers:docker swarm-node3",
            // The record in consul lists the hosts: its subkeys update in place.
            "update consul:index/keyPrefix:KeyPrefix cluster-record-keys",
        ]);
        assert.deepEqual(step(steps, "cluster-record-keys").diffs, ["subkeys"]);
        assert.deepEqual(changes, { same: dev.resources.length - 1, create: 5, update: 1, replace: 0, delete: 0 });
    });

    it("changing net1's subnet: the network replaced delete-before-replace, the containers on it with it, the check after them", async () => {
        const head = await planConfig(
            "dev",
            devWith((r) => {
                r.networks[0].subnet = "10.0.7.0/24";
            }),
        );
        const { steps } = stepsBetweenPlans(dev, head);
        assert.deepEqual(changed(steps), [
            "replace command:local:Command connectivity-ping",
            "replace docker:index/container:Container c1-container",
            "replace docker:index/container:Container c2-container",
            "replace docker:index/network:Network net1-network",
            "update consul:index/keyPrefix:KeyPrefix cluster-record-keys",
        ]);
        const net =
            "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:network:OverlayNetwork$docker:index/network:Network::net1-network";
        assert.deepEqual(step(steps, "net1-network").replaceReasons, ["ipamConfigs"]);
        assert.equal(step(steps, "net1-network").deleteBeforeReplace, true);
        for (const c of ["c1-container", "c2-container"]) {
            assert.deepEqual(step(steps, c).replaceReasons, [`dependent of ${net}`]);
            assert.equal(step(steps, c).deleteBeforeReplace, true);
        }
        // Its triggers are the containers' ids, unknown once they are replaced: created before the old one goes.
        assert.deepEqual(step(steps, "connectivity-ping").replaceReasons, [`dependent of ${net}`, "triggers"]);
        assert.equal(step(steps, "connectivity-ping").deleteBeforeReplace, false);
    });

    it("a changed label: the host's labels command updated in place, its machine and what lives on it untouched", async () => {
        const head = await planConfig(
            "dev",
            devWith((r) => {
                r.hosts[2].labels = { zone: "b" };
            }),
        );
        assert.deepEqual(changed(stepsBetweenPlans(dev, head).steps), [
            "update command:local:Command swarm-node2-engine-config",
            "update consul:index/keyPrefix:KeyPrefix cluster-record-keys",
        ]);
    });

    it("a replaced machine: what lives on it is replaced through its unknown ids, what lives elsewhere keeps them", () => {
        // The base's machine ran another script (as after an upgrade of the program): the head's replaces it.
        const base = clone(dev);
        const recorded = base.resources.find((r) => r.name === "swarm-node2-engine");
        assert.ok(recorded !== undefined);
        recorded.inputs["create"] = `${String(recorded.inputs["create"])}# an older script\n`;
        const { steps } = stepsBetweenPlans(base, dev);
        assert.deepEqual(changed(steps), [
            "replace command:local:Command connectivity-ping",
            "replace command:local:Command swarm-node2-engine",
            // Its labels are set again on the new engine (the trigger has the machine's id).
            "replace command:local:Command swarm-node2-engine-config",
            // A replaced machine is a new namespace: the probe of its pairs runs again (its trigger has the
            // machine's id); here swarm-node2 is the last host, so its own probe only.
            "replace command:local:Command underlay-probe-swarm-node2",
            "replace docker:index/container:Container c1-container",
            "replace docker:index/remoteImage:RemoteImage c1-image",
        ]);
        // c1 is on swarm-node2: its image's machine trigger is the new machine's id, unknown in a preview.
        const engine =
            "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:host:DockerHost$command:local:Command::swarm-node2-engine";
        assert.deepEqual(step(steps, "c1-image").replaceReasons, [`dependent of ${engine}`, "triggers"]);
        assert.equal(step(steps, "c2-container").op, "same");
    });

    it("reads plans made before custom, propertyDependencies and options were recorded", async () => {
        const head = await planConfig(
            "dev",
            devWith((r) => {
                r.hosts.push({ name: "swarm-node3" });
            }),
        );
        const old = clone(dev);
        for (const r of old.resources as unknown as Record<string, unknown>[]) {
            delete r["custom"];
            delete r["propertyDependencies"];
            delete r["options"];
        }
        assert.deepEqual(changed(stepsBetweenPlans(old, head).steps), changed(stepsBetweenPlans(dev, head).steps));
    });

    it("an unknown input stays unknown, and changed, when what it came from is created or replaced", () => {
        const head = clone(dev);
        // The base's unknowns stand for recorded values; a known value in their place is a change.
        const c1 = head.resources.find((r) => r.name === "c1-container")!;
        const labels = c1.inputs["labels"] as { label: string; value: string }[];
        const machine = labels.find((l) => l.label === "docker-overlay.machine")!;
        assert.equal(machine.value, "[unknown]");
        machine.value = RECORDED.replace("up", "elsewhere");
        assert.deepEqual(changed(stepsBetweenPlans(dev, head).steps), [
            "replace command:local:Command connectivity-ping",
            "replace docker:index/container:Container c1-container",
        ]);
    });
});

describe("plan review: the comment (lab/planReview.ts)", function () {
    this.timeout(120_000);
    let dev: PlanDocument;
    let dir: string;

    before(async () => {
        dev = await planConfig("dev", devRaw());
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-review-test-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a changed line of a script is one changed line of the diff", () => {
        const head = clone(dev);
        const ping = head.resources.find((r) => r.name === "connectivity-ping")!;
        const script = ping.inputs["create"] as string;
        const line = script.split("\n").find((l) => l.startsWith("set -"))!;
        assert.ok(line !== undefined, "the check script has no `set -` line");
        ping.inputs["create"] = script.replace(line, `${line}x`);
        const review = reviewStack("Pulumi.dev.yaml", { doc: dev }, { doc: head })!;
        const changedLines = review.diff.split("\n").filter((l) => /^[-+](?![-+]{2} )/.test(l));
        assert.deepEqual(changedLines, [`-${" ".repeat(8)}${line}`, `+${" ".repeat(8)}${line}x`]);
        assert.equal(
            review.steps,
            [
                "  ~ command:local:Command connectivity-ping  update  [diff: ~create]",
                `0 to create, 1 to update, 0 to replace, 0 to delete, ${dev.resources.length - 1} unchanged`,
            ].join("\n"),
        );
    });

    it("puts every stack's steps before the folded diffs, lists the unchanged ones, reports a failed plan", async () => {
        const head = await planConfig(
            "dev",
            devWith((r) => {
                r.networks[0].subnet = "10.0.7.0/24";
            }),
        );
        const write = (side: string, file: string, text: string) => {
            fs.mkdirSync(path.dirname(path.join(dir, side, file)), { recursive: true });
            fs.writeFileSync(path.join(dir, side, file), text);
        };
        write("base", "Pulumi.dev.json", renderPlanJson(dev));
        write("head", "Pulumi.dev.json", renderPlanJson(head));
        write("base", "examples/Pulumi.same.json", renderPlanJson(dev));
        write("head", "examples/Pulumi.same.json", renderPlanJson(dev));
        write("base", "examples/Pulumi.broken.json", renderPlanJson(dev));
        write("head", "examples/Pulumi.broken.failed", "docker-overlay: 1 problem in the stack configuration:\n  docker-overlay:hosts: must not be empty\n");
        const md = planReview(path.join(dir, "base"), path.join(dir, "head"));
        const lines = md.split("\n");
        const at = (s: string) => {
            const i = lines.indexOf(s);
            assert.ok(i >= 0, `no line ${JSON.stringify(s)} in:\n${md}`);
            return i;
        };
        assert.equal(lines[0], "Steps `pulumi up` would take (base -> head), per stack:");
        assert.ok(at("`Pulumi.dev.yaml`") < at("`examples/Pulumi.broken.yaml`"), "stacks not in file order");
        at(" -+ docker:index/network:Network net1-network  replace  [diff: ipamConfigs] [delete-before-replace]");
        at(` +- command:local:Command connectivity-ping  replace  [diff: dependent of net1-network, triggers]`);
        const summary = at(`0 to create, 1 to update, 4 to replace, 0 to delete, ${dev.resources.length - 5} unchanged`);
        at("plan failed on head:");
        at("  docker-overlay:hosts: must not be empty");
        at("No change: `examples/Pulumi.same.yaml`.");
        const details = lines.findIndex((l) => l.startsWith("<details>"));
        assert.ok(details > summary, "a diff before the steps");
        const fence = lines.indexOf("```", details + 3);
        assert.equal(lines[details + 2], "```diff");
        assert.equal(lines[details], `<details><summary>Plan diff of <code>Pulumi.dev.yaml</code> (${fence - details - 3} lines)</summary>`);
        assert.equal(lines.filter((l) => l.startsWith("<details>")).length, 1, "a diff for a failed or unchanged plan");
        assert.ok(lines.includes("-          subnet: 10.0.0.0/24") && lines.includes("+          subnet: 10.0.7.0/24"), md);
    });

    it("no change in any plan: one line", () => {
        fs.rmSync(path.join(dir, "same"), { recursive: true, force: true });
        for (const side of ["base", "head"]) {
            fs.mkdirSync(path.join(dir, "same", side), { recursive: true });
            fs.writeFileSync(path.join(dir, "same", side, "Pulumi.dev.json"), renderPlanJson(dev));
        }
        assert.equal(planReview(path.join(dir, "same", "base"), path.join(dir, "same", "head")), "No change to any stack's plan.\n");
    });
});
