/** The benchmark's floor (bench/floor.ts): the same resources as the plan, by count, type and inputs, flat. */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { classPath, countByType, floorShape } from "../../bench/floor";
import { classOf } from "../../bench/floorChild";
import { floorOnce, PlanRun } from "../../bench/plan";
import { headline, headlineLine } from "../../bench/report";
import { scaleStack, writeStack } from "../../bench/topology";
import { PROJECT } from "../../lib/config/types";
import { PlanDocument } from "../../lib/render/plan";
import { planStack } from "../../runner/plan";

const STACK_TYPE = "pulumi:pulumi:Stack";

describe("bench floor", function () {
    this.timeout(120_000);
    let dir: string;
    let stackFile: string;
    let doc: PlanDocument;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "floor-test-"));
        stackFile = writeStack(dir, scaleStack({ hosts: 3, containersPerHost: 10 }));
        doc = await planStack(stackFile);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("has the plan's resources but the stack: same count and types, same inputs, in the plan's order", () => {
        const shape = floorShape(doc, PROJECT);
        const planned = doc.resources.filter((r) => r.type !== STACK_TYPE);
        assert.equal(shape.length, planned.length);
        assert.equal(doc.resources.length - planned.length, 1);
        assert.deepEqual(countByType(shape.map((r) => r.type)), countByType(planned.map((r) => r.type)));
        assert.deepEqual(
            shape.map((r) => [r.type, r.name]),
            planned.map((r) => [r.type, r.name]),
        );
        assert.equal(JSON.stringify(shape.map((r) => r.inputs)), JSON.stringify(planned.map((r) => r.inputs)));
        // The 3 x 10 topology: 30 containers, each a component, an image and a container.
        assert.equal(shape.filter((r) => r.type === "docker:index/container:Container").length, 30);
        assert.equal(shape.filter((r) => r.type === "docker:index/remoteImage:RemoteImage").length, 30);
    });

    it("makes the project's types components and every other type custom", () => {
        for (const r of floorShape(doc, PROJECT)) {
            assert.equal(r.custom, !r.type.startsWith(`${PROJECT}:`), r.type);
        }
    });

    it("finds a class in its provider package for every custom type of the plan", async () => {
        for (const type of new Set(
            floorShape(doc, PROJECT)
                .filter((r) => r.custom)
                .map((r) => r.type),
        )) {
            assert.equal(typeof (await classOf(type)), "function", `${type} -> ${JSON.stringify(classPath(type))}`);
        }
    });

    it("registers as many resources as the plan, in a fresh process (bench/floorChild.ts)", async () => {
        const shapeFile = path.join(dir, "shape.json");
        fs.writeFileSync(shapeFile, JSON.stringify(floorShape(doc, PROJECT)));
        const run = await floorOnce(shapeFile, "bench-plan-3x10");
        assert.equal(run.resources, doc.resources.length);
        assert.ok(run.cpu > 0 && run.maxRssMB > 0 && run.wall > 0);
    });
});

describe("bench floor: classPath and floorShape", () => {
    it("classPath: index module classes at the top, other modules nested, providers as Provider", () => {
        assert.deepEqual(classPath("docker:index/container:Container"), { pkg: "@pulumi/docker", path: ["Container"] });
        assert.deepEqual(classPath("consul:index/keyPrefix:KeyPrefix"), { pkg: "@pulumi/consul", path: ["KeyPrefix"] });
        assert.deepEqual(classPath("command:local:Command"), { pkg: "@pulumi/command", path: ["local", "Command"] });
        assert.deepEqual(classPath("command:remote/command:Command"), { pkg: "@pulumi/command", path: ["remote", "Command"] });
        assert.deepEqual(classPath("pulumi:providers:docker"), { pkg: "@pulumi/docker", path: ["Provider"] });
        assert.throws(() => classPath("docker:Container"), /not a type token/);
    });

    it("floorShape: flat, a repeated type and name gets a suffix; the stack is left out", () => {
        const r = (urn: string, type: string, name: string, parent: string) => ({
            urn,
            type,
            name,
            parent,
            provider: "",
            custom: true,
            dependsOn: [],
            propertyDependencies: {},
            options: {},
            inputs: { name },
        });
        const shape = floorShape(
            {
                resources: [
                    r("s", STACK_TYPE, "p-s", ""),
                    r("a", "p:index:A", "a", "s"),
                    r("b", "p:index:A", "b", "s"),
                    r("x1", "docker:index/network:Network", "x", "a"),
                    r("x2", "docker:index/network:Network", "x", "b"),
                ],
                placements: {},
            },
            "p",
        );
        assert.deepEqual(
            shape.map((x) => [x.type, x.name, x.custom]),
            [
                ["p:index:A", "a", false],
                ["p:index:A", "b", false],
                ["docker:index/network:Network", "x", true],
                ["docker:index/network:Network", "x-1", true],
            ],
        );
        assert.deepEqual(countByType(shape.map((x) => x.type)), { "docker:index/network:Network": 2, "p:index:A": 2 });
    });
});

describe("bench line", () => {
    const run = (wall: number, maxRssMB: number): PlanRun => ({ startup: 1, plan: wall - 1, render: 0, resources: 9970, maxRssMB, cpu: wall, wall });
    it("plan/floor and rss/floor are ratios of the medians of the 300 x 10 plan and its floor", () => {
        const h = headline({
            startedAt: new Date(0),
            seconds: 1,
            runs: 3,
            load: {},
            plan: [
                { hosts: 3, containersPerHost: 10, stackFile: "a", runs: [run(3, 200)], floor: [run(1, 100)] },
                {
                    hosts: 300,
                    containersPerHost: 10,
                    stackFile: "b",
                    runs: [run(20, 900), run(16, 950), run(18, 1000)],
                    floor: [run(12, 600), run(30, 700), run(10, 800)],
                },
            ],
        });
        assert.equal(h.plan300x10, 18);
        assert.equal(h.planFloor, 18 / 12);
        assert.equal(h.rss, 950);
        assert.equal(h.rssFloor, 950 / 700);
        assert.equal(h.cpuFloor, 18 / 12);
        assert.equal(
            headlineLine(h),
            "bench: plan300x10=18.00 plan/floor=1.50 rss=950 parallel/serial=n/a saturation9=n/a cpu/host=n/a overlay/underlay=n/a noop=n/a addhost/full=n/a",
        );
    });
});
