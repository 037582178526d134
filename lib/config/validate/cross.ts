/**
 * Rules across sections, run after each section's own checks on the values
 * that passed them: the store's TLS options (kvStore x engine) and swarm's
 * address pool against every overlay and the machines' network (engine x
 * networks x driver).
 */
import { overlaps } from "../../net/cidr";
import { chooseSwarmAddressPool } from "../../swarm/pool";
import { KV_TLS_OPTS } from "../types";
import { Checker, isRecord } from "./checker";
import { DriverFacts, EngineFacts, NetworkIndex } from "./facts";

/** With `kvStore.tls` the program sets the store's TLS cluster-store-opts itself: the user's would contradict them. */
export function checkKvTlsOpts(c: Checker, kvStore: unknown, engine: unknown): void {
    if (!isRecord(kvStore) || kvStore["tls"] !== true || !isRecord(engine) || !isRecord(engine["clusterStoreOpts"])) {
        return;
    }
    for (const opt of Object.values(KV_TLS_OPTS)) {
        if (engine["clusterStoreOpts"][opt] !== undefined) {
            c.add(`engine.clusterStoreOpts.${opt}`, "is set by kvStore.tls (the program writes the store's certificate files on each host); remove it");
        }
    }
}

/**
 * Swarm mode: the pool swarm allocates `ingress` from must stay off every
 * overlay (and the machines' network). A configured pool that overlaps one is
 * an error; without one, the program chooses a free pool, and says so when
 * there is none.
 */
export function checkSwarmAddressPool(c: Checker, driver: DriverFacts, engine: EngineFacts, networks: NetworkIndex): void {
    const taken = [
        ...networks.networks.flatMap((n) =>
            n.net === undefined ? [] : [{ cidr: n.net.cidr, what: `${n.name}'s subnet ${n.net.cidr} (networks[${n.index}])` }],
        ),
        ...(driver.fabric === undefined
            ? []
            : [{ cidr: driver.fabric.net.cidr, what: `${driver.fabric.noun} ${driver.fabric.net.cidr} (${driver.fabric.key})` }]),
    ];
    const why =
        'swarm allocates its ingress network from this pool, and an attachable overlay on addresses the ingress holds fails at container start with only "attaching to network failed ... context deadline exceeded"';
    if (engine.addressPool !== undefined) {
        const clash = taken.find((t) => overlaps(t.cidr, engine.addressPool!.cidr));
        if (clash !== undefined) {
            c.add(
                "engine.swarm.addressPool",
                `${JSON.stringify(engine.addressPool.cidr)} overlaps ${clash.what}; ${why}; choose a pool outside every overlay subnet, or leave addressPool out to have one chosen`,
            );
        }
        return;
    }
    if (
        chooseSwarmAddressPool(
            taken.map((t) => t.cidr),
            engine.maskLength,
        ) === undefined
    ) {
        c.add(
            "engine.swarm.addressPool",
            `is required here: every /16 the program chooses from (those of 10.0.0.0/8, then 172.31.0.0/16 down to 172.18.0.0/16) overlaps the stack's networks; ${why}; set a pool that overlaps none of them`,
        );
    }
}
