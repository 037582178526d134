/** Summary statistics of repeated measurements: min, median, max. */

export interface Summary {
    n: number;
    min: number;
    median: number;
    max: number;
}

export function summarize(values: readonly number[]): Summary {
    if (values.length === 0) {
        return { n: 0, min: NaN, median: NaN, max: NaN };
    }
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    return { n: sorted.length, min: sorted[0], median, max: sorted[sorted.length - 1] };
}

/** `median (min-max)` with `digits` decimals, e.g. `5.42 (5.10-6.03)`. */
export function formatSummary(s: Summary, digits = 2): string {
    if (s.n === 0) {
        return "n/a";
    }
    const f = (v: number) => v.toFixed(digits);
    return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}-${f(s.max)})`;
}

/**
 * Growth exponent between two sizes: `k` in `t ~ size^k` (1 = linear, 2 = quadratic),
 * from the medians at the two sizes.
 */
export function growthExponent(sizeA: number, valueA: number, sizeB: number, valueB: number): number {
    return Math.log(valueB / valueA) / Math.log(sizeB / sizeA);
}
