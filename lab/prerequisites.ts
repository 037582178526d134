/**
 * What `lab up` needs on this machine for one stack, checked before the first
 * resource is created: on a fresh machine an `up` before scripts/lab-deps.sh
 * used to create the lab bridge and only then fail (`iptables: command not
 * found`), leaving a half-built lab to take down.
 *
 * `labPrerequisites(config)` lists every missing prerequisite of a validated,
 * normalized stack, each with the command that installs it;
 * `assertLabPrerequisites` throws one error naming all of them. The machine is
 * only looked at through `PrerequisiteProbes` (is this root, is a command on
 * PATH, does a file exist), so tests give fakes and assert exact messages.
 *
 * What each driver's path needs, and where the list comes from:
 *  - netns: root on Linux; the commands lib/drivers/netns.ts's scripts run
 *    (ip, iptables, nsenter, unshare, setsid, pgrep, ps) and dockerd's managed
 *    containerd and runc; `driver.engineBin`'s dockerd, docker-proxy and docker;
 *    the store's binary in `driver.kvBin` (and curl, or java for zookeeper)
 *    when the driver runs the store; every `driver.images[].rootfs`.
 *    scripts/lab-deps.sh installs all of these at their default places.
 *  - dind: the docker CLI on PATH (the connectivity check and swarm scripts
 *    run `docker`); the engine at a `unix://` `driver.localDockerHost`; the
 *    rootfs tarballs scripts/lab-dind-deps.sh builds for its
 *    `docker-overlay/dind:*` and `docker-overlay/consul:*` images.
 *  - ssh: the system ssh client (ssh:// engines are dialled through it, as the
 *    docker provider does; the underlay probe logs in with it) and the docker CLI on PATH.
 *  - docker-machine: `docker-machine` and the docker CLI on PATH.
 *  - any driver: openssl when the program makes certificates (`engine.tls`,
 *    `kvStore.tls`) or seals swarm's join token (`engine.mode: swarm`).
 * Anything the stack can only learn from a running daemon (an image already on
 * an engine, an ssh machine answering) is left to `up` itself.
 */
import * as fs from "fs";
import * as path from "path";
import { ClusterConfig, KvBackend } from "../lib/config/types";
import { loadStackFile } from "../lib/config/load";
import { DEFAULTS, normalizeConfig } from "../lib/config/validate";
import { netnsDockerHost } from "../lib/drivers/netns";
import { LAPTOP } from "./laptop";

/** How the check looks at the machine; replaced by fakes in unit tests. */
export interface PrerequisiteProbes {
    /** Is the process root (uid 0)? */
    isRoot(): boolean;
    /** Is `command` an executable file in one of PATH's directories? */
    which(command: string): boolean;
    /** Does `file` exist? */
    exists(file: string): boolean;
    /** `process.platform`. */
    platform: string;
}

/** One thing the stack needs that this machine lacks. */
export interface MissingPrerequisite {
    /** What is missing, e.g. `command iptables` or `/opt/docker-overlay/engine/bin/dockerd`. */
    what: string;
    /** What the stack needs it for. */
    why: string;
    /** What to run (or do) to get it, e.g. `bash scripts/lab-deps.sh`. */
    fix: string;
}

/** The command that installs the netns lab (and what other drivers' labs build on). */
export const LAB_DEPS = "bash scripts/lab-deps.sh";
/** The command that builds the dind lab's images and the laptop's engine. */
export const LAB_DIND_DEPS = "bash scripts/lab-dind-deps.sh";
/** Where scripts/lab-deps.sh and scripts/lab-dind-deps.sh put rootfs tarballs. */
export const LAB_IMAGES_DIR = "/var/lib/docker-overlay/images";
/** The busybox rootfs scripts/lab-deps.sh builds (imported as `busybox:latest`). */
export const LAB_BUSYBOX_ROOTFS = `${LAB_IMAGES_DIR}/busybox-rootfs.tar`;
/** The dind lab's "laptop" engine socket (lab/laptop.ts: a netns machine of its own). */
export const LAB_LAPTOP_DOCKER_HOST = netnsDockerHost({ runDir: LAPTOP.runDir, name: LAPTOP.name });

/** A docker CLI for the scripts that run `docker`: scripts/lab-deps.sh puts one beside the lab's engine. */
const DOCKER_CLI_FIX = `${LAB_DEPS} && export PATH="$PATH:${DEFAULTS.netns.engineBin}"`;

/** The KV store's binary (in `driver.kvBin`) per backend, as lib/drivers/netns.ts runs it. */
const KV_BINARY: Record<KvBackend, string> = { consul: "consul", etcd: "etcd", zookeeper: "zookeeper-server" };

