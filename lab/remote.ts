/**
 * The old import path of `command:remote:Command`, kept so importers keep
 * working: the ssh client is lab/clients/ssh.ts, the resource
 * lab/resources/remoteCommand.ts.
 */
export * from "./clients/ssh";
export { KNOWN_CONNECTION_INPUTS, KNOWN_REMOTE_COMMAND_INPUTS, REMOTE_COMMAND_TYPE, remoteCommandProblems } from "./resources/remoteCommand";
export type { RemoteCommandInputs } from "./resources/remoteCommand";
