/**
 * Underlay addresses for the machines a driver creates (netns, dind).
 *
 *  - The gateway / bridge takes the first usable address.
 *  - A machine that names its own address keeps it.
 *  - The `leading` machines (the KV machine) take the next free addresses, in order.
 *  - Every other machine (the hosts) takes the address its name picks: a slot in the
 *    rest of the range chosen by the name's SHA-256, or the next free one after it
 *    (wrapping), hosts taken in name order.
 *
 * So a host's address depends on its name, not on its place in `hosts`: adding or
 * removing a host leaves every other host's address as it is. (It used to be the
 * next free address in `hosts` order: removing a host re-addressed every host after
 * it, whose machine the engine then replaced while the removed one, deleted only
 * at the end of the update, still held the address: two machines on one address,
 * and in swarm mode containers failing to attach.) The exception is two names that
 * pick the same slot: the one that sorts first keeps it, and the other moves along
 * when that one comes or goes; `hosts[].address` pins an address.
 */
import { createHash } from "crypto";
import { Address4 } from "ip-address";

export interface AddressRequest {
    name: string;
    /** An address the user chose; it is kept and never handed to another machine. */
    address?: string;
}

export interface AddressPlan {
    /** The bridge / gateway address (first usable). */
    gateway: string;
    /** Prefix length of the underlay, for `ip addr add <address>/<prefix>`. */
    prefixLength: number;
    /** Machine name -> address. */
    addresses: Record<string, string>;
}

/**
 * Allocates addresses in `cidr`: `leading` in order from the start, `byName`
 * where their names point (see above). Throws when the range runs out;
 * validation reports that case first with the key to fix.
 */
export function allocateAddresses(cidr: string, leading: readonly AddressRequest[], byName: readonly AddressRequest[] = []): AddressPlan {
    const net = new Address4(cidr);
    const first = net.startAddress().bigInt() + 1n;
    const last = net.endAddress().bigInt() - 1n;
    const text = (n: bigint) => Address4.fromBigInt(n).correctForm();
    const gateway = text(first);
    const taken = new Set<string>([gateway, ...[...leading, ...byName].flatMap((m) => (m.address ? [m.address] : []))]);
    const addresses: Record<string, string> = {};
    const noRoom = (name: string) => new Error(`the underlay ${cidr} has no free address left for machine "${name}"`);

    let next = first + 1n;
    for (const m of leading) {
        if (m.address) {
            addresses[m.name] = m.address;
            continue;
        }
        while (next <= last && taken.has(text(next))) {
            next++;
        }
        if (next > last) {
            throw noRoom(m.name);
        }
        const address = text(next);
        addresses[m.name] = address;
        taken.add(address);
        next++;
    }

    // The hosts' part of the range: after the gateway and the leading machines' places.
    const start = first + 1n + BigInt(leading.length);
    const span = last - start + 1n;
    for (const m of [...byName].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (m.address) {
            addresses[m.name] = m.address;
            continue;
        }
        if (span <= 0n) {
            throw noRoom(m.name);
        }
        const slot = nameSlot(m.name, span);
        let found: string | undefined;
        for (let i = 0n; i < span; i++) {
            const candidate = text(start + ((slot + i) % span));
            if (!taken.has(candidate)) {
                found = candidate;
                break;
            }
        }
        if (found === undefined) {
            throw noRoom(m.name);
        }
        addresses[m.name] = found;
        taken.add(found);
    }
    return { gateway, prefixLength: net.subnetMask, addresses };
}

/** The slot (0 .. span-1) a machine's name picks: the first 48 bits of its SHA-256, modulo span. */
export function nameSlot(name: string, span: bigint): bigint {
    return BigInt(`0x${createHash("sha256").update(name, "utf8").digest("hex").slice(0, 12)}`) % span;
}
