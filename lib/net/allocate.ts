/**
 * Underlay addresses for the machines a driver creates (netns, dind): the
 * gateway/bridge takes the first usable address, then each machine in order
 * takes the next free one unless it names its own.
 */
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
 * Allocates addresses in `cidr` for `machines`, in order. Throws when the
 * range runs out; validation reports that case first with the key to fix.
 */
export function allocateAddresses(cidr: string, machines: readonly AddressRequest[]): AddressPlan {
    const net = new Address4(cidr);
    const first = net.startAddress().bigInt() + 1n;
    const last = net.endAddress().bigInt() - 1n;
    const gateway = Address4.fromBigInt(first).correctForm();
    const taken = new Set<string>([gateway, ...machines.flatMap((m) => (m.address ? [m.address] : []))]);
    const addresses: Record<string, string> = {};
    let next = first + 1n;
    for (const m of machines) {
        if (m.address) {
            addresses[m.name] = m.address;
            continue;
        }
        while (next <= last && taken.has(Address4.fromBigInt(next).correctForm())) {
            next++;
        }
        if (next > last) {
            throw new Error(`the underlay ${cidr} has no free address left for machine "${m.name}"`);
        }
        const address = Address4.fromBigInt(next).correctForm();
        taken.add(address);
        addresses[m.name] = address;
        next++;
    }
    return { gateway, prefixLength: net.subnetMask, addresses };
}
