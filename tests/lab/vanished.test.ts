/**
 * The machines vanish (tests/lab/stacks/Pulumi.t-vanished.yaml: consul, h1 with c1,
 * h2 with c2, net1), as after a reboot of the lab machine: tests/lab/support/reboot.sh
 * kills every process of the stack's namespaces and what runs below them, unmounts
 * what they left, removes the namespaces, the bridge and the run directory.
 *
 * The real `pulumi destroy` would then fail on every docker object: the docker
 * provider pings the engine before each delete (kreuzwerker v4.5.0
 * internal/provider/config.go:193-199), and the lab fails the same way
 * (lab/resources/dockerInputs.ts onEngine). The program registers what lives on
 * the machines `deletedWith` the fabric's bridge (components/machines/types.ts
 * Fabric.deletedWith), so a destroy skips them (pulumi/pulumi step.go:632-633) and
 * runs only the machines' and the bridge's own deletes, which tolerate their
 * absence: `down` succeeds and leaves nothing.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import "./support/root-hooks";
import { LabStack, note, REPO, run, STACKS } from "./support/lab";

const TYPE = {
    network: "docker:index/network:Network",
    container: "docker:index/container:Container",
    image: "docker:index/remoteImage:RemoteImage",
    keyPrefix: "consul:index/keyPrefix:KeyPrefix",
    command: "command:local:Command",
};

describe("lab: destroy after the machines vanished (Pulumi.t-vanished.yaml)", function () {
    const stack = new LabStack(path.join(STACKS, "Pulumi.t-vanished.yaml"));

    before(async function () {
        await stack.upOk();
    });

    after(async function () {
        await stack.teardown();
    });

    it("the engines answer before the reboot", async function () {
        for (const h of ["h1", "h2"]) {
            const r = await stack.docker(h, ["version", "--format", "{{.Server.Version}}"], 10_000);
            assert.strictEqual(r.code, 0, r.stderr);
        }
    });

    it("a reboot by hand: processes killed, namespaces, mounts, bridge and run directory gone; no engine answers", async function () {
        const r = await run("bash", [path.join(REPO, "tests/lab/support/reboot.sh"), stack.stack, stack.info.bridge, stack.info.runDir, stack.info.stateDir]);
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        note(r.stdout.trim());
        for (const h of ["h1", "h2"]) {
            const v = await stack.docker(h, ["version"], 10_000);
            assert.notStrictEqual(v.code, 0, `${h}'s engine still answers`);
        }
        // No daemon of the stack outlived it (its command line names the state directory).
        const alive = fs
            .readdirSync("/proc")
            .filter((p) => /^\d+$/.test(p))
            .flatMap((p) => {
                try {
                    const cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8").replace(/\0/g, " ");
                    return cmd.includes(`${stack.info.stateDir}/`) ? [`${p}: ${cmd.slice(0, 120)}`] : [];
                } catch {
                    return []; // ended meanwhile
                }
            });
        assert.deepStrictEqual(alive, [], "processes of the stack outlived the reboot");
    });

    it("`down` succeeds: what lived on the machines is deleted with the bridge, the machines' deletes run, nothing is left", async function () {
        const r = await stack.downClean();
        const json = r.json!;
        const typeOf = (urn: string) => urn.split("::")[2].split("$").pop()!;
        const count = (urns: string[], type: string) => urns.filter((u) => typeOf(u) === type).length;
        // Deleted with the bridge, never through a dead engine or consul.
        assert.deepStrictEqual(
            Object.fromEntries([TYPE.network, TYPE.container, TYPE.image, TYPE.keyPrefix].map((t) => [t, count(json.skipped, t)])),
            { [TYPE.network]: 1, [TYPE.container]: 2, [TYPE.image]: 2, [TYPE.keyPrefix]: 1 },
            JSON.stringify(json, null, 1),
        );
        // The machines' scripts and the bridge's ran (and tolerated their absence); the underlay probes have no delete.
        const names = json.deleted.filter((u) => typeOf(u) === TYPE.command).map((u) => u.split("::").pop()!);
        assert.deepStrictEqual(names.sort(), ["cluster-fabric-bridge", "h1-engine", "h2-engine", "kvstore-machine"]);
        assert.deepStrictEqual(json.failed, []);
    });
});
