/** "did you mean ...?": the closest known name to a likely typo. */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) {
        d[0][j] = j;
    }
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.length][b.length];
}

/**
 * The candidate closest to `word` (case-insensitive), if it is close enough to
 * be a likely typo: one edit for short words, two for words of 5+ characters.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
    const limit = word.length >= 5 ? 2 : 1;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const distance = editDistance(word.toLowerCase(), c.toLowerCase());
        if (distance < bestDistance) {
            best = c;
            bestDistance = distance;
        }
    }
    return bestDistance <= limit ? best : undefined;
}

export function suggestion(word: string, candidates: readonly string[]): string {
    const guess = didYouMean(word, candidates);
    return guess === undefined ? "" : `; did you mean ${JSON.stringify(guess)}?`;
}
