/**
 * TLS on an engine's TCP API, the pure part: where the certificate files live
 * on the engine's machine, the dockerd flags and daemon.json keys that use
 * them, and what each certificate is for (the names on an engine's
 * certificate: lib/tls/names.ts). The certificates themselves are
 * `@pulumi/tls` resources (components/pki.ts, components/dockerHost.ts).
 * The KV store's TLS (`kvStore.tls`) uses the same file layout and uses.
 */
import { KV_TLS_OPTS } from "../config/types";
/** The three PEM files an engine's TLS needs. */
export interface TlsFiles {
    dir: string;
    ca: string;
    cert: string;
    key: string;
}

/** `<dir>/ca.pem`, `<dir>/cert.pem`, `<dir>/key.pem`: the names the docker CLI and dockerd use by default. */
export function tlsFiles(dir: string): TlsFiles {
    const d = dir.replace(/\/+$/, "");
    return { dir: d, ca: `${d}/ca.pem`, cert: `${d}/cert.pem`, key: `${d}/key.pem` };
}

/**
 * dockerd flags for a TCP API that only answers clients with a certificate
 * signed by the cluster's CA: `--tlsverify` makes dockerd refuse every other
 * client (without it, `--tls*` only encrypts). `listen` is `tcp://<addr>:<port>`.
 */
export function dockerdTlsFlags(files: TlsFiles, listen: string): string[] {
    return [`--host=${listen}`, "--tlsverify", `--tlscacert=${files.ca}`, `--tlscert=${files.cert}`, `--tlskey=${files.key}`];
}

/** `cluster-store-opts` that make libkv talk TLS to the store with these files (`kv.cacertfile`, ...). */
export function kvTlsStoreOpts(files: TlsFiles): Record<string, string> {
    return { [KV_TLS_OPTS.ca]: files.ca, [KV_TLS_OPTS.cert]: files.cert, [KV_TLS_OPTS.key]: files.key };
}

/** The same as daemon.json keys (the ssh driver), without `hosts`. */
export function daemonJsonTls(files: TlsFiles): Record<string, unknown> {
    return { tlsverify: true, tlscacert: files.ca, tlscert: files.cert, tlskey: files.key };
}

/** Environment variables carrying a server's material (an engine's API, the KV store) into its machine's create script. */
export const SERVER_TLS_ENV = {
    ca: "DOCKER_OVERLAY_SERVER_CA",
    cert: "DOCKER_OVERLAY_SERVER_CERT",
    key: "DOCKER_OVERLAY_SERVER_KEY",
} as const;

/** Environment variables carrying an engine's client material for a TLS KV store into its machine's create script. */
export const KV_CLIENT_TLS_ENV = {
    ca: "DOCKER_OVERLAY_KV_CA",
    cert: "DOCKER_OVERLAY_KV_CERT",
    key: "DOCKER_OVERLAY_KV_KEY",
} as const;

// ---------------------------------------------------------------- certificates

/** The CA signs engines' and the client's certificates; ten years, re-made by replacing the stack's PKI. */
export const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** Server and client certificates: one year, renewed by `pulumi up` in their last 30 days. */
export const LEAF_VALIDITY_HOURS = 365 * 24;
export const LEAF_EARLY_RENEWAL_HOURS = 30 * 24;

/** `allowedUses` of each certificate, in @pulumi/tls's words. */
export const CA_USES: readonly string[] = ["cert_signing", "crl_signing", "digital_signature"];
export const SERVER_USES: readonly string[] = ["server_auth", "digital_signature", "key_encipherment"];
export const CLIENT_USES: readonly string[] = ["client_auth", "digital_signature", "key_encipherment"];
/** The KV store's certificate: a server's, and a client's for the store's own readiness probe (verify_incoming / --client-cert-auth). */
export const KV_SERVER_USES: readonly string[] = [...SERVER_USES, "client_auth"];

/** Keys: ECDSA P-256, which dockerd, the docker CLI and the docker provider all take. */
export const TLS_KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

/** `scope` tells a second CA of the stack apart (the KV store's: "kv"). */
export function caSubject(stack: string, scope?: string): { commonName: string; organization: string } {
    return { commonName: `docker-overlay ${stack}${scope !== undefined ? ` ${scope}` : ""} CA`, organization: "docker-overlay" };
}

export function clientSubject(stack: string, scope?: string): { commonName: string; organization: string } {
    return { commonName: `docker-overlay ${stack}${scope !== undefined ? ` ${scope}` : ""} client`, organization: "docker-overlay" };
}

export function serverSubject(stack: string, host: string): { commonName: string; organization: string } {
    return { commonName: host, organization: `docker-overlay ${stack}` };
}