function defaultWhich(command: string): boolean {
    for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
        if (dir === "") {
            continue;
        }
        try {
            const file = path.join(dir, command);
            fs.accessSync(file, fs.constants.X_OK);
            if (fs.statSync(file).isFile()) {
                return true;
            }
        } catch {
            // Not here: look in the next directory.
        }
    }
    return false;
}

/** The real machine. */
export const realProbes: PrerequisiteProbes = {
    isRoot: () => process.getuid?.() === 0,
    which: defaultWhich,
    exists: (file) => fs.existsSync(file),
    platform: process.platform,
};

/** `fix` for something scripts/lab-deps.sh installs into `dir` when `dir` is the default one. */
function installedInto(dir: string, defaultDir: string, field: string): string {
    return dir === defaultDir ? LAB_DEPS : `${LAB_DEPS} (installs into ${defaultDir}; copy from there into ${dir}, or drop ${field})`;
}

/** `fix` for a rootfs tarball, by who builds it. */
function rootfsFix(rootfs: string): string {
    if (rootfs === LAB_BUSYBOX_ROOTFS) {
        return LAB_DEPS;
    }
    if (/^\/var\/lib\/docker-overlay\/images\/(dind|consul)-[^/]+\.rootfs\.tar$/.test(rootfs)) {
        return LAB_DIND_DEPS;
    }
    return "no script of this repository builds it: make it (e.g. `docker export` of a container of that image) or change the path";
}

/**
 * The rootfs tarball scripts/lab-dind-deps.sh builds for one of its images
 * (`docker-overlay/dind:<version>`, `docker-overlay/consul:<version>`), else undefined.
 */
export function labImageRootfs(image: string): string | undefined {
    const m = /^docker-overlay\/(dind|consul):([0-9][0-9A-Za-z.+-]*)$/.exec(image);
    return m === null ? undefined : `${LAB_IMAGES_DIR}/${m[1]}-${m[2]}.rootfs.tar`;
}

