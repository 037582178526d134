/**
 * IPv4 address and CIDR helpers on top of `ip-address` (which does the
 * parsing and the arithmetic). Pure; IPv4 only.
 *
 * Parsing is strict: a CIDR must be `<address>/<prefix>` in canonical dotted
 * decimal (no leading zeros), and must not have host bits set. Docker accepts
 * `--subnet 10.0.0.1/24` and quietly uses 10.0.0.0/24; here that is an error
 * whose message names the network address, so what the user wrote is exactly
 * what gets created (and what a preview diff shows).
 *
 * Usable addresses: for prefixes up to /30 the first (network) and last
 * (broadcast) addresses are not usable; /31 (RFC 3021) and /32 use every
 * address.
 */
import { Address4 } from "ip-address";

/** A parsed IPv4 network. `start`/`end` are the first and last addresses as integers. */
export interface Ipv4Network {
    /** Canonical text, e.g. `10.0.0.0/24`. */
    cidr: string;
    prefix: number;
    start: bigint;
    end: bigint;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const CIDR_SHAPE = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d+)$/;
const ADDRESS_SHAPE = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Parses an IPv4 address (no prefix). `reason` is a full sentence about the
 * quoted input, e.g. `"10.0.0.256" is not an IPv4 address (...)`.
 */
export function parseIPv4(text: string): ParseResult<bigint> {
    const quoted = JSON.stringify(text);
    if (!ADDRESS_SHAPE.test(text)) {
        const hint = text.includes("/") ? `; write the address without a prefix length` : "";
        return { ok: false, reason: `${quoted} is not an IPv4 address (expected four numbers 0-255 separated by dots, e.g. 10.0.0.5${hint})` };
    }
    const octets = octetProblem(text);
    if (octets !== undefined) {
        return { ok: false, reason: `${quoted} is not an IPv4 address (${octets})` };
    }
    return { ok: true, value: new Address4(text).bigInt() };
}

/** Parses an IPv4 CIDR strictly (see the file comment). */
export function parseCidr(text: string): ParseResult<Ipv4Network> {
    const quoted = JSON.stringify(text);
    const shape = CIDR_SHAPE.exec(text);
    if (shape === null) {
        const hint = ADDRESS_SHAPE.test(text) ? ` (it has no prefix length; e.g. ${text}/24)` : " (expected <address>/<prefix length>, e.g. 10.0.0.0/24)";
        return { ok: false, reason: `${quoted} is not an IPv4 CIDR${hint}` };
    }
    const prefix = Number(shape[2]);
    if (prefix > 32 || (shape[2].length > 1 && shape[2].startsWith("0"))) {
        return { ok: false, reason: `${quoted} is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)` };
    }
    const octets = octetProblem(shape[1]);
    if (octets !== undefined) {
        return { ok: false, reason: `${quoted} is not an IPv4 CIDR (${octets})` };
    }
    const net = new Address4(text);
    const start = net.startAddress().bigInt();
    const end = net.endAddress().bigInt();
    if (net.bigInt() !== start) {
        return {
            ok: false,
            reason: `${quoted} has host bits set: its network address is ${toText(start)}; write "${toText(start)}/${prefix}"`,
        };
    }
    return { ok: true, value: { cidr: text, prefix, start, end } };
}

/** True when `text` is a strict IPv4 CIDR. */
export function isCidr(text: string): boolean {
    return parseCidr(text).ok;
}

/** True when `text` is an IPv4 address. */
export function isIPv4(text: string): boolean {
    return parseIPv4(text).ok;
}

/** Number of addresses in the network (2^(32-prefix)). */
export function size(cidr: string): number {
    const n = network(cidr);
    return Number(n.end - n.start + 1n);
}

/** Number of addresses hosts can use (all but network and broadcast, except /31 and /32). */
export function usableCount(cidr: string): number {
    const n = network(cidr);
    const total = Number(n.end - n.start + 1n);
    return n.prefix >= 31 ? total : total - 2;
}

export function networkAddress(cidr: string): string {
    return toText(network(cidr).start);
}

/** The last address of the network. */
export function broadcastAddress(cidr: string): string {
    return toText(network(cidr).end);
}

export function firstUsable(cidr: string): string {
    return nthHost(cidr, 1);
}

export function lastUsable(cidr: string): string {
    return nthHost(cidr, usableCount(cidr));
}

/** The n-th usable address, 1-based: `nthHost("10.0.0.0/24", 1)` is 10.0.0.1. Throws RangeError outside 1..usableCount. */
export function nthHost(cidr: string, n: number): string {
    const net = network(cidr);
    const usable = usableCount(cidr);
    if (!Number.isInteger(n) || n < 1 || n > usable) {
        throw new RangeError(`${cidr} has ${usable} usable addresses; there is no host number ${n}`);
    }
    const offset = net.prefix >= 31 ? BigInt(n - 1) : BigInt(n);
    return toText(net.start + offset);
}

/** True when `ip` lies in `cidr` (network and broadcast addresses included). */
export function contains(cidr: string, ip: string): boolean {
    const net = network(cidr);
    const value = address(ip);
    return net.start <= value && value <= net.end;
}

/** True when every address of `inner` lies in `outer` (a network contains itself). */
export function cidrContains(outer: string, inner: string): boolean {
    const o = network(outer);
    const i = network(inner);
    return o.start <= i.start && i.end <= o.end;
}

/** True when the two networks share at least one address. */
export function overlaps(a: string, b: string): boolean {
    const x = network(a);
    const y = network(b);
    return x.start <= y.end && y.start <= x.end;
}

/** Canonical dotted-decimal text of an address given as an integer. */
export function toText(value: bigint): string {
    return Address4.fromBigInt(value).correctForm();
}

function network(cidr: string): Ipv4Network {
    const parsed = parseCidr(cidr);
    if (!parsed.ok) {
        throw new Error(parsed.reason);
    }
    return parsed.value;
}

function address(ip: string): bigint {
    const parsed = parseIPv4(ip);
    if (!parsed.ok) {
        throw new Error(parsed.reason);
    }
    return parsed.value;
}

/** What is wrong with the numbers of a dotted-quad that has the right shape, if anything. */
function octetProblem(dotted: string): string | undefined {
    const octets = dotted.split(".");
    if (octets.some((o) => Number(o) > 255)) {
        return "each number must be from 0 to 255";
    }
    if (octets.some((o) => o.length > 1 && o.startsWith("0"))) {
        return "numbers must not have leading zeros";
    }
    return undefined;
}
