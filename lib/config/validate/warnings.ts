/**
 * Warnings: what is valid but will probably fail at `up`. They never stop a
 * run (validateConfig keeps returning only errors); `npm run validate` prints
 * them and the program logs them with pulumi.log.warn.
 *
 * Today one rule: a container image that no engine will have. The netns
 * driver's engines reach no registry, so a container runs only an image in
 * `driver.images` (after defaults), and `up` would fail at that container
 * ("not on the engine") after everything before it exists.
 */
import { normalizeConfig } from "../normalize";
import { ClusterConfig, DriverKind, RawConfig } from "../types";
import { ConfigProblem } from "./checker";
import { validateConfig } from "./validateConfig";

/** Drivers whose engines pull from no registry: they have only the images the driver loads (`driver.images`). */
export const REGISTRYLESS_DRIVERS: readonly DriverKind[] = ["netns"];

/** `warning: docker-overlay:containers[1].image: ...` */
export const WARNING_PREFIX = "warning: ";

/**
 * Every warning about `raw`, in key order. None when `raw` has problems:
 * those come first (validateConfig), and warnings are judged on the
 * configuration with its defaults filled in.
 */
export function configWarnings(raw: RawConfig, stack = "stack"): ConfigProblem[] {
    if (validateConfig(raw, stack).length > 0) {
        return [];
    }
    return clusterWarnings(normalizeConfig(raw, stack));
}

/** The warnings about a normalized configuration. */
export function clusterWarnings(config: ClusterConfig): ConfigProblem[] {
    const warnings: ConfigProblem[] = [];
    const driver = config.driver;
    // driver.kind === "netns" narrows the type to the one driver with driver.images.
    if (REGISTRYLESS_DRIVERS.includes(driver.kind) && driver.kind === "netns") {
        const loaded = driver.images.map((i) => i.name);
        const have = new Set(loaded.map(canonicalImage));
        const listed = loaded.length === 0 ? "none" : loaded.join(", ");
        config.containers.forEach((ct, i) => {
            if (!have.has(canonicalImage(ct.image))) {
                warnings.push({
                    path: `containers[${i}].image`,
                    message:
                        `${JSON.stringify(ct.image)} is on no engine: ${driver.kind} engines reach no registry and have only the images in driver.images (${listed}); ` +
                        `add it to driver.images with a rootfs tarball to docker import, or use one of those; otherwise up fails at container ${ct.name}`,
                });
            }
        });
    }
    return warnings;
}

/**
 * An image reference as the engine resolves it: `busybox` and
 * `docker.io/library/busybox` are `busybox:latest`.
 */
export function canonicalImage(ref: string): string {
    let name = ref;
    for (const prefix of ["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"]) {
        if (name.startsWith(prefix)) {
            name = name.slice(prefix.length);
            break;
        }
    }
    if (name.startsWith("library/")) {
        name = name.slice("library/".length);
    }
    const lastPart = name.slice(name.lastIndexOf("/") + 1);
    return name.includes("@") || lastPart.includes(":") ? name : `${name}:latest`;
}
