/** lib/net/cidr.ts: strict IPv4 CIDR parsing and the address arithmetic validation relies on. */
import * as assert from "node:assert/strict";
import {
    broadcastAddress,
    cidrContains,
    contains,
    firstUsable,
    lastUsable,
    networkAddress,
    nthHost,
    overlaps,
    parseCidr,
    parseIPv4,
    size,
    usableCount,
} from "../../lib/net/cidr";

function reason(r: { ok: true } | { ok: false; reason: string }): string {
    assert.equal(r.ok, false, "expected a parse failure");
    return (r as { reason: string }).reason;
}

/** A small deterministic PRNG (mulberry32), so property tests are reproducible. */
function rng(seed: number): () => number {
    let a = seed;
    return () => {
        a = (a + 0x6d2b79f5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

describe("cidr: parsing", () => {
    it("parses a CIDR into its prefix and first/last addresses", () => {
        const r = parseCidr("10.0.0.0/24");
        assert.ok(r.ok);
        assert.deepEqual(r.value, { cidr: "10.0.0.0/24", prefix: 24, start: 0x0a000000n, end: 0x0a0000ffn });
    });

    it("rejects a prefix length over 32", () => {
        assert.equal(reason(parseCidr("10.0.0.0/33")), '"10.0.0.0/33" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)');
    });

    it("rejects an address without a prefix length, suggesting one", () => {
        assert.equal(reason(parseCidr("10.0.0.0")), '"10.0.0.0" is not an IPv4 CIDR (it has no prefix length; e.g. 10.0.0.0/24)');
    });

    it("rejects text that is not a CIDR at all", () => {
        assert.equal(reason(parseCidr("net1")), '"net1" is not an IPv4 CIDR (expected <address>/<prefix length>, e.g. 10.0.0.0/24)');
        assert.equal(reason(parseCidr(" 10.0.0.0/24")), '" 10.0.0.0/24" is not an IPv4 CIDR (expected <address>/<prefix length>, e.g. 10.0.0.0/24)');
    });

    it("rejects octets over 255 and leading zeros", () => {
        assert.equal(reason(parseCidr("10.0.0.256/24")), '"10.0.0.256/24" is not an IPv4 CIDR (each number must be from 0 to 255)');
        assert.equal(reason(parseCidr("10.0.0.01/32")), '"10.0.0.01/32" is not an IPv4 CIDR (numbers must not have leading zeros)');
        assert.equal(reason(parseCidr("10.0.0.0/024")), '"10.0.0.0/024" is not an IPv4 CIDR (the prefix length must be a number from 0 to 32)');
    });

    it("rejects host bits, naming the network address to write instead", () => {
        assert.equal(reason(parseCidr("10.0.0.1/24")), '"10.0.0.1/24" has host bits set: its network address is 10.0.0.0; write "10.0.0.0/24"');
        assert.equal(reason(parseCidr("172.16.5.4/12")), '"172.16.5.4/12" has host bits set: its network address is 172.16.0.0; write "172.16.0.0/12"');
    });

    it("accepts /0 and /32", () => {
        assert.ok(parseCidr("0.0.0.0/0").ok);
        assert.ok(parseCidr("10.1.2.3/32").ok);
    });

    it("parses addresses and rejects a prefix on them", () => {
        const ok = parseIPv4("10.0.0.5");
        assert.ok(ok.ok);
        assert.equal(ok.value, 0x0a000005n);
        assert.equal(
            reason(parseIPv4("10.0.0.5/24")),
            '"10.0.0.5/24" is not an IPv4 address (expected four numbers 0-255 separated by dots, e.g. 10.0.0.5; write the address without a prefix length)',
        );
        assert.equal(reason(parseIPv4("10.0.0.300")), '"10.0.0.300" is not an IPv4 address (each number must be from 0 to 255)');
    });
});

describe("cidr: arithmetic", () => {
    it("gives network, broadcast, first and last usable addresses", () => {
        assert.deepEqual(
            [networkAddress("10.0.0.0/24"), broadcastAddress("10.0.0.0/24"), firstUsable("10.0.0.0/24"), lastUsable("10.0.0.0/24")],
            ["10.0.0.0", "10.0.0.255", "10.0.0.1", "10.0.0.254"],
        );
    });

    it("counts addresses: all of them, and the usable ones (/31 and /32 use every address)", () => {
        assert.deepEqual(
            ["10.0.0.0/24", "10.0.0.0/30", "10.0.0.0/31", "10.0.0.0/32", "0.0.0.0/0"].map((c) => [size(c), usableCount(c)]),
            [
                [256, 254],
                [4, 2],
                [2, 2],
                [1, 1],
                [4294967296, 4294967294],
            ],
        );
        assert.equal(firstUsable("10.0.0.4/31"), "10.0.0.4");
        assert.equal(firstUsable("10.0.0.9/32"), "10.0.0.9");
    });

    it("numbers usable hosts from 1 and refuses numbers outside the range", () => {
        assert.deepEqual(
            [1, 2, 254].map((n) => nthHost("10.0.0.0/24", n)),
            ["10.0.0.1", "10.0.0.2", "10.0.0.254"],
        );
        assert.throws(() => nthHost("10.0.0.0/24", 255), { name: "RangeError", message: "10.0.0.0/24 has 254 usable addresses; there is no host number 255" });
        assert.throws(() => nthHost("10.0.0.0/24", 0), /there is no host number 0/);
    });

    it("contains: network and broadcast included, neighbours excluded", () => {
        assert.deepEqual(
            ["10.0.0.0", "10.0.0.255", "10.0.0.77", "10.0.1.0", "9.255.255.255"].map((ip) => contains("10.0.0.0/24", ip)),
            [true, true, true, false, false],
        );
    });

    it("cidrContains: a network contains itself and its subnets, not its supernets or neighbours", () => {
        assert.deepEqual(
            ["10.0.0.0/24", "10.0.0.128/25", "10.0.0.0/23", "10.0.1.0/25"].map((inner) => cidrContains("10.0.0.0/24", inner)),
            [true, true, false, false],
        );
    });

    it("overlaps: nested and equal networks overlap, adjacent ones do not", () => {
        assert.equal(overlaps("10.0.0.0/16", "10.0.5.0/24"), true);
        assert.equal(overlaps("10.0.5.0/24", "10.0.0.0/16"), true);
        assert.equal(overlaps("10.0.0.0/24", "10.0.0.0/24"), true);
        assert.equal(overlaps("10.0.0.0/24", "10.0.1.0/24"), false);
    });

    it("helpers throw the parse reason on invalid input", () => {
        assert.throws(() => contains("10.0.0.1/24", "10.0.0.1"), {
            message: '"10.0.0.1/24" has host bits set: its network address is 10.0.0.0; write "10.0.0.0/24"',
        });
        assert.throws(() => contains("10.0.0.0/24", "x"), /"x" is not an IPv4 address/);
    });

    it("property: overlaps and cidrContains agree with a brute force over small networks", () => {
        const random = rng(42);
        /** A random network inside 10.0.0.0/26 with a prefix of /27 to /32. */
        const randomNet = (): string => {
            const prefix = 27 + Math.floor(random() * 6);
            const blocks = 2 ** (prefix - 26);
            const start = Math.floor(random() * blocks) * 2 ** (32 - prefix);
            return `10.0.0.${start}/${prefix}`;
        };
        const addresses = (cidr: string): Set<number> => {
            const [base, prefix] = cidr.split("/");
            const start = Number(base.split(".")[3]);
            return new Set(Array.from({ length: 2 ** (32 - Number(prefix)) }, (_, i) => start + i));
        };
        for (let i = 0; i < 500; i++) {
            const a = randomNet();
            const b = randomNet();
            const [sa, sb] = [addresses(a), addresses(b)];
            const shared = [...sa].some((x) => sb.has(x));
            const aHoldsB = [...sb].every((x) => sa.has(x));
            assert.equal(overlaps(a, b), shared, `overlaps(${a}, ${b})`);
            assert.equal(cidrContains(a, b), aHoldsB, `cidrContains(${a}, ${b})`);
            const probe = Math.floor(random() * 64);
            assert.equal(contains(a, `10.0.0.${probe}`), sa.has(probe), `contains(${a}, 10.0.0.${probe})`);
        }
    });
});
