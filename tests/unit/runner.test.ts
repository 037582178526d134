/**
 * One program runner (runner/program.ts) for the plan and the lab: a resource
 * has the same URN in `npm run plan` and in the lab's state file. The lab runs
 * here in collect mode (it performs nothing) with deps that refuse to touch
 * anything, so no daemon is involved.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import * as fs from "fs";
import * as path from "path";
import { ApplierDeps, runProgram as labRunProgram } from "../../lab/applier";
import { previewMocks } from "../../runner/mocks";
import { engineUrn, runProgram } from "../../runner/program";
import { deployedPlacements, planStack } from "../../runner/plan";
import { RESOURCE_REF_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, wireToPlain } from "../../runner/wire";
import { nodeTsArgv } from "../../runner/tsNode";

const ROOT = path.resolve(__dirname, "..", "..");
/**
 * Every shipped stack the lab can collect, and a lab stack with swarm and TLS.
 * Not the docker-machine example: collect mode performs nothing, and that
 * driver's program parses a machine's address from its create command's
 * output, which only a real run has.
 */
const STACKS = [
    path.join(ROOT, "Pulumi.dev.yaml"),
    ...fs
        .readdirSync(path.join(ROOT, "examples"))
        .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f) && f !== "Pulumi.docker-machine.yaml")
        .sort()
        .map((f) => path.join(ROOT, "examples", f)),
    path.join(ROOT, "tests", "lab", "stacks", "Pulumi.lab-swarm-tls.yaml"),
];

/** Deps that fail the test if the lab reaches for anything outside the process. */
function untouchable(): Partial<ApplierDeps> {
    const refuse = (what: string) => () => {
        throw new Error(`collect mode must not touch ${what}`);
    };
    return {
        engine: refuse("a docker engine"),
        kv: refuse("a KV store"),
        runScript: refuse("a local script"),
        runRemote: refuse("a remote machine"),
    };
}

describe("runner: plan and lab run the program the same way", () => {
    for (const file of STACKS) {
        const rel = path.relative(ROOT, file);
        it(`${rel}: the lab records exactly the URNs the plan shows`, async () => {
            const plan = await planStack(file);
            const lab = await labRunProgram({ stackFile: file, mode: "collect", deps: untouchable(), secrets: { sshPrivateKey: "plan-placeholder" } });
            const planUrns = plan.resources.map((r) => r.urn).sort();
            const labUrns = lab.records.map((r) => r.urn).sort();
            assert.ok(planUrns.length > 10, `${rel}: the plan has only ${planUrns.length} resources`);
            assert.deepEqual(labUrns, planUrns);
            // Parents and providers are URNs of the same kind.
            const known = new Set(planUrns);
            for (const r of lab.records) {
                assert.ok(r.parent === "" || known.has(r.parent), `${r.urn}: parent ${r.parent} is not a planned URN`);
                assert.ok(r.provider === "" || known.has(r.provider), `${r.urn}: provider ${r.provider} is not a planned URN`);
            }
        });
    }
});

describe("runner: engine URNs and the wire format", () => {
    it("qualifies a child's type with its parent's whole type chain, and none under the root stack", async () => {
        // engineUrn reads the stack and project the mocks were set with.
        await planStack(STACKS[0]);
        const stack = "urn:pulumi:dev::docker-overlay::pulumi:pulumi:Stack::docker-overlay-dev";
        const cluster = engineUrn(stack, "docker-overlay:index:OverlayCluster", "c");
        assert.equal(cluster, "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster::c");
        const host = engineUrn(cluster, "docker-overlay:host:DockerHost", "h");
        assert.equal(host, "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:host:DockerHost::h");
        assert.equal(
            engineUrn(host, "pulumi:providers:docker", "h"),
            "urn:pulumi:dev::docker-overlay::docker-overlay:index:OverlayCluster$docker-overlay:host:DockerHost$pulumi:providers:docker::h",
        );
    });

    it("shows secrets, unknowns and resource references readably", () => {
        assert.deepEqual(
            wireToPlain({ a: { [SIG_KEY]: SECRET_SIG, value: "x" }, b: [UNKNOWN], c: { [SIG_KEY]: RESOURCE_REF_SIG, urn: "urn:x", id: "i" }, d: 1 }),
            { a: "[secret]", b: ["[unknown]"], c: "urn:x", d: 1 },
        );
    });
});

