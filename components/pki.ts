/**
 * The cluster's TLS material, made by the program (`@pulumi/tls`): one CA,
 * one client certificate (the docker providers' and the scripts'), and a
 * server certificate per engine (`serverCertificate`, created under each host).
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
                subject: caSubject(args.stack),
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                allowedUses: [...CA_USES],
            },
            { parent: this },
        );
        this.caCertPem = ca.certPem;
        this.client = signedPair(`${name}-client`, this, { subject: clientSubject(args.stack), uses: CLIENT_USES }, this);
        this.clientEnv = {
            [CLIENT_TLS_ENV.ca]: this.caCertPem,
            [CLIENT_TLS_ENV.cert]: this.client.certPem,
            [CLIENT_TLS_ENV.key]: this.client.keyPem,
        };
        this.registerOutputs({ caCertPem: this.caCertPem, clientCertPem: this.client.certPem });
    }
}

/** An engine's server certificate for the names its clients dial, as children of `parent` (its DockerHost). */
export function serverCertificate(name: string, pki: ClusterPki, host: string, names: ServerNames, parent: pulumi.Resource): TlsPair {
    return signedPair(name, pki, { subject: serverSubject(pki.stack, host), names, uses: SERVER_USES }, parent);
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
