/** Every shipped stack validates and plans; plans are byte-identical run to run. */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { loadStackFile } from "../../lib/config/load";
import { validateConfig, formatProblem } from "../../lib/config/validate";
import { planStack } from "../../runner/plan";
import { renderPlanJson, renderPlanMermaid, renderPlanText, renderPlanYaml } from "../../lib/render/plan";

const ROOT = path.resolve(__dirname, "..", "..");
const STACKS = [
    path.join(ROOT, "Pulumi.dev.yaml"),
    ...fs
        .readdirSync(path.join(ROOT, "examples"))
        .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(ROOT, "examples", f)),
];

/** What each shipped stack must contain, read from its plan (and its driver kind from the file). */
interface Expected {
    driver: string;
    /** `swarm`: a Swarm component and no KV store; `cluster-store`: a KV store machine of `kv`. */
    mode: "cluster-store" | "swarm";
    kv?: { backend: string; machine: string };
    /** DockerHost components, in the file's order. */
    hosts: string[];
    /** Overlay networks and their subnets. */
    networks: Record<string, string>;
    /** Each container: the host it is placed on and the overlays it joins (`name@address` for a fixed one). */
    containers: Record<string, { host: string; networks: string[] }>;
}

const SEED_HOSTS = ["swarm-manager", "swarm-node1", "swarm-node2"];
const SEED_CONTAINERS = { c1: { host: "swarm-node2", networks: ["net1"] }, c2: { host: "swarm-node1", networks: ["net1"] } };

const EXPECTED: Record<string, Expected> = {
    "Pulumi.dev.yaml": {
        driver: "netns",
        mode: "cluster-store",
        kv: { backend: "consul", machine: "kvstore" },
        hosts: SEED_HOSTS,
        networks: { net1: "10.0.0.0/24" },
        containers: SEED_CONTAINERS,
    },
    "examples/Pulumi.dind.yaml": {
        driver: "dind",
        mode: "cluster-store",
        kv: { backend: "consul", machine: "kvstore" },
        hosts: SEED_HOSTS,
        networks: { net1: "10.0.0.0/24" },
        containers: SEED_CONTAINERS,
    },
    "examples/Pulumi.docker-machine.yaml": {
        driver: "docker-machine",
        mode: "cluster-store",
        kv: { backend: "consul", machine: "kvstore" },
        hosts: SEED_HOSTS,
        networks: { net1: "10.0.0.0/24" },
        containers: SEED_CONTAINERS,
    },
    "examples/Pulumi.etcd.yaml": {
        driver: "netns",
        mode: "cluster-store",
        kv: { backend: "etcd", machine: "etcd" },
        hosts: SEED_HOSTS,
        networks: { net1: "10.0.0.0/24", net2: "10.0.1.0/24" },
        containers: {
            c1: { host: "swarm-node2", networks: ["net1"] },
            c2: { host: "swarm-node1", networks: ["net1", "net2@10.0.1.10"] },
            c3: { host: "swarm-manager", networks: ["net2"] },
        },
    },
    "examples/Pulumi.ssh.yaml": {
        driver: "ssh",
        mode: "swarm",
        hosts: SEED_HOSTS,
        networks: { net1: "10.0.0.0/24", net2: "10.0.1.0/24" },
        containers: {
            c1: { host: "swarm-node2", networks: ["net1"] },
            c2: { host: "swarm-node1", networks: ["net1", "net2"] },
            c3: { host: "swarm-manager", networks: ["net2"] },
        },
    },
    "examples/Pulumi.swarm.yaml": {
        driver: "netns",
        mode: "swarm",
        hosts: SEED_HOSTS,
        networks: { net1: "10.0.0.0/24" },
        containers: SEED_CONTAINERS,
    },
};

