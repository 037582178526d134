/**
 * What "the overlay works" means, as data: every ordered pair of containers,
 * and whether it must reach the other (they share a network) or must not
 * (they share none). The program's connectivity check and the lab's `check`
 * both run exactly these pairs.
 */

export interface CheckContainer {
    name: string;
    /** Names of the networks the container is attached to. */
    networks: string[];
}

export type PairExpectation =
    /** Share `network`: ping `to` by IP on that network and by name must succeed. */
    | { from: string; to: string; expect: "reach"; network: string }
    /** Share no network: ping `to` on every one of its networks must fail. */
    | { from: string; to: string; expect: "isolated"; networks: string[] };

/** Every ordered pair of distinct containers, in name order. The shared network used is the first by name. */
export function connectivityPairs(containers: readonly CheckContainer[]): PairExpectation[] {
    const sorted = [...containers].sort((a, b) => compare(a.name, b.name));
    const pairs: PairExpectation[] = [];
    for (const from of sorted) {
        for (const to of sorted) {
            if (from.name === to.name) {
                continue;
            }
            const shared = from.networks.filter((n) => to.networks.includes(n)).sort(compare);
            if (shared.length > 0) {
                pairs.push({ from: from.name, to: to.name, expect: "reach", network: shared[0] });
            } else {
                pairs.push({ from: from.name, to: to.name, expect: "isolated", networks: [...to.networks].sort(compare) });
            }
        }
    }
    return pairs;
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
