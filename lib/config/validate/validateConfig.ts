/**
 * Validation of the stack configuration: `validateConfig` is pure and total.
 * It never throws, and it reports every problem at once, each with the key
 * path to fix (`networks[1].subnet`) and a message that says what is wrong
 * and what to write instead.
 *
 * The rules are written per section (driver.ts, kvStore.ts, engine.ts,
 * hosts.ts, networks.ts, containers.ts); the rules across sections (cross.ts)
 * and the references between them (addresses inside subnets, constraints
 * naming real hosts and labels) only run on values that passed their own
 * checks, so one mistake gives one problem rather than a cascade.
 */
import { DEFAULTS } from "../defaults";
import { ENGINE_FIELDS, SECRET_KEYS } from "../fields";
import { CONFIG_KEYS, EngineMode, PROJECT, RawConfig } from "../types";
import { Checker, ConfigProblem, got, isRecord, UnreadableConfigValue } from "./checker";
import { checkContainers } from "./containers";
import { checkKvTlsOpts, checkSwarmAddressPool } from "./cross";
import { didYouMean } from "./didYouMean";
import { checkDriver } from "./driver";
import { checkEngine } from "./engine";
import { checkHosts, emptyHostFacts } from "./hosts";
import { checkKvStore } from "./kvStore";
import { checkNetworks } from "./networks";

/** Config keys the program reads itself (secrets), outside `RawConfig`; they are not "unknown". */
export const PROGRAM_CONFIG_KEYS: readonly string[] = Object.keys(SECRET_KEYS);

const TOP_LEVEL_KEYS: readonly string[] = [...CONFIG_KEYS, ...PROGRAM_CONFIG_KEYS];

const EXPECTED_TOP_LEVEL: Record<(typeof CONFIG_KEYS)[number], string> = {
    driver: "an object",
    kvStore: "an object",
    engine: "an object",
    hosts: "a list",
    networks: "a list",
    containers: "a list",
};

/**
 * Every problem in `raw`, in key order (unknown top-level keys first). Never
 * throws. No rule depends on the stack's name (it only shapes defaults such as
 * `stateDir`); the parameter keeps the call symmetric with `normalizeConfig`.
 */
export function validateConfig(raw: RawConfig, _stack?: string): ConfigProblem[] {
    const c = new Checker();
    if (!isRecord(raw)) {
        c.add("", `the configuration must be an object of docker-overlay:* keys, got ${got(raw)}`);
        return c.problems;
    }
    const top = raw;
    for (const key of Object.keys(top)) {
        if (!TOP_LEVEL_KEYS.includes(key) && top[key] !== undefined) {
            const known = TOP_LEVEL_KEYS.map((k) => `${PROJECT}:${k}`);
            const guess = didYouMean(key, TOP_LEVEL_KEYS);
            const hint = guess === undefined ? "" : `; did you mean "${PROJECT}:${guess}"?`;
            c.add(key, `unknown config key${hint} (known keys: ${known.join(", ")})`);
        }
    }
    for (const key of CONFIG_KEYS) {
        const value = top[key];
        if (value instanceof UnreadableConfigValue) {
            c.add(key, `must be ${EXPECTED_TOP_LEVEL[key]}, but Pulumi could not read the value as one: ${value.reason}`);
        }
    }
    const value = (key: (typeof CONFIG_KEYS)[number]): unknown => (top[key] instanceof UnreadableConfigValue ? undefined : top[key]);
    const readable = (key: (typeof CONFIG_KEYS)[number]): boolean => !(top[key] instanceof UnreadableConfigValue);

    const rawHosts = Array.isArray(value("hosts")) ? (value("hosts") as unknown[]) : [];
    const hostNames = rawHosts.flatMap((h) => (isRecord(h) && typeof h["name"] === "string" ? [h["name"]] : []));

    // The mode shapes rules of earlier sections (a KV store is required only in
    // cluster-store mode), so it is read ahead; its own problems are reported under engine.
    const mode = readable("engine") ? modeOf(value("engine")) : undefined;
    const driver = readable("driver") ? checkDriver(c, value("driver"), rawHosts.length, kvMachineCount(value("kvStore"), mode), mode) : {};
    if (readable("kvStore")) {
        checkKvStore(c, value("kvStore"), driver, hostNames, mode);
    }
    const engine = readable("engine") ? checkEngine(c, value("engine"), driver, rawHosts.length) : {};
    if (readable("kvStore") && readable("engine")) {
        checkKvTlsOpts(c, value("kvStore"), value("engine"));
    }
    const hosts = readable("hosts") ? checkHosts(c, value("hosts"), driver, mode) : emptyHostFacts(false);
    const networks = readable("networks") ? checkNetworks(c, value("networks"), driver, engine) : { networks: [], complete: false };
    if (readable("containers")) {
        checkContainers(c, value("containers"), hosts, networks);
    }
    if (engine.mode === "swarm" && readable("networks")) {
        checkSwarmAddressPool(c, driver, engine, networks);
    }
    return c.problems;
}

/** 1 when the driver will create a machine for the store, else 0: none for an existing store (`kvStore.address`), none unless configured in swarm mode. */
function kvMachineCount(kvStore: unknown, mode: EngineMode | undefined): number {
    if (mode === "swarm" && kvStore === undefined) {
        return 0;
    }
    return isRecord(kvStore) && kvStore["address"] !== undefined ? 0 : 1;
}

/** `engine.mode` when it is valid (or defaulted), else undefined. */
function modeOf(engine: unknown): EngineMode | undefined {
    if (engine === undefined) {
        return DEFAULTS.engine.mode;
    }
    if (!isRecord(engine)) {
        return undefined;
    }
    const mode = engine["mode"] ?? DEFAULTS.engine.mode;
    return (ENGINE_FIELDS.mode.enum as readonly unknown[]).includes(mode) ? (mode as EngineMode) : undefined;
}
