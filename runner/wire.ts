/**
 * The Pulumi wire format's markers (sdk/nodejs/runtime/rpc.ts), defined once:
 * the runner reads registrations with them, the lab unwraps and seals secrets
 * with them (lab/secrets.ts, lab/resources/tls.ts). Pulumi-free.
 */

/** The key whose value says what a marked object is. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** `{ [SIG_KEY]: SECRET_SIG, value }`: a secret. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** `{ [SIG_KEY]: RESOURCE_REF_SIG, urn, id? }`: a reference to a resource. */
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** A value not known yet (a preview's outputs). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The wire format's secrets, unknowns and resource references, made readable: "[secret]", "[unknown]", the URN. */
export function wireToPlain(value: unknown): unknown {
    if (value === UNKNOWN) {
        return "[unknown]";
    }
    if (Array.isArray(value)) {
        return value.map(wireToPlain);
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            return "[secret]";
        }
        if (obj[SIG_KEY] === RESOURCE_REF_SIG) {
            return obj["urn"];
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, wireToPlain(v)]));
    }
    return value;
}