describe("shipped stacks", () => {
    // One plan per stack file for the tests below (planning is the slow part).
    const plans = new Map<string, ReturnType<typeof planStack>>();
    const plan = (file: string): ReturnType<typeof planStack> => {
        if (!plans.has(file)) {
            plans.set(file, planStack(file));
        }
        return plans.get(file)!;
    };

    it("are the dev stack and every example, each with its expectations below", () => {
        assert.deepEqual(STACKS.map((f) => path.relative(ROOT, f)).sort(), Object.keys(EXPECTED).sort());
    });

    it("examples/Pulumi.docker-machine.yaml: what lives on the machines is deleted with the fabric command, not the machines themselves", async () => {
        const doc = await plan(path.join(ROOT, "examples", "Pulumi.docker-machine.yaml"));
        const fleet = doc.resources.find((r) => r.name === "cluster-fabric-machines");
        assert.ok(fleet !== undefined, "no cluster-fabric-machines");
        const deletedWith = (name: string) => doc.resources.find((r) => r.name === name)?.options.deletedWith;
        for (const name of ["net1-network", "c1-container", "c1-image"]) {
            assert.equal(deletedWith(name), fleet.urn, name);
        }
        // The machines' own deletes (`docker-machine rm`) run in a destroy.
        assert.ok(doc.resources.filter((r) => r.name.endsWith("-machine")).every((r) => deletedWith(r.name) === undefined));
    });

    for (const file of STACKS) {
        const rel = path.relative(ROOT, file);
        it(`${rel} validates without problems`, () => {
            const { stack, raw } = loadStackFile(file);
            assert.deepEqual(validateConfig(raw, stack).map(formatProblem), []);
        });
        it(`${rel} plans every container onto a host`, async () => {
            const doc = await plan(file);
            const { raw } = loadStackFile(file);
            const containers = ((raw.containers ?? []) as { name: string }[]).map((c) => c.name).sort();
            assert.ok(containers.length > 0, "the stack has no containers");
            assert.deepEqual(Object.keys(doc.placements).sort(), containers);
        });
        it(`${rel} plans its driver, hosts, store, overlays with their subnets, and containers where they belong`, async () => {
            const want = EXPECTED[rel];
            assert.ok(want !== undefined, `no expectations for ${rel}`);
            const doc = await plan(file);
            const { raw } = loadStackFile(file);
            const named = (type: string) => doc.resources.filter((r) => r.type === type).map((r) => r.name);
            const providerHost = (urn: string) => urn.split("::").pop();
            assert.equal((raw.driver as { kind?: string } | undefined)?.kind, want.driver);
            assert.deepEqual(named("docker-overlay:host:DockerHost"), want.hosts);
            assert.deepEqual(named("docker-overlay:swarm:Swarm"), want.mode === "swarm" ? ["swarm"] : []);
            assert.deepEqual(named("docker-overlay:kv:KvStore"), want.kv === undefined ? [] : [want.kv.machine]);
            assert.equal((raw.kvStore as { backend?: string } | undefined)?.backend, want.kv?.backend);
            const overlays = doc.resources.filter((r) => r.type === "docker:index/network:Network" && r.inputs["driver"] === "overlay");
            assert.deepEqual(
                Object.fromEntries(overlays.map((n) => [n.inputs["name"], (n.inputs["ipamConfigs"] as { subnet: string }[]).map((c) => c.subnet).join(",")])),
                want.networks,
            );
            assert.deepEqual(doc.placements, Object.fromEntries(Object.entries(want.containers).map(([c, w]) => [c, w.host])));
            const workloads = doc.resources.filter((r) => r.type === "docker:index/container:Container" && (r.inputs["name"] as string) in want.containers);
            assert.deepEqual(
                Object.fromEntries(
                    workloads.map((c) => [
                        c.inputs["name"],
                        {
                            host: providerHost(c.provider),
                            networks: (c.inputs["networksAdvanced"] as { name: string; ipv4Address?: string }[]).map((n) =>
                                n.ipv4Address === undefined ? n.name : `${n.name}@${n.ipv4Address}`,
                            ),
                        },
                    ]),
                ),
                want.containers,
            );
            assert.deepEqual(named("docker-overlay:check:ConnectivityCheck"), ["connectivity"]);
        });
    }
});

