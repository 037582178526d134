/**
 * runner/register.js, the TypeScript loader of the CLIs: a file runs as
 * ts-node --transpile-only ran it, its JavaScript is cached and read back, an
 * edit is transpiled again, a syntax error fails with TypeScript's message and
 * stack traces point into the .ts file.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { nodeTsArgv } from "../../runner/tsNode";

describe("runner/register.js: cached TypeScript for the CLIs", function () {
    this.timeout(60_000);
    let dir: string;
    let cache: string;
    let script: string;

    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-test-"));
        cache = path.join(dir, "cache");
        script = path.join(dir, "main.ts");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function runScript() {
        const [node, ...args] = nodeTsArgv(script);
        return spawnSync(node, args, { encoding: "utf8", env: { ...process.env, DOCKER_OVERLAY_TS_CACHE: cache } });
    }
    const cached = (): string[] => (fs.existsSync(cache) ? fs.readdirSync(cache).sort() : []);

    it("runs a file, caches its JavaScript and reads the cache back on the next start", () => {
        fs.writeFileSync(script, "const n: number = 41;\nenum E { A = 1 }\nconsole.log(`answer ${n + E.A}`);\n");
        const first = runScript();
        assert.equal(first.stderr, "");
        assert.equal(first.stdout, "answer 42\n");
        const files = cached();
        assert.equal(files.length, 1);
        assert.match(files[0], /^[0-9a-f]{16}-[0-9a-f]{64}\.js$/);
        // Read back, not transpiled again: what the cache holds is what runs.
        fs.writeFileSync(path.join(cache, files[0]), 'console.log("from the cache");\n');
        assert.equal(runScript().stdout, "from the cache\n");
    });

    it("transpiles an edited file again, and keeps one entry per file", () => {
        fs.writeFileSync(script, 'console.log("one");\n');
        assert.equal(runScript().stdout, "one\n");
        fs.writeFileSync(script, 'console.log("two");\n');
        assert.equal(runScript().stdout, "two\n");
        assert.equal(cached().length, 1, `an edit replaces the file's entry: ${cached().join(", ")}`);
    });

    it("fails on a syntax error with TypeScript's message and caches nothing", () => {
        fs.writeFileSync(script, "const x: number = ;\n");
        const r = runScript();
        assert.equal(r.status, 1);
        assert.match(r.stderr, /SyntaxError: TypeScript could not transpile .*main\.ts:\n.*main\.ts\(1,19\): error TS1109: Expression expected\./);
        assert.deepEqual(cached(), []);
    });

    it("reports stack traces at the .ts file's lines", () => {
        fs.writeFileSync(script, "type T = { a: number };\nconst t: T = { a: 1 };\n\nthrow new Error(`boom ${t.a}`);\n");
        const r = runScript();
        assert.equal(r.status, 1);
        assert.ok(r.stderr.includes(`at Object.<anonymous> (${script}:4:7)`), r.stderr);
    });
});
