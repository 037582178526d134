/**
 * `@pulumi/tls` resources performed for real from their inputs: keys from
 * node's crypto, certificates and requests from the openssl CLI (Debian's),
 * in the formats the tls provider gives (PEM; RSA keys PKCS#1, ECDSA keys
 * SEC1, ED25519 PKCS#8). Inputs the lab does not translate are refused, as
 * everywhere in the applier. Private keys come back as secrets (the provider
 * marks them `additionalSecretOutputs`; the mock monitor would not), so the
 * program and the state file treat them as such.
 *
 * Work files live in a private temporary directory removed after each call;
 * nothing is printed.
 */
import { execFile } from "child_process";
import { generateKeyPairSync, randomBytes, X509Certificate } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SECRET_SIG, SIG_KEY } from "../../runner/wire";
import { DiffTable, never, tableDiff } from "./diff";
import { DiffRequest, nothingToDelete, ResourceHandler } from "./handler";

export const PRIVATE_KEY_TYPE = "tls:index/privateKey:PrivateKey";
export const SELF_SIGNED_CERT_TYPE = "tls:index/selfSignedCert:SelfSignedCert";
export const CERT_REQUEST_TYPE = "tls:index/certRequest:CertRequest";
export const LOCALLY_SIGNED_CERT_TYPE = "tls:index/locallySignedCert:LocallySignedCert";
export const TLS_TYPES: readonly string[] = [PRIVATE_KEY_TYPE, SELF_SIGNED_CERT_TYPE, CERT_REQUEST_TYPE, LOCALLY_SIGNED_CERT_TYPE];

/** Outputs the tls provider marks secret, per type. */
export const TLS_SECRET_OUTPUTS: Record<string, readonly string[]> = {
    [PRIVATE_KEY_TYPE]: ["privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"],
};

const KNOWN: Record<string, readonly string[]> = {
    [PRIVATE_KEY_TYPE]: ["algorithm", "ecdsaCurve", "rsaBits"],
    [SELF_SIGNED_CERT_TYPE]: [
        "privateKeyPem",
        "subject",
        "validityPeriodHours",
        "earlyRenewalHours",
        "isCaCertificate",
        "allowedUses",
        "dnsNames",
        "ipAddresses",
        "setSubjectKeyId",
    ],
    [CERT_REQUEST_TYPE]: ["privateKeyPem", "subject", "dnsNames", "ipAddresses"],
    [LOCALLY_SIGNED_CERT_TYPE]: [
        "certRequestPem",
        "caCertPem",
        "caPrivateKeyPem",
        "validityPeriodHours",
        "earlyRenewalHours",
        "isCaCertificate",
        "allowedUses",
    ],
};

const SUBJECT_FIELDS: Record<string, string> = {
    commonName: "CN",
    organization: "O",
    organizationalUnit: "OU",
    country: "C",
    province: "ST",
    locality: "L",
};

const KEY_USAGE: Record<string, string> = {
    digital_signature: "digitalSignature",
    content_commitment: "nonRepudiation",
    key_encipherment: "keyEncipherment",
    data_encipherment: "dataEncipherment",
    key_agreement: "keyAgreement",
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    encipher_only: "encipherOnly",
    decipher_only: "decipherOnly",
};

const EXT_KEY_USAGE: Record<string, string> = {
    server_auth: "serverAuth",
    client_auth: "clientAuth",
    code_signing: "codeSigning",
    email_protection: "emailProtection",
    timestamping: "timeStamping",
    ocsp_signing: "OCSPSigning",
    any_extended: "anyExtendedKeyUsage",
};

