/**
 * Validation and normalization of the stack configuration. This barrel keeps
 * the `lib/config/validate` import path: the checker and error types
 * (checker.ts), "did you mean" (didYouMean.ts), name rules (names.ts), one
 * file per section (driver.ts, kvStore.ts, engine.ts, hosts.ts, networks.ts,
 * containers.ts), the rules across sections (cross.ts), the entry point
 * (validateConfig.ts), warnings (warnings.ts); defaults in ../defaults.ts, normalization in ../normalize.ts.
 */
export { ConfigError, formatProblem, UnreadableConfigValue } from "./checker";
export type { ConfigProblem } from "./checker";
export { didYouMean } from "./didYouMean";
export { PROGRAM_CONFIG_KEYS, validateConfig } from "./validateConfig";
export { canonicalImage, clusterWarnings, configWarnings, REGISTRYLESS_DRIVERS, WARNING_PREFIX } from "./warnings";
export { DEFAULTS, MAX_MTU, MAX_NETWORK_PREFIX, MAX_OVERLAY_MTU, MIN_MTU, MIN_NETWORK_PREFIX, MIN_OVERLAY_MTU } from "../defaults";
export { normalizeConfig } from "../normalize";
