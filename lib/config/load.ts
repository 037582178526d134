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
import * as YAML from "yaml";
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
 * The `docker-overlay:*` keys of a stack file's text. Keys of other
 * namespaces (`aws:region`) and the program's secrets (`sshPrivateKey`) are
 * left out; unknown `docker-overlay:` keys are kept so validation can name them.
 */
export function parseStackYaml(text: string, file: string): RawConfig {
    // merge: Pulumi's YAML reader understands `<<: *anchor`; so do we.
    const doc = YAML.parseDocument(text, { prettyErrors: true, merge: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
        const lines = doc.errors.map((e) => {
            const at = e.linePos?.[0];
            const where = at === undefined ? file : `${file}:${at.line}:${at.col}`;
            const what = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
            return `${where}: invalid YAML: ${what}`;
        });
        throw new StackFileError(lines.join("\n"));
    }
    const top: unknown = doc.toJS();
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
