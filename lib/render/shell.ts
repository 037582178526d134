/** Quoting for the shell scripts the program renders: one place, so no script hand-rolls its own. */
import * as fs from "fs";
import * as path from "path";

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

/**
 * A script file as one argv to run elsewhere (over ssh: renderSshRunScript sends
 * it as one quoted word): `bash -c <the file's text> <its name> [ARG...]`, so
 * nothing of the repository is read where it runs.
 */
export function bashFileArgv(file: string, args: readonly string[] = []): string[] {
    return ["bash", "-c", fs.readFileSync(file, "utf8"), path.basename(file, ".sh"), ...args];
}
