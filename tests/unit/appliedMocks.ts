/**
 * Mocks for an update (not a preview): every resource's outputs are known, so
 * secrets show as "[secret]" in the recorded registrations (in a preview an
 * unknown secret shows as "[unknown]"). Keys, certificates and command outputs
 * are recognizable fakes; invokes throw.
 */
import * as pulumi from "@pulumi/pulumi";
import { RawConfig } from "../../lib/config/types";
import { ProgramRun, runProgram } from "../../runner/program";

/** What each swarm command "printed", so the program's parsing is exercised. */
const STDOUT: Record<string, string> = {
    "swarm-init": '{"nodeId":"node-manager","managerAddress":"10.199.0.2:2377","ingressSubnet":"10.255.0.0/24"}',
    "swarm-join-token": "c2VhbGVkLXRva2Vu",
    "swarm-rotate-tokens": '{"rotatedAt":"2026-11-30T19:30:00.000000000Z"}',
    "swarm-join-swarm-node1": '{"nodeId":"node-1"}',
    "swarm-join-swarm-node2": '{"nodeId":"node-2"}',
};

/** What every ssh or docker-machine host's underlay-MTU reader "printed" (lib/drivers/underlayMtu.ts): Ethernet's 1500. */
export const REPORTED_UNDERLAY_MTU = "1500";

/**
 * What a docker-machine driver's commands "printed" (lib/drivers/dockerMachine.ts parses
 * them): a machine's create script its `docker-machine ip`, a connection command the
 * machine's endpoint and certificate directory. One address per machine name.
 */
const machineIps = new Map<string, string>();
function dockerMachineStdout(name: string, create: unknown): string | undefined {
    if (typeof create !== "string" || !create.includes("docker-machine")) {
        return undefined;
    }
    const machine = name.replace(/-(machine|connection)$/, "");
    if (!machineIps.has(machine)) {
        machineIps.set(machine, `192.168.99.${100 + machineIps.size}`);
    }
    const ip = machineIps.get(machine) as string;
    if (name.endsWith("-machine")) {
        return ip;
    }
    if (name.endsWith("-connection")) {
        return JSON.stringify({ host: `tcp://${ip}:2376`, certPath: `/root/.docker/machine/machines/${machine}` });
    }
    return undefined;
}

export const appliedMocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
        const state: Record<string, unknown> = { ...args.inputs };
        switch (args.type) {
            case "tls:index/privateKey:PrivateKey":
                state["privateKeyPem"] = `FAKE PRIVATE KEY ${args.name}`;
                state["publicKeyPem"] = `FAKE PUBLIC KEY ${args.name}`;
                break;
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                state["certPem"] = `FAKE CERTIFICATE ${args.name}`;
                break;
            case "tls:index/certRequest:CertRequest":
                state["certRequestPem"] = `FAKE REQUEST ${args.name}`;
                break;
            case "command:local:Command":
            case "command:remote:Command":
                state["stdout"] =
                    STDOUT[args.name] ??
                    dockerMachineStdout(args.name, args.inputs["create"]) ??
                    (args.name.endsWith("-underlay-mtu") ? REPORTED_UNDERLAY_MTU : "");
                state["stderr"] = "";
                break;
            case "docker:index/container:Container":
                state["networkDatas"] = [];
                break;
        }
        return { id: args.custom ? `${args.name}-id` : undefined, state };
    },
    call: (args) => {
        if (args.token === "consul:index/getKeyPrefix:getKeyPrefix") {
            return { id: "docker/nodes/", pathPrefix: "docker/nodes/", subkeys: {} };
        }
        throw new Error(`unexpected invoke ${args.token}`);
    },
};

export async function applied(raw: RawConfig, stack = "dev"): Promise<ProgramRun> {
    return runProgram({ stack, raw, mocks: appliedMocks, preview: false, secrets: { sshPrivateKey: "test-key" } });
}
