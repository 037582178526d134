/**
 * The shell guard that refuses an engine without `cluster-store` (the rule:
 * lib/engine/clusterStore.ts), run on a machine the program did not choose the
 * engine of: the ssh driver's install script and the docker-machine config
 * script. The shell: lib/engine/sh/version-guard.sh.
 */
import * as path from "path";
import { assign, scriptFragment } from "../render/script";
import { CLUSTER_STORE_REMOVED, FIRST_ENGINE_WITHOUT_CLUSTER_STORE, LAST_CLUSTER_STORE_ENGINE } from "./clusterStore";

/** The newest engine line with cluster-store, as messages name it (`20.10`). */
const LAST_CLUSTER_STORE = `${LAST_CLUSTER_STORE_ENGINE.major}.${LAST_CLUSTER_STORE_ENGINE.minor}`;

/**
 * Shell lines that fail unless the engine still has cluster-store. Expect `$NAME`
 * (the machine, for the message) and a function `engine_version_now` that prints
 * the engine's version; define `$engine_version`. `fix`: how to get such an engine there.
 */
export function renderEngineVersionGuard(fix = `Install ${LAST_CLUSTER_STORE}.x there, or use engine.mode: swarm.`): string {
    return [
        assign("NO_CLUSTER_STORE_FROM", FIRST_ENGINE_WITHOUT_CLUSTER_STORE),
        assign(
            "CLUSTER_STORE_NEEDS",
            `${CLUSTER_STORE_REMOVED}, so the legacy overlay (engine.mode: cluster-store) needs an engine <= ${LAST_CLUSTER_STORE}. ${fix}`,
        ),
        scriptFragment(path.join(__dirname, "sh"), "version-guard.sh"),
    ].join("\n");
}
