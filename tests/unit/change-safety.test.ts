/**
 * The program under change with the real engine (docs/provider-rules.md):
 * options and inputs that make networks replace cleanly and only when asked,
 * make everything on a replaced machine follow it, keep previews off consul,
 * and keep the cluster record out of keys others write.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { KEPT_MACHINES_ENV, keptMachineIds, LABEL, machineLabelValue, optionsLabelValue } from "../../lib/change/labels";
import { loadStackFile } from "../../lib/config/load";
import { RawConfig } from "../../lib/config/types";
import { formatProblem, validateConfig } from "../../lib/config/validate";
import { previewMocks } from "../../runner/mocks";
import { ProgramRun, runProgram } from "../../runner/program";
import { appliedMocks } from "./appliedMocks";
import { SWARM_DEV } from "./fixtures/configs";
import { devRaw, devWith, find, T } from "./helpers";
import { optionsOf, RegisteredOptions, withOptions } from "./options";

const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");

function exampleRaw(name: string): { stack: string; raw: RawConfig } {
    return loadStackFile(path.join(EXAMPLES, `Pulumi.${name}.yaml`));
}

type Run = { run: ProgramRun; options: Map<string, RegisteredOptions> };

async function previewed(raw: RawConfig, stack = "dev"): Promise<Run> {
    const { result, options } = await withOptions(() => runProgram({ stack, raw, mocks: previewMocks, preview: true, secrets: { sshPrivateKey: "test-key" } }));
    return { run: result, options };
}

async function appliedRun(raw: RawConfig, stack = "dev"): Promise<Run> {
    const { result, options } = await withOptions(() =>
        runProgram({ stack, raw, mocks: appliedMocks, preview: false, secrets: { sshPrivateKey: "test-key" } }),
    );
    return { run: result, options };
}

type Label = { label: string; value: unknown };
const labels = (run: ProgramRun, type: string, name: string) => find(run, type, name).inputs["labels"] as Label[];

describe("change safety: overlay networks", () => {
    // ssh machines report their underlay MTU (1500 in appliedMocks) when they exist: the options are known after an update.
    let ssh: Run;
    let dev: Run;
    before(async () => {
        const { stack, raw } = exampleRaw("ssh");
        ssh = await appliedRun(raw, stack);
        dev = await previewed(devRaw());
    });

    it("an overlay with options: options ignored on change, written into a ForceNew label, replaced delete-before-replace", () => {
        const net2 = find(ssh.run, T.network, "net2-network");
        assert.deepEqual(net2.inputs["options"], { encrypted: "" });
        assert.deepEqual(
            labels(ssh.run, T.network, "net2-network").map((l) => [l.label, l.label === LABEL.machine ? typeof l.value : l.value]),
            [
                [LABEL.network, "net2"],
                [LABEL.options, '{"encrypted":""}'],
                [LABEL.machine, "string"],
            ],
        );
        const o = optionsOf(ssh.options, T.network, "net2-network");
        assert.deepEqual(o.ignoreChanges, ["options"]);
        assert.equal(o.deleteBeforeReplace, true);
        assert.deepEqual(o.replaceWith, []);
    });

    it("an overlay without options: no options input or label; still delete-before-replace; ignoreChanges only where options come from the machines (ssh)", () => {
        for (const [run, options, ignored] of [
            [dev.run, dev.options, []],
            // ssh: whether there are options is known only once the machines reported their MTU (1500 here: none).
            [ssh.run, ssh.options, ["options"]],
        ] as const) {
            const net1 = find(run, T.network, "net1-network");
            assert.equal(net1.inputs["options"], undefined);
            assert.deepEqual(
                labels(run, T.network, "net1-network").map((l) => l.label),
                [LABEL.network, LABEL.machine],
            );
            const o = optionsOf(options, T.network, "net1-network");
            assert.deepEqual(o.ignoreChanges, ignored);
            assert.equal(o.deleteBeforeReplace, true);
        }
    });

    it("dind: the MTU option is in the label, and a changed MTU changes the label (a real change replaces the network)", async () => {
        const { stack, raw } = exampleRaw("dind");
        const before = await previewed(raw, stack);
        const changed = JSON.parse(JSON.stringify(raw));
        changed.driver.mtu = 1400;
        const after = await previewed(changed, stack);
        const nets = before.run.registrations.filter((r) => r.type === T.network && r.name !== "cluster-fabric-network");
        assert.ok(nets.length > 0, "the dind example has overlays");
        for (const net of nets) {
            const label = (run: ProgramRun) => labels(run, T.network, net.name).find((l) => l.label === LABEL.options)?.value;
            assert.equal(label(before.run), '{"com.docker.network.driver.mtu":"1450"}');
            assert.equal(label(after.run), '{"com.docker.network.driver.mtu":"1400"}');
            assert.deepEqual(find(after.run, T.network, net.name).inputs["options"], { "com.docker.network.driver.mtu": "1400" });
            assert.deepEqual(optionsOf(after.options, T.network, net.name).ignoreChanges, ["options"]);
        }
    });

    it("encrypted on or off changes the label set, so the network is replaced", async () => {
        const { stack, raw } = exampleRaw("ssh");
        const plain = JSON.parse(JSON.stringify(raw));
        plain.networks[1].encrypted = false;
        const run = (await appliedRun(plain, stack)).run;
        assert.deepEqual(
            labels(run, T.network, "net2-network").map((l) => l.label),
            [LABEL.network, LABEL.machine],
        );
        assert.equal(find(run, T.network, "net2-network").inputs["options"], undefined);
    });

    it("containers take each network's name as a property dependency, so a replaced network replaces them", () => {
        const net1 = find(ssh.run, T.network, "net1-network").urn;
        const net2 = find(ssh.run, T.network, "net2-network").urn;
        assert.deepEqual(optionsOf(ssh.options, T.container, "c2-container").propertyDependencies["networksAdvanced"], [net1, net2].sort());
        assert.deepEqual(optionsOf(ssh.options, T.container, "c3-container").propertyDependencies["networksAdvanced"], [net2]);
        // ...and the check takes the containers' ids, so it is replaced with them.
        const containers = ["c1", "c2", "c3"].map((c) => find(ssh.run, T.container, `${c}-container`).urn).sort();
        assert.deepEqual(optionsOf(ssh.options, "command:local:Command", "connectivity-ping").propertyDependencies["triggers"], containers);
    });

    it("renamedFrom: the network's component takes its old name as an alias under the same parent; its network and containers follow the new name", async () => {
        const raw = devWith((r) => {
            r.networks[0] = { ...r.networks[0], name: "front", renamedFrom: "net1" };
            for (const c of r.containers) {
                c.networks = ["front"];
            }
        });
        const { run } = await previewed(raw);
        const component = find(run, "docker-overlay:network:OverlayNetwork", "front");
        assert.deepEqual(component.options.aliases, [{ name: "net1", type: "", stack: "", project: "", parentUrn: component.parent, noParent: false }]);
        // The child gets no alias of its own: the engine gives it `net1-network` from its parent's.
        const network = find(run, T.network, "front-network");
        assert.equal(network.options.aliases, undefined);
        assert.equal(network.inputs["name"], "front");
        assert.equal(network.options.deleteBeforeReplace, true);
        // Without renamedFrom, nothing has an alias.
        assert.ok(dev.run.registrations.every((r) => r.options.aliases === undefined));
    });

    it("optionsLabelValue: one string per map, whatever the key order", () => {
        assert.equal(optionsLabelValue({ b: "2", a: "1" }), '{"a":"1","b":"2"}');
        assert.equal(optionsLabelValue({ a: "1", b: "2" }), optionsLabelValue({ b: "2", a: "1" }));
        assert.notEqual(optionsLabelValue({ a: "1" }), optionsLabelValue({ a: "2" }));
        assert.notEqual(optionsLabelValue({ a: "" }), optionsLabelValue({}));
    });
});

describe("change safety: what lives on a machine follows its replacement", () => {
    let dev: Run;
    before(async () => {
        dev = await appliedRun(devRaw());
    });

    const urn = (run: ProgramRun, type: string, name: string) => find(run, type, name).urn;

    it("containers carry their host's machine id in a label with a property dependency on the machine", () => {
        for (const [container, host] of [
            ["c1", "swarm-node2"],
            ["c2", "swarm-node1"],
        ]) {
            assert.deepEqual(labels(dev.run, T.container, `${container}-container`), [
                { label: LABEL.container, value: container },
                { label: LABEL.host, value: host },
                { label: LABEL.machine, value: `${host}-engine-id` },
            ]);
            assert.deepEqual(optionsOf(dev.options, T.container, `${container}-container`).propertyDependencies["labels"], [
                urn(dev.run, T.command, `${host}-engine`),
            ]);
        }
    });

    it("images carry it in their triggers (ForceNew)", () => {
        assert.deepEqual(find(dev.run, T.image, "c1-image").inputs["triggers"], { machine: "swarm-node2-engine-id" });
        assert.deepEqual(optionsOf(dev.options, T.image, "c1-image").propertyDependencies["triggers"], [urn(dev.run, T.command, "swarm-node2-engine")]);
        assert.equal(find(dev.run, T.image, "c1-image").inputs["keepLocally"], true);
    });

    it("swarm mode: init, joins, labels and availability carry their machine's id in their environment (an update runs them again on a new engine); the tokens the swarm's first node id", async () => {
        const raw = structuredClone(SWARM_DEV) as unknown as RawConfig & { hosts: Record<string, unknown>[]; containers: Record<string, unknown>[] };
        raw.hosts[1].labels = { zone: "a" };
        raw.hosts[1].availability = "pause";
        raw.containers[1].constraints = ["node==swarm-manager"];
        const { run, options } = await appliedRun(raw);
        const machineOf = (name: string) => (find(run, T.command, name).inputs["environment"] as Record<string, string>)["DOCKER_OVERLAY_MACHINE"];
        assert.equal(machineOf("swarm-init"), "swarm-manager-engine-id");
        for (const name of ["swarm-join-swarm-node1", "swarm-labels-swarm-node1", "swarm-availability-swarm-node1"]) {
            assert.equal(machineOf(name), "swarm-node1-engine-id", name);
            assert.deepEqual(
                optionsOf(options, T.command, name).propertyDependencies["environment"]?.includes(urn(run, T.command, "swarm-node1-engine")),
                true,
                name,
            );
        }
        assert.equal(machineOf("swarm-join-swarm-node2"), "swarm-node2-engine-id");
        assert.equal((find(run, T.command, "swarm-join-token").inputs["environment"] as Record<string, string>)["DOCKER_OVERLAY_SWARM_NODE"], "node-manager");
        // None of them is replaced for it: no replaceOnChanges on the environment.
        for (const name of ["swarm-init", "swarm-join-swarm-node1", "swarm-labels-swarm-node1"]) {
            assert.ok(!(optionsOf(options, T.command, name).replaceOnChanges ?? []).includes("environment"), name);
        }
    });

    it("cluster-store mode: a network carries the network host's and the KV machine's ids", () => {
        assert.deepEqual(labels(dev.run, T.network, "net1-network"), [
            { label: LABEL.network, value: "net1" },
            { label: LABEL.machine, value: "swarm-manager-engine-id,kvstore-machine-id" },
        ]);
        assert.deepEqual(
            optionsOf(dev.options, T.network, "net1-network").propertyDependencies["labels"],
            [urn(dev.run, T.command, "swarm-manager-engine"), urn(dev.run, T.command, "kvstore-machine"), urn(dev.run, T.command, "overlay-machines")].sort(),
        );
    });

    it("the overlays' machine label is kept: a command that runs nothing holds the ids it was made with and ignores their changes; the label still depends on the machines", () => {
        const kept = find(dev.run, T.command, "overlay-machines");
        assert.deepEqual(kept.inputs, { environment: { [KEPT_MACHINES_ENV]: "swarm-manager-engine-id,kvstore-machine-id" } });
        const options = optionsOf(dev.options, T.command, "overlay-machines");
        assert.deepEqual(options.ignoreChanges, ["environment"]);
        assert.deepEqual(
            options.propertyDependencies["environment"],
            [urn(dev.run, T.command, "swarm-manager-engine"), urn(dev.run, T.command, "kvstore-machine")].sort(),
        );
        // Only what the SDK adds to every Command, and no triggers: nothing re-runs it (the overlay is replaced through the label's own dependency).
        assert.deepEqual(options.replaceOnChanges, ["triggers[*]"]);
        assert.throws(() => keptMachineIds({}), /^Error: the overlays' kept machine label has no DOCKER_OVERLAY_NETWORK_MACHINES in its environment$/);
    });

    it("a preview of a stack made before the kept label: the command is created, and the label is already known and unchanged", async () => {
        // The engine's preview of a create returns the inputs (pulumi-command local/commandController.go:41-49);
        // previewMocks do the same, so the overlay's label is known while overlay-machines is new.
        const { result } = await withOptions(() => runProgram({ stack: "dev", raw: devRaw(), mocks: appliedMocks, preview: true }));
        assert.deepEqual(labels(result, T.network, "net1-network"), labels(dev.run, T.network, "net1-network"));
    });

    it("the consul record's pathPrefix (ForceNew) goes through the KV machine: the same string, a property dependency on it", () => {
        assert.equal(find(dev.run, T.keyPrefix, "cluster-record-keys").inputs["pathPrefix"], "docker-overlay/dev/");
        assert.deepEqual(optionsOf(dev.options, T.keyPrefix, "cluster-record-keys").propertyDependencies["pathPrefix"], [
            urn(dev.run, T.command, "kvstore-machine"),
        ]);
    });

    it("swarm mode: only the manager's (the store, if any, keeps no overlay)", async () => {
        const { stack, raw } = exampleRaw("swarm");
        const { run, options } = await appliedRun(raw, stack);
        assert.deepEqual(labels(run, T.network, "net1-network"), [
            { label: LABEL.network, value: "net1" },
            { label: LABEL.machine, value: "swarm-manager-engine-id" },
        ]);
        assert.deepEqual(
            optionsOf(options, T.network, "net1-network").propertyDependencies["labels"],
            // And the swarm's spec: a new swarm (spec replaced, delete-before-replace) replaces the overlay (components/swarm.ts).
            [urn(run, T.command, "swarm-manager-engine"), urn(run, T.command, "overlay-machines"), urn(run, T.command, "swarm-spec")].sort(),
        );
    });

    it("dind and docker-machine: the machine's own resources' ids", async () => {
        const dind = exampleRaw("dind");
        const dindRun = (await appliedRun(dind.raw, dind.stack)).run;
        const dindContainers = dindRun.registrations.filter(
            (r) => r.type === T.container && (r.inputs["labels"] as Label[] | undefined)?.some((l) => l.label === LABEL.host),
        );
        assert.ok(dindContainers.length > 0);
        for (const c of dindContainers) {
            const host = String((c.inputs["labels"] as Label[]).find((l) => l.label === LABEL.host)?.value);
            assert.equal((c.inputs["labels"] as Label[]).find((l) => l.label === LABEL.machine)?.value, `${host}-engine-container-id`);
        }
        // docker-machine's commands print the machine's IP and connection, which the program parses.
        const dmMocks: pulumi.runtime.Mocks = {
            newResource: (args) => {
                const result = appliedMocks.newResource(args) as { id: string | undefined; state: Record<string, unknown> };
                if (args.name.endsWith("-machine")) {
                    result.state["stdout"] = "192.0.2.10\n";
                } else if (args.name.endsWith("-connection")) {
                    result.state["stdout"] = '{"host":"tcp://192.0.2.10:2376","certPath":"/certs"}';
                }
                return result;
            },
            call: (args) => appliedMocks.call(args),
        };
        const dm = exampleRaw("docker-machine");
        const dmRun = (await withOptions(() => runProgram({ stack: dm.stack, raw: dm.raw, mocks: dmMocks, preview: false }))).result;
        const dmContainers = dmRun.registrations.filter((r) => r.type === T.container);
        assert.ok(dmContainers.length > 0);
        for (const c of dmContainers) {
            const host = String((c.inputs["labels"] as Label[]).find((l) => l.label === LABEL.host)?.value);
            assert.equal(
                (c.inputs["labels"] as Label[]).find((l) => l.label === LABEL.machine)?.value,
                machineLabelValue([`${host}-engine-machine-id`, `${host}-engine-connection-id`]),
            );
        }
    });

    it("no replaceWith anywhere (a CLI older than 3.207.0 would refuse it)", () => {
        const withReplaceWith = [...dev.options.entries()].filter(([, o]) => o.replaceWith.length > 0).map(([k]) => k);
        assert.ok(dev.options.size > 0);
        assert.deepEqual(withReplaceWith, []);
    });
});

describe("change safety: a preview needs no live consul", () => {
    /** Mocks of a deployed stack's preview: every id known (so the SDK would run invokes), any invoke fails. */
    const deployedPreview: pulumi.runtime.Mocks = {
        newResource: (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }),
        call: (args) => {
            calls.push(args.token);
            throw new Error(`consul is not reachable (${args.token})`);
        },
    };
    let calls: string[] = [];
    beforeEach(() => {
        calls = [];
    });

    it("cluster-store mode: getKeyPrefix is not called and registeredEngines stays unknown", async () => {
        const run = await runProgram({ stack: "dev", raw: devRaw(), mocks: deployedPreview, preview: true });
        assert.deepEqual(calls, []);
        assert.equal(run.outputs["registeredEngines"], "[unknown]");
        // The record itself is still registered (a preview shows its diff).
        assert.equal(find(run, T.keyPrefix, "cluster-record-keys").inputs["pathPrefix"], "docker-overlay/dev/");
    });

    it("the record is written after every engine: a store that answers `consul members` may have no leader yet", async () => {
        const run = await runProgram({ stack: "dev", raw: devRaw(), mocks: appliedMocks, preview: false });
        const engines = ["swarm-manager", "swarm-node1", "swarm-node2"].map((h) => find(run, T.command, `${h}-engine`).urn);
        const deps = find(run, T.keyPrefix, "cluster-record-keys").dependsOn;
        for (const e of engines) {
            assert.ok(deps.includes(e), `${e} not in ${deps.join(", ")}`);
        }
    });

    it("up reads it back", async () => {
        const run = await runProgram({ stack: "dev", raw: devRaw(), mocks: appliedMocks, preview: false });
        assert.deepEqual(run.outputs["registeredEngines"], []);
    });
});

