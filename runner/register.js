// @ts-check
// `node -r ./runner/register.js tools/lab.ts ...`: runs the project's TypeScript
// CLIs (npm run lab, plan, bench, validate ...) without transpiling the project
// at every start.
//
// What ts-node --transpile-only did (each .ts file through TypeScript's
// transpileModule with tsconfig.json's options, no type check), but each file's
// JavaScript is kept in .ts-cache/ (gitignored; one entry per file, an edit
// replaces it) under a hash of its path, its
// text, tsconfig.json, TypeScript's version and this file's CACHE_FORMAT: an
// edited file is transpiled again at its next require, an unchanged one is read
// back, and TypeScript itself (9 MB of JavaScript) is loaded only when some file
// changed. ts-node 10 has no such cache: it spent 1.35 of the 2.2 CPU-seconds of
// an idle `lab` start transpiling (bench/RESULTS.md). Type errors are `npm run
// build`'s (tsc) to report, as they were under --transpile-only; syntax errors
// fail the require, as ts-node's did.
//
// Stack traces point into the .ts files: each file carries an inline source map
// and Node's own source-map support is turned on (ts-node installed
// source-map-support for the same purpose).
//
// The Pulumi program run by the `pulumi` CLI (index.ts) does not come here: the
// CLI's language host registers its own ts-node.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

/** Bump when the transpiled output would change for the same inputs (options below). */
const CACHE_FORMAT = "2";
const REPO = path.resolve(__dirname, "..");
const TSCONFIG = path.join(REPO, "tsconfig.json");
const CACHE_DIR = process.env["DOCKER_OVERLAY_TS_CACHE"] || path.join(REPO, ".ts-cache");

/** What every file's hash starts with: what else decides its JavaScript. */
const salt = [CACHE_FORMAT, fs.readFileSync(TSCONFIG, "utf8"), readTypeScriptVersion()].join("\0");

/** TypeScript's version from its package.json (a small read; TypeScript itself is not loaded). */
function readTypeScriptVersion() {
    const pkg = /** @type {{version: string}} */ (JSON.parse(fs.readFileSync(require.resolve("typescript/package.json"), "utf8")));
    return pkg.version;
}

/** @type {{ ts: typeof import("typescript"), options: import("typescript").CompilerOptions } | undefined} */
let compiler;

/** TypeScript and tsconfig.json's compiler options, loaded at the first file not in the cache. */
function loadCompiler() {
    if (compiler) return compiler;
    const ts = /** @type {typeof import("typescript")} */ (require("typescript"));
    const read = ts.readConfigFile(TSCONFIG, (f) => ts.sys.readFile(f));
    if (read.error) throw new Error(`runner/register.js: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`);
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO, undefined, TSCONFIG);
    // As ts-node's transpile-only mode: CommonJS modules for require, a source map, no declarations.
    const options = {
        ...parsed.options,
        module: ts.ModuleKind.CommonJS,
        inlineSourceMap: true,
        sourceMap: false,
        declaration: false,
        declarationMap: false,
        noEmit: false,
        // The JavaScript runs as the .ts file itself (Module._compile with its path), so the map's
        // sources must be relative to that file: no outDir/rootDir/sourceRoot moving the output
        // elsewhere (tsconfig's outDir made them relative to bin/, wrong outside the repository).
        outDir: undefined,
        rootDir: undefined,
        sourceRoot: undefined,
        mapRoot: undefined,
    };
    compiler = { ts, options };
    return compiler;
}

/**
 * The JavaScript of one TypeScript file: TypeScript's transpileModule, as ts-node --transpile-only.
 * @param {string} source
 * @param {string} fileName
 * @returns {string}
 */
function transpile(source, fileName) {
    const { ts, options } = loadCompiler();
    const out = ts.transpileModule(source, { compilerOptions: options, fileName, reportDiagnostics: true });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        const text = ts.formatDiagnostics(errors, {
            getCanonicalFileName: (f) => f,
            getCurrentDirectory: () => REPO,
            getNewLine: () => "\n",
        });
        throw new SyntaxError(`TypeScript could not transpile ${path.relative(REPO, fileName)}:\n${text}`);
    }
    return out.outputText;
}

/**
 * The cached JavaScript of `fileName` (whose text is `source`), transpiled and stored when not there.
 * @param {string} source
 * @param {string} fileName
 * @returns {string}
 */
function cachedJavaScript(source, fileName) {
    // `<file's hash>-<hash of everything that decides its JavaScript>.js`: the first part finds a file's older entries.
    const owner = crypto.createHash("sha256").update(fileName).digest("hex").slice(0, 16);
    const key = crypto.createHash("sha256").update(salt).update("\0").update(fileName).update("\0").update(source).digest("hex");
    const file = path.join(CACHE_DIR, `${owner}-${key}.js`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        // Not cached yet (or the cache is unreadable): transpile below.
    }
    const js = transpile(source, fileName);
    try {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        // Another process may be writing the same key: write aside, then rename (atomic).
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, js);
        fs.renameSync(tmp, file);
        // An edit leaves the file's older entry behind: remove it, so the cache holds one entry per file.
        for (const old of fs.readdirSync(CACHE_DIR)) {
            if (old.startsWith(`${owner}-`) && old.endsWith(".js") && old !== path.basename(file)) {
                fs.rmSync(path.join(CACHE_DIR, old), { force: true });
            }
        }
    } catch {
        // A read-only checkout still runs: only the cache is lost.
    }
    return js;
}

process.setSourceMapsEnabled(true);

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** @type {NodeJS.RequireExtensions} */
const extensions = require.extensions;
extensions[".ts"] = (module, fileName) => {
    if (fileName.includes(NODE_MODULES)) throw new Error(`runner/register.js: will not run TypeScript from node_modules: ${fileName}`);
    const source = fs.readFileSync(fileName, "utf8");
    /** @type {{ _compile(code: string, fileName: string): void }} */ (/** @type {unknown} */ (module))._compile(cachedJavaScript(source, fileName), fileName);
};
