/**
 * The KV server recipe: how to run one single-node store (consul, etcd,
 * zookeeper) as a container for clients on other machines: image, command,
 * environment, health check. Shared by the drivers that run the store as a
 * container (dind on the local Docker, docker-machine on a VM).
 */
import { KvBackend } from "../config/types";

/** Pinned KV images; `driver.kvImage` overrides. etcd stays on 3.4: libkv speaks the v2 API, removed in 3.6. */
export const KV_DEFAULT_IMAGE: Record<KvBackend, string> = {
    consul: "hashicorp/consul:1.16",
    etcd: "quay.io/coreos/etcd:v3.4.23",
    zookeeper: "zookeeper:3.8",
};

export interface KvServerSpec {
    image: string;
    /** Container command (the image's entrypoint stays); empty = the image's default. */
    command: string[];
    /** Environment, `KEY=VALUE`, without the advertise variable. */
    env: string[];
    /**
     * A variable that must carry the store's client URL as seen by the engines,
     * `http://<address>:<port>` (etcd, whose clients follow the advertised URL).
     */
    advertiseUrlEnv?: string;
    /** `docker run --health-cmd` / healthcheck test, exec form. */
    healthcheck: string[];
}

/**
 * How to run one single-node store listening on `port` for clients from other
 * machines. consul: the walkthrough's `agent -server -bootstrap`; etcd: v2 API
 * on (libkv); zookeeper: the official image's standalone default.
 */
export function kvServerSpec(backend: KvBackend, port: number, image?: string): KvServerSpec {
    switch (backend) {
        case "consul":
            return {
                image: image ?? KV_DEFAULT_IMAGE.consul,
                command: ["agent", "-server", "-bootstrap", "-client", "0.0.0.0", "-ui", ...(port === 8500 ? [] : [`-http-port=${port}`])],
                env: [],
                healthcheck: ["CMD", "consul", "members", `-http-addr=http://127.0.0.1:${port}`],
            };
        case "etcd":
            return {
                image: image ?? KV_DEFAULT_IMAGE.etcd,
                command: ["/usr/local/bin/etcd", "--name=kvstore", "--data-dir=/etcd-data", "--enable-v2=true", `--listen-client-urls=http://0.0.0.0:${port}`],
                env: [],
                advertiseUrlEnv: "ETCD_ADVERTISE_CLIENT_URLS",
                healthcheck: ["CMD", "/usr/local/bin/etcdctl", `--endpoints=http://127.0.0.1:${port}`, "endpoint", "health"],
            };
        case "zookeeper":
            return {
                image: image ?? KV_DEFAULT_IMAGE.zookeeper,
                command: [],
                // The official image takes the client port from the server line it writes to zoo.cfg.
                env: port === 2181 ? [] : [`ZOO_SERVERS=server.1=localhost:2888:3888;${port}`],
                healthcheck: ["CMD", "zkServer.sh", "status"],
            };
    }
}

/** The client URL a store advertises (etcd): what engines are redirected to. */
export function kvAdvertiseUrl(address: string, port: number): string {
    return `http://${address}:${port}`;
}
