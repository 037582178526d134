/**
 * The consul side of the lab applier: consul's KV HTTP API (v1) through
 * Node's fetch, for `consul:index/keyPrefix:KeyPrefix` and the
 * `consul:index/getKeyPrefix:getKeyPrefix` invoke.
 */
import { assertLabLocal } from "./net";

export const CONSUL_PROVIDER_TYPE = "pulumi:providers:consul";
export const KEY_PREFIX_TYPE = "consul:index/keyPrefix:KeyPrefix";
export const GET_KEY_PREFIX_TOKEN = "consul:index/getKeyPrefix:getKeyPrefix";

export interface ConsulProviderInputs {
    address?: string;
    scheme?: string;
    token?: string;
    datacenter?: string;
}

export interface KeyPrefixInputs {
    pathPrefix?: string;
    subkeys?: Record<string, string>;
    datacenter?: string;
}

export const KNOWN_CONSUL_INPUTS: Record<string, readonly string[]> = {
    [CONSUL_PROVIDER_TYPE]: ["address", "scheme", "token", "datacenter", "version"],
    [KEY_PREFIX_TYPE]: ["pathPrefix", "subkeys", "datacenter"],
};

/** What the applier needs from consul. Faked in unit tests. */
export interface KvClient {
    readonly baseUrl: string;
    put(key: string, value: string): Promise<void>;
    /** Keys under `prefix`, relative to it, with their values; {} when there are none. */
    list(prefix: string): Promise<Record<string, string>>;
    deleteTree(prefix: string): Promise<void>;
}

/** `http://10.199.0.2:8500` from a consul provider's `address` and `scheme`. */
export function consulBaseUrl(p: ConsulProviderInputs): string {
    if (p.address === undefined || p.address === "") {
        throw new Error(`consul provider has no address`);
    }
    if (/^[a-z]+:\/\//.test(p.address)) {
        return p.address.replace(/\/+$/, "");
    }
    return `${p.scheme ?? "http"}://${p.address}`;
}

/** `/v1/kv/<key>`, each path segment escaped (keys may hold `:` as in `docker/nodes/10.0.0.1:2376`). */
export function kvPath(key: string): string {
    return `/v1/kv/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export class ConsulHttp implements KvClient {
    readonly baseUrl: string;

    constructor(
        provider: ConsulProviderInputs,
        private readonly timeoutMs = 10_000,
    ) {
        this.baseUrl = consulBaseUrl(provider);
        this.token = provider.token;
        this.datacenter = provider.datacenter;
    }

    private readonly token: string | undefined;
    private readonly datacenter: string | undefined;

    async put(key: string, value: string): Promise<void> {
        const res = await this.request("PUT", kvPath(key), {}, value);
        const body = await res.text();
        if (!res.ok || body.trim() !== "true") {
            throw new Error(`consul PUT ${this.baseUrl}${kvPath(key)}: HTTP ${res.status} ${body.trim()}`);
        }
    }

    async list(prefix: string): Promise<Record<string, string>> {
        const res = await this.request("GET", kvPath(prefix), { recurse: "" });
        if (res.status === 404) {
            return {};
        }
        if (!res.ok) {
            throw new Error(`consul GET ${this.baseUrl}${kvPath(prefix)}?recurse: HTTP ${res.status} ${(await res.text()).trim()}`);
        }
        const entries = (await res.json()) as { Key: string; Value: string | null }[];
        return Object.fromEntries(
            entries
                .filter((e) => e.Key.startsWith(prefix) && e.Key !== prefix)
                .map((e) => [e.Key.slice(prefix.length), e.Value === null ? "" : Buffer.from(e.Value, "base64").toString("utf8")]),
        );
    }

    async deleteTree(prefix: string): Promise<void> {
        if (prefix === "" || prefix === "/") {
            throw new Error(`consul: refusing to delete the whole KV tree (prefix "${prefix}")`);
        }
        const res = await this.request("DELETE", kvPath(prefix), { recurse: "" });
        if (!res.ok) {
            throw new Error(`consul DELETE ${this.baseUrl}${kvPath(prefix)}?recurse: HTTP ${res.status} ${(await res.text()).trim()}`);
        }
    }

    private async request(method: string, path: string, query: Record<string, string>, body?: string): Promise<Response> {
        assertLabLocal(new URL(this.baseUrl).hostname);
        const params = new URLSearchParams(query);
        if (this.datacenter !== undefined) {
            params.set("dc", this.datacenter);
        }
        const qs = params.toString().replace(/=(&|$)/g, "$1");
        const headers: Record<string, string> = {};
        if (this.token !== undefined) {
            headers["X-Consul-Token"] = this.token;
        }
        try {
            return await fetch(`${this.baseUrl}${path}${qs === "" ? "" : `?${qs}`}`, {
                method,
                headers,
                body,
                signal: AbortSignal.timeout(this.timeoutMs),
            });
        } catch (err) {
            const cause = (err as { cause?: { code?: string; message?: string } }).cause;
            throw new Error(`consul ${method} ${this.baseUrl}${path}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
        }
    }
}
