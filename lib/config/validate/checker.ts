/**
 * The checker every section's rules report through, and the error types:
 * a problem is a key path below `docker-overlay:` and a message; `Checker`
 * collects them, and each of its checks returns the value when it is
 * well-formed, `undefined` otherwise (so follow-on rules can skip it).
 */
import { Ipv4Network, parseCidr, parseIPv4, ParseResult } from "../../net/cidr";
import { PROJECT } from "../types";
import { suggestion } from "./didYouMean";

// ---------------------------------------------------------------- public interface

/** One problem: `path` is the key below `docker-overlay:` (e.g. `networks[1].subnet`). */
export interface ConfigProblem {
    path: string;
    message: string;
}

/** `docker-overlay:networks[1].subnet: "10.0.0.0/33" is not an IPv4 CIDR ...` */
export function formatProblem(p: ConfigProblem): string {
    return `${PROJECT}:${p.path}: ${p.message}`;
}

/** Thrown by `normalizeConfig`: every problem, one per line, under a header. */
export class ConfigError extends Error {
    readonly problems: readonly ConfigProblem[];

    constructor(problems: readonly ConfigProblem[]) {
        const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
        super([`${PROJECT}: ${count} in the stack configuration:`, ...problems.map(formatProblem)].join("\n"));
        this.name = "ConfigError";
        this.problems = problems;
    }
}

/**
 * A top-level value Pulumi could not hand over as an object (e.g. `cfg.getObject`
 * threw because the value is not JSON). `rawFromPulumiConfig` puts one in the
 * raw config so validation reports it with its key instead of crashing.
 */
export class UnreadableConfigValue {
    constructor(readonly reason: string) {}
}

// ---------------------------------------------------------------- paths and values

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function keyPath(path: string, key: string): string {
    if (!IDENTIFIER.test(key)) {
        return `${path}[${JSON.stringify(key)}]`;
    }
    return path === "" ? key : `${path}.${key}`;
}

export function indexPath(path: string, index: number): string {
    return `${path}[${index}]`;
}

/** How a value reads in a message: `the string "x"`, `the number 5`, `a list`, ... */
export function got(value: unknown): string {
    if (value === null) {
        return "an empty value";
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    switch (typeof value) {
        case "string":
            return `the string ${JSON.stringify(value)}`;
        case "number":
            return `the number ${value}`;
        case "boolean":
            return `${value}`;
        case "object":
            return "an object";
        default:
            return `a ${typeof value}`;
    }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof UnreadableConfigValue);
}

export function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Collects problems; each check returns the value when it is well-formed, `undefined` otherwise. */
export class Checker {
    readonly problems: ConfigProblem[] = [];

    add(path: string, message: string): void {
        this.problems.push({ path, message });
    }

    /**
     * An object whose keys are all in `known`. `foreign(key)` may explain a key
     * that belongs elsewhere (e.g. a setting of another driver).
     */
    object(path: string, value: unknown, known: readonly string[], foreign?: (key: string) => string | undefined): Record<string, unknown> | undefined {
        if (!isRecord(value)) {
            this.add(path, `must be an object (key: value pairs), got ${got(value)}`);
            return undefined;
        }
        for (const key of Object.keys(value)) {
            if (known.includes(key)) {
                continue;
            }
            const elsewhere = foreign?.(key);
            this.add(keyPath(path, key), elsewhere ?? `unknown key${suggestion(key, known)} (known keys: ${known.join(", ")})`);
        }
        return value;
    }

    list(path: string, value: unknown): unknown[] | undefined {
        if (!Array.isArray(value)) {
            const hint = typeof value === "string" ? `; write it as a list: [${value}]` : "";
            this.add(path, `must be a list, got ${got(value)}${hint}`);
            return undefined;
        }
        // Array.isArray narrows to any[]; the elements are as unchecked as the list was.
        return value as unknown[];
    }

    string(path: string, value: unknown, what = "a string"): string | undefined {
        if (typeof value !== "string") {
            const hint = typeof value === "number" || typeof value === "boolean" ? `; quote it: "${value}"` : "";
            this.add(path, `must be ${what}, got ${got(value)}${hint}`);
            return undefined;
        }
        return value;
    }