const CURVES: Record<string, string> = { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" };

export interface TlsResult {
    state: Record<string, unknown>;
    /** Output keys holding secrets. */
    secretOutputs: readonly string[];
}

/** Runs openssl with `args`; rejects with its stderr. */
export type OpensslRunner = (args: string[], cwd: string) => Promise<void>;

export const runOpenssl: OpensslRunner = (args, cwd) =>
    new Promise((resolve, reject) => {
        execFile("openssl", args, { cwd, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", OPENSSL_CONF: "/dev/null" } }, (err, _stdout, stderr) => {
            if (err !== null) {
                reject(new Error(`openssl ${args[0]} failed: ${stderr.trim().split("\n").slice(-3).join(" / ") || err.message}`));
                return;
            }
            resolve();
        });
    });

/** Performs a tls resource from its (plain) inputs. */
export async function performTls(type: string, urn: string, inputs: Record<string, unknown>, openssl: OpensslRunner = runOpenssl): Promise<TlsResult> {
    const known = KNOWN[type];
    if (known === undefined) {
        throw new Error(`${type} ${urn}: resource type not supported by the lab applier`);
    }
    const unknown = Object.keys(inputs).filter((k) => inputs[k] !== undefined && !known.includes(k));
    if (unknown.length > 0) {
        throw new Error(
            `${type} ${urn}: the lab applier does not translate input(s) ${unknown.map((k) => `"${k}"`).join(", ")}; refusing to create it without them`,
        );
    }
    switch (type) {
        case PRIVATE_KEY_TYPE:
            return { state: { ...inputs, ...privateKey(type, urn, inputs) }, secretOutputs: TLS_SECRET_OUTPUTS[PRIVATE_KEY_TYPE] };
        case SELF_SIGNED_CERT_TYPE:
            return { state: { ...inputs, ...(await selfSigned(type, urn, inputs, openssl)) }, secretOutputs: [] };
        case CERT_REQUEST_TYPE:
            return { state: { ...inputs, ...(await certRequest(type, urn, inputs, openssl)) }, secretOutputs: [] };
        default:
            return { state: { ...inputs, ...(await locallySigned(type, urn, inputs, openssl)) }, secretOutputs: [] };
    }
}

/** The state with the secret outputs wrapped as the engine would return them. */
export function markSecrets(state: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
    const out = { ...state };
    for (const k of keys) {
        if (out[k] !== undefined) {
            out[k] = { [SIG_KEY]: SECRET_SIG, value: out[k] };
        }
    }
    return out;
}

/**
 * The tls resources' handler: a key, certificate request or certificate, made for real; private keys
 * stay secrets, in the program and the state file. Keys and certificates exist only in the state:
 * nothing to delete.
 */
/**
 * What a tls input change is (docs/provider-rules.md:376-407, terraform-provider-tls v4.2.1):
 * everything the program sets replaces, except `earlyRenewalHours` on certificates, an
 * update (resource_self_signed_cert.go:127-131, resource_locally_signed_cert.go:128-142).
 * All create-before-delete (pulumi-tls resources.go:58-62 sets no DBR, and there is no
 * `name`). A certificate is also replaced once it is ready for renewal:
 * `now >= validity_end_time - early_renewal_hours`, decided in the plan, so a preview
 * shows it (docs/provider-rules.md:407; TT resource_locally_signed_cert.go:167-175,
 * common_cert.go:268-311).
 */
export const TLS_DIFF: Readonly<Record<string, DiffTable>> = {
    [PRIVATE_KEY_TYPE]: { inputs: {}, otherwise: "replace", deleteBeforeReplace: never },
    [SELF_SIGNED_CERT_TYPE]: { inputs: { earlyRenewalHours: "update" }, otherwise: "replace", deleteBeforeReplace: never },
    [CERT_REQUEST_TYPE]: { inputs: {}, otherwise: "replace", deleteBeforeReplace: never },
    [LOCALLY_SIGNED_CERT_TYPE]: { inputs: { earlyRenewalHours: "update" }, otherwise: "replace", deleteBeforeReplace: never },
};

/** Whether a recorded certificate is inside its early-renewal window (docs/provider-rules.md:407). */
export function readyForRenewal(req: DiffRequest): boolean {
    const end = req.oldOutputs?.["validityEndTime"];
    if (typeof end !== "string" || Number.isNaN(Date.parse(end))) {
        return false;
    }
    const early = req.news["earlyRenewalHours"] ?? req.olds["earlyRenewalHours"] ?? 0;
    const hours = typeof early === "number" ? early : 0;
    return (req.now ?? new Date()).getTime() >= Date.parse(end) - hours * 3600_000;
}

export const tls: ResourceHandler = {
    types: TLS_TYPES,
    diff: (req) => {
        const table = TLS_DIFF[req.type];
        if (table === undefined) {
            throw new Error(`lab: no diff table for ${req.type}`);
        }
        const diff = tableDiff(table)(req.olds, req.news);
        if ((req.type === SELF_SIGNED_CERT_TYPE || req.type === LOCALLY_SIGNED_CERT_TYPE) && readyForRenewal(req)) {
            diff.replaces = [...new Set([...diff.replaces, "readyForRenewal"])].sort();
        }
        return diff;
    },
    async create(ctx, r) {
        const result = await performTls(r.type, r.urn, r.inputs);
        if (result.secretOutputs.length > 0) {
            r.secrets = [...new Set([...(r.secrets ?? []), ...result.secretOutputs])].sort();
        }
        return { id: ctx.deps.newId(), state: markSecrets(result.state, result.secretOutputs) };
    },
    /**
     * Only `earlyRenewalHours` of a certificate updates: the state takes the plan
     * (hashicorp/terraform-provider-tls d72d90e1 internal/provider/resource_self_signed_cert.go:469-473,
     * resource_locally_signed_cert.go:297-: updatedUsingPlan), nothing is signed again.
     */
    // eslint-disable-next-line @typescript-eslint/require-await -- async as every handler's update is
    async update(_ctx, old, r) {
        const certPem = old.outputs?.["certPem"];
        if (typeof certPem !== "string") {
            throw new Error(`${r.type} ${r.urn}: the recorded state has no certPem to update`);
        }
        return { id: old.id, state: { ...(old.outputs ?? {}), ...r.inputs, ...validity(certPem, r.inputs["earlyRenewalHours"]) } };
    },
    delete: nothingToDelete,
};

// ------------------------------------------------------------------ keys

/** An input as text: scalars as written, lists and objects as JSON (not "[object Object]"), for lookups and messages. */
function inputText(v: unknown): string {
    if (typeof v === "object" && v !== null) {
        return JSON.stringify(v);
    }
    return String(v);
}

function privateKey(type: string, urn: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const algorithm = inputText(inputs["algorithm"] ?? "");
    switch (algorithm) {
        case "RSA": {
            const bits = Number(inputs["rsaBits"] ?? 2048);
            const { privateKey: k, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
            return {
                rsaBits: bits,
                privateKeyPem: k.export({ type: "pkcs1", format: "pem" }),
                privateKeyPemPkcs8: k.export({ type: "pkcs8", format: "pem" }),
                publicKeyPem: publicKey.export({ type: "spki", format: "pem" }),
            };
        }
        case "ECDSA": {
            const curve = inputText(inputs["ecdsaCurve"] ?? "P224");
            const named = CURVES[curve];
            if (named === undefined) {
                throw new Error(`${type} ${urn}: ecdsaCurve "${curve}" is not one of ${Object.keys(CURVES).join(", ")}`);
            }
            const { privateKey: k, publicKey } = generateKeyPairSync("ec", { namedCurve: named });
            return {
                ecdsaCurve: curve,
                privateKeyPem: k.export({ type: "sec1", format: "pem" }),
                privateKeyPemPkcs8: k.export({ type: "pkcs8", format: "pem" }),
                publicKeyPem: publicKey.export({ type: "spki", format: "pem" }),
            };
        }
        case "ED25519": {
            const { privateKey: k, publicKey } = generateKeyPairSync("ed25519");
            const pem = k.export({ type: "pkcs8", format: "pem" });
            return { privateKeyPem: pem, privateKeyPemPkcs8: pem, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }) };
        }
        default:
            throw new Error(`${type} ${urn}: algorithm "${algorithm}" is not RSA, ECDSA or ED25519`);
    }
}

