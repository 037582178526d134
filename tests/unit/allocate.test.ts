/** lib/net/allocate.ts: underlay addresses that follow the machines' names, not their places in `hosts`. */
import * as assert from "node:assert/strict";
import { allocateAddresses, nameSlot } from "../../lib/net/allocate";

const names = (n: number, prefix = "h") => Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}` }));

describe("allocate: underlay addresses", () => {
    it("the gateway takes the first address, the leading (KV) machine the next, each host the slot its name's SHA-256 picks", () => {
        const plan = allocateAddresses("10.199.0.0/24", [{ name: "consul" }], [{ name: "swarm-manager" }, { name: "swarm-node1" }, { name: "swarm-node2" }]);
        assert.deepEqual(plan, {
            gateway: "10.199.0.1",
            prefixLength: 24,
            addresses: { consul: "10.199.0.2", "swarm-manager": "10.199.0.13", "swarm-node1": "10.199.0.194", "swarm-node2": "10.199.0.71" },
        });
        // .3 is the first of the hosts' 252 slots (after .1 and .2, up to .254): slot 10 of swarm-manager is .13.
        assert.equal(nameSlot("swarm-manager", 252n), 10n);
    });

    it("removing or adding a host, or reordering them, leaves every other host's address (no two names pick one slot here)", () => {
        const hosts = ["swarm-manager", "swarm-node1", "swarm-node2", "swarm-node3"].map((name) => ({ name }));
        const all = allocateAddresses("10.199.0.0/24", [{ name: "consul" }], hosts).addresses;
        assert.equal(new Set(hosts.map((h) => nameSlot(h.name, 252n))).size, hosts.length, "the four names pick four slots");
        for (let i = 0; i < hosts.length; i++) {
            const without = allocateAddresses(
                "10.199.0.0/24",
                [{ name: "consul" }],
                hosts.filter((_, j) => j !== i),
            ).addresses;
            for (const h of hosts.filter((_, j) => j !== i)) {
                assert.equal(without[h.name], all[h.name], `${h.name} without ${hosts[i].name}`);
            }
        }
        assert.deepEqual(allocateAddresses("10.199.0.0/24", [{ name: "consul" }], [...hosts].reverse()).addresses, all);
    });

    it("two names on one slot: the one that sorts first keeps it, the other takes the next free one; pinned addresses are kept and skipped", () => {
        // Find two names that pick the same slot of a /28 (12 host slots: .3 to .14, after the gateway and the KV machine).
        const span = 12n;
        const bySlot = new Map<bigint, string>();
        let pair: [string, string] | undefined;
        for (let i = 0; pair === undefined; i++) {
            const name = `n${i}`;
            const slot = nameSlot(name, span);
            const other = bySlot.get(slot);
            if (other !== undefined) {
                pair = [other, name];
            }
            bySlot.set(slot, name);
        }
        const [a, b] = pair.sort();
        const plan = allocateAddresses("10.0.0.0/28", [{ name: "kv" }], [{ name: b }, { name: a }]).addresses;
        const slotAddress = (s: bigint) => `10.0.0.${3n + s}`;
        assert.equal(plan[a], slotAddress(nameSlot(a, span)));
        assert.equal(plan[b], slotAddress((nameSlot(a, span) + 1n) % span));
        // A pinned address on a's slot: a moves along, the pin stays.
        const pinned = allocateAddresses("10.0.0.0/28", [{ name: "kv" }], [{ name: a }, { name: "p", address: slotAddress(nameSlot(a, span)) }]).addresses;
        assert.equal(pinned["p"], slotAddress(nameSlot(a, span)));
        assert.equal(pinned[a], slotAddress((nameSlot(a, span) + 1n) % span));
    });

    it("fills a range to the last address, every address distinct and inside it; one more machine is refused", () => {
        const full = allocateAddresses("10.0.0.0/28", [{ name: "kv" }], names(12)).addresses;
        const values = Object.values(full);
        assert.equal(new Set(values).size, 13);
        for (const v of values) {
            const last = Number(v.split(".")[3]);
            assert.ok(last >= 2 && last <= 14, v);
        }
        assert.throws(() => allocateAddresses("10.0.0.0/28", [{ name: "kv" }], names(13)), {
            message: 'the underlay 10.0.0.0/28 has no free address left for machine "h9"',
        });
    });

    it("without a leading machine the hosts' slots start right after the gateway", () => {
        const plan = allocateAddresses("10.160.0.0/24", [], [{ name: "swarm-manager" }]);
        assert.equal(plan.addresses["swarm-manager"], `10.160.0.${2n + nameSlot("swarm-manager", 253n)}`);
    });
});
