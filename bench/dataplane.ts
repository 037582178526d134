/**
 * Data plane: throughput and round-trip time between containers on two hosts
 * over the overlay, against the same between the two hosts' underlay
 * addresses (namespace to namespace on the lab bridge: the physical limit
 * here), with iperf3 and iputils-ping from Debian's packages in a locally
 * built image (bench/build-images.sh); and the overlay's MTU proven with
 * do-not-fragment pings: the largest payload that fits passes, one byte more fails.
 *
 * Traffic stays between the benchmark's own namespaces and containers; every
 * command has a time limit.
 */
import * as fs from "fs";
import * as path from "path";
import { netnsPath } from "../lib/drivers/netns";
import { DOCKER_CLI, labDown, labDownQuietly, labUp, run } from "./lab";
import { labStack, writeStack } from "./topology";

export const NET_IMAGE = "benchnet:latest";

export interface IperfRun {
    /** Received bits per second, Gbit/s. */
    gbps: number;
    retransmits: number;
}

export interface RttRun {
    direction: string;
    /** Average round trip, ms. */
    avg: number;
    min: number;
    max: number;
}

export interface MtuProof {
    /** eth0's MTU inside the container (the overlay's). */
    mtu: number;
    /** The hosts' underlay interface MTU. */
    underlayMtu: number;
    /** `ping -M do -s <mtu-28>`: exit code and last line. */
    fits: { payload: number; code: number | null; line: string };
    /** `ping -M do -s <mtu-27>`. */
    tooBig: { payload: number; code: number | null; line: string };
}

export interface DataplaneResult {
    stackFile: string;
    seconds: number;
    overlay: IperfRun[];
    underlay: IperfRun[];
    overlayRtt: RttRun[];
    underlayRtt: RttRun[];
    mtu: MtuProof;
    loadavg: { before: string; after: string };
}

function lastLine(text: string): string {
    return (
        text
            .trim()
            .split("\n")
            .filter((l) => l.trim() !== "")
            .pop() ?? ""
    );
}

function parseIperf(json: string, what: string): IperfRun {
    type IperfDoc = { end?: { sum_received?: { bits_per_second: number }; sum_sent?: { retransmits?: number } }; error?: string };
    let doc: IperfDoc;
    try {
        doc = JSON.parse(json) as typeof doc;
    } catch {
        throw new Error(`${what}: iperf3 printed no JSON: ${json.slice(0, 300)}`);
    }
    if (doc.error !== undefined || doc.end?.sum_received === undefined) {
        throw new Error(`${what}: iperf3 failed: ${doc.error ?? "no result"}`);
    }
    return { gbps: doc.end.sum_received.bits_per_second / 1e9, retransmits: doc.end.sum_sent?.retransmits ?? 0 };
}

function parsePing(text: string, direction: string): RttRun {
    const m = /rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\//.exec(text);
    const loss = /(\d+)% packet loss/.exec(text);
    if (m === null || loss === null || loss[1] !== "0") {
        throw new Error(`ping ${direction}: ${lastLine(text) || "no summary"}`);
    }
    return { direction, min: Number(m[1]), avg: Number(m[2]), max: Number(m[3]) };
}

