import * as path from "path";

/** runner/register.js: the cached TypeScript loader the project's CLIs run under (package.json's scripts). */
export const REGISTER = path.join(__dirname, "register.js");

/**
 * The argv that runs a TypeScript file of the project in a fresh node process, as `npm run lab`,
 * `npm run plan` ... do: `node -r runner/register.js <script> <args>`.
 */
export function nodeTsArgv(script: string, ...args: string[]): string[] {
    return [process.execPath, "-r", REGISTER, script, ...args];
}
