/** The benchmark of change (bench/change.ts): its stacks, the split of a day-2 `up`, and the report's fields. */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ADDED, CHANGE_STACK, ChangeResult, ChangeRun, changeBreakdown, changedSteps, changeStacks, Step } from "../../bench/change";
import { BenchResults, headline, headlineLine, renderResults } from "../../bench/report";
import { ResourceRecord } from "../../lab/state";
import { PROJECT } from "../../lib/config/types";

const REPO = path.resolve(__dirname, "..", "..");

describe("bench change: the stacks", () => {
    const { hosts3, hosts4 } = changeStacks();
    const cfg = (s: typeof hosts3) =>
        s.config as { driver: { bridge: string; underlay: string }; hosts: { name: string }[]; containers: { name: string; constraints: string[] }[] };

    it("one stack name, bridge and underlay for both: the add is a change of the running stack", () => {
        assert.equal(hosts3.stack, CHANGE_STACK.stack);
        assert.equal(hosts4.stack, CHANGE_STACK.stack);
        for (const s of [hosts3, hosts4]) {
            assert.equal(cfg(s).driver.bridge, CHANGE_STACK.bridge);
            assert.equal(cfg(s).driver.underlay, CHANGE_STACK.underlay);
        }
    });

    it("the 3-host stack has the dev stack's shape: its hosts, network and containers on the same hosts", () => {
        const dev = (YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
        const devHosts = dev[`${PROJECT}:hosts`] as { name: string }[];
        const devContainers = dev[`${PROJECT}:containers`] as { name: string; constraints: string[] }[];
        assert.deepEqual(
            cfg(hosts3).hosts.map((h) => h.name),
            devHosts.map((h) => h.name),
        );
        assert.deepEqual(hosts3.config["networks"], dev[`${PROJECT}:networks`]);
        const placed = (cs: { name: string; constraints: string[] }[]) =>
            cs.map((c) => `${c.name} ${c.constraints.map((x) => x.replace(/^constraint:/, "")).join(",")}`).sort();
        assert.deepEqual(placed(cfg(hosts3).containers), placed(devContainers));
    });

    it("the 4-host stack is the 3-host one plus ADDED.host and ADDED.container placed on it, nothing else", () => {
        const { hosts: h3, containers: c3, ...rest3 } = cfg(hosts3);
        const { hosts: h4, containers: c4, ...rest4 } = cfg(hosts4);
        assert.deepEqual(rest4, rest3);
        assert.deepEqual(h4.slice(0, h3.length), h3);
        assert.deepEqual(
            h4.slice(h3.length).map((h) => h.name),
            [ADDED.host],
        );
        assert.deepEqual(c4.slice(0, c3.length), c3);
        assert.deepEqual(
            c4.slice(c3.length).map((c) => [c.name, c.constraints]),
            [[ADDED.container, [`node==${ADDED.host}`]]],
        );
    });

    it("its bridge and underlay are used by no stack file of the repository", () => {
        const files = [
            path.join(REPO, "Pulumi.dev.yaml"),
            ...["examples", "tests/lab/stacks"].flatMap((d) =>
                fs
                    .readdirSync(path.join(REPO, d))
                    .filter((f) => f.endsWith(".yaml"))
                    .map((f) => path.join(REPO, d, f)),
            ),
        ];
        assert.ok(files.length > 10);
        const net = CHANGE_STACK.underlay.replace(/\.0\/24$/, ".");
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            assert.ok(!text.includes(net), `${f} uses ${net}`);
            assert.ok(!new RegExp(`bridge:\\s*${CHANGE_STACK.bridge}\\b`).test(text), `${f} uses bridge ${CHANGE_STACK.bridge}`);
        }
    });
});

