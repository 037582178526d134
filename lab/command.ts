/**
 * The old import path of `command:local:Command` and the local script
 * runner, kept so importers keep working: the resource is
 * lab/resources/localCommand.ts, the runner lab/clients/script.ts.
 */
export * from "./clients/script";
export { COMMAND_TYPE, KNOWN_COMMAND_INPUTS } from "./resources/localCommand";
export type { CommandInputs } from "./resources/localCommand";
