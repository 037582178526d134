/**
 * The one place that knows which Docker engines still have `cluster-store`
 * (the legacy, KV-backed overlay): deprecated in 20.10, removed in 23.0
 * (moby/moby#40383, docs/deprecated.md "Pluggable discovery"). Validation, the
 * policy pack and the ssh/netns/docker-machine scripts all take the rule from here.
 */

/** The newest engine line that still has `cluster-store`. */
export const LAST_CLUSTER_STORE_ENGINE = { major: 20, minor: 10 } as const;

/** The first engine major version without `cluster-store` (the shell guards compare majors). */
export const FIRST_ENGINE_WITHOUT_CLUSTER_STORE = 23;

/** An engine version as `major.minor`. */
export interface EngineVersion {
    major: number;
    minor: number;
}

/** true when an engine of this version still has `cluster-store`. */
export function hasClusterStore(v: EngineVersion): boolean {
    const last = LAST_CLUSTER_STORE_ENGINE;
    return v.major < last.major || (v.major === last.major && v.minor <= last.minor);
}

/** The engine version of a `docker:<major>.<minor>...` image (e.g. docker:20.10.24-dind, registry/docker:19.03), else undefined. */
export function dockerImageEngineVersion(image: string): EngineVersion | undefined {
    const m = /^(?:.*\/)?docker:(\d+)\.(\d+)/.exec(image);
    return m === null ? undefined : { major: Number(m[1]), minor: Number(m[2]) };
}

/** Why a newer engine cannot run the legacy overlay, for messages. */
export const CLUSTER_STORE_REMOVED = "cluster-store was deprecated in 20.10 and removed in 23.0";

/** The fix to name in messages. */
export const CLUSTER_STORE_FIX = "use an engine <= 20.10 (e.g. docker:20.10.24-dind), or engine.mode: swarm for current engines";