/** Every prerequisite of `config` this machine lacks, in a stable order (empty: all there). */
export function labPrerequisites(config: ClusterConfig, probes: PrerequisiteProbes = realProbes): MissingPrerequisite[] {
    const missing: MissingPrerequisite[] = [];
    const command = (name: string, why: string, fix: string) => {
        if (!probes.which(name)) {
            missing.push({ what: `command ${name}`, why, fix });
        }
    };
    const file = (file: string, why: string, fix: string) => {
        if (!probes.exists(file)) {
            missing.push({ what: file, why, fix });
        }
    };
    const d = config.driver;
    switch (d.kind) {
        case "netns": {
            if (probes.platform !== "linux") {
                missing.push({ what: "Linux", why: "the netns driver's hosts are Linux network namespaces", fix: "run the lab on a Linux machine" });
            }
            if (!probes.isRoot()) {
                missing.push({
                    what: "root",
                    why: "the netns driver creates a bridge, network namespaces and daemons",
                    fix: "run the lab as root (e.g. sudo npm run lab -- up)",
                });
            }
            command("bash", "the netns driver's scripts", LAB_DEPS);
            command("ip", "the lab bridge, namespaces and veth pairs", LAB_DEPS);
            command("iptables", "the lab bridge's FORWARD rules", LAB_DEPS);
            command("nsenter", "starting each daemon in its namespace", LAB_DEPS);
            command("unshare", "each daemon's own hostname", LAB_DEPS);
            command("setsid", "detaching each daemon", LAB_DEPS);
            command("pgrep", "stopping what runs in a namespace", LAB_DEPS);
            command("ps", "stopping what runs in a namespace", LAB_DEPS);
            if (config.hosts.length > 0) {
                command("containerd", "each dockerd's managed containerd", LAB_DEPS);
                command("runc", "the engines' containers", LAB_DEPS);
                const fix = installedInto(d.engineBin, DEFAULTS.netns.engineBin, "driver.engineBin");
                const why =
                    config.engine.mode === "cluster-store"
                        ? "the engines (driver.engineBin; Docker <= 20.10 for cluster-store)"
                        : "the engines (driver.engineBin)";
                for (const bin of ["dockerd", "docker-proxy", "docker"]) {
                    file(path.posix.join(d.engineBin, bin), why, fix);
                }
            }
            const kv = config.kvStore;
            if (kv?.machine !== undefined) {
                file(
                    path.posix.join(d.kvBin, KV_BINARY[kv.backend]),
                    `the ${kv.backend} store (driver.kvBin)`,
                    installedInto(d.kvBin, DEFAULTS.netns.kvBin, "driver.kvBin"),
                );
                if (kv.backend === "zookeeper") {
                    command("java", "the zookeeper store", LAB_DEPS);
                } else {
                    command("curl", `the ${kv.backend} store's readiness probe`, LAB_DEPS);
                }
            }
            d.images.forEach((img, i) => file(img.rootfs, `image ${img.name} (driver.images[${i}].rootfs)`, rootfsFix(img.rootfs)));
            break;
        }
        case "dind": {
            command("docker", "the connectivity check and swarm scripts run the docker CLI", DOCKER_CLI_FIX);
            if (d.localDockerHost.startsWith("unix://")) {
                const socket = d.localDockerHost.slice("unix://".length);
                const laptop = d.localDockerHost === LAB_LAPTOP_DOCKER_HOST;
                file(
                    socket,
                    "the Docker engine that runs the machines (driver.localDockerHost)",
                    laptop ? `${LAB_DIND_DEPS} && npm run lab:laptop -- up` : "start the Docker engine that serves it",
                );
            }
            const images: [string, string | undefined][] = [
                ["driver.image", d.image],
                ["driver.kvImage", config.kvStore?.machine !== undefined ? d.kvImage : undefined],
            ];
            for (const [field, image] of images) {
                const rootfs = image === undefined ? undefined : labImageRootfs(image);
                if (rootfs !== undefined) {
                    file(rootfs, `image ${image} (${field}), imported into the engine by \`npm run lab:laptop -- up\``, LAB_DIND_DEPS);
                }
            }
            break;
        }
        case "ssh":
            command("ssh", "reaching ssh:// engines (the system ssh client, as the docker provider does) and the underlay probe's logins", LAB_DEPS);
            command("docker", "the connectivity check and swarm scripts run the docker CLI", DOCKER_CLI_FIX);
            break;
        case "docker-machine":
            command("docker-machine", "creating the machines", "install docker-machine (no script of this repository does)");
            command("docker", "the connectivity check and swarm scripts run the docker CLI", DOCKER_CLI_FIX);
            break;
        default: {
            const never: never = d;
            throw new Error(`lab prerequisites: unknown driver ${String((never as { kind: unknown }).kind)}`);
        }
    }
    const certificates = (config.engine.tls && d.kind !== "docker-machine") || config.kvStore?.tls === true;
    if (certificates || config.engine.mode === "swarm") {
        const why = [certificates ? "the TLS certificates" : undefined, config.engine.mode === "swarm" ? "sealing swarm's join token" : undefined]
            .filter((x) => x !== undefined)
            .join(" and ");
        command("openssl", why, LAB_DEPS);
    }
    return missing;
}

/** `lab up` refused: the machine lacks what the stack needs. `missing` lists it all. */
export class LabPrerequisitesError extends Error {
    constructor(
        readonly stack: string,
        readonly missing: MissingPrerequisite[],
    ) {
        super(renderMissing(stack, missing));
        this.name = "LabPrerequisitesError";
    }
}

/**
 * The message: one line per missing prerequisite (what, why, fix), then the
 * distinct commands to run, in order.
 */
export function renderMissing(stack: string, missing: readonly MissingPrerequisite[]): string {
    const fixes = [...new Set(missing.map((m) => m.fix))];
    return [
        `stack ${stack} needs what this machine lacks (nothing was created):`,
        ...missing.map((m) => `  - ${m.what}: ${m.why}; fix: ${m.fix}`),
        "To fix it all:",
        ...fixes.map((f) => `  ${f}`),
    ].join("\n");
}

/** Throws a LabPrerequisitesError naming everything `config` needs that this machine lacks. */
export function assertLabPrerequisites(config: ClusterConfig, probes: PrerequisiteProbes = realProbes): void {
    const missing = labPrerequisites(config, probes);
    if (missing.length > 0) {
        throw new LabPrerequisitesError(config.stack, missing);
    }
}

/**
 * `assertLabPrerequisites` for a stack file, as `lab up` has it. A stack that
 * does not load or validate is let through: the program reports its problems
 * (exact messages) before it creates anything.
 */
export function assertStackFilePrerequisites(stackFile: string, probes: PrerequisiteProbes = realProbes): void {
    let config: ClusterConfig;
    try {
        const { stack, raw } = loadStackFile(stackFile);
        config = normalizeConfig(raw, stack); // validates first: a stack with problems throws here
    } catch {
        return;
    }
    assertLabPrerequisites(config, probes);
}
