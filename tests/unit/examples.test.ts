/** Every shipped stack validates and plans; plans are byte-identical run to run. */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { loadStackFile } from "../../lib/config/load";
import { validateConfig, formatProblem } from "../../lib/config/validate";
import { planStack } from "../../runner/plan";
import { renderPlanJson, renderPlanMermaid, renderPlanText } from "../../lib/render/plan";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = [
    path.join(ROOT, "Pulumi.dev.yaml"),
    ...fs
        .readdirSync(path.join(ROOT, "examples"))
        .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(ROOT, "examples", f)),
];

describe("shipped stacks", () => {
    for (const file of STACKS) {
        const rel = path.relative(ROOT, file);
        it(`${rel} validates without problems`, () => {
            const { stack, raw } = loadStackFile(file);
            assert.deepEqual(validateConfig(raw, stack).map(formatProblem), []);
        });
        it(`${rel} plans every container onto a host`, async () => {
            const doc = await planStack(file);
            const { raw } = loadStackFile(file);
            const containers = ((raw.containers ?? []) as { name: string }[]).map((c) => c.name).sort();
            assert.deepEqual(Object.keys(doc.placements).sort(), containers);
            assert.ok(doc.resources.length > 5);
        });
    }
});

describe("plan output", () => {
    it("is byte-identical for the same stack file (json, text and mermaid)", async () => {
        const a = await planStack(STACKS[0]);
        const b = await planStack(STACKS[0]);
        assert.equal(renderPlanJson(a), renderPlanJson(b));
        assert.equal(renderPlanText(a), renderPlanText(b));
        assert.equal(renderPlanMermaid(a), renderPlanMermaid(b));
    });

    it("gives each resource DESIGN.md's fields: urn, type, name, parent, provider, dependsOn, inputs", async () => {
        const doc = JSON.parse(renderPlanJson(await planStack(STACKS[0])));
        assert.deepEqual(Object.keys(doc), ["resources", "placements"]);
        for (const r of doc.resources) {
            assert.deepEqual(Object.keys(r).sort(), ["dependsOn", "inputs", "name", "parent", "provider", "type", "urn"]);
        }
        const container = doc.resources.find((r: { name: string }) => r.name === "c1-container");
        assert.equal(container.provider, "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:host:DockerHost$pulumi:providers:docker::swarm-node2");
        assert.equal(container.parent, "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:container:PlacedContainer::c1");
    });

    it("orders resources so every parent and dependency comes before its dependents", async () => {
        const doc = await planStack(STACKS[0]);
        const seen = new Set<string>();
        for (const r of doc.resources) {
            for (const before of [r.parent, r.provider, ...r.dependsOn].filter((u) => u !== "")) {
                assert.ok(seen.has(before), `${r.name} listed before ${before}`);
            }
            seen.add(r.urn);
        }
    });

    it("draws the dev stack as a Mermaid graph with dependency and provider edges", async () => {
        const mermaid = renderPlanMermaid(await planStack(STACKS[0]));
        assert.match(mermaid, /^flowchart LR\n/);
        const id = (label: string) => new RegExp(`(r\\d+)\\["${label}<br/>`).exec(mermaid)?.[1];
        assert.ok(mermaid.includes(`${id("kvstore-machine")} --> ${id("swarm-node1-engine")}`));
        assert.ok(mermaid.includes(`${id("net1-network")} --> ${id("c1-container")}`));
        assert.ok(mermaid.includes(`${id("swarm-node2")} -.-> ${id("c1-container")}`));
    });
});
