/**
 * The runner records, with each registration, the resource options the
 * engine's step generator reads and the request's property dependencies
 * (runner/program.ts `describe`), as @pulumi/pulumi 3.248.0's
 * runtime/resource.js puts them on the RegisterResourceRequest.
 */
import * as assert from "node:assert/strict";
import { devRaw, devWith, find, ofType, preview, T } from "./helpers";

describe("runner: resource options and property dependencies", function () {
    this.timeout(60_000);

    it("records deleteBeforeReplace and replaceOnChanges of a netns machine, with the SDK's triggers[*] merged", async function () {
        const run = await preview(devRaw());
        const commands = ofType(run, T.command);
        assert.ok(commands.length > 0);
        const engine = commands.filter((c) => c.options.deleteBeforeReplace === true);
        assert.ok(engine.length > 0, "no command with deleteBeforeReplace");
        assert.ok(
            engine.some((c) => c.options.replaceOnChanges.includes("*")),
            engine.map((c) => `${c.name}: ${c.options.replaceOnChanges.join(",")}`).join("; "),
        );
        for (const c of engine) {
            // replaceWhole: { replaceOnChanges: ["*"], deleteBeforeReplace: true } plus @pulumi/command's own entry.
            assert.ok(c.options.replaceOnChanges.includes("triggers[*]"), `${c.name}: ${c.options.replaceOnChanges.join(",")}`);
        }
        // Every Command gets the SDK's triggers[*] (node_modules/@pulumi/command/local/command.js:155-156).
        for (const c of commands) {
            assert.ok(c.options.replaceOnChanges.includes("triggers[*]"), c.name);
        }
    });

    it("leaves options the program does not give absent, and lists empty ones as empty", async function () {
        const run = await preview(devRaw());
        const image = ofType(run, T.image)[0];
        assert.ok(image);
        const bridge = find(run, T.command, "cluster-fabric-bridge").urn;
        assert.deepEqual(image.options, { replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: bridge });
        // A network says delete-before-replace itself (its fixed name; components/overlayNetwork.ts).
        const net = ofType(run, T.network)[0];
        assert.ok(net);
        assert.deepEqual(net.options, { deleteBeforeReplace: true, replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: bridge });
    });

    it("records a container's networksAdvanced as a property dependency on its network", async function () {
        const run = await preview(devRaw());
        const net = ofType(run, T.network)[0];
        const containers = ofType(run, T.container);
        assert.equal(containers.length, 2);
        for (const c of containers) {
            assert.deepEqual(c.propertyDependencies["networksAdvanced"], [net.urn], JSON.stringify(c.propertyDependencies));
            // A property dependency is also a dependency.
            assert.ok(c.dependsOn.includes(net.urn));
        }
    });

    describe("deletedWith the fabric: a destroy never goes through the machines' engines (components/machines/types.ts Fabric)", () => {
        const fabricBridge = "cluster-fabric-bridge";

        it("netns, cluster-store: networks, images, containers and the consul record are deleted with the bridge; the machines and the bridge are not", async function () {
            const run = await preview(devRaw());
            const bridge = find(run, T.command, fabricBridge).urn;
            const onMachines = [...ofType(run, T.network), ...ofType(run, T.image), ...ofType(run, T.container), ...ofType(run, T.keyPrefix)];
            assert.equal(onMachines.length, 1 + 2 + 2 + 1);
            for (const r of onMachines) {
                assert.equal(r.options.deletedWith, bridge, `${r.type}::${r.name}`);
            }
            // Commands with a delete script: the machines' own (they must run, and tolerate a machine already gone);
            // the underlay probes leave nothing behind and have none (lib/probe/underlay.ts).
            const withDelete = ofType(run, T.command).filter((c) => typeof c.inputs["delete"] === "string");
            assert.deepEqual(withDelete.map((c) => [c.name, c.options.deletedWith]).sort(), [
                [fabricBridge, ""],
                ["kvstore-machine", ""],
                ["swarm-manager-engine", ""],
                ["swarm-node1-engine", ""],
                ["swarm-node2-engine", ""],
            ]);
        });

        it("netns, swarm mode: the swarm's scripts with a delete (init, joins, labels) are deleted with the bridge", async function () {
            const run = await preview(
                devWith((raw) => {
                    raw.engine = { mode: "swarm", advertiseInterface: "eth1", apiPort: 2376 };
                    delete raw.kvStore;
                    raw.hosts[1].labels = { storage: "ssd" };
                }),
            );
            const bridge = find(run, T.command, fabricBridge).urn;
            const swarm = ofType(run, T.command).filter(
                (c) => c.name.startsWith("swarm-") && typeof c.inputs["delete"] === "string" && !c.name.endsWith("-engine"),
            );
            assert.deepEqual(swarm.map((c) => c.name).sort(), [
                "swarm-init",
                "swarm-join-swarm-manager",
                "swarm-join-swarm-node1",
                "swarm-join-swarm-node2",
                "swarm-labels-swarm-node1",
                "swarm-spec",
            ]);
            for (const c of swarm) {
                assert.equal(c.options.deletedWith, bridge, c.name);
            }
        });
    });
});
