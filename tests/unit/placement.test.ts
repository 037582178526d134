/** lib/placement: classic-swarm constraints and the spread placement at plan time. */
import * as assert from "node:assert/strict";
import {
    ConstraintTarget,
    formatConstraint,
    hostMatcher,
    parseConstraint,
    satisfies,
    satisfiesAll,
    stripConstraintPrefix,
} from "../../lib/placement/constraints";
import { placeContainers, PlacementContainer, PlacementHost } from "../../lib/placement/place";

const HOSTS: ConstraintTarget[] = [
    { name: "swarm-manager", labels: {} },
    { name: "swarm-node1", labels: { storage: "ssd", zone: "a" } },
    { name: "swarm-node2", labels: { storage: "hdd", zone: "a" } },
];

function reason(text: string): string {
    const r = parseConstraint(text);
    assert.equal(r.ok, false, `expected ${text} to be rejected`);
    return (r as { reason: string }).reason;
}

function c(name: string, ...constraints: string[]): PlacementContainer {
    return { name, constraints };
}

describe("placement: parsing constraints", () => {
    it("parses node==, node!=, label== and label!=", () => {
        assert.deepEqual(
            ["node==swarm-node1", "node!=x", "storage==ssd", "com.example.tier!=db"].map((t) => parseConstraint(t)),
            [
                { ok: true, constraint: { key: "node", operator: "==", value: "swarm-node1" } },
                { ok: true, constraint: { key: "node", operator: "!=", value: "x" } },
                { ok: true, constraint: { key: "storage", operator: "==", value: "ssd" } },
                { ok: true, constraint: { key: "com.example.tier", operator: "!=", value: "db" } },
            ],
        );
    });

    it("accepts the seed's constraint: prefix and strips it", () => {
        assert.deepEqual(parseConstraint("constraint:node==swarm-node2"), { ok: true, constraint: { key: "node", operator: "==", value: "swarm-node2" } });
        assert.equal(stripConstraintPrefix("constraint:node==swarm-node2"), "node==swarm-node2");
        assert.equal(stripConstraintPrefix("node==swarm-node2"), "node==swarm-node2");
        assert.equal(formatConstraint({ key: "zone", operator: "!=", value: "a" }), "zone!=a");
    });

    it("rejects soft constraints and the ~ operators", () => {
        const why = "soft constraints and the ~ operators are not supported; use == or != with an exact value";
        assert.equal(reason("node==~swarm-node1"), `"node==~swarm-node1" is not a supported constraint: ${why}`);
        assert.equal(reason("node~=swarm"), `"node~=swarm" is not a supported constraint: ${why}`);
    });

    it("rejects regular expressions and globs", () => {
        assert.equal(
            reason("node==/swarm-.*/"),
            '"node==/swarm-.*/" is not a supported constraint: regular expressions are not supported in this version; give the exact value',
        );
        assert.equal(
            reason("node==swarm-*"),
            '"node==swarm-*" is not a supported constraint: globs (*) are not supported in this version; give the exact value',
        );
    });

    it("rejects a single = with the == form to write instead", () => {
        assert.equal(reason("storage=ssd"), '"storage=ssd" is not a supported constraint: compare with == or !=, e.g. storage==ssd');
    });

    it("rejects text with no operator, an empty key or value, spaces and extra operators", () => {
        assert.deepEqual(["swarm-node1", "==x", "node==", "node == x", "node===x", "", "1zone==a"].map(reason), [
            '"swarm-node1" is not a supported constraint: expected <key>==<value> or <key>!=<value>, e.g. node==swarm-node1',
            '"==x" is not a supported constraint: the key before == is missing; use node or a host label, e.g. node==x',
            '"node==" is not a supported constraint: the value after == is missing, e.g. node==<value>',
            '"node == x" is not a supported constraint: remove the spaces around ==: node==x',
            '"node===x" is not a supported constraint: it has more than one operator; write exactly one == or != between key and value',
            '"" is not a supported constraint: it is empty; write <key>==<value> or <key>!=<value>, e.g. node==swarm-node1',
            '"1zone==a" is not a supported constraint: the key "1zone" must start with a letter or _ and contain only letters, digits, _, . and -',
        ]);
    });

    it("matches values exactly: case matters, and != is satisfied by a host without the label", () => {
        const node1 = HOSTS[1];
        const manager = HOSTS[0];
        assert.equal(satisfies(node1, { key: "storage", operator: "==", value: "ssd" }), true);
        assert.equal(satisfies(node1, { key: "storage", operator: "==", value: "SSD" }), false);
        assert.equal(satisfies(manager, { key: "storage", operator: "!=", value: "ssd" }), true);
        assert.equal(satisfies(manager, { key: "storage", operator: "==", value: "ssd" }), false);
        // A label named like an Object.prototype member is not "present" on a host without it.
        assert.equal(satisfies(manager, { key: "constructor", operator: "!=", value: "x" }), true);
    });
});

