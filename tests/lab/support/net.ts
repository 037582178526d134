/** IPv4 helpers for assertions. */

function toNumber(ip: string): number {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
        throw new Error(`"${ip}" is not an IPv4 address`);
    }
    return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** Is `ip` inside `cidr` (e.g. 10.0.0.0/24)? */
export function inSubnet(ip: string, cidr: string): boolean {
    const [base, len] = cidr.split("/");
    const bits = Number(len);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (toNumber(ip) & mask) >>> 0 === (toNumber(base) & mask) >>> 0;
}
