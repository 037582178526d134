/**
 * The rooms' import rules (docs/architecture.md, "Rooms"), read off the source:
 * nothing outside tools/ imports tools/ (the command-line entries), lib/ is free
 * of Pulumi, lib/tls imports no driver, and no driver imports another.
 */
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const SKIP = new Set(["node_modules", ".git", ".ts-cache", "tools"]);

/** Module specifiers a file imports (`from "..."`, `require("...")`, `import("...")`). */
function importsOf(file: string): string[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    return [...text.matchAll(/(?:from |require\(|import\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
}

/** Every .ts/.js file under `dir` (relative to the repository), recursively, outside SKIP. */
function sourcesIn(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = dir === "." ? e.name : `${dir}/${e.name}`;
        if (e.isDirectory()) {
            return SKIP.has(e.name) ? [] : sourcesIn(rel);
        }
        return /\.(ts|js|mjs)$/.test(e.name) ? [rel] : [];
    });
}

/** Where a relative specifier of `file` points, relative to the repository. */
const target = (file: string, spec: string) => path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));

describe("layering: the rooms' import rules", () => {
    const all = sourcesIn(".");

    it("finds the project's sources", () => {
        assert.ok(all.length > 150, `${all.length} files`);
        assert.ok(all.includes("runner/register.js") && all.includes("lab/stack.ts") && all.includes("tests/unit/layering.test.ts"));
    });

    /** `<file>: <specifier>` for every import of a file under `prefix` (at least `min` files) that `bad` flags. */
    const offending = (prefix: string, min: number, bad: (file: string, spec: string) => boolean): string[] => {
        const files = all.filter((f) => f.startsWith(prefix));
        assert.ok(files.length >= min, `${files.length} files under ${prefix || "."}`);
        return files.flatMap((f) =>
            importsOf(f)
                .filter((s) => bad(f, s))
                .map((s) => `${f}: ${s}`),
        );
    };

    it("nothing outside tools/ imports tools/", () => {
        assert.deepEqual(
            offending("", 150, (f, s) => s.startsWith(".") && target(f, s).split(path.sep)[0] === "tools"),
            [],
        );
    });

    it("lib/ is free of Pulumi", () => {
        assert.deepEqual(
            offending("lib/", 40, (_, s) => s.startsWith("@pulumi/")),
            [],
        );
    });

    it("lib/tls imports no driver", () => {
        assert.deepEqual(
            offending("lib/tls/", 1, (_, s) => s.includes("drivers")),
            [],
        );
    });

    it("no driver imports another driver (shared recipes live in lib/kv and lib/engine)", () => {
        const drivers = ["dind", "dockerMachine", "netns", "ssh"];
        for (const d of drivers) {
            const others = importsOf(`lib/drivers/${d}.ts`).filter((i) => drivers.some((o) => o !== d && (i === `./${o}` || i.endsWith(`/drivers/${o}`))));
            assert.deepEqual(others, [], d);
        }
    });
});
