/**
 * scripts/start.sh (`npm start`), the front door: its decisions (npm ci
 * needed? stack already up?) run against temp directories, and the whole
 * script run in a copy of the repository's layout with stub `npm`, `id` and
 * scripts/lab-deps.sh that only record what they were asked to do.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const START = path.resolve(__dirname, "..", "..", "scripts", "start.sh");

/** Runs `source scripts/start.sh; <command>` in bash. */
function fn(command: string, env: Record<string, string> = {}): { code: number | null; stdout: string } {
    const r = spawnSync("bash", ["-c", `source ${JSON.stringify(START)}; ${command}`], { encoding: "utf8", env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout.trim() };
}

const lock = (packages: Record<string, unknown>) => JSON.stringify({ name: "docker-overlay", lockfileVersion: 3, packages });
const ROOT_ENTRY = { "": { name: "docker-overlay", version: "0.1.0" } };
const YAML_PKG = { "node_modules/yaml": { version: "2.9.1", integrity: "sha512-yaml" } };
const MOCHA_PKG = { "node_modules/mocha": { version: "11.8.0", integrity: "sha512-mocha", dev: true } };

describe("scripts/start.sh: its decisions", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "docker-overlay-start-"));
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A package-lock.json and, when `installed` is given, node_modules/.package-lock.json; `lockNewer` sets their mtimes. */
    function project(want: Record<string, unknown>, installed?: Record<string, unknown>, lockNewer = false): string {
        fs.writeFileSync(path.join(dir, "package-lock.json"), lock({ ...ROOT_ENTRY, ...want }));
        if (installed !== undefined) {
            fs.mkdirSync(path.join(dir, "node_modules"));
            fs.writeFileSync(path.join(dir, "node_modules", ".package-lock.json"), lock(installed));
            const older = new Date(Date.now() - 3600_000);
            const newer = new Date();
            fs.utimesSync(path.join(dir, "package-lock.json"), lockNewer ? newer : older, lockNewer ? newer : older);
            fs.utimesSync(path.join(dir, "node_modules", ".package-lock.json"), lockNewer ? older : newer, lockNewer ? older : newer);
        }
        return dir;
    }
    const needed = (d: string) => fn(`npm_ci_needed ${JSON.stringify(d)}`).code === 0;

    it("runs npm ci when node_modules is missing", () => {
        assert.equal(needed(project(YAML_PKG)), true);
    });

    it("runs npm ci when node_modules has no record of an install", () => {
        project(YAML_PKG);
        fs.mkdirSync(path.join(dir, "node_modules"));
        assert.equal(needed(dir), true);
    });

    it("skips npm ci when package-lock.json is older than the install", () => {
        assert.equal(needed(project({ ...YAML_PKG, ...MOCHA_PKG }, { ...YAML_PKG }, false)), false);
    });

    it("skips npm ci when package-lock.json is newer but lists what is installed (a checkout touched it)", () => {
        assert.equal(needed(project({ ...YAML_PKG, ...MOCHA_PKG }, { ...YAML_PKG, ...MOCHA_PKG }, true)), false);
    });

    it("runs npm ci when a newer package-lock.json changes a version or integrity", () => {
        assert.equal(needed(project({ "node_modules/yaml": { version: "2.9.2", integrity: "sha512-yaml" } }, YAML_PKG, true)), true);
        fs.rmSync(dir, { recursive: true });
        fs.mkdirSync(dir);
        assert.equal(needed(project({ "node_modules/yaml": { version: "2.9.1", integrity: "sha512-other" } }, YAML_PKG, true)), true);
    });

    it("runs npm ci when a newer package-lock.json adds or drops a package", () => {
        assert.equal(needed(project({ ...YAML_PKG, ...MOCHA_PKG }, YAML_PKG, true)), true);
        fs.rmSync(dir, { recursive: true });
        fs.mkdirSync(dir);
        assert.equal(needed(project(YAML_PKG, { ...YAML_PKG, ...MOCHA_PKG }, true)), true);
    });

    it("does not count an optional package npm skipped on this platform", () => {
        const fsevents = { "node_modules/fsevents": { version: "2.3.3", integrity: "sha512-fse", optional: true } };
        assert.equal(needed(project({ ...YAML_PKG, ...fsevents }, YAML_PKG, true)), false);
    });

    it("names the stack as the lab does", () => {
        assert.deepEqual(
            ["Pulumi.dev.yaml", "/x/examples/Pulumi.etcd.yml", "stacks/lab.yaml", "plain"].map((f) => fn(`stack_name ${f}`).stdout),
            ["dev", "etcd", "lab", "plain"],
        );
    });

    it("reads the lab's state: none, up, or partial (an up that failed with resources)", () => {
        const env = { DOCKER_OVERLAY_LAB_STATE_DIR: dir };
        const write = (stack: string, status: string, custom: boolean) =>
            fs.writeFileSync(path.join(dir, `${stack}.json`), JSON.stringify({ version: 1, stack, status, resources: [{ urn: "u", custom }] }));
        write("ok", "succeeded", true);
        write("bad", "failed", true);
        write("refused", "failed", false);
        write("running", "running", true);
        assert.deepEqual(
            ["missing", "ok", "bad", "refused", "running"].map((s) => fn(`lab_state ${s}`, env).stdout),
            ["none", "up", "partial", "none", "partial"],
        );
    });
});

