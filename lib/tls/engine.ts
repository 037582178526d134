/**
 * TLS on an engine's TCP API, the pure part: where the certificate files live
 * on the engine's machine, the dockerd flags and daemon.json keys that use
 * them, and what each certificate is for (the names on an engine's
 * certificate: lib/tls/names.ts). The certificates themselves are
 * `@pulumi/tls` resources (components/pki.ts, components/dockerHost.ts).
 */
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

/** The same as daemon.json keys (the ssh driver), without `hosts`. */
export function daemonJsonTls(files: TlsFiles): Record<string, unknown> {
    return { tlsverify: true, tlscacert: files.ca, tlscert: files.cert, tlskey: files.key };
}

/** Environment variables carrying an engine's server material into its machine's create script. */
export const SERVER_TLS_ENV = {
    ca: "DOCKER_OVERLAY_SERVER_CA",
    cert: "DOCKER_OVERLAY_SERVER_CERT",
    key: "DOCKER_OVERLAY_SERVER_KEY",
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

/** Keys: ECDSA P-256, which dockerd, the docker CLI and the docker provider all take. */
export const TLS_KEY = { algorithm: "ECDSA", ecdsaCurve: "P256" } as const;

export function caSubject(stack: string): { commonName: string; organization: string } {
    return { commonName: `docker-overlay ${stack} CA`, organization: "docker-overlay" };
}

export function clientSubject(stack: string): { commonName: string; organization: string } {
    return { commonName: `docker-overlay ${stack} client`, organization: "docker-overlay" };
}

export function serverSubject(stack: string, host: string): { commonName: string; organization: string } {
    return { commonName: host, organization: `docker-overlay ${stack}` };
}
