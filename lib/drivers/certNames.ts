/**
 * The names on an engine's server certificate, per driver: every name or
 * address the program's clients dial the engine at. Here rather than in
 * lib/tls because it knows the drivers' endpoints (and the drivers use lib/tls).
 */
import { ClusterConfig, HostConfig } from "../config/types";
import { ServerNames } from "../tls/names";
import { PUBLISH_IP } from "./dind";

/**
 * The names on an engine's server certificate: every name or address the
 * program's clients dial it at (the docker provider, the scripts), so
 * `--tlsverify` on the client side holds.
 *  - netns: the host's underlay address (`tcp://<address>:<apiPort>`).
 *  - dind: 127.0.0.1 (where its API port is published) and its fabric address.
 *  - ssh: `ssh.address` (an IP or a DNS name).
 *  - docker-machine makes its own certificates: none here.
 * The host's name is always a DNS name too (engines that reach each other by name).
 */
export function serverCertNames(config: ClusterConfig, host: HostConfig, address: string | undefined): ServerNames {
    const dns = new Set<string>([host.name]);
    const ips = new Set<string>();
    const add = (name: string | undefined) => {
        if (name === undefined) {
            return;
        }
        if (/^[0-9.]+$/.test(name) || name.includes(":")) {
            ips.add(name);
        } else {
            dns.add(name);
        }
    };
    switch (config.driver.kind) {
        case "netns":
            add(address);
            break;
        case "dind":
            add(PUBLISH_IP);
            add("localhost");
            add(address);
            break;
        case "ssh":
            add(host.ssh?.address);
            break;
        case "docker-machine":
            break;
    }
    return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}
