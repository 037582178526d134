/** Quoting for the shell scripts the program renders: one place, so no script hand-rolls its own. */

/** Quote one word for POSIX sh: safe for any string, unchanged when it needs no quoting. */
export function shQuote(word: string): string {
    if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) {
        return word;
    }
    return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Quote and join an argv into one command line. */
export function shJoin(argv: readonly string[]): string {
    return argv.map(shQuote).join(" ");
}
