/**
 * MTU, decided before any resource exists: the one place for the overlay's
 * encapsulation overheads, each driver's underlay MTU, and the driver options
 * every overlay network is created with (docs/architecture.md, "MTU").
 *
 * How Docker's overlay driver reads `com.docker.network.driver.mtu`: as the
 * MTU of the network it tunnels over, not the overlay's own. It gives the
 * VXLAN device and every container's interface that value minus VXLAN's 50
 * bytes, and for an encrypted overlay minus ESP's 26 more, rounded down to a
 * multiple of 4 (libnetwork drivers/overlay: `maxMTU`, `vxlanEncap`,
 * `pktExpansion`). Without the option it assumes 1500. Measured in the lab
 * (Docker 20.10.5, netns and dind): option 1400 -> containers' eth0 1350.
 * So the option this program sets is the underlay MTU (or, with
 * `networks[].mtu`, the value that makes the overlay exactly that), and
 * `overlayMtu` is what containers get.
 */
import { ClusterConfig, NetworkConfig } from "../config/types";
import { MAX_MTU } from "../config/defaults";

/** VXLAN's encapsulation: outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14). */
export const VXLAN_OVERHEAD = 50;
/**
 * ESP's expansion as Docker's encrypted overlay counts it (SPI 4 + sequence 4
 * + IV 8 + pad length 1 + next header 1 + ICV 8); the result is then rounded
 * down to a multiple of 4 (ESP's padding).
 */
export const ESP_OVERHEAD = 26;
/** The option the overlay driver reads as the underlay's MTU. */
export const DRIVER_MTU_OPTION = "com.docker.network.driver.mtu";
/** Ethernet's MTU: the underlay MTU where nothing says otherwise (netns default; Docker's own assumption). */
export const DEFAULT_UNDERLAY_MTU = 1500;
/** IPv4 header (20) + ICMP echo header (8): a ping of `mtu - 28` data bytes fills a packet of `mtu`. */
export const PING_HEADERS = 28;

/** The MTU an overlay's containers get on an underlay of `underlayMtu`, as Docker computes it. */
export function overlayMtu(underlayMtu: number, encrypted: boolean): number {
    const mtu = underlayMtu - VXLAN_OVERHEAD;
    if (!encrypted) {
        return mtu;
    }
    const esp = mtu - ESP_OVERHEAD;
    return esp - (esp % 4);
}

/** The underlay MTU to give the overlay driver so its containers get exactly `mtu` (inverse of overlayMtu). */
export function underlayMtuFor(mtu: number, encrypted: boolean): number {
    return mtu + VXLAN_OVERHEAD + (encrypted ? ESP_OVERHEAD : 0);
}

/**
 * The underlay MTU the driver's machines sit on, when the plan knows it:
 * netns `driver.underlayMtu` (the lab bridge and veths), dind `driver.mtu`
 * (its docker network). ssh and docker-machine machines are not made by the
 * program: their MTU is the advertise interface's, unknown until they exist,
 * so undefined here; each host reports it once it exists
 * (lib/drivers/underlayMtu.ts) and reportedOverlayDriverOptions takes over.
 */
export function planUnderlayMtu(config: Pick<ClusterConfig, "driver">): number | undefined {
    switch (config.driver.kind) {
        case "netns":
            return config.driver.underlayMtu;
        case "dind":
            return config.driver.mtu;
        default:
            return undefined;
    }
}

/** The MTU an overlay's containers get: its `mtu`, else the underlay's minus the overheads; undefined when unknown. */
export function plannedOverlayMtu(config: Pick<ClusterConfig, "driver">, network: Pick<NetworkConfig, "mtu" | "encrypted">): number | undefined {
    if (network.mtu !== undefined) {
        return network.mtu;
    }
    const underlay = planUnderlayMtu(config);
    return underlay === undefined ? undefined : overlayMtu(underlay, network.encrypted);
}

/**
 * The driver options (besides `encrypted`) one overlay network is created
 * with: `com.docker.network.driver.mtu` set to the underlay MTU, or to what
 * gives exactly `networks[].mtu`; none when neither is known (ssh,
 * docker-machine without `mtu`: see reportedOverlayDriverOptions), and none
 * when it would say what Docker assumes anyway (1500): an overlay without
 * options has no options input to drift, and stacks on a 1500 underlay keep
 * the inputs they always had.
 */
export function overlayDriverOptions(config: Pick<ClusterConfig, "driver">, network: Pick<NetworkConfig, "mtu" | "encrypted">): Record<string, string> {
    return driverOptionsOn(planUnderlayMtu(config), network);
}

/**
 * The same for an overlay on machines that report their underlay MTU (ssh,
 * docker-machine: each host's advertise interface, read on the host): an
 * overlay spans every host, so its packets must fit the smallest.
 */
export function reportedOverlayDriverOptions(underlayMtus: readonly number[], network: Pick<NetworkConfig, "mtu" | "encrypted">): Record<string, string> {
    return driverOptionsOn(clusterUnderlayMtu(underlayMtus), network);
}

/**
 * The underlay MTU of a cluster whose hosts reported theirs: the smallest,
 * capped at MAX_MTU (9000; the range the policy pack allows for the option:
 * a 9001 link, as on some clouds, carries 9000 as well).
 */
export function clusterUnderlayMtu(underlayMtus: readonly number[]): number | undefined {
    return underlayMtus.length === 0 ? undefined : Math.min(MAX_MTU, ...underlayMtus);
}

function driverOptionsOn(underlayMtu: number | undefined, network: Pick<NetworkConfig, "mtu" | "encrypted">): Record<string, string> {
    const underlay = network.mtu !== undefined ? underlayMtuFor(network.mtu, network.encrypted) : underlayMtu;
    return underlay === undefined || underlay === DEFAULT_UNDERLAY_MTU ? {} : { [DRIVER_MTU_OPTION]: String(underlay) };
}

/** A network whose `mtu` is given, and the underlay MTU every host must carry for it. */
export interface UnderlayMtuRequirement {
    /** The config key, as validation names it: `networks[1].mtu`. */
    key: string;
    network: string;
    mtu: number;
    encrypted: boolean;
    /** underlayMtuFor(mtu, encrypted) */
    needs: number;
}

/**
 * What `networks[].mtu` asks of every host's underlay. Checked at plan time
 * where the plan knows the underlay (lib/config/validate/networks.ts), and on
 * each ssh or docker-machine host when its MTU is read (lib/drivers/underlayMtu.ts).
 */
export function underlayMtuRequirements(networks: readonly Pick<NetworkConfig, "name" | "mtu" | "encrypted">[]): UnderlayMtuRequirement[] {
    return networks.flatMap((n, i) =>
        n.mtu === undefined
            ? []
            : [{ key: `networks[${i}].mtu`, network: n.name, mtu: n.mtu, encrypted: n.encrypted, needs: underlayMtuFor(n.mtu, n.encrypted) }],
    );
}
