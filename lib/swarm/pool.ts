/**
 * The swarm's default address pool (`docker swarm init --default-addr-pool`),
 * chosen away from every configured overlay and the network the machines sit on.
 *
 * Why it matters: swarm allocates its `ingress` network (and any network
 * created without a subnet) from this pool, and the default pool 10.0.0.0/8
 * puts `ingress` on 10.0.0.0/24, the seed's own `net1`. Measured on this
 * project's engines: an attachable overlay on an address range the ingress
 * holds is created without complaint, and then `docker run` on it fails after
 * ~20 s with only "attaching to network failed ... context deadline exceeded".
 * Choosing the pool up front makes that collision impossible instead of
 * mysterious.
 */
import { overlaps, parseCidr, toText } from "../net/cidr";

export interface SwarmAddressPool {
    /** `--default-addr-pool`, e.g. `10.255.0.0/16`. */
    pool: string;
    /** `--default-addr-pool-mask-length`: prefix length of each network allocated from the pool. */
    maskLength: number;
}

/** Default `--default-addr-pool-mask-length`: /24 networks, Docker's own default. */
export const DEFAULT_POOL_MASK_LENGTH = 24;
/** Prefix length of the pools the program chooses: room for 256 /24 networks. */
export const CHOSEN_POOL_PREFIX = 16;

/**
 * Candidate pools, most preferred first: the /16s of 10.0.0.0/8 from the top
 * down (users' overlays tend to sit at the bottom, 10.0.x), then the /16s of
 * 172.16.0.0/12 from the top down, stopping above 172.17.0.0/16 (docker0's
 * default bridge) and 172.16.0.0/16.
 */
export function poolCandidates(): string[] {
    const candidates: string[] = [];
    for (let b = 255; b >= 0; b--) {
        candidates.push(`10.${b}.0.0/${CHOSEN_POOL_PREFIX}`);
    }
    for (let b = 31; b >= 18; b--) {
        candidates.push(`172.${b}.0.0/${CHOSEN_POOL_PREFIX}`);
    }
    return candidates;
}

/**
 * The first candidate pool that overlaps none of `avoid` (overlay subnets,
 * the underlay), or undefined when every candidate is taken. Deterministic:
 * the same networks always give the same pool.
 */
export function chooseSwarmAddressPool(avoid: readonly string[], maskLength = DEFAULT_POOL_MASK_LENGTH): SwarmAddressPool | undefined {
    const nets = avoid.filter((cidr) => parseCidr(cidr).ok);
    const pool = poolCandidates().find((candidate) => !nets.some((cidr) => overlaps(candidate, cidr)));
    return pool === undefined ? undefined : { pool, maskLength };
}

/** The network swarm gives `ingress` on a fresh swarm: the pool's first subnet of `maskLength`. */
export function ingressSubnetOf(p: SwarmAddressPool): string {
    const parsed = parseCidr(p.pool);
    if (!parsed.ok) {
        throw new Error(`swarm address pool ${p.pool}: ${parsed.reason}`);
    }
    return `${toText(parsed.value.start)}/${p.maskLength}`;
}
