/** Name rules shared by sections: hostnames, DNS labels, Docker names, Linux interface names. */
import { parseIPv4 } from "../../net/cidr";

/** RFC 1123 hostname label, lowercase: the machine name is also the engine's hostname. */
const HOSTNAME_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** Any-case DNS label, for names of machines the program does not create (ssh addresses, KV hosts). */
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** Docker's rule for container and network names. */
export const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
export const DOTTED_DIGITS = /^[0-9.]+$/;
const IFNAME_MAX = 15;

export function hostnameProblem(name: string): string | undefined {
    if (HOSTNAME_LABEL.test(name)) {
        return undefined;
    }
    const lower = name.toLowerCase();
    const hint = lower !== name && HOSTNAME_LABEL.test(lower) ? `; did you mean ${JSON.stringify(lower)}?` : "";
    return (
        `${JSON.stringify(name)} is not a valid hostname: use 1 to 63 lowercase letters, digits and hyphens, ` +
        `not starting or ending with a hyphen (it becomes the machine's hostname)${hint}`
    );
}

export const IFNAME_RULE = `a Linux interface name has 1 to ${IFNAME_MAX} characters, is not "." or "..", and has no "/", ":" or whitespace`;

/** Linux interface name rules (the kernel's dev_valid_name). */
export function isIfname(name: string): boolean {
    return name !== "" && Buffer.byteLength(name) <= IFNAME_MAX && name !== "." && name !== ".." && !/[/:\s]/.test(name);
}

/** A DNS name (dotted labels) or an IPv4 address; `undefined` when fine. */
export function hostOrIPv4Problem(host: string): string | undefined {
    if (DOTTED_DIGITS.test(host)) {
        const ip = parseIPv4(host);
        return ip.ok ? undefined : ip.reason;
    }
    if (host.length > 253 || !host.split(".").every((l) => DNS_LABEL.test(l))) {
        return `${JSON.stringify(host)} is neither a hostname nor an IPv4 address`;
    }
    return undefined;
}
