/**
 * The old import path of the lab's consul side, kept so importers keep
 * working: the KV HTTP client is lab/clients/consul.ts, the resources
 * lab/resources/consulProvider.ts and lab/resources/keyPrefix.ts.
 */
import { CONSUL_PROVIDER_INPUTS, CONSUL_PROVIDER_TYPE } from "./resources/consulProvider";
import { KEY_PREFIX_INPUTS, KEY_PREFIX_TYPE } from "./resources/keyPrefix";

export * from "./clients/consul";
export { CONSUL_PROVIDER_TYPE } from "./resources/consulProvider";
export { GET_KEY_PREFIX_TOKEN, KEY_PREFIX_TYPE } from "./resources/keyPrefix";
export type { KeyPrefixInputs } from "./resources/keyPrefix";

export const KNOWN_CONSUL_INPUTS: Record<string, readonly string[]> = {
    [CONSUL_PROVIDER_TYPE]: CONSUL_PROVIDER_INPUTS,
    [KEY_PREFIX_TYPE]: KEY_PREFIX_INPUTS,
};
