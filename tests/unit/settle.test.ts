/**
 * Swarm mode: a container's settle (lib/swarm/sh/settle.sh, components/placedContainer.ts).
 * When the last container on an overlay leaves a host, the engine tears its copy of
 * the network down, and a container started there meanwhile fails "network <id> not
 * found". The settle waits for that teardown before a container starts and after it
 * goes; it is replaced exactly when its container is (its trigger is the container's
 * spec), and the container depends on it through its machine label without that
 * label's value changing. The script, run for real against a fake docker CLI, and the
 * program's wiring.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { normalizeConfig } from "../../lib/config/normalize";
import { containerSpec, containerSpecKey } from "../../lib/plan/container";
import { renderSwarmSettleScript, SWARM_SETTLE_SECONDS } from "../../lib/swarm/scripts";
import { ProgramRun } from "../../runner/program";
import * as pulumi from "@pulumi/pulumi";
import { applied, appliedMocks } from "./appliedMocks";
import { runProgram } from "../../runner/program";
import { devWith, Edit, find, ofType, preview, T } from "./helpers";

const HOST = { name: "swarm-node1", dockerHost: "unix:///run/w1.sock", advertise: "10.160.0.3" };

/**
 * A docker CLI whose `network inspect` answers, call by call, the lines of $FAKE/answers
 * (`ERR`: the network is not there, exit 1; the last line repeats); every call logged.
 */
const FAKE_CLI = `#!/bin/bash
echo "$*" >> "$FAKE/calls"
n=$(wc -l < "$FAKE/calls")
answer=$(sed -n "\${n}p" "$FAKE/answers")
[ -n "$answer" ] || answer=$(tail -n 1 "$FAKE/answers")
if [ "$answer" = ERR ]; then echo "Error response from daemon: network $\{!#} not found" >&2; exit 1; fi
printf '%s' "$answer" | sed 's/_/ /g'
`;

const scratch: string[] = [];
after(() => scratch.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function settle(answers: string[], networks = ["net1"], seconds?: number) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "settle-"));
    scratch.push(dir);
    fs.writeFileSync(path.join(dir, "docker"), FAKE_CLI, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "answers"), answers.join("\n") + "\n");
    fs.writeFileSync(path.join(dir, "calls"), "");
    let script = renderSwarmSettleScript({ stack: "t", container: "c1", host: HOST, networks, access: { cli: path.join(dir, "docker") } });
    if (seconds !== undefined) {
        assert.ok(script.includes(`WAIT_SECONDS=${SWARM_SETTLE_SECONDS}\n`));
        script = script.replace(`WAIT_SECONDS=${SWARM_SETTLE_SECONDS}\n`, `WAIT_SECONDS=${seconds}\n`);
    }
    const r = spawnSync("/bin/bash", ["-c", script], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", FAKE: dir },
    });
    const calls = fs
        .readFileSync(path.join(dir, "calls"), "utf8")
        .split("\n")
        .filter((l) => l !== "");
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

describe("swarm settle script (lib/swarm/sh/settle.sh)", () => {
    it("waits while the host's copy of the overlay holds only its load balancer, until it is gone", () => {
        const r = settle(["lb-net1_", "lb-net1_", "lb-net1_", "ERR"]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, "");
        assert.equal(r.calls.length, 4);
        assert.equal(r.calls[0], `-H ${HOST.dockerHost} network inspect --format {{range $k, $v := .Containers}}{{$k}} {{end}} net1`);
        assert.equal(r.stderr.trim(), "docker-overlay swarm settle c1: settled: net1");
    });

    it("waits until a manager's copy shows no local endpoint (the cluster's view)", () => {
        const r = settle(["lb-net1_", ""]);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.calls.length, 2);
    });

    it("goes at once when another container holds the overlay there, or when the network or the engine is not there", () => {
        for (const answers of [["abc123_lb-net1_"], ["abc123_"], ["ERR"], [""]]) {
            const r = settle(answers);
            assert.equal(r.status, 0, r.stderr);
            assert.equal(r.calls.length, 1, answers.join(","));
        }
    });

    it("looks at every overlay of the container", () => {
        const r = settle(["abc_", "lb-net2_", "abc_", "ERR"], ["net1", "net2"]);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(
            r.calls.map((c) => c.split(" ").pop()),
            ["net1", "net2", "net1", "net2"],
        );
    });

    it("never fails: after its time it says so and goes on", () => {
        const r = settle(["lb-net1_"], ["net1"], 1);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr.trim(), "docker-overlay swarm settle c1: still tearing down after 1s: net1; going on");
        assert.ok(r.calls.length > 5, String(r.calls.length));
    });
});

