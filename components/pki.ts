/**
 * A CA of the stack and its client certificate, made by the program
 * (`@pulumi/tls`): the engines' (`engine.tls`: the docker providers' and the
 * scripts' client certificate, a server certificate per engine created under
 * each host) and, apart from it, the KV store's (`kvStore.tls`, scope "kv":
 * the engines' and the consul provider's client certificate, the store's
 * server certificate).
 * Private keys are Pulumi secrets. What each certificate says is decided in
 * lib/tls/engine.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import {
    CA_USES,
    CA_VALIDITY_HOURS,
    CLIENT_USES,
    caSubject,
    clientSubject,
    LEAF_EARLY_RENEWAL_HOURS,
    LEAF_VALIDITY_HOURS,
    SERVER_USES,
    serverSubject,
    TLS_KEY,
} from "../lib/tls/engine";
import { ServerNames } from "../lib/tls/names";
import { CLIENT_TLS_ENV } from "../lib/render/dockerCli";

export interface ClusterPkiArgs {
    stack: string;
    /** Names a second CA of the stack in its subjects (the KV store's: "kv"); none for the engines'. */
    scope?: string;
}

/** A certificate and its key (a secret). */
export interface TlsPair {
    certPem: pulumi.Output<string>;
    keyPem: pulumi.Output<string>;
}

export class ClusterPki extends pulumi.ComponentResource {
    public readonly stack: string;
    public readonly caCertPem: pulumi.Output<string>;
    /** The CA's key (a secret): signs the engines' and the client's certificates. */
    public readonly caKeyPem: pulumi.Output<string>;
    public readonly client: TlsPair;
    /** The client material as the program's scripts take it (lib/render/dockerCli.ts); the key is a secret. */
    public readonly clientEnv: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: ClusterPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("docker-overlay:tls:ClusterPki", name, {}, opts);
        this.stack = args.stack;
        const caKey = new tls.PrivateKey(`${name}-ca-key`, { ...TLS_KEY }, { parent: this });
        this.caKeyPem = pulumi.secret(caKey.privateKeyPem);
        const ca = new tls.SelfSignedCert(
            `${name}-ca`,
            {
                privateKeyPem: this.caKeyPem,
                subject: caSubject(args.stack, args.scope),
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                allowedUses: [...CA_USES],
            },
            { parent: this },
        );
        this.caCertPem = ca.certPem;
        this.client = signedPair(`${name}-client`, this, { subject: clientSubject(args.stack, args.scope), uses: CLIENT_USES }, this);
        this.clientEnv = {
            [CLIENT_TLS_ENV.ca]: this.caCertPem,
            [CLIENT_TLS_ENV.cert]: this.client.certPem,
            [CLIENT_TLS_ENV.key]: this.client.keyPem,
        };
        this.registerOutputs({ caCertPem: this.caCertPem, clientCertPem: this.client.certPem });
    }
}

/**
 * A server's certificate for the names its clients dial, as children of
 * `parent` (its DockerHost or KvStore). `uses` beyond SERVER_USES: the KV
 * store's also authenticates its own readiness probe as a client.
 */
export function serverCertificate(
    name: string,
    pki: ClusterPki,
    host: string,
    names: ServerNames,
    parent: pulumi.Resource,
    uses: readonly string[] = SERVER_USES,
): TlsPair {
    return signedPair(name, pki, { subject: serverSubject(pki.stack, host), names, uses }, parent);
}

/** Key -> certificate request -> certificate signed by the cluster CA. */
function signedPair(
    name: string,
    pki: { caCertPem: pulumi.Output<string>; caKeyPem: pulumi.Output<string> },
    what: { subject: { commonName: string; organization: string }; names?: ServerNames; uses: readonly string[] },
    parent: pulumi.Resource,
): TlsPair {
    const key = new tls.PrivateKey(`${name}-key`, { ...TLS_KEY }, { parent });
    const keyPem = pulumi.secret(key.privateKeyPem);
    const request = new tls.CertRequest(
        `${name}-csr`,
        {
            privateKeyPem: keyPem,
            subject: what.subject,
            ...(what.names !== undefined ? { dnsNames: what.names.dnsNames, ipAddresses: what.names.ipAddresses } : {}),
        },
        { parent },
    );
    const cert = new tls.LocallySignedCert(
        `${name}-cert`,
        {
            certRequestPem: request.certRequestPem,
            caCertPem: pki.caCertPem,
            caPrivateKeyPem: pki.caKeyPem,
            validityPeriodHours: LEAF_VALIDITY_HOURS,
            earlyRenewalHours: LEAF_EARLY_RENEWAL_HOURS,
            allowedUses: [...what.uses],
        },
        { parent },
    );
    return { certPem: cert.certPem, keyPem };
}
