/**
 * What the program writes into ForceNew inputs so that the real engine
 * replaces a resource exactly when it must (docs/provider-rules.md, and
 * "Under change" in docs/architecture.md):
 *
 * - an overlay's driver options as a label, because the `options` input itself
 *   is ignored on change (the engine adds keys of its own to it);
 * - the ids of the machines a resource lives on, as a label (networks,
 *   containers) or a trigger (images), because nothing else ties what runs on a
 *   host to its machine: the docker provider's `host` is a constant.
 *
 * Pure: no Pulumi here.
 */

/** Label keys on the program's networks and containers. */
export const LABEL = {
    /** Networks: the overlay's name in the stack. */
    network: "docker-overlay.network",
    /** Networks: the driver options the program asked for (optionsLabelValue). */
    options: "docker-overlay.options",
    /** Networks and containers: the ids of the machines they live on (machineLabelValue). */
    machine: "docker-overlay.machine",
    /** Containers: the container's name in the stack. */
    container: "docker-overlay.container",
    /** Containers: the host placement chose. */
    host: "docker-overlay.host",
} as const;

/** Key of the RemoteImage `triggers` entry carrying the machine's ids. */
export const MACHINE_TRIGGER = "machine";

/**
 * The driver options as one canonical string (JSON, keys sorted): equal for
 * equal maps whatever their key order, different as soon as one key or value
 * differs, and readable in a preview's diff.
 */
export function optionsLabelValue(options: Readonly<Record<string, string>>): string {
    return JSON.stringify(
        Object.fromEntries(
            Object.keys(options)
                .sort()
                .map((k) => [k, options[k]]),
        ),
    );
}

/** The ids of the resources that make the machines a resource lives on, in the order given, comma-separated. */
export function machineLabelValue(ids: readonly string[]): string {
    return ids.join(",");
}

/**
 * The overlays' machine label, kept: a command whose environment holds the machine ids it
 * was created with and ignores later changes of them (components/overlayNetwork.ts
 * keptMachineLabel). The label keeps its value when the network's host becomes another
 * (the first one removed), so the overlay and its containers stay; a replaced machine still
 * replaces the overlay through the label's property dependency on it.
 */
export const KEPT_MACHINES_ENV = "DOCKER_OVERLAY_NETWORK_MACHINES";

/** The kept ids, from that command's `environment` output. */
export function keptMachineIds(environment: Readonly<Record<string, string>> | undefined): string {
    const ids = environment?.[KEPT_MACHINES_ENV];
    if (ids === undefined) {
        throw new Error(`the overlays' kept machine label has no ${KEPT_MACHINES_ENV} in its environment`);
    }
    return ids;
}
