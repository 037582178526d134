/**
 * The lab's dispatch table: type token -> the handler that creates and
 * deletes resources of that type (one file per kind in this folder), and
 * invoke token -> the handler that answers it. A type or token not in the
 * table is not supported by the lab: the applier and the deleter fail loudly
 * on it, never skip it.
 */
import { consulProvider } from "./consulProvider";
import { container } from "./container";
import { dockerProvider } from "./dockerProvider";
import { InvokeHandler, ResourceHandler } from "./handler";
import { getKeyPrefix, keyPrefix } from "./keyPrefix";
import { localCommand } from "./localCommand";
import { network } from "./network";
import { remoteCommand } from "./remoteCommand";
import { remoteImage } from "./remoteImage";
import { tls } from "./tls";

export * from "./handler";

/** Every resource handler of the lab. */
export const RESOURCE_HANDLERS: readonly ResourceHandler[] = [
    localCommand,
    remoteCommand,
    dockerProvider,
    consulProvider,
    remoteImage,
    network,
    container,
    keyPrefix,
    tls,
];

/** Every invoke handler of the lab. */
export const INVOKE_HANDLERS: readonly InvokeHandler[] = [getKeyPrefix];

function table<H>(entries: readonly (readonly [string, H])[], what: string): ReadonlyMap<string, H> {
    const map = new Map<string, H>();
    for (const [token, handler] of entries) {
        if (map.has(token)) {
            throw new Error(`lab: two ${what} handlers for ${token}`);
        }
        map.set(token, handler);
    }
    return map;
}

const BY_TYPE = table(
    RESOURCE_HANDLERS.flatMap((h) => h.types.map((t) => [t, h] as const)),
    "resource",
);
const BY_TOKEN = table(
    INVOKE_HANDLERS.map((h) => [h.token, h] as const),
    "invoke",
);

/** The handler for a resource type token; undefined when the lab does not support the type. */
export function resourceHandler(type: string): ResourceHandler | undefined {
    return BY_TYPE.get(type);
}

/** The handler for an invoke token; undefined when the lab does not support the invoke. */
export function invokeHandler(token: string): InvokeHandler | undefined {
    return BY_TOKEN.get(token);
}

/** True for a provider's type token: other resources name such a resource by URN. */
export function isProviderType(type: string): boolean {
    return resourceHandler(type)?.provider === true;
}
