/**
 * ssh access for the underlay probe and `npm run diagnose`: how the program's
 * machine logs in to a host (the ssh driver's connection), the key's
 * environment variable, and one command run on a host. The probe's own script
 * and its ssh transport: lib/probe/underlay.ts (probe-ssh.sh, ssh-session.sh).
 */
import * as path from "path";
import { assign, bashPreamble, scriptFragment } from "../render/script";
import { shJoin, shQuote } from "../render/shell";

const SH_DIR = path.join(__dirname, "sh");

/** The environment variable the probe's scripts take the ssh private key from (a secret). */
export const SSH_KEY_ENV = "DOCKER_OVERLAY_SSH_KEY";

/** How the program's machine logs in to a host (the ssh driver's connection). */
export interface SshEndpoint {
    user: string;
    host: string;
    port: number;
    /** `<type> <base64>`: the only host key accepted; undefined accepts any (as the command provider). */
    hostKey?: string;
}

/** A command run on one host over ssh, as the probe logs in (its key in SSH_KEY_ENV): `npm run diagnose`'s overlay views. */
export function renderSshRunScript(p: { self: SshEndpoint; argv: readonly string[] }): string {
    return [
        ...bashPreamble("docker-overlay: one command on a host over ssh", "lib/probe/ssh.ts"),
        assign("SELF_SSH", `${p.self.user}@${p.self.host}`),
        assign("SELF_PORT", p.self.port),
        assign("SELF_HOSTKEY", p.self.hostKey ?? ""),
        scriptFragment(SH_DIR, "ssh-session.sh"),
        // ssh sends its command words joined by spaces for the remote shell to parse again: the
        // argv goes as one word that is its own quoted command line, so a script passed to
        // `bash -c` arrives as one argument (unquoted, the remote shell ran its lines itself).
        `ssh_to "$SELF_SSH" "$SELF_PORT" "$SELF_HOSTKEY" ${shQuote(shJoin(p.argv))}`,
        "",
    ].join("\n");
}