describe("bench change: a day-2 up split at its changed resources", () => {
    const T = Date.parse("2026-11-30T12:00:00.000Z");
    const at = (s: number) => new Date(T + s * 1000).toISOString();
    const rec = (urn: string, type: string, start: number, end: number, extra: Partial<ResourceRecord> = {}): ResourceRecord => ({
        urn,
        type,
        name: urn,
        parent: "",
        custom: true,
        provider: "",
        dependsOn: [],
        inputs: {},
        status: "created",
        startedAt: at(start),
        endedAt: at(end),
        ...extra,
    });
    const step = (op: Step["op"], urn: string, type = "t"): Step => ({ op, urn, type, name: urn });
    const ENGINE = "command:local:Command";
    const CONTAINER = "docker:index/container:Container";

    it("start-up and preview: wall - the apply's seconds; program: to the first changed custom resource; steps: to the last one's end; after: to exit", () => {
        const b = changeBreakdown({
            spawnedAt: T,
            wall: 10,
            applySeconds: 8,
            steps: [
                step("same", "c1"),
                step("create", "placed-c3"),
                step("create", "node3-engine"),
                step("create", "c3"),
                step("update", "keys"),
                step("replace", "ping"),
                step("delete", "gone"),
            ],
            state: {
                resources: [
                    rec("c1", CONTAINER, 4, 4),
                    rec("placed-c3", "docker-overlay:index:PlacedContainer", 2, 2, { custom: false }),
                    rec("ping", ENGINE, -100, -99, { pendingDelete: true }),
                    rec("node3-engine", ENGINE, 3, 5),
                    rec("c3", CONTAINER, 5, 6),
                    rec("keys", "consul:index/keyPrefix:KeyPrefix", 5.5, 5.5),
                    rec("ping", ENGINE, 6, 7.5),
                ],
            },
        });
        assert.equal(b.startupAndPreview, 2);
        assert.equal(b.program, 1);
        assert.equal(b.steps, 4.5);
        assert.equal(b.afterSteps, 2.5);
        assert.deepEqual(b.perStep, [
            { op: "create", type: ENGINE, name: "node3-engine", seconds: 2 },
            { op: "create", type: CONTAINER, name: "c3", seconds: 1 },
            { op: "replace", type: ENGINE, name: "ping", seconds: 1.5 },
        ]);
    });

    it("no changed custom resource: the apply is all program", () => {
        assert.deepEqual(
            changeBreakdown({ spawnedAt: T, wall: 4, applySeconds: 1.5, steps: [step("same", "c1")], state: { resources: [rec("c1", CONTAINER, 1, 1)] } }),
            {
                startupAndPreview: 2.5,
                program: 1.5,
                steps: 0,
                afterSteps: 0,
                perStep: [],
            },
        );
    });

    it("changedSteps: every step but the same ones, as `op type name`, sorted", () => {
        assert.deepEqual(changedSteps([step("same", "a"), step("replace", "p", ENGINE), step("create", "e", ENGINE), step("delete", "d", CONTAINER)]), [
            `create ${ENGINE} e`,
            `delete ${CONTAINER} d`,
            `replace ${ENGINE} p`,
        ]);
    });
});