// ---------------------------------------------------------- certificates

function subjectOf(type: string, urn: string, subject: unknown): string {
    if (subject === undefined) {
        return "/";
    }
    if (typeof subject !== "object" || subject === null || Array.isArray(subject)) {
        throw new Error(`${type} ${urn}: subject must be an object`);
    }
    const parts: string[] = [];
    for (const [k, v] of Object.entries(subject as Record<string, unknown>)) {
        if (v === undefined) {
            continue;
        }
        const short = SUBJECT_FIELDS[k];
        if (short === undefined) {
            throw new Error(`${type} ${urn}: the lab applier does not translate subject.${k}`);
        }
        parts.push(`/${short}=${inputText(v).replace(/[\\/=+,]/g, (c) => `\\${c}`)}`);
    }
    return parts.length === 0 ? "/" : parts.join("");
}

function sanLine(inputs: Record<string, unknown>): string | undefined {
    const dns = (inputs["dnsNames"] as string[] | undefined) ?? [];
    const ips = (inputs["ipAddresses"] as string[] | undefined) ?? [];
    const names = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)];
    return names.length === 0 ? undefined : `subjectAltName = ${names.join(", ")}`;
}

function usageLines(type: string, urn: string, inputs: Record<string, unknown>): string[] {
    const uses = (inputs["allowedUses"] as string[] | undefined) ?? [];
    const ku: string[] = [];
    const eku: string[] = [];
    for (const u of uses) {
        if (KEY_USAGE[u] !== undefined) {
            ku.push(KEY_USAGE[u]);
        } else if (EXT_KEY_USAGE[u] !== undefined) {
            eku.push(EXT_KEY_USAGE[u]);
        } else {
            throw new Error(`${type} ${urn}: allowedUses "${u}" is not one the lab applier translates`);
        }
    }
    return [
        `basicConstraints = critical, CA:${inputs["isCaCertificate"] === true ? "TRUE" : "FALSE"}`,
        ...(ku.length > 0 ? [`keyUsage = critical, ${ku.join(", ")}`] : []),
        ...(eku.length > 0 ? [`extendedKeyUsage = ${eku.join(", ")}`] : []),
        "subjectKeyIdentifier = hash",
    ];
}