    /** A string `parse` accepts: its text and value, or undefined once the problem is added. */
    parsed<T>(path: string, value: unknown, what: string, parse: (text: string) => ParseResult<T>): { text: string; value: T } | undefined {
        const text = this.string(path, value, what);
        if (text === undefined) {
            return undefined;
        }
        const result = parse(text);
        if (!result.ok) {
            this.add(path, result.reason);
            return undefined;
        }
        return { text, value: result.value };
    }

    /** An IPv4 CIDR: its text and the network. */
    cidr(path: string, value: unknown): { text: string; value: Ipv4Network } | undefined {
        return this.parsed(path, value, "an IPv4 CIDR", parseCidr);
    }

    /** An IPv4 address: its text and its value. */
    ipv4(path: string, value: unknown): { text: string; value: bigint } | undefined {
        return this.parsed(path, value, "an IPv4 address", parseIPv4);
    }

    /** A string that is not empty and has no whitespace (image references, user names, ...). */
    word(path: string, value: unknown, what: string): string | undefined {
        const s = this.string(path, value, what);
        if (s === undefined) {
            return undefined;
        }
        if (s === "" || /\s/.test(s)) {
            this.add(path, `must be ${what}, not empty and without whitespace, got ${got(s)}`);
            return undefined;
        }
        return s;
    }

    absolutePath(path: string, value: unknown): string | undefined {
        const s = this.string(path, value, "an absolute path");
        if (s !== undefined && !s.startsWith("/")) {
            this.add(path, `must be an absolute path (starting with /), got ${got(s)}`);
            return undefined;
        }
        return s;
    }

    integer(path: string, value: unknown, min: number, max: number, why = ""): number | undefined {
        if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
            const hint = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? "; remove the quotes" : "";
            this.add(path, `must be an integer from ${min} to ${max}${why}, got ${got(value)}${hint}`);
            return undefined;
        }
        return value;
    }

    port(path: string, value: unknown): number | undefined {
        return this.integer(path, value, 1, 65535, " (a TCP port)");
    }

    boolean(path: string, value: unknown): boolean | undefined {
        if (typeof value !== "boolean") {
            const hint = value === "true" || value === "false" ? "; remove the quotes" : "";
            this.add(path, `must be true or false, got ${got(value)}${hint}`);
            return undefined;
        }
        return value;
    }

    oneOf<T extends string>(path: string, value: unknown, options: readonly T[]): T | undefined {
        if (typeof value === "string" && (options as readonly string[]).includes(value)) {
            return value as T;
        }
        const hint = typeof value === "string" ? suggestion(value, options) : "";
        this.add(path, `must be one of ${options.join(" | ")}, got ${got(value)}${hint}`);
        return undefined;
    }

    /** An object of string values; `keyProblem` vets each key. Returns only the well-formed entries. */
    stringMap(path: string, value: unknown, keyProblem: (key: string) => string | undefined): Record<string, string> | undefined {
        if (!isRecord(value)) {
            this.add(path, `must be an object of strings (key: value pairs), got ${got(value)}`);
            return undefined;
        }
        const good: Record<string, string> = {};
        for (const [key, v] of Object.entries(value)) {
            const problem = keyProblem(key);
            if (problem !== undefined) {
                this.add(keyPath(path, key), problem);
                continue;
            }
            const s = this.string(keyPath(path, key), v);
            if (s !== undefined) {
                good[key] = s;
            }
        }
        return good;
    }

    stringList(path: string, value: unknown, example: string): string[] | undefined {
        if (!Array.isArray(value)) {
            const hint = typeof value === "string" ? `; write it as a list, e.g. ${example}` : "";
            this.add(path, `must be a list of strings, got ${got(value)}${hint}`);
            return undefined;
        }
        let ok = true;
        value.forEach((item, i) => {
            if (this.string(indexPath(path, i), item) === undefined) {
                ok = false;
            }
        });
        return ok ? (value as string[]) : undefined;
    }
}
