/**
 * The names on a server certificate. Which names an engine's certificate
 * carries depends on how each driver's clients dial it, so that choice
 * (serverCertNames) lives with the drivers, in lib/drivers/certNames.ts:
 * lib/tls imports no driver (the drivers use lib/tls/engine.ts).
 */

export interface ServerNames {
    dnsNames: string[];
    ipAddresses: string[];
}

/** The names on a KV machine's server certificate: its name and the address engines and the program dial. */
export function kvServerCertNames(machine: string, address: string | undefined): ServerNames {
    return { dnsNames: [machine], ipAddresses: address !== undefined ? [address] : [] };
}
