/**
 * Runs the program (index.ts) for a stack under `pulumi.runtime.setMocks`,
 * with the stack's config, and records every registration as the engine
 * would see it: URN, parent, provider and dependencies. The plan tool, the
 * lab's applier and the tests all run the program through here.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { setMockOptions } from "@pulumi/pulumi/runtime/settings";
import { PROJECT, RawConfig } from "../lib/config/types";

// Markers of the Pulumi wire format (sdk/nodejs/runtime/rpc.ts).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const PROGRAM = path.resolve(__dirname, "..", "index.ts");
const REPO_ROOT = path.resolve(__dirname, "..");

export interface Registration {
    urn: string;
    type: string;
    name: string;
    /** Parent URN ("" for the stack itself). */
    parent: string;
    /** URN of the provider resource ("" when the default provider is used). */
    provider: string;
    custom: boolean;
    /** URNs this resource depends on, explicitly and through its inputs, sorted. */
    dependsOn: string[];
    /** Inputs as the provider receives them; secrets shown as "[secret]", unknowns as "[unknown]". */
    inputs: Record<string, unknown>;
}

export interface ProgramRunOptions {
    stack: string;
    raw: RawConfig;
    /** Extra config values (e.g. `sshPrivateKey`), stored as secrets. */
    secrets?: Record<string, string>;
    mocks: pulumi.runtime.Mocks;
    /** true: a preview (unknown outputs stay unknown); false: an update. */
    preview: boolean;
    /** Called as each registration request arrives, before the mocks perform it. */
    onRegister?: (r: Registration) => void;
}

export interface ProgramRun {
    /** The stack's outputs (index.ts's exports), resolved. */
    outputs: Record<string, unknown>;
    registrations: Registration[];
}

/** Stack config as the Pulumi CLI hands it to a program: `docker-overlay:<key>` -> JSON text. */
export function configMap(raw: RawConfig, secrets: Record<string, string> = {}): Record<string, string> {
    const map: Record<string, string> = {};
    // Every key the stack file has, known or not: validation names the unknown ones.
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        if (value !== undefined) {
            map[`${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    for (const [key, value] of Object.entries(secrets)) {
        map[`${PROJECT}:${key}`] = value;
    }
    return map;
}

/**
 * Stack frames V8 records per `Error` while the program runs here: none. The
 * Pulumi runtime captures a stack trace for every promise it makes (runtime/
 * debuggable.js: four per output property of every resource, ~300 per
 * docker.Container, only for a promise-leak report), and under ts-node every
 * capture goes through source-map support: 20-100 us and up to ~1 KB each, even
 * for a single frame. Measured (bench/RESULTS.md), that was most of a large
 * plan's time and memory. The runtime takes resources' source positions with a
 * limit of its own, so plans do not change; errors thrown while the program runs
 * keep their message but lose their frames. PULUMI_DEBUG_PROMISE_LEAKS=1 keeps
 * V8's default (full stacks, for a leak hunt or to find where an error came from).
 */
export const STACK_FRAMES_WHILE_RUNNING = 0;

export async function runProgram(opts: ProgramRunOptions): Promise<ProgramRun> {
    const stackTraceLimit = Error.stackTraceLimit;
    if (!process.env["PULUMI_DEBUG_PROMISE_LEAKS"]) {
        Error.stackTraceLimit = STACK_FRAMES_WHILE_RUNNING;
    }
    try {
        return await runWithMocks(opts);
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

async function runWithMocks(opts: ProgramRunOptions): Promise<ProgramRun> {
    const registrations: Registration[] = [];
    await pulumi.runtime.setMocks(opts.mocks, PROJECT, opts.stack, opts.preview);
    const monitor = new MockMonitor(opts.mocks);
    // URNs as the Pulumi engine makes them: the parent's whole qualified type
    // chain (the mock monitor keeps only the parent's last type), and no prefix
    // for children of the root stack. Plans then diff against real previews.
    (monitor as unknown as { newUrn: typeof engineUrn }).newUrn = engineUrn;
    const registerResource = monitor.registerResource.bind(monitor);
    (monitor as unknown as { registerResource: typeof registerResource }).registerResource = (req: any, callback: any) => {
        const registration = describe(req);
        registrations.push(registration);
        opts.onRegister?.(registration);
        return registerResource(req, callback);
    };
    setMockOptions(monitor, PROJECT, opts.stack, opts.preview);
    pulumi.runtime.setAllConfig(configMap(opts.raw, opts.secrets), Object.keys(opts.secrets ?? {}).map((k) => `${PROJECT}:${k}`));

    forgetProgramModules();
    let exported: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        exported = require(PROGRAM) as Record<string, unknown>;
        return exported;
    });
    // Resources the exports do not reach may still be registering.
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return { outputs: await resolveExports(exported), registrations };
}

/**
 * Each export resolved on its own: in a preview one unknown export (the check's
 * result) must not hide the known ones (placements, hosts).
 */
async function resolveExports(exported: Record<string, unknown>): Promise<Record<string, unknown>> {
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(exported)) {
        const output = pulumi.output(value) as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
        outputs[key] = (await output.isKnown) ? plain(await output.promise()) : "[unknown]";
    }
    return outputs;
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/** `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, as the engine's resource.NewURN builds it. */
export function engineUrn(parent: string, type: string, name: string): string {
    let qualified = type;
    if (parent) {
        const parentType = parent.split("::")[2];
        if (parentType !== ROOT_STACK_TYPE) {
            qualified = `${parentType}$${type}`;
        }
    }
    return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
}

/** Drop the program's modules from require's cache so each run builds a fresh graph. */
function forgetProgramModules(): void {
    for (const id of Object.keys(require.cache)) {
        if (id.startsWith(REPO_ROOT) && !id.includes(`${path.sep}node_modules${path.sep}`) && !id.includes(`${path.sep}tools${path.sep}`)) {
            delete require.cache[id];
        }
    }
}

function describe(req: any): Registration {
    const parent: string = req.getParent() ?? "";
    const providerRef: string = req.getProvider() ?? "";
    return {
        urn: engineUrn(parent, req.getType(), req.getName()),
        type: req.getType(),
        name: req.getName(),
        parent,
        provider: providerRef === "" ? "" : providerRef.slice(0, providerRef.lastIndexOf("::")),
        custom: req.getCustom(),
        dependsOn: [...new Set<string>(req.getDependenciesList())].sort(),
        inputs: wireToPlain(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
    };
}

/** The wire format's secrets, unknowns and resource references, made readable. */
export function wireToPlain(value: unknown): unknown {
    if (value === UNKNOWN) {
        return "[unknown]";
    }
    if (Array.isArray(value)) {
        return value.map(wireToPlain);
    }
    if (value !== null && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (obj[SIG_KEY] === SECRET_SIG) {
            return "[secret]";
        }
        if (obj[SIG_KEY] === RESOURCE_REF_SIG) {
            return obj["urn"];
        }
        return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, wireToPlain(v)]));
    }
    return value;
}

function plain(value: unknown): unknown {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value, (_k, v) => (v === UNKNOWN ? "[unknown]" : v)));
}
