/**
 * The encryption probe: can a host's kernel carry swarm's encrypted overlays?
 *
 * Swarm encrypts overlay (VXLAN) traffic with IPsec ESP in AES-GCM
 * (`rfc4106(gcm(aes))`), programmed through the kernel's xfrm interface. On a
 * kernel without it the engine still creates the network and starts its
 * containers; it only logs "Failed Adding ... rfc4106(gcm(aes)) ...: function
 * not implemented" and the traffic silently drops (measured on this project's
 * lab machine). So before any encrypted network exists, each host adds one
 * ESP AES-GCM security association to the kernel and removes it again. The
 * state names documentation addresses (192.0.2.0/24, TEST-NET-1) and no
 * policy refers to it, so no packet is ever sent or transformed.
 *
 * The script is POSIX sh (lib/swarm/sh/esp-probe.sh after a header of values): it runs on the machine running the program (netns,
 * docker-machine) or on the host itself over ssh.
 */
import * as path from "path";
import { assign, scriptFragment } from "../render/script";

/** The algorithm swarm's encrypted overlays use, as `ip xfrm` names it. */
export const ESP_AEAD = "rfc4106(gcm(aes))";

/** The probe's security association: TEST-NET-1 addresses, a 160-bit key (128-bit AES key + 32-bit salt), 128-bit ICV. */
export const ESP_PROBE_SA = {
    src: "192.0.2.1",
    dst: "192.0.2.2",
    spi: "0x0d0e5a01",
    reqid: "0x0d0e5a01",
    key: "0x" + "0123456789abcdef".repeat(2) + "01234567",
    icvBits: 128,
} as const;

/** What the program says when a host cannot carry encrypted overlays, around `ip xfrm`'s own answer. */
export function espMissingMessageParts(host: string, networks: readonly string[]): [string, string] {
    return [
        `docker-overlay: host ${host} cannot carry encrypted overlays: its kernel has no IPsec ESP AES-GCM (${ESP_AEAD}) (ip xfrm: `,
        `), which swarm needs to encrypt overlay traffic; the engine would create the network anyway and drop its traffic silently;` +
            ` set encrypted: false on ${networks.join(", ")} or use hosts whose kernel has it`,
    ];
}

/** The whole message, with `said` (ip xfrm's answer, e.g. "Requested AEAD algorithm not found."). */
export function espMissingMessage(host: string, networks: readonly string[], said: string): string {
    const [before, after] = espMissingMessageParts(host, networks);
    return `${before}${said.trim()}${after}`;
}

export interface EspProbeParams {
    /** The host whose kernel is probed (for the message). */
    host: string;
    /** The encrypted networks that need it (for the message). */
    networks: string[];
    /**
     * The body of `run_ip`: runs `ip "$@"` where the host's kernel is, e.g.
     * `nsenter --net=/var/run/netns/<ns> ip "$@"` (netns hosts), or
     * `$SUDO unshare --net ip "$@"` (ssh hosts: a throwaway namespace, since
     * the kernel's algorithms are the same in every namespace). Rendered as given.
     */
    runIp: string;
    /** Shell lines run before the probe (e.g. `SUDO=...`). */
    prelude?: string[];
}

/**
 * The probe: add the ESP AES-GCM state (failing with the message above when
 * the kernel lacks it), then delete it. A state left by an interrupted earlier
 * probe is removed first. Any other failure (no `ip`, no permission) says that
 * the probe could not tell, rather than blaming the kernel.
 */
export function renderEspProbeScript(p: EspProbeParams): string {
    const sa = ESP_PROBE_SA;
    const networks = p.networks.join(", ");
    const [before, after] = espMissingMessageParts(p.host, p.networks);
    return [
        "#!/bin/sh",
        `# docker-overlay: can ${p.host}'s kernel carry encrypted overlays (IPsec ESP ${ESP_AEAD})?`,
        "# Rendered by docker-overlay (lib/swarm/esp.ts). Adds one security association",
        "# on documentation addresses (no policy, no traffic) and deletes it again.",
        "set -u",
        ...(p.prelude ?? []),
        `run_ip() { ${p.runIp}; }`,
        assign("SA_SRC", sa.src),
        assign("SA_DST", sa.dst),
        assign("SPI", sa.spi),
        assign("REQID", sa.reqid),
        assign("AEAD", ESP_AEAD),
        assign("KEY", sa.key),
        assign("ICV_BITS", sa.icvBits),
        assign("OK_MESSAGE", `docker-overlay: ${p.host}'s kernel has IPsec ESP ${ESP_AEAD}: encrypted overlays (${networks}) can run there`),
        assign("MISSING_BEFORE", before),
        assign("MISSING_AFTER", after),
        assign(
            "CANNOT_TELL",
            `docker-overlay: cannot tell whether host ${p.host}'s kernel has IPsec ESP ${ESP_AEAD} (needed by the encrypted overlays ${networks}): ip xfrm failed: `,
        ),
        scriptFragment(path.join(__dirname, "sh"), "esp-probe.sh"),
        "",
    ].join("\n");
}