describe("change safety: the cluster record stays out of keys others write", () => {
    const problems = (recordPrefix: string) =>
        validateConfig(
            devWith((r) => (r.kvStore = { backend: "consul", machine: "kvstore", recordPrefix })),
            "dev",
        ).map(formatProblem);

    it("refuses the engines' docker/ tree, the project's tree, and another stack's record", () => {
        const owns = "the consul provider owns every key under its prefix and deletes those it did not write";
        assert.deepEqual(problems("docker"), [
            `docker-overlay:kvStore.recordPrefix: "docker" overlaps docker/, where the engines keep the cluster store's state, and ${owns}; choose a prefix outside it, e.g. docker-overlay/dev`,
        ]);
        assert.deepEqual(problems("docker/records"), [
            `docker-overlay:kvStore.recordPrefix: "docker/records" overlaps docker/, where the engines keep the cluster store's state, and ${owns}; choose a prefix outside it, e.g. docker-overlay/dev`,
        ]);
        assert.deepEqual(problems("docker-overlay"), [
            `docker-overlay:kvStore.recordPrefix: "docker-overlay" contains docker-overlay/<stack>, where every stack records itself by default, and ${owns}; add the stack's name, e.g. docker-overlay/dev`,
        ]);
        assert.deepEqual(problems("docker-overlay/prod/extra"), [
            `docker-overlay:kvStore.recordPrefix: "docker-overlay/prod/extra" lies inside docker-overlay/prod, stack prod's default record, and ${owns}; use one level below docker-overlay/, e.g. docker-overlay/dev`,
        ]);
    });

    it("accepts the default shape and prefixes of one's own", () => {
        for (const ok of ["docker-overlay/dev", "docker-overlay/prod", "dockerx", "team/docker", "records/docker-overlay"]) {
            assert.deepEqual(problems(ok), [], ok);
        }
    });
});