function days(type: string, urn: string, inputs: Record<string, unknown>): number {
    const hours = Number(inputs["validityPeriodHours"]);
    if (!Number.isFinite(hours) || hours <= 0) {
        throw new Error(`${type} ${urn}: validityPeriodHours must be a positive number`);
    }
    return Math.ceil(hours / 24);
}

function required(type: string, urn: string, inputs: Record<string, unknown>, key: string): string {
    const v = inputs[key];
    if (typeof v !== "string" || v === "") {
        throw new Error(`${type} ${urn}: input "${key}" is not set`);
    }
    return v;
}

async function inTempDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dovl-tls-"));
    fs.chmodSync(dir, 0o700);
    try {
        return await f(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function write(dir: string, name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text.endsWith("\n") ? text : `${text}\n`, { mode: 0o600 });
    return file;
}

function serial(): string {
    return `0x${randomBytes(16)
        .toString("hex")
        .replace(/^[89a-f]/, "7")}`;
}

function validity(certPem: string, earlyRenewalHours: unknown): Record<string, unknown> {
    const cert = new X509Certificate(certPem);
    return {
        validityStartTime: new Date(cert.validFrom).toISOString(),
        validityEndTime: new Date(cert.validTo).toISOString(),
        earlyRenewalHours: earlyRenewalHours ?? 0,
        readyForRenewal: false,
    };
}

async function selfSigned(type: string, urn: string, inputs: Record<string, unknown>, openssl: OpensslRunner): Promise<Record<string, unknown>> {
    const key = required(type, urn, inputs, "privateKeyPem");
    const san = sanLine(inputs);
    return inTempDir(async (dir) => {
        write(dir, "key.pem", key);
        write(dir, "ext.cnf", ["[req]", "distinguished_name = dn", "[dn]", "[ext]", ...usageLines(type, urn, inputs), ...(san ? [san] : [])].join("\n"));
        await openssl(
            [
                "req",
                "-new",
                "-x509",
                "-config",
                "ext.cnf",
                "-extensions",
                "ext",
                "-key",
                "key.pem",
                "-subj",
                subjectOf(type, urn, inputs["subject"]),
                "-days",
                String(days(type, urn, inputs)),
                "-set_serial",
                serial(),
                "-out",
                "cert.pem",
            ],
            dir,
        );
        const certPem = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
        return { certPem, ...validity(certPem, inputs["earlyRenewalHours"]) };
    });
}

async function certRequest(type: string, urn: string, inputs: Record<string, unknown>, openssl: OpensslRunner): Promise<Record<string, unknown>> {
    const key = required(type, urn, inputs, "privateKeyPem");
    const san = sanLine(inputs);
    return inTempDir(async (dir) => {
        write(dir, "key.pem", key);
        write(dir, "req.cnf", ["[req]", "distinguished_name = dn", "[dn]", "[ext]", ...(san ? [san] : ["basicConstraints = CA:FALSE"])].join("\n"));
        await openssl(
            ["req", "-new", "-config", "req.cnf", "-reqexts", "ext", "-key", "key.pem", "-subj", subjectOf(type, urn, inputs["subject"]), "-out", "req.pem"],
            dir,
        );
        return { certRequestPem: fs.readFileSync(path.join(dir, "req.pem"), "utf8") };
    });
}

async function locallySigned(type: string, urn: string, inputs: Record<string, unknown>, openssl: OpensslRunner): Promise<Record<string, unknown>> {
    const csr = required(type, urn, inputs, "certRequestPem");
    const caCert = required(type, urn, inputs, "caCertPem");
    const caKey = required(type, urn, inputs, "caPrivateKeyPem");
    return inTempDir(async (dir) => {
        write(dir, "req.pem", csr);
        write(dir, "ca.pem", caCert);
        write(dir, "ca-key.pem", caKey);
        write(dir, "ext.cnf", ["[ext]", ...usageLines(type, urn, inputs), "authorityKeyIdentifier = keyid"].join("\n"));
        // The request's own extensions (its subjectAltName) are copied, as the tls provider does.
        await openssl(
            [
                "x509",
                "-req",
                "-in",
                "req.pem",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca-key.pem",
                "-set_serial",
                serial(),
                "-days",
                String(days(type, urn, inputs)),
                "-extfile",
                "ext.cnf",
                "-extensions",
                "ext",
                "-copy_extensions",
                "copy",
                "-out",
                "cert.pem",
            ],
            dir,
        );
        const certPem = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
        return { certPem, ...validity(certPem, inputs["earlyRenewalHours"]) };
    });
}