describe("placement: hostMatcher", () => {
    it("gives what filtering every host gives, in the hosts' order, node== looked up by name", () => {
        // A repeated name (validation sees hosts before names are unique) and hosts out of name order.
        const hosts: ConstraintTarget[] = [...HOSTS, { name: "swarm-node1", labels: { storage: "hdd" } }, { name: "a-first", labels: { zone: "a" } }];
        const match = hostMatcher(hosts);
        const sets = [
            [],
            ["node==swarm-node1"],
            ["node==swarm-node1", "storage==hdd"],
            ["storage==ssd", "node==swarm-node1"],
            ["node==nowhere"],
            ["node!=swarm-node1"],
            ["node==swarm-node2", "node==swarm-node1"],
            ["zone==a"],
            ["zone!=a", "node!=swarm-manager"],
        ];
        for (const texts of sets) {
            const cs = texts.map((t) => {
                const r = parseConstraint(t);
                assert.ok(r.ok);
                return r.constraint;
            });
            assert.deepEqual(
                match(cs),
                hosts.filter((h) => satisfiesAll(h, cs)),
                texts.join(", "),
            );
        }
    });
});

describe("placement: placeContainers", () => {
    it("node== pins a container to that host", () => {
        assert.deepEqual(placeContainers(HOSTS, [c("c1", "node==swarm-node2"), c("c2", "node==swarm-node1")]), {
            placements: { c1: "swarm-node2", c2: "swarm-node1" },
            problems: [],
        });
    });

    it("a container on an overlay skips hosts that take no new swarm task (pause, drain); one without overlays does not", () => {
        const hosts = [HOSTS[0], { ...HOSTS[1], availability: "drain" as const }, { ...HOSTS[2], availability: "active" as const }];
        const onNet = (name: string, ...constraints: string[]): PlacementContainer => ({ name, constraints, networks: ["net1"] });
        assert.deepEqual(placeContainers(hosts, [onNet("c1", "zone==a"), onNet("c2", "zone==a"), c("c3", "node==swarm-node1")]), {
            placements: { c1: "swarm-node2", c2: "swarm-node2", c3: "swarm-node1" },
            problems: [],
        });
        assert.deepEqual(placeContainers(hosts, [onNet("c1", "node==swarm-node1")]).problems, [
            {
                container: "c1",
                index: 0,
                message:
                    "these constraints match only hosts where swarm starts no new task (swarm-node1: availability drain), and the container's overlay attachment is such a task: set their availability to active, or relax a constraint",
            },
        ]);
    });

    it("node!= excludes a host, and the manager is eligible like any host", () => {
        assert.deepEqual(placeContainers(HOSTS, [c("c1", "node!=swarm-node1")]).placements, { c1: "swarm-manager" });
        assert.deepEqual(placeContainers(HOSTS, [c("c1", "node!=swarm-manager")]).placements, { c1: "swarm-node1" });
    });

    it("label== and label!= select by host labels", () => {
        assert.deepEqual(placeContainers(HOSTS, [c("c1", "storage==hdd"), c("c2", "storage!=hdd"), c("c3", "zone==a")]).placements, {
            c1: "swarm-node2",
            c2: "swarm-manager",
            c3: "swarm-node1",
        });
    });

    it("several constraints are ANDed", () => {
        assert.deepEqual(placeContainers(HOSTS, [c("c1", "zone==a", "node!=swarm-node1")]).placements, { c1: "swarm-node2" });
        assert.deepEqual(placeContainers(HOSTS, [c("c1", "zone==a", "storage!=hdd")]).placements, { c1: "swarm-node1" });
    });

    it("understands the constraint: prefix", () => {
        assert.deepEqual(placeContainers(HOSTS, [c("c1", "constraint:node==swarm-node2"), c("c2", "constraint:storage==ssd")]).placements, {
            c1: "swarm-node2",
            c2: "swarm-node1",
        });
    });

    it("spreads: fewest containers first, ties to the name that sorts first", () => {
        const result = placeContainers(HOSTS, [c("a"), c("b"), c("c"), c("d"), c("e", "node!=swarm-manager")]);
        assert.deepEqual(result.placements, { a: "swarm-manager", b: "swarm-node1", c: "swarm-node2", d: "swarm-manager", e: "swarm-node1" });
    });

    it("spreads around pinned containers: a free container goes to the least loaded eligible host", () => {
        const result = placeContainers(HOSTS, [c("p1", "node==swarm-manager"), c("p2", "node==swarm-manager"), c("p3", "node==swarm-node1"), c("free")]);
        assert.equal(result.placements["free"], "swarm-node2");
    });

    it("reports a container no host satisfies, with what each host fails", () => {
        const result = placeContainers(HOSTS, [c("c1", "storage==ssd", "node==swarm-node2"), c("c2")]);
        assert.deepEqual(result, {
            placements: { c2: "swarm-manager" },
            problems: [
                {
                    container: "c1",
                    index: 0,
                    message:
                        "no host satisfies all of [storage==ssd, node==swarm-node2] (swarm-manager fails storage==ssd, node==swarm-node2; " +
                        "swarm-node1 fails node==swarm-node2; swarm-node2 fails storage==ssd); relax a constraint or give a host the labels it needs",
                },
            ],
        });
    });

    it("reports unparsable constraints per constraint and places the rest", () => {
        const result = placeContainers(HOSTS, [c("c1", "node==swarm-node1", "zone=a"), c("c2")]);
        assert.deepEqual(result.problems, [
            { container: "c1", index: 0, constraint: 1, message: '"zone=a" is not a supported constraint: compare with == or !=, e.g. zone==a' },
        ]);
        assert.deepEqual(result.placements, { c2: "swarm-manager" });
    });

    it("reports that there are no hosts", () => {
        assert.deepEqual(placeContainers([], [c("c1")]).problems, [{ container: "c1", index: 0, message: "there are no hosts to place it on" }]);
    });

    it("property: the placement does not depend on the order hosts are listed in", () => {
        let seed = 7;
        const random = () => {
            seed = (seed * 1103515245 + 12345) % 2147483648;
            return seed / 2147483648;
        };
        const hosts = Array.from({ length: 6 }, (_, i) => ({ name: `h${i}`, labels: { zone: i % 2 === 0 ? "a" : "b", rack: `r${i % 3}` } }));
        const pool = ["zone==a", "zone!=a", "rack==r1", "rack!=r0", "node!=h3", "node==h5", "zone==b"];
        for (let round = 0; round < 50; round++) {
            const containers = Array.from({ length: 12 }, (_, i) => {
                const picks = pool.filter(() => random() < 0.2);
                return c(`c${i}`, ...picks);
            });
            const expected = placeContainers(hosts, containers);
            const shuffled = [...hosts];
            for (let i = shuffled.length - 1; i > 0; i--) {
                const j = Math.floor(random() * (i + 1));
                [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
            }
            const again = placeContainers(shuffled, containers);
            assert.deepEqual(again.placements, expected.placements);
            assert.deepEqual(
                again.problems.map((p) => p.container),
                expected.problems.map((p) => p.container),
            );
            // And every placement honours every constraint of its container.
            for (const ct of containers) {
                const host = hosts.find((h) => h.name === expected.placements[ct.name]);
                if (host !== undefined) {
                    for (const text of ct.constraints) {
                        const parsed = parseConstraint(text);
                        assert.ok(parsed.ok && satisfies(host, parsed.constraint), `${ct.name} on ${host.name} violates ${text}`);
                    }
                }
            }
        }
    });
});

describe("placement: a running stack keeps its placements (previous)", () => {
    const two: ConstraintTarget[] = [
        { name: "a", labels: {} },
        { name: "b", labels: {} },
    ];
    const three: ConstraintTarget[] = [...two, { name: "c", labels: {} }];
    const four = [c("c1"), c("c2"), c("c3"), c("c4")];

    it("a host added moves nothing: spread afresh, two of four containers would move to make room for it", () => {
        const before = placeContainers(two, four).placements;
        assert.deepEqual(before, { c1: "a", c2: "b", c3: "a", c4: "b" });
        // What the config alone gives (and gave before placements were kept): c3 and c4 move.
        assert.deepEqual(placeContainers(three, four).placements, { c1: "a", c2: "b", c3: "c", c4: "a" });
        assert.deepEqual(placeContainers(three, four, before).placements, before);
        // A container added with it goes to the new, empty host.
        assert.deepEqual(placeContainers(three, [...four, c("c5")], before).placements, { ...before, c5: "c" });
    });

    it("a host removed moves only its containers, each to the least loaded host that fits", () => {
        const before = { c1: "a", c2: "b", c3: "c", c4: "a", c5: "b", c6: "c" };
        const six = [...four, c("c5"), c("c6")];
        assert.deepEqual(placeContainers(three, six).placements, before);
        const after = placeContainers(two, six, before).placements;
        assert.deepEqual(after, { c1: "a", c2: "b", c3: "a", c4: "a", c5: "b", c6: "b" });
    });

    it("kept containers count before any other is placed, so a new one early in the list goes around them", () => {
        const before = { c1: "a", c2: "a" };
        assert.deepEqual(placeContainers(two, [c("new"), c("c1"), c("c2")], before).placements, { new: "b", c1: "a", c2: "a" });
    });

    it("a container moves when its host no longer fits: its constraint changed, the host drained or paused (on an overlay)", () => {
        const before = { c1: "a", c2: "b" };
        assert.deepEqual(placeContainers(two, [c("c1", "node!=a"), c("c2")], before).placements, { c1: "b", c2: "b" });
        const drained: PlacementHost[] = [{ name: "a", labels: {}, availability: "drain" }, two[1]];
        const onNet = (name: string): PlacementContainer => ({ name, constraints: [], networks: ["net1"] });
        assert.deepEqual(placeContainers(drained, [onNet("c1"), onNet("c2")], before).placements, { c1: "b", c2: "b" });
        const paused: PlacementHost[] = [{ name: "a", labels: {}, availability: "pause" }, two[1]];
        assert.deepEqual(placeContainers(paused, [onNet("c1"), onNet("c2")], before).placements, { c1: "b", c2: "b" });
    });

    it("a lost host keeps what the stack has there, and takes nothing new while another host fits", () => {
        const lostB: PlacementHost[] = [two[0], { name: "b", labels: {}, lost: true }];
        const before = { c1: "a", c2: "b", c3: "a" };
        // c4 would go to b (the least loaded); c5 too, then.
        assert.deepEqual(placeContainers(lostB, [c("c1"), c("c2"), c("c3"), c("c4"), c("c5")], before).placements, {
            ...before,
            c4: "a",
            c5: "a",
        });
        // Only the lost host fits: kept when the stack runs it there; else a problem, named (nothing can be created there).
        assert.deepEqual(placeContainers(lostB, [c("c1"), c("c2", "node==b")], before), { placements: { c1: "a", c2: "b" }, problems: [] });
        assert.deepEqual(placeContainers(lostB, [c("c1"), c("c2"), c("c6", "node==b")], before), {
            placements: { c1: "a", c2: "b" },
            problems: [
                {
                    container: "c6",
                    index: 2,
                    message:
                        "these constraints match only hosts marked lost (b), where nothing new can be created, and the stack does not run the container there: relax a constraint, remove the container, or bring a host back and remove its lost",
                },
            ],
        });
        // A container that moves (its host no longer fits) is new where it goes: the same problem.
        assert.deepEqual(
            placeContainers(lostB, [c("c1", "node==b")], before).problems.map((p) => p.container),
            ["c1"],
        );
        // Where the placements are not known (validation) it may be there already: placed there (the others not).
        assert.deepEqual(placeContainers(lostB, [c("c1"), c("c2"), c("c6", "node==b")]), { placements: { c1: "a", c2: "a", c6: "b" }, problems: [] });
    });

    it("ignores what the config no longer has: a removed container, a host that is gone, a key that is not a container", () => {
        const before = { gone: "a", c1: "zz", toString: "a", c2: "b" };
        assert.deepEqual(placeContainers(two, [c("c1"), c("c2")], before).placements, { c1: "a", c2: "b" });
    });

    it("property: kept placements are a fixed point, and adding a host moves no container whose host still fits", () => {
        let seed = 11;
        const random = () => {
            seed = (seed * 1103515245 + 12345) % 2147483648;
            return seed / 2147483648;
        };
        const pool = ["zone==a", "zone!=a", "rack==r1", "rack!=r0", "node!=h3", "zone==b"];
        for (let round = 0; round < 50; round++) {
            const hosts = Array.from({ length: 2 + Math.floor(random() * 4) }, (_, i) => ({
                name: `h${i}`,
                labels: { zone: i % 2 === 0 ? "a" : "b", rack: `r${i % 3}` },
            }));
            const containers = Array.from({ length: 10 }, (_, i) => c(`c${i}`, ...pool.filter(() => random() < 0.15)));
            const first = placeContainers(hosts, containers);
            assert.deepEqual(placeContainers(hosts, containers, first.placements), first);
            const grown = [...hosts, { name: `h${hosts.length}`, labels: { zone: "a", rack: "r1" } }];
            const after = placeContainers(grown, containers, first.placements);
            for (const [container, host] of Object.entries(first.placements)) {
                assert.equal(after.placements[container], host, `${container} moved from ${host} when a host was added`);
            }
        }
    });
});