describe("runner: a plan of a stack with problems", () => {
    it("npm run plan prints the problems once, nothing else, and exits 1", () => {
        const dir = fs.mkdtempSync(path.join(tmpdir(), "plan-cli-"));
        const file = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(file, "config:\n  docker-overlay:hosts: [{ name: h1 }]\n  docker-overlay:networks:\n    - name: n\n      subnet: 10.0.0.0/33\n");
        try {
            const r = spawnSync(process.execPath, nodeTsArgv(path.join(__dirname, "..", "..", "tools", "plan.ts"), file).slice(1), {
                encoding: "utf8",
                stdio: ["ignore", "pipe", "pipe"],
            });
            assert.equal(r.status, 1, r.stderr);
            assert.equal(r.stdout, "");
            assert.equal(
                r.stderr,
                [
                    "docker-overlay: 1 problem in the stack configuration:",
                    'docker-overlay:networks[0].subnet: "10.0.0.0/33" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)',
                    "",
                ].join("\n"),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("rejects with the program's one ConfigError", async () => {
        const os = await import("os");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-bad-"));
        const file = path.join(dir, "Pulumi.bad.yaml");
        fs.writeFileSync(file, "config:\n  docker-overlay:networks:\n    - name: n\n      subnet: 10.0.0.0/33\n");
        try {
            await assert.rejects(planStack(file), (err: unknown) => {
                // (The class is the one runner/plan.ts loaded; this file's runs have reloaded lib/ since.)
                assert.ok(err instanceof Error && err.name === "ConfigError");
                assert.equal(
                    err.message,
                    [
                        "docker-overlay: 2 problems in the stack configuration:",
                        "docker-overlay:hosts: is required: list the Docker hosts, e.g. [{ name: swarm-node1 }, { name: swarm-node2 }]",
                        'docker-overlay:networks[0].subnet: "10.0.0.0/33" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)',
                    ].join("\n"),
                );
                return true;
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("runner: the stack's own outputs, read back as the engine's built-in invoke gives them", () => {
    const reader = path.join(__dirname, "fixtures", "readStackOutputs.ts");
    const read = (name: string, stackOutputs?: Record<string, unknown>) =>
        runProgram({ stack: "t", raw: { read: name } as never, mocks: previewMocks, preview: true, program: reader, stackOutputs });

    it("answers the stack's own name with its outputs (none for a stack never updated), as builtins.go readStackReference does", async () => {
        const own = "organization/docker-overlay/t";
        assert.deepEqual((await read(own, { placements: { c1: "h1" } })).outputs["result"], {
            name: own,
            outputs: { placements: { c1: "h1" } },
            secretOutputNames: [],
        });
        assert.deepEqual((await read(own)).outputs["result"], { name: own, outputs: {}, secretOutputNames: [] });
    });

    it("any other stack is unknown, as the backend says", async () => {
        await assert.rejects(read("organization/docker-overlay/other"), {
            message: 'invocation of pulumi:pulumi:readStackOutputs returned an error: unknown stack "organization/docker-overlay/other"',
        });
    });

    it("npm run plan --deployed keeps the deployed placements; without it a third host takes two of four containers", () => {
        const dir = fs.mkdtempSync(path.join(tmpdir(), "plan-deployed-"));
        const file = path.join(dir, "Pulumi.t.yaml");
        const deployed = path.join(dir, "outputs.json");
        const containers = ["c1", "c2", "c3", "c4"].map((n) => `    - { name: ${n}, image: busybox:latest, networks: [net1] }`).join("\n");
        fs.writeFileSync(
            file,
            [
                "config:",
                "  docker-overlay:driver: { kind: netns, images: [{ name: busybox:latest, rootfs: /nonexistent.tar }] }",
                "  docker-overlay:hosts: [{ name: a }, { name: b }, { name: c }]",
                "  docker-overlay:networks: [{ name: net1, subnet: 10.0.0.0/24 }]",
                "  docker-overlay:containers:",
                containers,
                "",
            ].join("\n"),
        );
        // As `pulumi stack output --json` prints them (other outputs beside).
        fs.writeFileSync(deployed, JSON.stringify({ placements: { c1: "a", c2: "b", c3: "a", c4: "b" }, ports: [] }));
        const plan = (...extra: string[]) => {
            const r = spawnSync(process.execPath, nodeTsArgv(path.join(ROOT, "tools", "plan.ts"), file, ...extra).slice(1), { encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            return (JSON.parse(r.stdout) as { placements: Record<string, string> }).placements;
        };
        try {
            assert.deepEqual(plan("--deployed", deployed), { c1: "a", c2: "b", c3: "a", c4: "b" });
            assert.deepEqual(plan(), { c1: "a", c2: "b", c3: "c", c4: "a" });
            // A file without placements (`pulumi stack output` without --json is not even JSON): exit 2, named.
            fs.writeFileSync(deployed, JSON.stringify({ ports: [] }));
            const r = spawnSync(process.execPath, nodeTsArgv(path.join(ROOT, "tools", "plan.ts"), file, "--deployed", deployed).slice(1), { encoding: "utf8" });
            assert.equal(r.status, 2, r.stderr);
            assert.equal(
                r.stderr,
                `plan: --deployed ${deployed}: no top-level "placements" object; pass \`pulumi stack output --json\` or the JSON plan the stack was deployed from\n`,
            );
            assert.equal(r.stdout, "");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("deployedPlacements: the outputs or a plan document; a file it cannot read, not JSON or without placements named with what to pass", () => {
        const dir = fs.mkdtempSync(path.join(tmpdir(), "deployed-"));
        const at = (name: string, text: string) => {
            const f = path.join(dir, name);
            fs.writeFileSync(f, text);
            return f;
        };
        const pass = "pass `pulumi stack output --json` or the JSON plan the stack was deployed from";
        try {
            assert.deepEqual(deployedPlacements(at("outputs.json", '{"placements":{"c1":"a","c2":7},"ports":[]}')), { c1: "a" });
            assert.deepEqual(deployedPlacements(at("plan.json", '{"resources":[],"placements":{}}')), {});
            const text = at("text.txt", "Current stack outputs (2):\n");
            assert.throws(
                () => deployedPlacements(text),
                (e: Error) => e.message.startsWith(`--deployed ${text}: not JSON (`) && e.message.endsWith(`); ${pass}`),
            );
            const none = at("none.json", '{"placements":["c1"]}');
            assert.throws(() => deployedPlacements(none), { message: `--deployed ${none}: no top-level "placements" object; ${pass}` });
            const missing = path.join(dir, "missing.json");
            assert.throws(() => deployedPlacements(missing), {
                message: `--deployed ${missing}: cannot read it (ENOENT: no such file or directory, open '${missing}')`,
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