describe("swarm settle in the program", () => {
    const devSwarm = (edit: Edit = () => undefined) =>
        devWith((raw) => {
            raw.engine = { mode: "swarm", advertiseInterface: "eth1", apiPort: 2376 };
            delete raw.kvStore;
            edit(raw);
        });
    let run: ProgramRun;
    before(async () => {
        run = await preview(devSwarm());
    });

    it("one per container, under it, on its host: the same script to create and delete, delete-before-replace, after the host's engine and join", () => {
        assert.deepEqual(
            ofType(run, T.command)
                .filter((c) => c.name.endsWith("-settle"))
                .map((c) => c.name),
            ["c1-settle", "c2-settle"],
        );
        const s = find(run, T.command, "c1-settle");
        assert.equal(s.parent, find(run, "docker-overlay:container:PlacedContainer", "c1").urn);
        const host = placedOn(run, "c1");
        assert.equal(s.inputs["create"], s.inputs["delete"]);
        assert.match(String(s.inputs["create"]), new RegExp(`^HOST=unix:///run/docker-overlay/dev/${host}/docker.sock$`, "m"));
        assert.match(String(s.inputs["create"]), /^NETWORKS=\(net1\)$/m);
        assert.equal(s.options.deleteBeforeReplace, true);
        assert.ok(s.dependsOn.includes(find(run, T.command, `${host}-engine`).urn), s.dependsOn.join("\n"));
        if (host !== "swarm-manager") {
            assert.ok(s.dependsOn.includes(find(run, T.command, `swarm-join-${host}`).urn), s.dependsOn.join("\n"));
        }
    });

    it("its trigger is the container's spec; the container depends on it through its machine label only", () => {
        const s = find(run, T.command, "c1-settle");
        const config = normalizeConfig(devSwarm(), "dev");
        const c1 = config.containers.find((c) => c.name === "c1")!;
        assert.deepEqual(s.inputs["triggers"], [containerSpecKey(containerSpec(c1, placedOn(run, "c1")))]);
        const container = find(run, T.container, "c1-container");
        assert.deepEqual(container.propertyDependencies["labels"]?.includes(s.urn), true, JSON.stringify(container.propertyDependencies));
        for (const [key, urns] of Object.entries(container.propertyDependencies)) {
            assert.ok(key === "labels" || !urns.includes(s.urn), key);
        }
    });

    it("after an apply, the container's machine label is its machine's ids, as its image's trigger (no settle in it)", async () => {
        const up = await applied(devSwarm());
        assertMachineLabelIsTrigger(up);
    });

    it("in a preview where only the settles are new (a stack made before them), the container's label stays known: no replacement shown", async () => {
        // Everything else as an applied stack's state would give it; the settles without outputs, as new.
        const mocks: pulumi.runtime.Mocks = {
            ...appliedMocks,
            newResource: async (args) => (args.name.endsWith("-settle") ? { id: undefined, state: {} } : appliedMocks.newResource(args)),
        };
        const run = await runProgram({ stack: "dev", raw: devSwarm(), mocks, preview: true, secrets: { sshPrivateKey: "test-key" } });
        assertMachineLabelIsTrigger(run);
    });

    it("none in cluster-store mode", async () => {
        const cs = await preview(devWith(() => undefined));
        assert.deepEqual(
            ofType(cs, T.command).filter((c) => c.name.endsWith("-settle")),
            [],
        );
    });

    it("the spec: a constraint that keeps the host changes nothing; a command, an env value, a network or the host does", () => {
        const base = { name: "c1", image: "busybox", command: ["top"], networks: [{ name: "net1" }], constraints: ["node==a"], env: { A: "1" } };
        const key = (c: typeof base, host = "a") => containerSpecKey(containerSpec(c, host));
        assert.equal(key({ ...base, constraints: ["rack==r1"] }), key(base));
        for (const changed of [
            key({ ...base, command: ["sleep", "9"] }),
            key({ ...base, env: { A: "2" } }),
            key({ ...base, networks: [{ name: "net2" }] }),
            key({ ...base, image: "busybox:1" }),
            key(base, "b"),
        ]) {
            assert.notEqual(changed, key(base));
        }
    });
});

/** c1's machine label holds its machine's ids, known, the same as its image's trigger: the settle is not in its value. */
function assertMachineLabelIsTrigger(run: ProgramRun): void {
    const labels = find(run, T.container, "c1-container").inputs["labels"] as { label: string; value: string }[];
    const trigger = (find(run, T.image, "c1-image").inputs["triggers"] as Record<string, string>)["machine"];
    assert.match(trigger, /-id/);
    assert.deepEqual(
        labels.find((l) => l.label === "docker-overlay.machine"),
        { label: "docker-overlay.machine", value: trigger },
    );
}

/** The host the plan placed a container on (its label). */
function placedOn(run: ProgramRun, container: string): string {
    const labels = find(run, T.container, `${container}-container`).inputs["labels"] as { label: string; value: string }[];
    return labels.find((l) => l.label === "docker-overlay.host")!.value;
}
