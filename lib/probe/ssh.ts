/**
 * ssh access for the underlay probe and `npm run diagnose`: how the program's
 * machine logs in to a host (the ssh driver's connection), the key's
 * environment variable, and one command run on a host. The probe's own script
 * and its ssh transport: lib/probe/underlay.ts (probe-ssh.sh, ssh-session.sh).
 */
import * as path from "path";
import { assign, bashPreamble, scriptFragment } from "../render/script";
import { bashFileArgv, shJoin, shQuote } from "../render/shell";

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

/** One command's result in a batch (renderSshBatchArgv). */
export interface BatchPart {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * The argv that runs several commands in turn in one session on a host (lib/probe/sh/batch.sh),
 * for renderSshRunScript: one ssh login per host instead of one per command.
 */
export function renderSshBatchArgv(commands: readonly (readonly string[])[]): string[] {
    return bashFileArgv(
        path.join(SH_DIR, "batch.sh"),
        commands.map((argv) => shJoin(argv)),
    );
}

/**
 * The batch's output (renderSshBatchArgv) back as one result per command, in order. Frames are
 * read by their byte lengths, so any output (a frame-like line included) comes back as it was. A
 * command the output has no frame for (the session ended early) is missing: fewer results than
 * `count`; `undefined` when a frame is malformed.
 */
export function parseSshBatch(output: Buffer, count: number): BatchPart[] | undefined {
    const parts: BatchPart[] = [];
    let at = 0;
    while (parts.length < count && at < output.length) {
        const eol = output.indexOf(0x0a, at);
        if (eol < 0) {
            return undefined;
        }
        const m = /^docker-overlay-part (\d+) (\d+) (\d+) (\d+)$/.exec(output.subarray(at, eol).toString("utf8"));
        if (m === null || Number(m[1]) !== parts.length) {
            return undefined;
        }
        const [out, err] = [Number(m[3]), Number(m[4])];
        const start = eol + 1;
        if (start + out + err > output.length) {
            return undefined;
        }
        parts.push({
            code: Number(m[2]),
            stdout: output.subarray(start, start + out).toString("utf8"),
            stderr: output.subarray(start + out, start + out + err).toString("utf8"),
        });
        at = start + out + err;
    }
    return parts;
}
