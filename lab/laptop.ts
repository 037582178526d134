/**
 * The "laptop" the dind driver runs on, made on this machine, which has a
 * Docker client but no Docker engine.
 *
 * The laptop is a network namespace with one dockerd of its own (bullseye's
 * 20.10.5 from scripts/lab-deps.sh), built and torn down by the netns driver's
 * own scripts (lib/drivers/netns.ts: namespace, veth on the lab bridge
 * `dovld0`, hostname, data/exec roots, unix socket, teardown). Its engine is
 * reachable at a unix socket from the whole machine, which a dind stack names
 * in `driver.localDockerHost`.
 *
 * Why a namespace: what the dind driver creates on the laptop (a bridge
 * network, iptables rules, the engines' API ports published on 127.0.0.1)
 * stays inside it, never in this machine's root namespace. The program that
 * drives the laptop's Docker must therefore run where the laptop's 127.0.0.1
 * and bridge networks are: `inLaptop` makes the argv that runs a command inside
 * the namespace's network (nsenter --net; filesystem, sockets and everything
 * else as usual), as `npm run lab:laptop -- exec` (tools/laptop.ts) does, e.g.
 *
 *   npm run lab:laptop -- exec -- npm run lab -- up tests/lab/stacks/Pulumi.dind-lab.yaml
 *
 * `laptopUp` also imports the lab's dind and consul images (scripts/lab-dind-deps.sh
 * --import). Every step is idempotent; `laptopDown` leaves nothing behind.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { alive } from "./engineProcess";
import {
    NETNS_SCRIPT_INTERPRETER,
    NetnsEngineParams,
    netnsDockerHost,
    netnsName,
    renderNetnsEngineScripts,
    renderNetnsFabricScripts,
} from "../lib/drivers/netns";

/** Where the laptop lives. Fixed: one laptop per machine, named so it never collides with a stack's machines. */
export const LAPTOP = {
    stack: "dovld",
    name: "laptop",
    bridge: "dovld0",
    underlay: "10.140.0.0/24",
    address: "10.140.0.2",
    stateDir: "/var/lib/docker-overlay/dovld",
    runDir: "/run/docker-overlay/dovld",
    engineBin: "/opt/docker-overlay/laptop/bin",
    /** The namespace-side veth. */
    interface: "eth0",
} as const;

export interface LaptopInfo {
    /** Network namespace name (`/var/run/netns/<netns>`). */
    netns: string;
    /** The laptop engine's endpoint, for `driver.localDockerHost`. */
    dockerHost: string;
    /** Its address on the lab bridge. */
    address: string;
}

export function laptopInfo(): LaptopInfo {
    return {
        netns: netnsName({ stack: LAPTOP.stack, name: LAPTOP.name }),
        dockerHost: netnsDockerHost({ runDir: LAPTOP.runDir, name: LAPTOP.name }),
        address: LAPTOP.address,
    };
}

function engineParams(): NetnsEngineParams {
    return {
        stack: LAPTOP.stack,
        name: LAPTOP.name,
        bridge: LAPTOP.bridge,
        underlay: LAPTOP.underlay,
        address: LAPTOP.address,
        stateDir: LAPTOP.stateDir,
        runDir: LAPTOP.runDir,
        engineBin: LAPTOP.engineBin,
        advertiseInterface: LAPTOP.interface,
        // A plain engine: no cluster store. Its own iptables rules stay in its namespace.
        // runc-bounded: runc minus the capabilities this machine's bounding set lacks
        // (scripts/images/runc-bounded.sh); without it no privileged container starts here.
        daemonFlags: [`--add-runtime=runc-bounded=${LAPTOP.engineBin}/runc-bounded`, "--default-runtime=runc-bounded"],
        images: [],
    };
}

function scripts() {
    return {
        fabric: renderNetnsFabricScripts({ stack: LAPTOP.stack, bridge: LAPTOP.bridge, underlay: LAPTOP.underlay }),
        engine: renderNetnsEngineScripts(engineParams()),
    };
}

function run(what: string, script: string): void {
    const [program, ...args] = NETNS_SCRIPT_INTERPRETER;
    const r = spawnSync(program, [...args, script], { stdio: ["ignore", "inherit", "inherit"] });
    if (r.status !== 0) {
        throw new Error(`laptop: ${what} failed (exit ${String(r.status ?? r.signal)})`);
    }
}

const REPO = path.resolve(__dirname, "..");

/** Is the laptop's engine answering? */
export function laptopIsUp(): boolean {
    const info = laptopInfo();
    const r = spawnSync(path.join(LAPTOP.engineBin, "docker"), ["-H", info.dockerHost, "version", "--format", "{{.Server.Version}}"], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    return r.status === 0;
}

export function laptopUp(opts: { images?: boolean } = {}): LaptopInfo {
    const s = scripts();
    run("creating the lab bridge", s.fabric.create);
    if (!laptopIsUp()) {
        run("starting the laptop engine", s.engine.create);
    }
    if (opts.images !== false) {
        const r = spawnSync("bash", [path.join(REPO, "scripts", "lab-dind-deps.sh"), "--import", laptopInfo().dockerHost], {
            stdio: ["ignore", "inherit", "inherit"],
        });
        if (r.status !== 0) {
            throw new Error(`laptop: scripts/lab-dind-deps.sh --import failed (exit ${String(r.status ?? r.signal)})`);
        }
    }
    return laptopInfo();
}

export function laptopDown(): void {
    const s = scripts();
    run("stopping the laptop engine", s.engine.delete);
    run("removing the lab bridge", s.fabric.delete);
}

/** Held by whoever uses the laptop for a whole run (tests/lab/dind.test.ts): one laptop per machine. */
export const LAPTOP_LOCK = "/run/lock/docker-overlay-laptop.lock";

/**
 * Takes the laptop for this process: two runs sharing the laptop would share
 * its containers, ports and names. Waits (up to `timeoutMs`) while another live
 * process holds it; takes over from a dead one. Returns the release function.
 */
export async function lockLaptop(timeoutMs = 20 * 60_000, onWait?: (holder: number) => void): Promise<() => void> {
    const deadline = Date.now() + timeoutMs;
    let told = false;
    for (;;) {
        try {
            fs.mkdirSync(path.dirname(LAPTOP_LOCK), { recursive: true });
            fs.mkdirSync(LAPTOP_LOCK);
            fs.writeFileSync(path.join(LAPTOP_LOCK, "pid"), `${process.pid}\n`);
            return () => {
                const holder = Number(fs.readFileSync(path.join(LAPTOP_LOCK, "pid"), { encoding: "utf8", flag: "r" }).trim());
                if (holder === process.pid) {
                    fs.rmSync(LAPTOP_LOCK, { recursive: true, force: true });
                }
            };
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
                throw err;
            }
        }
        let holder = NaN;
        try {
            holder = Number(fs.readFileSync(path.join(LAPTOP_LOCK, "pid"), "utf8").trim());
        } catch {
            // Being created or removed right now: look again.
        }
        if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
            fs.rmSync(LAPTOP_LOCK, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline) {
            throw new Error(`laptop: ${LAPTOP_LOCK} is held by pid ${holder} for longer than ${timeoutMs / 1000}s`);
        }
        if (!told && Number.isInteger(holder)) {
            onWait?.(holder);
            told = true;
        }
        await new Promise((r) => setTimeout(r, 2000));
    }
}

/** argv that runs `command` inside the laptop's network namespace. */
export function inLaptop(command: readonly string[]): string[] {
    return ["nsenter", `--net=/var/run/netns/${laptopInfo().netns}`, "--", ...command];
}