describe("bench change: the report's fields", () => {
    const changeRun = (noop: number, addhost: number, full: number, cpu?: { addhost: number; full: number }): ChangeRun => ({
        run: 1,
        base: { wall: full - 1 },
        noop: { wall: noop, unchanged: 22, preview: noop - 0.5 },
        addhost: {
            wall: addhost,
            ...(cpu !== undefined ? { cpu: cpu.addhost } : {}),
            changes: { same: 20, create: 5, update: 1, replace: 1, delete: 0 },
            steps: ["create command:local:Command swarm-node3-engine"],
            breakdown: {
                startupAndPreview: 1.5,
                program: 0.5,
                steps: addhost - 3,
                afterSteps: 1,
                perStep: [{ op: "create", type: "command:local:Command", name: "swarm-node3-engine", seconds: 1.5 }],
            },
        },
        full: { wall: full, ...(cpu !== undefined ? { cpu: cpu.full } : {}), apply: full - 2, startup: 1.5, phases: { kv: 1.8, engines: 2.5 } },
    });
    const results = (change?: ChangeResult): BenchResults => ({
        startedAt: new Date(0),
        seconds: 60,
        runs: 3,
        load: {},
        ...(change !== undefined ? { change } : {}),
    });
    const change = (runs: ChangeRun[]): ChangeResult => ({ stacks: { hosts3: "a", hosts4: "b" }, runs, failures: [] });

    it("noop is the median no-op; addhost/full the median add over the median full up (wall and CPU)", () => {
        const h = headline(
            results(
                change([
                    changeRun(3, 6, 20, { addhost: 4, full: 16 }),
                    changeRun(2, 9, 10, { addhost: 5, full: 12 }),
                    changeRun(4, 5, 15, { addhost: 9, full: 10 }),
                ]),
            ),
        );
        assert.equal(h.noop, 3);
        assert.equal(h.addhostFull, 6 / 15);
        assert.equal(h.addhostFullCpu, 5 / 12);
    });

    it("the last line gains noop and addhost/full after the fields it had", () => {
        const h = headline(results(change([changeRun(2.345, 6, 20)])));
        assert.equal(h.addhostFullCpu, undefined);
        assert.equal(
            headlineLine(h),
            "bench: plan300x10=n/a plan/floor=n/a rss=n/a parallel/serial=n/a saturation9=n/a cpu/host=n/a overlay/underlay=n/a noop=2.35 addhost/full=0.30",
        );
        assert.equal(
            headlineLine(headline(results())),
            "bench: plan300x10=n/a plan/floor=n/a rss=n/a parallel/serial=n/a saturation9=n/a cpu/host=n/a overlay/underlay=n/a noop=n/a addhost/full=n/a",
        );
    });

    it("RESULTS.md: the goal row says met at or under 0.4, missed above; section 4 has the runs, the split and the steps", () => {
        const goalRow = (md: string) => md.split("\n").find((l) => l.startsWith("| add a host and a container to a running 3-host stack"));
        const met = renderResults(results(change([changeRun(2, 8, 20)])), { cpu: "x", cores: 2, memoryGB: 1, kernel: "k", os: "o", node: "v20" });
        assert.equal(
            goalRow(met),
            "| add a host and a container to a running 3-host stack / up of the 4 hosts from nothing | <= 0.4 | 0.40 (CPU-s n/a) | **met** |",
        );
        const missed = renderResults(results(change([changeRun(2, 9, 20, { addhost: 6, full: 12 })])), {
            cpu: "x",
            cores: 2,
            memoryGB: 1,
            kernel: "k",
            os: "o",
            node: "v20",
        });
        assert.equal(
            goalRow(missed),
            "| add a host and a container to a running 3-host stack / up of the 4 hosts from nothing | <= 0.4 | 0.45 (CPU-s 0.50) | **missed** |",
        );
        assert.match(missed, /^## 4\. Change: `up` again on a running stack \(day 2\)$/m);
        assert.match(missed, /^\| add swarm-node3 and c3 on it to the running 3-host stack \| 9\.00 \| 9\.00 \| 9\.00 \| 6\.00 \|$/m);
        assert.match(missed, /^\| create swarm-node3-engine \(command:local:Command\) \| 1\.50 \| 1\.50 \| 1\.50 \|$/m);
        assert.match(missed, /^noop = 2\.00 s \(22 resources unchanged\); addhost\/full = 0\.45 \(goal <= 0\.4\), in CPU-seconds 0\.50\.$/m);
        assert.match(
            missed,
            /^The no-op, split \(medians\): the preview \(the lab's run of the program against its state\) 1\.50 s, the rest \(node, loading the lab and its cached JavaScript\) 0\.50 s\.$/m,
        );
        assert.match(missed, /^The add, split \(medians\): start-up and preview \(as the no-op\) 1\.50 s; the apply's run of the program up to$/m);
        assert.match(missed, /^the first changed resource 0\.50 s; the changed resources 6\.00 s; after the last one to exit 1\.00 s \(the old$/m);
        assert.match(missed, /Steps of the add \(the same in every run\): create command:local:Command swarm-node3-engine\./);
        // Without the change part, no section 4 and the goal not measured.
        const none = renderResults(results(), { cpu: "x", cores: 2, memoryGB: 1, kernel: "k", os: "o", node: "v20" });
        assert.doesNotMatch(none, /## 4\./);
        assert.match(goalRow(none) ?? "", /\| not measured \|$/);
    });
});
