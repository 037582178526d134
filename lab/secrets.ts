/**
 * Secrets in the lab. The Pulumi runtime hands `Mocks.newResource` a secret
 * input wrapped in its wire marker, pushed up to the top-level property (a
 * remote Command's whole `connection` is secret when its `privateKey` is). The
 * applier performs with the plain values and remembers which top-level inputs
 * were secret; the state file never holds them in clear: like Pulumi's own
 * state, each is stored as `{ <sig>: <secret sig>, ciphertext }`, here
 * AES-256-GCM under a key file beside the state files (created 0600 on first
 * use). `down` reads them back with that key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { SECRET_SIG, SIG_KEY } from "../runner/wire";

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isWireSecret(v: unknown): v is { value: unknown } {
    return isObject(v) && v[SIG_KEY] === SECRET_SIG && "value" in v;
}

/** A value with every secret marker removed, and whether there was one. Values without one come back as they are (same object). */
export function reveal(value: unknown): { value: unknown; secret: boolean } {
    if (isWireSecret(value)) {
        return { value: reveal(value.value).value, secret: true };
    }
    if (Array.isArray(value)) {
        const parts = value.map(reveal);
        return parts.some((p) => p.secret) ? { value: parts.map((p) => p.value), secret: true } : { value, secret: false };
    }
    // Plain objects only: class instances (assets, resources) are never wire secrets and stay as they are.
    if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
        const entries = Object.entries(value).map(([k, v]) => [k, reveal(v)] as const);
        return entries.some(([, p]) => p.secret)
            ? { value: Object.fromEntries(entries.map(([k, p]) => [k, p.value])), secret: true }
            : { value, secret: false };
    }
    return { value, secret: false };
}

/** Top-level inputs in plain form, and the names of those that were (or held) secrets, sorted. */
export function revealInputs(inputs: Record<string, unknown>): { inputs: Record<string, unknown>; secretKeys: string[] } {
    const plain: Record<string, unknown> = {};
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(inputs)) {
        const r = reveal(v);
        plain[k] = r.value;
        if (r.secret) {
            secretKeys.push(k);
        }
    }
    return { inputs: plain, secretKeys: secretKeys.sort() };
}

// ------------------------------------------------------- sealing in state

export interface SealedValue {
    [SIG_KEY]: typeof SECRET_SIG;
    ciphertext: string;
}

export function isSealed(v: unknown): v is SealedValue {
    return isObject(v) && v[SIG_KEY] === SECRET_SIG && typeof v["ciphertext"] === "string";
}

/** Seals and opens values with one 256-bit key. */
export interface SecretBox {
    seal(value: unknown): SealedValue;
    open(sealed: SealedValue): unknown;
}

export function secretBox(key: Buffer): SecretBox {
    if (key.length !== 32) {
        throw new Error(`lab secrets: the key must be 32 bytes, not ${key.length}`);
    }
    return {
        seal(value) {
            const iv = randomBytes(12);
            const cipher = createCipheriv("aes-256-gcm", key, iv);
            const ct = Buffer.concat([cipher.update(JSON.stringify(value) ?? "null", "utf8"), cipher.final()]);
            return { [SIG_KEY]: SECRET_SIG, ciphertext: `v1:${iv.toString("base64")}:${cipher.getAuthTag().toString("base64")}:${ct.toString("base64")}` };
        },
        open(sealed) {
            const [version, iv, tag, ct] = sealed.ciphertext.split(":");
            if (version !== "v1" || iv === undefined || tag === undefined || ct === undefined) {
                throw new Error("lab secrets: unknown ciphertext format");
            }
            const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
            decipher.setAuthTag(Buffer.from(tag, "base64"));
            try {
                const text = Buffer.concat([decipher.update(Buffer.from(ct, "base64")), decipher.final()]).toString("utf8");
                return JSON.parse(text) as unknown;
            } catch {
                throw new Error("lab secrets: cannot decrypt a secret in the state file (was the key file replaced?)");
            }
        },
    };
}

export const SECRETS_KEY_FILE = ".secrets.key";

/** The key in `<dir>/.secrets.key`, made (0600, 32 random bytes) when `create` and missing. */
export function loadSecretsKey(dir: string, create: boolean): Buffer | undefined {
    const file = path.join(dir, SECRETS_KEY_FILE);
    try {
        return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
    } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT" || !create) {
            if ((err as NodeJS.ErrnoException).code === "ENOENT") {
                return undefined;
            }
            throw err;
        }
    }
    fs.mkdirSync(dir, { recursive: true });
    const key = randomBytes(32);
    try {
        fs.writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
        return key;
    } catch (err) {
        // Another process made it first: use theirs.
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
            return Buffer.from(fs.readFileSync(file, "utf8").trim(), "base64");
        }
        throw err;
    }
}

/** `values` with the named top-level keys sealed (keys absent from `values` are skipped). */
export function sealKeys(values: Record<string, unknown>, keys: readonly string[], box: SecretBox): Record<string, unknown> {
    const out = { ...values };
    for (const k of keys) {
        if (k in out && out[k] !== undefined && !isSealed(out[k])) {
            out[k] = box.seal(out[k]);
        }
    }
    return out;
}

/** `values` with every sealed top-level value opened. */
export function openKeys(values: Record<string, unknown>, box: SecretBox): Record<string, unknown> {
    const out = { ...values };
    for (const [k, v] of Object.entries(out)) {
        if (isSealed(v)) {
            out[k] = box.open(v);
        }
    }
    return out;
}

/**
 * A record's outputs (a lab/state.ts ResourceRecord, named here by the fields read, so that
 * this file needs nothing of the state file that uses it), with the outputs the provider
 * made secret (not inputs) marked secret again, as at `up`.
 */
export function withSecretOutputs(r: { inputs: Record<string, unknown>; outputs?: Record<string, unknown>; secrets?: string[] }): Record<string, unknown> {
    const out: Record<string, unknown> = { ...(r.outputs ?? {}) };
    for (const k of r.secrets ?? []) {
        if (!(k in r.inputs) && out[k] !== undefined) {
            out[k] = { [SIG_KEY]: SECRET_SIG, value: out[k] };
        }
    }
    return out;
}

/**
 * The lab has no `pulumi config set --secret`: a secret config value comes from
 * a file named by an environment variable, and reaches the program as a secret
 * (`cfg.getSecret`). E.g. the ssh driver's private key:
 *   DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE=~/.ssh/id_ed25519 npm run lab -- up stack.yaml
 * `down` needs the same variables as `up` when it has to ask the program what
 * it created (a failed or missing state).
 */
export const SECRET_FILE_VARIABLES: Record<string, string> = {
    sshPrivateKey: "DOCKER_OVERLAY_SSH_PRIVATE_KEY_FILE",
};

export function secretsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const secrets: Record<string, string> = {};
    for (const [key, variable] of Object.entries(SECRET_FILE_VARIABLES)) {
        const file = env[variable];
        if (file === undefined || file === "") {
            continue;
        }
        try {
            secrets[key] = fs.readFileSync(file, "utf8");
        } catch (err) {
            throw new Error(
                `${variable}=${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it holds docker-overlay:${key}`,
            );
        }
    }
    return secrets;
}