describe("plan output", () => {
    it("is byte-identical for the same stack file (json, yaml, text and mermaid)", async () => {
        const a = await planStack(STACKS[0]);
        const b = await planStack(STACKS[0]);
        assert.equal(renderPlanJson(a), renderPlanJson(b));
        assert.equal(renderPlanYaml(a), renderPlanYaml(b));
        assert.equal(renderPlanText(a), renderPlanText(b));
        assert.equal(renderPlanMermaid(a), renderPlanMermaid(b));
    });

    it("gives each resource the plan document's fields (docs/architecture.md): urn, type, name, parent, provider, custom, dependsOn, propertyDependencies, options, inputs", async () => {
        const doc = JSON.parse(renderPlanJson(await planStack(STACKS[0])));
        assert.deepEqual(Object.keys(doc), ["resources", "placements"]);
        assert.ok(doc.resources.length > 0, "the plan has no resources");
        for (const r of doc.resources) {
            assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "provider", "custom", "dependsOn", "propertyDependencies", "options", "inputs"]);
        }
        const byName = (name: string) => doc.resources.find((r: { name: string }) => r.name === name);
        assert.equal(byName("net1").custom, false);
        // Only the options the program gave; the property dependencies the engine follows for a delete-before-replace.
        // What lives on the machines is deleted with the fabric (components/machines/types.ts Fabric.deletedWith).
        const bridge = "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$command:local:Command::cluster-fabric-bridge";
        assert.deepEqual(byName("net1-network").options, { deleteBeforeReplace: true, deletedWith: bridge });
        assert.deepEqual(byName("c1-container").options, { deletedWith: bridge });
        assert.deepEqual(byName("c1-container").propertyDependencies.networksAdvanced, [
            "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:network:OverlayNetwork$docker:index/network:Network::net1-network",
        ]);
        const container = doc.resources.find((r: { name: string }) => r.name === "c1-container");
        assert.equal(
            container.provider,
            "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:host:DockerHost$pulumi:providers:docker::swarm-node2",
        );
        assert.equal(container.parent, "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:container:PlacedContainer::c1");
    });

    it("orders resources so every parent and dependency comes before its dependents", async () => {
        const doc = await planStack(STACKS[0]);
        const seen = new Set<string>();
        assert.ok(doc.resources.length > 0, "the plan has no resources");
        for (const r of doc.resources) {
            for (const before of [r.parent, r.provider, ...r.dependsOn].filter((u) => u !== "")) {
                assert.ok(seen.has(before), `${r.name} listed before ${before}`);
            }
            seen.add(r.urn);
        }
    });

    it("renders every shipped stack's plan as YAML that parses back to the JSON document, each line of a script a line of its own", async () => {
        for (const file of STACKS) {
            const doc = await planStack(file);
            const yaml = renderPlanYaml(doc);
            assert.deepEqual(parseYaml(yaml), JSON.parse(renderPlanJson(doc)), file);
            const yamlLines = new Set(yaml.split("\n").map((l) => l.trim()));
            const scripts = doc.resources.flatMap((r) => Object.values(r.inputs).filter((v): v is string => typeof v === "string" && v.includes("\n")));
            assert.ok(scripts.length > 0, `${file}: no multi-line input`);
            for (const script of scripts) {
                const missing = script.split("\n").filter((l) => !yamlLines.has(l.trim()));
                assert.deepEqual(missing, [], `${file}: script lines not on a YAML line of their own`);
            }
        }
    });

    it("draws the dev stack as a Mermaid graph with dependency and provider edges", async () => {
        const mermaid = renderPlanMermaid(await planStack(STACKS[0]));
        assert.match(mermaid, /^flowchart LR\n/);
        const id = (label: string) => new RegExp(`(r\\d+)\\["${label}<br/>`).exec(mermaid)?.[1];
        assert.ok(mermaid.includes(`${id("kvstore-machine")} --> ${id("swarm-node1-engine-config")}`));
        assert.ok(mermaid.includes(`${id("underlay-probe-swarm-node2")} --> ${id("swarm-node1-engine-config")}`));
        assert.ok(mermaid.includes(`${id("net1-network")} --> ${id("c1-container")}`));
        assert.ok(mermaid.includes(`${id("swarm-node2")} -.-> ${id("c1-container")}`));
        // The README draws this graph: it is the program's, as it is now.
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        const drawn = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
        assert.equal(
            drawn,
            mermaid.endsWith("\n") ? mermaid : `${mermaid}\n`,
            "README.md's graph is not the dev stack's: npm run plan -- Pulumi.dev.yaml --format mermaid",
        );
    });
});
