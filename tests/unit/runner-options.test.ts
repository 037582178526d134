/**
 * The runner records, with each registration, the resource options the
 * engine's step generator reads and the request's property dependencies
 * (runner/program.ts `describe`), as @pulumi/pulumi 3.248.0's
 * runtime/resource.js puts them on the RegisterResourceRequest.
 */
import * as assert from "node:assert/strict";
import { devRaw, ofType, preview, T } from "./helpers";

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
        assert.deepEqual(image.options, { replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: "" });
        // A network says delete-before-replace itself (its fixed name; components/overlayNetwork.ts).
        const net = ofType(run, T.network)[0];
        assert.ok(net);
        assert.deepEqual(net.options, { deleteBeforeReplace: true, replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: "" });
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
});