export async function benchDataplane(opts: { workDir: string; runs: number; seconds: number; log: (line: string) => void }): Promise<DataplaneResult> {
    const built = await run(["bash", path.join(__dirname, "build-images.sh")], { timeoutMs: 600_000 });
    if (built.code !== 0) {
        throw new Error(`bench/build-images.sh failed:\n${built.stderr.trim()}`);
    }
    const rootfsTar = lastLine(built.stdout);
    const stack = labStack({
        stack: "bench-dp",
        bridge: "dovlbdp",
        underlay: "10.170.20.0/24",
        hosts: 3,
        extraImages: [{ name: NET_IMAGE, rootfs: rootfsTar }],
        // The seed's placement: c1 on swarm-node2 (the client), c2 on swarm-node1 (the server).
        containers: [
            { name: "c1", image: NET_IMAGE, command: ["top"], networks: ["net1"], constraints: ["node==swarm-node2"] },
            { name: "c2", image: NET_IMAGE, command: ["iperf3", "-s"], networks: ["net1"], constraints: ["node==swarm-node1"] },
        ],
    });
    const stackFile = writeStack(path.join(opts.workDir, "lab"), stack);
    // The same iperf3 and ping binaries, run on the underlay from the image's rootfs with its own loader and libraries.
    const rootfs = path.join(opts.workDir, "netroot");
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.mkdirSync(rootfs, { recursive: true });
    const untar = await run(["tar", "-xf", rootfsTar, "-C", rootfs]);
    if (untar.code !== 0) {
        throw new Error(`tar -xf ${rootfsTar}: ${untar.stderr}`);
    }
    const tool = (name: string) => [
        path.join(rootfs, "usr/lib64/ld-linux-x86-64.so.2"),
        "--library-path",
        path.join(rootfs, "usr/lib/x86_64-linux-gnu"),
        path.join(rootfs, "usr/bin", name),
    ];

    await labDownQuietly(stackFile, opts.log);
    const before = fs.readFileSync("/proc/loadavg", "utf8").trim();
    const started = Date.now();
    const up = await labUp(stackFile).catch(async (err: Error) => {
        await labDownQuietly(stackFile, opts.log);
        throw err;
    });
    try {
        const hosts = up.state.exports?.["hosts"] as { name: string; dockerHost: string; address: string }[];
        const containers = up.state.exports?.["containers"] as { name: string; host: string; networks: Record<string, string> }[];
        const host = (name: string) => {
            const h = hosts.find((x) => x.name === name);
            if (h === undefined) {
                throw new Error(`no host ${name} in the stack's outputs`);
            }
            return h;
        };
        const client = host("swarm-node2");
        const server = host("swarm-node1");
        const ipOf = (c: string) => containers.find((x) => x.name === c)?.networks["net1"] ?? "";
        const c1ip = ipOf("c1");
        const c2ip = ipOf("c2");
        const nsPath = (h: string) => netnsPath({ stack: stack.stack, name: h });
        const inNs = (h: string, argv: string[]) => ["nsenter", `--net=${nsPath(h)}`, ...argv];
        const dockerExec = (h: { dockerHost: string }, c: string, argv: string[]) => [DOCKER_CLI, "-H", h.dockerHost, "exec", c, ...argv];
        const limit = (opts.seconds + 20) * 1000;
        const waitListening = async (h: string, address: string, port: number) => {
            for (let i = 0; i < 50; i++) {
                const ss = await run(inNs(h, ["ss", "-Hltn", `src ${address}:${port}`]), { timeoutMs: 5000 });
                if (ss.stdout.trim() !== "") {
                    return;
                }
                await new Promise((r) => setTimeout(r, 100));
            }
            throw new Error(`iperf3 server in ${h}'s namespace is not listening on ${address}:${port} after 5 s`);
        };

        const overlay: IperfRun[] = [];
        const underlay: IperfRun[] = [];
        // Alternating, so both see the same conditions on the machine.
        for (let i = 0; i < opts.runs; i++) {
            const o = await run(dockerExec(client, "c1", ["iperf3", "-c", c2ip, "-t", String(opts.seconds), "-J"]), { timeoutMs: limit });
            overlay.push(parseIperf(o.stdout, "overlay iperf3 c1 -> c2"));
            // One-shot server (-1) in swarm-node1's namespace, bound to its underlay address.
            const srv = run(inNs("swarm-node1", [...tool("iperf3"), "-s", "-1", "-B", server.address]), { timeoutMs: limit + 5000 });
            await waitListening("swarm-node1", server.address, 5201);
            const u = await run(inNs("swarm-node2", [...tool("iperf3"), "-c", server.address, "-t", String(opts.seconds), "-J"]), { timeoutMs: limit });
            await srv;
            underlay.push(parseIperf(u.stdout, `underlay iperf3 ${client.address} -> ${server.address}`));
            opts.log(
                `dataplane run ${i + 1}: overlay ${overlay[i].gbps.toFixed(2)} Gbit/s (retr ${overlay[i].retransmits}), ` +
                    `underlay ${underlay[i].gbps.toFixed(2)} Gbit/s (retr ${underlay[i].retransmits})`,
            );
        }

        const ping = ["ping", "-c", "20", "-i", "0.05", "-W", "2", "-q"];
        const overlayRtt: RttRun[] = [];
        const underlayRtt: RttRun[] = [];
        for (let i = 0; i < opts.runs; i++) {
            overlayRtt.push(parsePing((await run(dockerExec(client, "c1", [...ping, c2ip]), { timeoutMs: 30_000 })).stdout, "c1 -> c2"));
            overlayRtt.push(parsePing((await run(dockerExec(server, "c2", [...ping, c1ip]), { timeoutMs: 30_000 })).stdout, "c2 -> c1"));
            const pingTool = tool("ping");
            underlayRtt.push(
                parsePing((await run(inNs("swarm-node2", [...pingTool, ...ping.slice(1), server.address]), { timeoutMs: 30_000 })).stdout, "node2 -> node1"),
            );
            underlayRtt.push(
                parsePing((await run(inNs("swarm-node1", [...pingTool, ...ping.slice(1), client.address]), { timeoutMs: 30_000 })).stdout, "node1 -> node2"),
            );
        }
        const fmtRtt = (xs: RttRun[]) => xs.map((x) => `${x.direction} ${x.avg.toFixed(3)}`).join(", ");
        opts.log(`dataplane rtt avg ms: overlay ${fmtRtt(overlayRtt)}; underlay ${fmtRtt(underlayRtt)}`);

        const mtuRead = await run(dockerExec(client, "c1", ["cat", "/sys/class/net/eth0/mtu"]), { timeoutMs: 15_000 });
        const mtu = Number(mtuRead.stdout.trim());
        if (!Number.isInteger(mtu) || mtu < 576) {
            throw new Error(`cannot read c1's eth0 MTU: ${mtuRead.stdout}${mtuRead.stderr}`);
        }
        // (nsenter --net keeps the root namespace's /sys: ask ip inside the namespace.)
        const link = await run(inNs("swarm-node2", ["ip", "-o", "link", "show", "dev", "eth1"]), { timeoutMs: 15_000 });
        const underlayMtu = Number(/ mtu (\d+) /.exec(link.stdout)?.[1] ?? NaN);
        // 28 = 20 (IPv4 header) + 8 (ICMP header): a payload of mtu-28 makes a packet of exactly mtu bytes.
        const dfPing = async (payload: number) => {
            const r = await run(dockerExec(client, "c1", ["ping", "-M", "do", "-s", String(payload), "-c", "1", "-W", "2", c2ip]), { timeoutMs: 15_000 });
            const text = `${r.stdout}\n${r.stderr}`;
            const all = text.split("\n");
            const line =
                [/message too long|Frag/, /bytes from/, /packet loss/].map((re) => all.find((l) => re.test(l))).find((l) => l !== undefined) ?? lastLine(text);
            return { payload, code: r.code, line: line.trim() };
        };
        const proof: MtuProof = { mtu, underlayMtu, fits: await dfPing(mtu - 28), tooBig: await dfPing(mtu - 27) };
        opts.log(
            `dataplane mtu: overlay eth0 ${mtu} (underlay eth1 ${underlayMtu}); ping -M do -s ${proof.fits.payload}: exit ${proof.fits.code} (${proof.fits.line}); ` +
                `-s ${proof.tooBig.payload}: exit ${proof.tooBig.code} (${proof.tooBig.line})`,
        );
        const after = fs.readFileSync("/proc/loadavg", "utf8").trim();
        return { stackFile, seconds: (Date.now() - started) / 1000, overlay, underlay, overlayRtt, underlayRtt, mtu: proof, loadavg: { before, after } };
    } finally {
        await labDown(stackFile).catch(async (err: Error) => {
            opts.log(`warning: ${err.message}`);
            await labDownQuietly(stackFile, opts.log);
        });
        fs.rmSync(rootfs, { recursive: true, force: true });
    }
}
