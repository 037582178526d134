/**
 * Where the raw configuration comes from: a `Pulumi.<stack>.yaml` file (the
 * command-line tools, the lab, the tests) or the Pulumi engine's config
 * (index.ts). Both give the same `RawConfig`, so one validator judges both.
 *
 * Loading never judges values: a `docker-overlay:hosts` that is a string
 * rather than a list is handed on as it is, and validation reports it with
 * its key. Only a file that cannot be read or is not YAML is an error here.
 */
import * as fs from "fs";
import * as path from "path";
import * as jsYaml from "js-yaml";
import { CONFIG_KEYS, PROJECT, RawConfig } from "./types";
import { PROGRAM_CONFIG_KEYS, UnreadableConfigValue } from "./validate";

export interface LoadedStack {
    /** From the file name `Pulumi.<stack>.yaml`, else the file's base name without its extension. */
    stack: string;
    raw: RawConfig;
}

/** A stack file that cannot be read or parsed; the message names the file (and line). */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

const KEY_PREFIX = `${PROJECT}:`;

/** `Pulumi.dev.yaml` -> `dev`; `examples/ssh.yaml` -> `ssh`. */
export function stackNameOf(file: string): string {
    const base = path.basename(file);
    const m = /^Pulumi\.(.+)\.ya?ml$/.exec(base);
    return m !== null ? m[1] : base.replace(/\.ya?ml$/, "");
}

/** Reads a stack file and returns its stack name and the `docker-overlay:*` keys under `config:`. */
export function loadStackFile(file: string): LoadedStack {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
        throw new StackFileError(`${file}: cannot read the stack file: ${why}`);
    }
    return { stack: stackNameOf(file), raw: parseStackYaml(text, file) };
}

/**
 * How a stack file is read: YAML 1.2's core schema (`yes` and `2024-01-01`
 * stay strings, as with the `yaml` package this replaced) plus merge keys
 * (`<<: *anchor`), which Pulumi's YAML reader understands too. A duplicated
 * key is an error, as in Pulumi's reader. js-yaml rather than the
 * `yaml` package the plan renders with: it reads the 300-host bench stack
 * (511 KB) in about 40 ms instead of 290 ms and allocates a fraction of it
 * (bench/RESULTS.md, program scale).
 */
const STACK_SCHEMA = jsYaml.CORE_SCHEMA.extend({
    // js-yaml exports its types (index.js `types`); @types/js-yaml 4.0.9 does not declare them.
    implicit: [(jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge],
});

/**
 * The `docker-overlay:*` keys of a stack file's text. Keys of other
 * namespaces (`aws:region`) and the program's secrets (`sshPrivateKey`) are
 * left out; unknown `docker-overlay:` keys are kept so validation can name them.
 */
export function parseStackYaml(text: string, file: string): RawConfig {
    let top: unknown;
    try {
        top = jsYaml.load(text, { schema: STACK_SCHEMA });
    } catch (err) {
        if (!(err instanceof jsYaml.YAMLException)) {
            throw err;
        }
        const at = err.mark as { line: number; column: number } | undefined;
        const where = at === undefined ? file : `${file}:${at.line + 1}:${at.column + 1}`;
        throw new StackFileError(`${where}: invalid YAML: ${err.reason}`);
    }
    if (top === null || top === undefined) {
        return {};
    }
    if (typeof top !== "object" || Array.isArray(top)) {
        throw new StackFileError(
            `${file}: a stack file must be a YAML mapping with a config: section, not ${Array.isArray(top) ? "a list" : "a single value"}`,
        );
    }
    const config = (top as Record<string, unknown>)["config"];
    if (config === undefined || config === null) {
        return {};
    }
    if (typeof config !== "object" || Array.isArray(config)) {
        throw new StackFileError(`${file}: config: must be a mapping of "${KEY_PREFIX}<key>: <value>" entries`);
    }
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
        if (!key.startsWith(KEY_PREFIX)) {
            continue;
        }
        const name = key.slice(KEY_PREFIX.length);
        if (!PROGRAM_CONFIG_KEYS.includes(name)) {
            raw[name] = value;
        }
    }
    return raw;
}

/**
 * The raw config from the Pulumi engine, for index.ts: `get` is
 * `(key) => cfg.getObject(key)`. A value `get` cannot read (not JSON) becomes an
 * `UnreadableConfigValue`, which validation reports with its key.
 *
 * `allKeys`, when given (e.g. `Object.keys(pulumi.runtime.allConfig())`), lets
 * unknown `docker-overlay:*` keys through too, so a misspelt key is reported
 * rather than silently ignored.
 */
export function rawFromPulumiConfig(get: (key: string) => unknown, allKeys: Iterable<string> = []): RawConfig {
    const raw: Record<string, unknown> = {};
    const names = new Set<string>(CONFIG_KEYS);
    for (const key of allKeys) {
        if (key.startsWith(KEY_PREFIX)) {
            names.add(key.slice(KEY_PREFIX.length));
        }
    }
    for (const name of names) {
        if (PROGRAM_CONFIG_KEYS.includes(name)) {
            continue;
        }
        try {
            const value = get(name);
            if (value !== undefined) {
                raw[name] = value;
            }
        } catch (err) {
            raw[name] = new UnreadableConfigValue(err instanceof Error ? err.message : String(err));
        }
    }
    return raw;
}
