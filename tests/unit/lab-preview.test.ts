/**
 * The lab's preview (lab/preview.ts) without engines: the dev stack "applied"
 * with the unit tests' fakes (appliedMocks) and recorded as the lab's state
 * would record it, then previewed under PreviewMocks with dryRun: unchanged,
 * a changed subnet, a removed container, swarm mode.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KvClient } from "../../lab/clients/consul";
import { chainDeletedRow, PreviewMocks, previewJson, renderPreviewText, runPreview, staleRecord, withSecrets } from "../../lab/preview";
import { CONTAINER_DIFF } from "../../lab/resources/container";
import { tableDiff } from "../../lab/resources/diff";
import { revealInputs } from "../../lab/secrets";
import { ResourceRecord, statePath, writeState } from "../../lab/state";
import { countChanges, Step } from "../../lab/steps";
import { loadStackFile } from "../../lib/config/load";
import { RawConfig } from "../../lib/config/types";
import { Registration, runProgram } from "../../runner/program";
import { appliedMocks } from "./appliedMocks";
import { DEV_STACK, devRaw, devWith, Edit } from "./helpers";

const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");

const fakeKv = (): KvClient => ({
    baseUrl: "http://fake",
    put: async () => undefined,
    list: async () => ({}),
    deleteTree: async () => undefined,
    deleteKey: async () => undefined,
});

/** The program applied with the fakes; each registration recorded with its id and outputs, as the lab's state does. */
async function applyRecorded(
    raw: RawConfig,
    stack = "dev",
    exported: { outputs?: Record<string, unknown> } = {},
    stackOutputs?: Record<string, unknown>,
): Promise<ResourceRecord[]> {
    const records: ResourceRecord[] = [];
    const pending: Registration[] = [];
    const mocks: pulumi.runtime.Mocks = {
        newResource: async (args) => {
            const i = pending.findIndex((r) => r.type === args.type && r.name === args.name);
            const reg = pending.splice(i, 1)[0];
            const result = await appliedMocks.newResource(args);
            records.push({
                ...reg,
                // As the applier records them: secret inputs in plain form (lab/applier.ts).
                inputs: JSON.parse(JSON.stringify(revealInputs(args.inputs as Record<string, unknown>).inputs)),
                status: "created",
                id: result.id ?? undefined,
                outputs: JSON.parse(JSON.stringify(result.state)),
                startedAt: "2026-01-01T00:00:00Z",
            });
            return result;
        },
        call: (args) => appliedMocks.call(args),
    };
    const run = await runProgram({
        stack,
        raw,
        mocks,
        preview: false,
        stackOutputs,
        secrets: { sshPrivateKey: "test-key" },
        onRegister: (r) => pending.push(r),
    });
    exported.outputs = run.outputs;
    return records;
}

async function previewSteps(recorded: ResourceRecord[], raw: RawConfig, stack = "dev", stackOutputs?: Record<string, unknown>): Promise<Step[]> {
    const mocks = new PreviewMocks({ recorded, kv: fakeKv });
    await runProgram({
        stack,
        raw,
        mocks,
        preview: true,
        stackOutputs,
        secrets: { sshPrivateKey: "test-key" },
        onRegister: (r) => mocks.noteRegistration(r),
        performer: mocks,
    });
    return [...mocks.generator.steps, ...mocks.generator.deletes()];
}

const changed = (steps: Step[]) =>
    steps
        .filter((s) => s.op !== "same")
        .map((s) => `${s.op} ${s.type} ${s.name}`)
        .sort();

