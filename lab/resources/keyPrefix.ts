/**
 * `consul:index/keyPrefix:KeyPrefix` (its `subkeys` put under `pathPrefix`,
 * the whole prefix deleted at delete) and the
 * `consul:index/getKeyPrefix:getKeyPrefix` invoke, through the consul of the
 * resource's (or call's) provider.
 */
import { NotLabLocalError } from "../net";
import { assertKnownConsul } from "./consulProvider";
import { DiffTable, never, tableDiff } from "./diff";
import { InvokeHandler, ResourceHandler } from "./handler";

export const KEY_PREFIX_TYPE = "consul:index/keyPrefix:KeyPrefix";
export const GET_KEY_PREFIX_TOKEN = "consul:index/getKeyPrefix:getKeyPrefix";

export interface KeyPrefixInputs {
    pathPrefix?: string;
    subkeys?: Record<string, string>;
    datacenter?: string;
}

/** The inputs the lab translates; anything else is refused. */
export const KEY_PREFIX_INPUTS: readonly string[] = ["pathPrefix", "subkeys", "datacenter"];

/**
 * What a KeyPrefix input change is (docs/provider-rules.md:346-355, terraform-provider-consul
 * resource_consul_key_prefix.go): `pathPrefix`, `datacenter`, `namespace`, `partition`
 * replace (:42-46, :28-33, :80-89); `subkeys` updates (:48-54, Update :169-217).
 * Create-before-delete (pulumi-consul resources.go:78-84: no `name` to auto-name).
 */
export const KEY_PREFIX_DIFF: DiffTable = {
    inputs: { pathPrefix: "replace", datacenter: "replace", namespace: "replace", partition: "replace", subkeys: "update" },
    otherwise: "replace",
    deleteBeforeReplace: never,
};

export const keyPrefix: ResourceHandler = {
    diff: (req) => tableDiff(KEY_PREFIX_DIFF)(req.olds, req.news),
    types: [KEY_PREFIX_TYPE],
    async create(ctx, r) {
        assertKnownConsul(r, KEY_PREFIX_INPUTS);
        const inputs = r.inputs as KeyPrefixInputs;
        if (inputs.pathPrefix === undefined || inputs.pathPrefix === "") {
            throw new Error(`${r.type} ${r.urn}: input "pathPrefix" is not set`);
        }
        const kv = ctx.kvFor(r);
        for (const [key, value] of Object.entries(inputs.subkeys ?? {})) {
            try {
                await kv.put(`${inputs.pathPrefix}${key}`, value);
            } catch (err) {
                throw new Error(`${r.type} ${r.urn}: ${(err as Error).message}`);
            }
        }
        return { id: inputs.pathPrefix, state: { ...r.inputs } };
    },
    /**
     * `subkeys` changed (terraform-provider-consul ad24a45d consul/resource_consul_key_prefix.go:169-217):
     * every new key written, then the keys of the recorded map the new one lacks deleted.
     */
    async update(ctx, old, r) {
        assertKnownConsul(r, KEY_PREFIX_INPUTS);
        const inputs = r.inputs as KeyPrefixInputs;
        const prefix = inputs.pathPrefix ?? "";
        const olds = (old.inputs as KeyPrefixInputs).subkeys ?? {};
        const news = inputs.subkeys ?? {};
        const kv = ctx.kvFor(r);
        try {
            for (const [key, value] of Object.entries(news)) {
                await kv.put(`${prefix}${key}`, value);
            }
            for (const key of Object.keys(olds).filter((k) => !(k in news))) {
                await kv.deleteKey(`${prefix}${key}`);
            }
        } catch (err) {
            throw new Error(`${r.type} ${r.urn}: ${(err as Error).message}`);
        }
        return { id: old.id ?? prefix, state: { ...r.inputs } };
    },
    async delete(ctx, r) {
        const prefix = (r.inputs as KeyPrefixInputs).pathPrefix;
        const p = ctx.provider(r.provider);
        if (prefix === undefined || p === undefined) {
            return "absent";
        }
        try {
            await ctx.deps.kv(p.inputs).deleteTree(prefix);
            return "deleted";
        } catch (err) {
            // The store went first (its machine, or the whole lab network, deleted): nothing left to delete.
            if (err instanceof NotLabLocalError || /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|TimeoutError|aborted/i.test((err as Error).message)) {
                return "absent";
            }
            throw err;
        }
    },
};

export const getKeyPrefix: InvokeHandler = {
    token: GET_KEY_PREFIX_TOKEN,
    async invoke(ctx, call) {
        const pathPrefix = call.inputs["pathPrefix"];
        if (typeof pathPrefix !== "string" || pathPrefix === "") {
            throw new Error(`invoke ${call.token} ${call.where}: input "pathPrefix" is not set`);
        }
        const subkeys = ctx.collect ? {} : await ctx.kvFor({ type: `invoke ${call.token}`, urn: call.where, provider: call.provider }).list(pathPrefix);
        return { id: pathPrefix, pathPrefix, subkeys, ...(call.inputs["datacenter"] !== undefined ? { datacenter: call.inputs["datacenter"] } : {}) };
    },
};