describe("scripts/start.sh: a run (stub npm, id and lab-deps.sh)", () => {
    let repo: string;
    let bin: string;
    let log: string;
    let stateDir: string;

    beforeEach(() => {
        repo = fs.mkdtempSync(path.join(os.tmpdir(), "docker-overlay-start-run-"));
        bin = path.join(repo, "stub-bin");
        log = path.join(repo, "calls.log");
        stateDir = path.join(repo, "lab-state");
        fs.mkdirSync(path.join(repo, "scripts"));
        fs.mkdirSync(path.join(repo, "examples"));
        fs.mkdirSync(bin);
        fs.mkdirSync(stateDir);
        fs.copyFileSync(START, path.join(repo, "scripts", "start.sh"));
        fs.writeFileSync(path.join(repo, "scripts", "lab-deps.sh"), `echo lab-deps >>${JSON.stringify(log)}\n`);
        fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), "config: {}\n");
        fs.writeFileSync(path.join(repo, "examples", "Pulumi.etcd.yaml"), "config: {}\n");
        fs.writeFileSync(path.join(repo, "package-lock.json"), lock({ ...ROOT_ENTRY, ...YAML_PKG }));
        // npm records its arguments; `npm ci` makes node_modules as npm would; `check` fails when STUB_CHECK_FAILS is set.
        const npm = [
            "#!/usr/bin/env bash",
            `echo "npm $*" >>${JSON.stringify(log)}`,
            'if [ "$1" = ci ]; then mkdir -p node_modules && cp package-lock.json node_modules/.package-lock.json; fi',
            'case "$*" in *" check "*) [ -z "${STUB_CHECK_FAILS:-}" ] || exit 1 ;; esac',
            "exit 0",
        ];
        fs.writeFileSync(path.join(bin, "npm"), npm.join("\n") + "\n", { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "id"), '#!/bin/sh\necho "${STUB_UID:-0}"\n', { mode: 0o755 });
    });
    afterEach(() => {
        fs.rmSync(repo, { recursive: true, force: true });
    });

    function start(args: string[] = [], env: Record<string, string> = {}) {
        const r = spawnSync("bash", [path.join(repo, "scripts", "start.sh"), ...args], {
            cwd: os.tmpdir(),
            encoding: "utf8",
            env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}`, DOCKER_OVERLAY_LAB_STATE_DIR: stateDir, INIT_CWD: repo, ...env },
        });
        const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
        return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls };
    }
    const dev = () => path.join(repo, "Pulumi.dev.yaml");

    it("on a fresh clone: npm ci, lab-deps.sh, up, check, then says what to run next", () => {
        const r = start();
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, ["npm ci --no-audit --no-fund", "lab-deps", `npm run --silent lab -- up ${dev()}`, `npm run --silent lab -- check ${dev()}`]);
        assert.ok(
            r.stdout.endsWith(
                [
                    "start: stack dev is up and every pair of containers pings. Next:",
                    "  npm run lab -- status    hosts, KV store and containers with their addresses",
                    "  npm run lab -- check     ping every pair again",
                    "  npm run lab -- down      take it all down",
                    "  npm test                 the unit tests (no root, no daemons)",
                    "",
                ].join("\n"),
            ),
            r.stdout,
        );
    });

    it("a second run installs nothing and applies nothing: lab-deps.sh (idempotent) and the check only", () => {
        assert.equal(start().code, 0);
        fs.writeFileSync(path.join(stateDir, "dev.json"), JSON.stringify({ status: "succeeded", resources: [{ custom: true }] }));
        fs.rmSync(log);
        const r = start();
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, ["lab-deps", `npm run --silent lab -- check ${dev()}`]);
        assert.match(r.stdout, /start: npm packages: up to date\n/);
        assert.match(r.stdout, /start: stack dev is already up \(npm run lab -- down takes it down\)\n/);
    });

    it("refuses to apply over an up that did not finish, and names the command that takes it down", () => {
        fs.writeFileSync(path.join(stateDir, "dev.json"), JSON.stringify({ status: "failed", resources: [{ custom: true }] }));
        const r = start();
        assert.equal(r.code, 1);
        assert.deepEqual(r.calls, ["npm ci --no-audit --no-fund", "lab-deps"]);
        assert.equal(r.stderr, "start: ERROR: an earlier up of stack dev did not finish; take it down first: npm run lab -- down\n");
    });

    it("needs root before it installs anything", () => {
        const r = start([], { STUB_UID: "1000" });
        assert.equal(r.code, 1);
        assert.deepEqual(r.calls, []);
        assert.equal(r.stderr, "start: ERROR: the lab needs root (bridges, namespaces, daemons): sudo npm start\n");
    });

    it("takes another stack file, relative to where npm was run, and names it in what it prints", () => {
        const r = start(["examples/Pulumi.etcd.yaml"]);
        assert.equal(r.code, 0, r.stderr);
        const file = path.join(repo, "examples", "Pulumi.etcd.yaml");
        assert.deepEqual(r.calls.slice(2), [`npm run --silent lab -- up ${file}`, `npm run --silent lab -- check ${file}`]);
        assert.match(r.stdout, /\n {2}npm run lab -- down examples\/Pulumi\.etcd\.yaml {6}take it all down\n/);
        assert.equal(start(["examples/Pulumi.nope.yaml"]).stderr, "start: ERROR: no stack file examples/Pulumi.nope.yaml\n");
    });

    it("fails when the check fails, pointing at status and down", () => {
        const r = start([], { STUB_CHECK_FAILS: "1" });
        assert.equal(r.code, 1);
        assert.equal(r.stderr, "start: ERROR: some pairs do not ping (above); npm run lab -- status shows the hosts; npm run lab -- down takes it all down\n");
    });
});
