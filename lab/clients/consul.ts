/**
 * The consul side of the lab applier: consul's KV HTTP API (v1) through
 * Node's http/https, for `consul:index/keyPrefix:KeyPrefix` and the
 * `consul:index/getKeyPrefix:getKeyPrefix` invoke (lab/resources/keyPrefix.ts). With the provider's
 * `caPem`/`certPem`/`keyPem` (scheme https) it verifies consul's certificate
 * against that CA and presents the client certificate, as the provider does.
 */
import * as http from "node:http";
import * as https from "node:https";
import { assertLabLocal } from "../net";

/** A consul provider's configuration (lab/resources/consulProvider.ts): where consul is and how to talk to it. */
export interface ConsulProviderInputs {
    address?: string;
    scheme?: string;
    token?: string;
    datacenter?: string;
    /** PEM: the CA consul's certificate must chain to (https). */
    caPem?: string;
    /** PEM: the client certificate and its key, presented to consul (https). */
    certPem?: string;
    keyPem?: string;
}

/** What the applier needs from consul. Faked in unit tests. */
export interface KvClient {
    readonly baseUrl: string;
    put(key: string, value: string): Promise<void>;
    /** Keys under `prefix`, relative to it, with their values; {} when there are none. */
    list(prefix: string): Promise<Record<string, string>>;
    deleteTree(prefix: string): Promise<void>;
    /** Deletes exactly one key (no recursion). */
    deleteKey(key: string): Promise<void>;
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
        this.tls = { ca: provider.caPem, cert: provider.certPem, key: provider.keyPem };
    }

    private readonly token: string | undefined;
    private readonly datacenter: string | undefined;
    private readonly tls: { ca?: string; cert?: string; key?: string };

    async put(key: string, value: string): Promise<void> {
        const res = await this.request("PUT", kvPath(key), {}, value);
        if (!ok(res) || res.body.trim() !== "true") {
            throw new Error(`consul PUT ${this.baseUrl}${kvPath(key)}: HTTP ${res.status} ${res.body.trim()}`);
        }
    }

    async list(prefix: string): Promise<Record<string, string>> {
        const res = await this.request("GET", kvPath(prefix), { recurse: "" });
        if (res.status === 404) {
            return {};
        }
        if (!ok(res)) {
            throw new Error(`consul GET ${this.baseUrl}${kvPath(prefix)}?recurse: HTTP ${res.status} ${res.body.trim()}`);
        }
        const entries = JSON.parse(res.body) as { Key: string; Value: string | null }[];
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
        if (!ok(res)) {
            throw new Error(`consul DELETE ${this.baseUrl}${kvPath(prefix)}?recurse: HTTP ${res.status} ${res.body.trim()}`);
        }
    }

    async deleteKey(key: string): Promise<void> {
        const res = await this.request("DELETE", kvPath(key), {});
        if (!ok(res)) {
            throw new Error(`consul DELETE ${this.baseUrl}${kvPath(key)}: HTTP ${res.status} ${res.body.trim()}`);
        }
    }

    private async request(method: string, path: string, query: Record<string, string>, body?: string): Promise<HttpAnswer> {
        const url = new URL(this.baseUrl);
        assertLabLocal(url.hostname);
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
            return await send(`${this.baseUrl}${path}${qs === "" ? "" : `?${qs}`}`, { method, headers, body, timeoutMs: this.timeoutMs, tls: this.tls });
        } catch (err) {
            const e = err as { code?: string; message?: string };
            throw new Error(`consul ${method} ${this.baseUrl}${path}: ${e.code ?? e.message}`);
        }
    }
}

interface HttpAnswer {
    status: number;
    body: string;
}

const ok = (res: HttpAnswer): boolean => res.status >= 200 && res.status < 300;

/** One HTTP(S) request; https verifies the server against `tls.ca` (when given) and presents `tls.cert`/`tls.key`. */
function send(
    url: string,
    opts: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number; tls: { ca?: string; cert?: string; key?: string } },
): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
        const u = new URL(url);
        const secure = u.protocol === "https:";
        const options: https.RequestOptions = {
            method: opts.method,
            headers: { ...opts.headers, ...(opts.body !== undefined ? { "Content-Length": Buffer.byteLength(opts.body) } : {}) },
            timeout: opts.timeoutMs,
            ...(secure ? { ca: opts.tls.ca, cert: opts.tls.cert, key: opts.tls.key } : {}),
        };
        const req = (secure ? https : http).request(u, options, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { code: "ETIMEDOUT" })));
        req.on("error", reject);
        req.end(opts.body);
    });
}