/** Runs `body` with the lab's state directory in a fresh temporary directory, removed afterwards. */
async function withStateDir(prefix: string, body: () => Promise<void>): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const before = process.env["DOCKER_OVERLAY_LAB_STATE_DIR"];
    process.env["DOCKER_OVERLAY_LAB_STATE_DIR"] = dir;
    try {
        await body();
    } finally {
        if (before === undefined) {
            delete process.env["DOCKER_OVERLAY_LAB_STATE_DIR"];
        } else {
            process.env["DOCKER_OVERLAY_LAB_STATE_DIR"] = before;
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("lab preview (fakes, no engines)", function () {
    this.timeout(120_000);
    let dev: ResourceRecord[];

    before(async function () {
        dev = await applyRecorded(devRaw());
        assert.ok(dev.length > 10, `${dev.length} records`);
    });

    it("runs the program `lab up` applies, not the one the state recorded (an up from another checkout)", async function () {
        await withStateDir("lab-preview-program-", async () => {
            writeState(statePath("dev"), {
                version: 1,
                stack: "dev",
                stackFile: DEV_STACK,
                program: "/nonexistent/other-checkout/index.ts",
                status: "succeeded",
                startedAt: "2026-01-01T00:00:00Z",
                resources: dev,
            });
            const r = await runPreview(DEV_STACK, { kv: fakeKv, secrets: { sshPrivateKey: "test-key" } });
            assert.deepEqual(r.changes, { same: dev.length, create: 0, update: 0, replace: 0, delete: 0 });
        });
    });

    it("stale edges: none for the state the program just made; a record whose property dependency is new is stale (the engine writes it)", async function () {
        await withStateDir("lab-preview-stale-", async () => {
            const write = (resources: ResourceRecord[]) =>
                writeState(statePath("dev"), {
                    version: 1,
                    stack: "dev",
                    stackFile: DEV_STACK,
                    program: "index.ts",
                    status: "succeeded",
                    startedAt: "2026-01-01T00:00:00Z",
                    resources,
                });
            write(dev);
            assert.deepEqual((await runPreview(DEV_STACK, { kv: fakeKv, secrets: { sshPrivateKey: "test-key" } })).stale, []);
            // As recorded before the record's pathPrefix went through the KV machine.
            const older = dev.map((r) =>
                r.name === "cluster-record-keys"
                    ? {
                          ...r,
                          propertyDependencies: { ...r.propertyDependencies, pathPrefix: [] },
                          dependsOn: r.dependsOn.filter((u) => !u.endsWith("::kvstore-machine")),
                      }
                    : r,
            );
            write(older);
            const r = await runPreview(DEV_STACK, { kv: fakeKv, secrets: { sshPrivateKey: "test-key" } });
            assert.deepEqual(r.changes, { same: dev.length, create: 0, update: 0, replace: 0, delete: 0 });
            assert.deepEqual(
                r.stale.map((u) => u.split("::").pop()),
                ["cluster-record-keys"],
            );
        });
    });

    it("an unchanged stack: every registration same, nothing created, updated, replaced or deleted", async function () {
        const steps = await previewSteps(dev, devRaw());
        assert.deepEqual(changed(steps), []);
        assert.equal(steps.length, dev.length);
        assert.deepEqual(countChanges(steps), { same: dev.length, create: 0, update: 0, replace: 0, delete: 0 });
    });

    it("an empty state: every resource created", async function () {
        const steps = await previewSteps([], devRaw());
        assert.equal(steps.length, dev.length);
        assert.ok(steps.every((s) => s.op === "create"));
    });

    it("a changed subnet: the network, the containers on it and the check are replaced, the cluster record updated, nothing else", async function () {
        const raw = devWith((r) => {
            r.networks[0].subnet = "10.0.9.0/24";
        });
        const steps = await previewSteps(dev, raw);
        assert.deepEqual(changed(steps), [
            "replace command:local:Command connectivity-ping",
            "replace docker:index/container:Container c1-container",
            "replace docker:index/container:Container c2-container",
            "replace docker:index/network:Network net1-network",
            // The record in consul lists the networks with their subnets: its subkeys update.
            "update consul:index/keyPrefix:KeyPrefix cluster-record-keys",
        ]);
        const net = steps.find((s) => s.name === "net1-network")!;
        assert.equal(net.deleteBeforeReplace, true);
        const text = renderPreviewText({ stack: "dev", steps, changes: countChanges(steps) });
        assert.match(text, /^ -\+ docker:index\/network:Network net1-network {2}replace {2}\[diff: ipamConfigs\] \[delete-before-replace\]$/m);
        // Created before the old one is deleted: +-.
        assert.match(text, /^ \+- command:local:Command connectivity-ping {2}replace {2}\[diff: dependent of net1-network, triggers\]$/m);
        assert.match(text, /^preview: 0 to create, 1 to update, 4 to replace, 0 to delete, \d+ unchanged$/m);
    });

    it("a removed container: its resources deleted, dependents first", async function () {
        const raw = devWith((r) => {
            r.containers = r.containers.filter((c: { name: string }) => c.name !== "c2");
        });
        const steps = await previewSteps(dev, raw);
        const deletes = steps.filter((s) => s.op === "delete").map((s) => s.name);
        assert.ok(deletes.includes("c2-container"), deletes.join(", "));
        assert.ok(deletes.indexOf("c2-container") < deletes.indexOf("c2-image"), deletes.join(", "));
        assert.ok(deletes.indexOf("c2-container") < deletes.indexOf("c2"), deletes.join(", "));
        // Nothing is created or replaced for the container that stays.
        assert.ok(!changed(steps).some((s) => / c1-/.test(s)), changed(steps).join("\n"));
        // --json: exactly the four fields per step.
        const json = previewJson({ steps, changes: countChanges(steps) });
        assert.deepEqual(Object.keys(json.steps[0]).sort(), ["name", "op", "type", "urn"]);
        assert.deepEqual(Object.keys(json.changes).sort(), ["create", "delete", "replace", "same", "update"]);
    });

    it("a new host: only its resources created (its underlay probe among them), and the cluster record updated", async function () {
        const raw = devWith((r) => {
            r.hosts.push({ name: "swarm-node3" });
        });
        const steps = await previewSteps(dev, raw);
        const c = changed(steps);
        assert.ok(c.length > 0);
        for (const line of c.filter((l) => !l.endsWith(" cluster-record-keys"))) {
            assert.match(line, /^create .* (underlay-probe-)?swarm-node3(-[\w-]+)?$/, c.join("\n"));
        }
        // Its pairs with the hosts before it are its own probe's: no other probe runs again (lib/plan/probes.ts probeOwners).
        assert.deepEqual(
            c.filter((l) => l.includes(" underlay-probe-")),
            ["create command:local:Command underlay-probe-swarm-node3"],
            c.join("\n"),
        );
        assert.ok(c.includes("update consul:index/keyPrefix:KeyPrefix cluster-record-keys"), c.join("\n"));
    });

    it("a new host beside unconstrained containers: they stay where the stack's placements output has them, so only the host's resources are created", async function () {
        const unconstrained = (hosts: string[]) =>
            devWith((r) => {
                r.hosts = hosts.map((name, i) => (i === 0 ? { name, role: "manager" } : { name }));
                r.containers = ["c1", "c2", "c3", "c4"].map((name) => ({ name, image: "busybox:latest", command: ["top"], networks: ["net1"] }));
            });
        const exported: { outputs?: Record<string, unknown> } = {};
        const two = await applyRecorded(unconstrained(["swarm-manager", "swarm-node1"]), "dev", exported);
        const before = exported.outputs?.["placements"];
        assert.deepEqual(before, { c1: "swarm-manager", c2: "swarm-node1", c3: "swarm-manager", c4: "swarm-node1" });
        const three = unconstrained(["swarm-manager", "swarm-node1", "swarm-node2"]);
        const kept = changed(await previewSteps(two, three, "dev", exported.outputs));
        for (const line of kept.filter((l) => !l.endsWith(" cluster-record-keys"))) {
            assert.match(line, /^create .* (underlay-probe-)?swarm-node2(-[\w-]+)?$/, kept.join("\n"));
        }
        // Read from nothing, as a stack that kept no placements would: c3 and c4 move (a, b, c, a).
        const moved = changed(await previewSteps(two, three, "dev"));
        for (const c of ["c3", "c4"]) {
            assert.ok(moved.includes(`replace docker:index/container:Container ${c}-container`), moved.join("\n"));
        }
        assert.ok(!moved.some((l) => / c[12]-container$/.test(l)), moved.join("\n"));
    });

    it("a stack made before the overlays' kept machine label: only that command is created, its value already known, so no overlay or container is replaced", async function () {
        // Its preview Create returns its inputs (pulumi-command local/commandController.go:41-49): the label reads them.
        const before = dev.filter((r) => r.name !== "overlay-machines");
        assert.equal(before.length, dev.length - 1);
        assert.deepEqual(changed(await previewSteps(before, devRaw())), ["create command:local:Command overlay-machines"]);
    });

    it("dind: a stack made before its machines ran docker-init previews no change (init is ignored on update; the provider would only record it)", async function () {
        const { stack, raw } = loadStackFile(path.join(EXAMPLES, "Pulumi.dind.yaml"));
        const recorded = await applyRecorded(raw, stack);
        const machines = recorded.filter((r) => r.type === "docker:index/container:Container" && r.name.endsWith("-engine-container"));
        assert.equal(machines.length, 3, recorded.map((r) => r.name).join(", "));
        for (const m of machines) {
            assert.equal(m.inputs["init"], true, m.name);
        }
        // As the state of such a stack holds them: no init input, and Read's false (kreuzwerker v4.5.0 ..._funcs.go:860-868).
        const before = recorded.map((r) => {
            if (!machines.includes(r)) {
                return r;
            }
            const { init: _omitted, ...inputs } = r.inputs;
            return { ...r, inputs, outputs: { ...r.outputs, init: false } };
        });
        assert.deepEqual(changed(await previewSteps(before, raw, stack)), []);
        // Without ignoreChanges the same change would be an update of each machine that gives it no init.
        assert.deepEqual(tableDiff(CONTAINER_DIFF)({ ...before.find((r) => r.name === machines[0].name)!.inputs }, machines[0].inputs), {
            updates: ["init"],
            replaces: [],
            deleteBeforeReplace: true,
        });
    });

    it("the first host removed: the overlays and the containers on the other hosts stay (the label keeps its value; the network's new provider is no replacement)", async function () {
        const raw = devWith((r) => {
            r.hosts = r.hosts.filter((h: { name: string }) => h.name !== "swarm-manager");
        });
        const c = changed(await previewSteps(dev, raw));
        assert.ok(c.includes("delete command:local:Command swarm-manager-engine"), c.join("\n"));
        for (const kept of ["net1-network", "c1-container", "c2-container", "overlay-machines"]) {
            assert.ok(!c.some((l) => l.endsWith(` ${kept}`)), `${kept}:\n${c.join("\n")}`);
        }
    });

    it("swarm mode: a new data path port is a new swarm: the overlay and its containers are in the spec's delete-before-replace chain; a new host is not", async function () {
        const swarm = (edit: Edit = () => undefined) =>
            devWith((r) => {
                r.engine = { mode: "swarm" };
                delete r.kvStore;
                edit(r);
            });
        const recorded = await applyRecorded(swarm());
        const steps = await previewSteps(
            recorded,
            swarm((r) => (r.engine.swarm = { dataPathPort: 4790 })),
        );
        const c = changed(steps);
        for (const replaced of [
            "replace command:local:Command swarm-spec",
            "replace command:local:Command swarm-init",
            "replace docker:index/network:Network net1-network",
            "replace docker:index/container:Container c1-container",
            "replace docker:index/container:Container c2-container",
        ]) {
            assert.ok(c.includes(replaced), `${replaced}:\n${c.join("\n")}`);
        }
        const text = renderPreviewText({ stack: "dev", steps, changes: countChanges(steps) });
        assert.match(text, /^ -\+ docker:index\/network:Network net1-network {2}replace {2}\[diff: dependent of swarm-spec\] \[delete-before-replace\]$/m);
        const grown = changed(
            await previewSteps(
                recorded,
                swarm((r) => r.hosts.push({ name: "swarm-node3" })),
            ),
        );
        assert.ok(
            !grown.some(
                (l) => / (swarm-spec|swarm-init|net1-network|c1-container|c2-container)$/.test(l) && !l.startsWith("update command:local:Command swarm-spec"),
            ),
            grown.join("\n"),
        );
    });

    it("cluster-store to swarm: the engines' config commands, deleted in their machines' chains and not registered again, shown before their machines and not counted", async function () {
        const raw = devWith((r) => {
            r.engine = { mode: "swarm" };
        });
        const mocks = new PreviewMocks({ recorded: dev, kv: fakeKv });
        await runProgram({ stack: "dev", raw, mocks, preview: true, secrets: {}, onRegister: (r) => mocks.noteRegistration(r), performer: mocks });
        const steps = [...mocks.generator.steps, ...mocks.generator.deletes()];
        const uncounted = mocks.generator.chainDeleted().map(({ record, root }) => chainDeletedRow(record, root));
        // With them the first host's underlay probe (swarm mode probes no pair of the manager's alone),
        // before them: every config command waits for every probe.
        assert.deepEqual(
            uncounted.map((u) => u.name),
            ["underlay-probe-swarm-manager", "swarm-manager-engine-config", "swarm-node1-engine-config", "swarm-node2-engine-config"],
        );
        // Neither a step nor a delete: the summary counts none of them, as pulumi's does not.
        assert.ok(!steps.some((st) => uncounted.some((u) => u.urn === st.urn)), changed(steps).join("\n"));
        const text = renderPreviewText({ stack: "dev", steps, uncounted, changes: countChanges(steps) });
        const lines = text.split("\n");
        const row = lines.indexOf(
            " -+ command:local:Command swarm-node1-engine-config  replace  [diff: dependent of swarm-node1-engine] [delete-before-replace]",
        );
        assert.ok(row > 0, text);
        assert.match(lines[row + 1], /^ -\+ command:local:Command swarm-node1-engine {2}replace /, text);
        // Without the rows (no chain), the text is what it was.
        assert.equal(
            renderPreviewText({ stack: "dev", steps, changes: countChanges(steps) }),
            lines.filter((l) => !uncounted.some((u) => l.includes(` ${u.name}  `))).join("\n"),
        );
    });

    it("swarm mode: an unchanged stack previews no changes", async function () {
        const raw = devWith((r) => {
            r.engine = { mode: "swarm" };
            delete r.kvStore;
        });
        const recorded = await applyRecorded(raw);
        assert.deepEqual(changed(await previewSteps(recorded, raw)), []);
    });

    // docker-machine too: the fakes (appliedMocks) print what its commands print.
    const examples = fs.readdirSync(EXAMPLES).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
    it("covers every shipped example stack", function () {
        assert.ok(examples.length >= 5 && examples.includes("Pulumi.docker-machine.yaml"), examples.join(", "));
    });
    for (const example of examples) {
        it(`${example}: an unchanged stack previews no changes`, async function () {
            const { stack, raw } = loadStackFile(path.join(EXAMPLES, example));
            const recorded = await applyRecorded(raw, stack);
            assert.ok(recorded.length > 10, `${recorded.length} records`);
            assert.deepEqual(changed(await previewSteps(recorded, raw, stack)), []);
        });
    }

    it("ssh: a host marked lost: its resources kept on delete (same steps that write the state), its node forgotten by the swarm; removed then, they leave the state without their provider", async function () {
        const { stack, raw } = loadStackFile(path.join(EXAMPLES, "Pulumi.ssh.yaml"));
        type Host = { name: string; lost?: boolean };
        const hostsOf = (r: RawConfig) => r["hosts"] as Host[];
        const exported: { outputs?: Record<string, unknown> } = {};
        const recorded = await applyRecorded(raw, stack, exported);
        const lost = structuredClone(raw);
        hostsOf(lost).find((h) => h.name === "swarm-node2")!.lost = true;
        const marking = await previewSteps(recorded, lost, stack, exported.outputs);
        // Its node leaves the swarm through a manager; the swarm spec's delete (other nodes leave a swarm
        // made anew) no longer names it, an update that runs nothing (no create, no update); the underlay probe
        // leaves it out, so its own probe command goes, a delete that runs nothing. Nothing else changes.
        assert.deepEqual(changed(marking), [
            "create command:local:Command swarm-forget-swarm-node2",
            "delete command:local:Command underlay-probe-swarm-node2",
            "update command:local:Command swarm-spec",
        ]);
        // What was on swarm-node2 (c1 by its constraint) is registered kept on delete, nothing else is;
        // the same steps still write that into the state, as the engine's do (PreviewResult.stale).
        const marked = await applyRecorded(lost, stack, {}, exported.outputs);
        // A container added that only swarm-node2 fits: refused before anything (the stack does not run it there);
        // c1, which it does run there, stays.
        const another = structuredClone(lost);
        (another["containers"] as Record<string, unknown>[]).push({
            name: "c9",
            image: "busybox:latest",
            command: ["top"],
            networks: ["net1"],
            constraints: ["node==swarm-node2"],
        });
        await assert.rejects(previewSteps(recorded, another, stack, exported.outputs), (e: Error) => {
            assert.equal(
                e.message,
                [
                    "docker-overlay: 1 problem in the stack configuration:",
                    `docker-overlay:containers[${(another["containers"] as unknown[]).length - 1}].constraints: these constraints match only hosts marked lost (swarm-node2), where nothing new can be created, and the stack does not run the container there: relax a constraint, remove the container, or bring a host back and remove its lost`,
                ].join("\n"),
            );
            return true;
        });
        const onNode2 = [
            "c1-container",
            "c1-image",
            "c1-settle",
            "swarm-join-swarm-node2",
            "swarm-node2-engine-daemon",
            "swarm-node2-engine-underlay-mtu",
            "swarm-node2-esp-probe",
        ];
        const names = (rs: ResourceRecord[]) => rs.map((r) => r.name).sort();
        assert.deepEqual(names(marked.filter((r) => r.options?.retainOnDelete === true)), onNode2);
        const before = new Map(recorded.map((r) => [r.urn, r]));
        const stale = marked.filter((r) => staleRecord(before.get(r.urn), { ...r, propertyDependencies: r.propertyDependencies ?? {}, options: r.options! }));
        // Same steps that write the state: those (the option), and what waited for swarm-node2's probe command,
        // whose dependencies lose it (the engine writes a same step whose dependencies changed).
        const waitedForItsProbe = [
            "swarm-adopt",
            "swarm-init",
            "swarm-join-swarm-manager",
            "swarm-join-swarm-node1",
            "swarm-manager-engine-daemon",
            "swarm-node1-engine-daemon",
        ];
        assert.deepEqual(names(stale), [...onNode2, ...waitedForItsProbe].sort());
        const spec = (rs: ResourceRecord[]) => rs.find((r) => r.name === "swarm-spec")!.inputs["delete"] as string;
        assert.match(spec(recorded), /^NODE_NAMES=\(swarm-node1 swarm-node2\)$/m);
        assert.match(spec(marked), /^NODE_NAMES=\(swarm-node1\)$/m);
        assert.equal(marked.find((r) => r.name === "swarm-spec")!.inputs["create"], undefined);
        const forget = marked.find((r) => r.name === "swarm-forget-swarm-node2")!;
        assert.match(forget.inputs["create"] as string, /^NODE=node-2$/m);
        assert.ok(forget.dependsOn.includes(marked.find((r) => r.name === "swarm-join-swarm-node2")!.urn), forget.dependsOn.join("\n"));
        assert.equal(forget.inputs["delete"], undefined);
        // The host removed (c1 placed by another constraint): each of them a delete that only drops it from the state.
        const removed = structuredClone(lost);
        removed["hosts"] = hostsOf(removed).filter((h) => h.name !== "swarm-node2");
        (removed["containers"] as { name: string; constraints: string[] }[]).find((c) => c.name === "c1")!.constraints = ["node==swarm-node1"];
        const steps = await previewSteps(marked, removed, stack);
        const retained = steps.filter((st) => st.op === "delete" && st.retain === true).map((st) => st.name);
        assert.deepEqual(retained.sort(), ["swarm-join-swarm-node2", "swarm-node2-engine-daemon", "swarm-node2-engine-underlay-mtu", "swarm-node2-esp-probe"]);
        // c1 is made again on swarm-node1; the old one's delete, before its replacement, is kept too (lab/executor.ts skipsDelete).
        assert.deepEqual(
            steps.filter((st) => st.op === "replace" && st.name.startsWith("c1-")).map((st) => st.name),
            ["c1-image", "c1-settle", "c1-container"],
        );
        const byName = new Map(marked.map((r) => [r.name, r]));
        for (const name of ["c1-image", "c1-settle", "c1-container"]) {
            assert.equal(byName.get(name)?.options?.retainOnDelete, true, name);
        }
        // What else goes: the component, the provider, the certificate's resources (no remote end), the forget
        // (no delete). Its probe went when it was marked.
        assert.deepEqual(
            steps
                .filter((st) => st.op === "delete" && st.retain !== true)
                .map((st) => `${st.type} ${st.name}`)
                .sort(),
            [
                "command:local:Command swarm-forget-swarm-node2",
                "docker-overlay:host:DockerHost swarm-node2",
                "pulumi:providers:docker swarm-node2",
                "tls:index/certRequest:CertRequest swarm-node2-tls-csr",
                "tls:index/locallySignedCert:LocallySignedCert swarm-node2-tls-cert",
                "tls:index/privateKey:PrivateKey swarm-node2-tls-key",
            ],
        );
    });

    it("withSecrets puts the revealed value where the runner shows [secret]", function () {
        assert.deepEqual(withSecrets({ a: "[secret]", b: ["x", "[secret]"] }, { a: "A", b: ["x", "B"] }), { a: "A", b: ["x", "B"] });
    });
});
