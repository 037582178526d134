/**
 * A pinned ssh host key: the public key a machine's sshd must present, as
 * `ssh-keyscan` prints it after the host name or as the machine's
 * /etc/ssh/ssh_host_<type>_key.pub reads (`<type> <base64> [comment]`).
 * Parsed by ssh2's OpenSSH key parser; the command provider checks it with
 * golang.org/x/crypto/ssh's ParseAuthorizedKey + FixedHostKey, restricted to
 * the key's own algorithm.
 */
import { createHash } from "crypto";
import { ParsedKey, utils } from "ssh2";

export interface HostKey {
    /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, ... */
    type: string;
    /** The key blob (RFC 4253 public key format), base64. */
    blob: string;
}

/** The host key algorithms a client may accept to be shown this key (RSA keys sign with SHA-2 too). */
export function hostKeyAlgorithms(key: HostKey): string[] {
    return key.type === "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [key.type];
}

/** `<type> <base64>`, the form the program passes on (no comment, one space). */
export function formatHostKey(key: HostKey): string {
    return `${key.type} ${key.blob}`;
}

/** The key, or why the text is not one public host key. */
export function parseHostKey(text: string): HostKey | string {
    const line = text.trim();
    if (/PRIVATE KEY/.test(line)) {
        return "is a private key; give the machine's public host key";
    }
    if (line.includes("\n")) {
        return "holds several lines; give one public key";
    }
    const fields = line.split(/\s+/);
    if (fields.length >= 3 && !/^(ssh-|ecdsa-|sk-)/.test(fields[0]) && /^(ssh-|ecdsa-|sk-)/.test(fields[1])) {
        return `starts with "${fields[0]}", which looks like ssh-keyscan's or known_hosts' host name column; give only "<type> <base64>"`;
    }
    const parsed = utils.parseKey(line);
    if (parsed instanceof Error) {
        return `is not an OpenSSH public key (${parsed.message})`;
    }
    // ssh2's types say one key or an Error; guard against a list of keys, or none, all the same.
    const key: ParsedKey | undefined = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
    if (key === undefined || key.isPrivateKey()) {
        return "is a private key; give the machine's public host key";
    }
    return { type: key.type, blob: key.getPublicSSH().toString("base64") };
}

/** Whether a key blob a server presented is the pinned key. */
export function isPinnedKey(key: HostKey, presented: Buffer): boolean {
    return presented.equals(Buffer.from(key.blob, "base64"));
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and the unpadded base64 of its SHA-256. */
export function fingerprint(blob: Buffer): string {
    return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** `<type> SHA256:...` of a key blob as a server presents it (the blob starts with its type, RFC 4253 6.6). */
export function describeKeyBlob(blob: Buffer): string {
    const n = blob.length >= 4 ? blob.readUInt32BE(0) : 0;
    const type = n > 0 && 4 + n <= blob.length ? blob.subarray(4, 4 + n).toString("latin1") : "unknown-type";
    return `${type} ${fingerprint(blob)}`;
}
