/**
 * `consul:index/keyPrefix:KeyPrefix` (its `subkeys` put under `pathPrefix`,
 * the whole prefix deleted at delete) and the
 * `consul:index/getKeyPrefix:getKeyPrefix` invoke, through the consul of the
 * resource's (or call's) provider.
 */
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
    /**
     * Deletes every key under the prefix, failing as the provider does when consul does not
     * answer (TC consul/resource_consul_key_prefix.go:327-337, consul/key_client.go:85-93):
     * a store that is gone fails `destroy` (the program deletes the record with its
     * fabric instead, components/clusterRecord.ts).
     */
    async delete(ctx, r) {
        const prefix = (r.inputs as KeyPrefixInputs).pathPrefix;
        if (prefix === undefined) {
            return "absent";
        }
        const p = ctx.provider(r.provider);
        if (p === undefined) {
            throw new Error(`${r.type} ${r.urn}: its provider ${r.provider || "(none)"} is not in the state; cannot tell which consul it is in`);
        }
        try {
            await ctx.deps.kv(p.inputs).deleteTree(prefix);
            return "deleted";
        } catch (err) {
            throw new Error(`${r.type} ${r.urn}: failed to delete Consul keys under '${prefix}': ${(err as Error).message.trim()}`);
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
