/**
 * The lab's step generator (lab/steps.ts) on synthetic states: the engine's
 * same / create / update / replace / delete, delete-before-replace and its
 * dependents, replaceOnChanges, ignoreChanges, retainOnDelete, replaceWith,
 * protect, unknown inputs in a preview.
 */
import * as assert from "node:assert/strict";
import {
    Differ,
    generateSteps,
    labDiffer,
    NewRegistration,
    ProtectedResourceError,
    Step,
    StepGenerator,
    applyIgnoreChanges,
    pathSegments,
    pendingOperationsWarning,
    resumeBase,
} from "../../lab/steps";
import { ResourceRecord } from "../../lab/state";
import type { RegistrationOptions } from "../../runner/program";

const P = "urn:pulumi:t::docker-overlay::";
const STACK = `${P}pulumi:pulumi:Stack::docker-overlay-t`;

interface Spec {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    provider?: string;
    dependsOn?: string[];
    propertyDependencies?: Record<string, string[]>;
    options?: Partial<RegistrationOptions>;
    custom?: boolean;
    outputs?: Record<string, unknown>;
}

const urnOf = (s: Pick<Spec, "type" | "name">) => `${P}${s.type}::${s.name}`;

function reg(s: Spec): NewRegistration {
    const propertyDependencies = s.propertyDependencies ?? {};
    const deps = new Set([...(s.dependsOn ?? []), ...Object.values(propertyDependencies).flat()]);
    return {
        urn: urnOf(s),
        type: s.type,
        name: s.name,
        parent: STACK,
        provider: s.provider ?? "",
        custom: s.custom ?? true,
        dependsOn: [...deps].sort(),
        inputs: s.inputs,
        propertyDependencies,
        options: { replaceOnChanges: [], ignoreChanges: [], replaceWith: [], deletedWith: "", ...s.options },
    };
}

function record(s: Spec): ResourceRecord {
    const r = reg(s);
    return {
        ...r,
        options: r.options,
        propertyDependencies: r.propertyDependencies,
        status: "created",
        id: `id-${s.name}`,
        outputs: s.outputs ?? { ...s.inputs },
        startedAt: "2026-01-01T00:00:00Z",
    };
}

const T = {
    provider: "pulumi:providers:docker",
    network: "docker:index/network:Network",
    image: "docker:index/remoteImage:RemoteImage",
    container: "docker:index/container:Container",
    command: "command:local:Command",
};

/** A dev-stack-like graph: machine -> provider -> network/image -> containers -> check. */
function world() {
    const machine: Spec = {
        type: T.command,
        name: "h1-engine",
        inputs: { create: "start h1", delete: "stop h1" },
        options: { replaceOnChanges: ["*", "triggers[*]"], deleteBeforeReplace: true },
    };
    const provider: Spec = { type: T.provider, name: "h1", inputs: { host: "unix:///run/h1.sock" }, dependsOn: [urnOf(machine)] };
    const network: Spec = {
        type: T.network,
        name: "net1",
        provider: urnOf(provider),
        inputs: { name: "net1", driver: "overlay", ipamConfigs: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }] },
    };
    const image: Spec = {
        type: T.image,
        name: "c1-image",
        provider: urnOf(provider),
        inputs: { name: "busybox", keepLocally: true },
        dependsOn: [urnOf(network)],
    };
    const container = (name: string): Spec => ({
        type: T.container,
        name,
        provider: urnOf(provider),
        inputs: { name, image: "busybox", networksAdvanced: [{ name: "net1", aliases: [name] }], restart: "unless-stopped" },
        propertyDependencies: { networksAdvanced: [urnOf(network)], image: [urnOf(image)] },
    });
    const c1 = container("c1");
    const c2 = container("c2");
    const check: Spec = {
        type: T.command,
        name: "connectivity-ping",
        inputs: { create: "ping all", triggers: ["id-c1", "id-c2"] },
        propertyDependencies: { triggers: [urnOf(c1), urnOf(c2)] },
        options: { replaceOnChanges: ["triggers[*]"] },
    };
    const stack: Spec = { type: "pulumi:pulumi:Stack", name: "docker-overlay-t", inputs: {}, custom: false };
    return { stack, machine, provider, network, image, c1, c2, check, all: [stack, machine, provider, network, image, c1, c2, check] };
}

const ops = (steps: Step[]) => Object.fromEntries(steps.map((s) => [s.name, s.op]));

describe("lab steps: the engine's step generator", function () {
    it("an unchanged program: every resource same, nothing else", function () {
        const w = world();
        const { steps, changes } = generateSteps(w.all.map(record), w.all.map(reg));
        assert.equal(steps.length, w.all.length);
        assert.deepEqual(changes, { same: 8, create: 0, update: 0, replace: 0, delete: 0 });
    });

    it("a new resource: create; an empty state: all create", function () {
        const w = world();
        const c3 = { ...w.c2, name: "c3", inputs: { ...w.c2.inputs, name: "c3" } };
        const { changes } = generateSteps(w.all.map(record), [...w.all, c3].map(reg));
        assert.deepEqual(changes, { same: 8, create: 1, update: 0, replace: 0, delete: 0 });
        assert.deepEqual(generateSteps([], w.all.map(reg)).changes.create, 8);
    });

    it("failed (without an id: no partial state) or unfinished records are not in the engine's state: their resources are created", function () {
        const w = world();
        const recs = w.all.map(record);
        const c1 = recs.find((r) => r.name === "c1")!;
        c1.status = "failed";
        c1.id = undefined;
        recs.find((r) => r.name === "c2")!.status = "creating";
        const o = ops(generateSteps(recs, w.all.map(reg)).steps);
        assert.deepEqual([o["c1"], o["c2"]], ["create", "create"]);
    });

    it("an update: restart changes in place, nothing else moves", function () {
        const w = world();
        const news = w.all.map((s) => (s === w.c1 ? { ...s, inputs: { ...s.inputs, restart: "always" } } : s));
        const { steps, changes } = generateSteps(w.all.map(record), news.map(reg));
        assert.deepEqual(changes, { same: 7, create: 0, update: 1, replace: 0, delete: 0 });
        assert.deepEqual(steps.find((s) => s.name === "c1")?.diffs, ["restart"]);
    });

    it("a subnet change: the network is replaced delete-before-replace, with the containers on it and the check; the image (dependsOn only) stays", function () {
        const w = world();
        const news = w.all.map((s) => (s === w.network ? { ...s, inputs: { ...s.inputs, ipamConfigs: [{ subnet: "10.0.9.0/24", gateway: "10.0.9.1" }] } } : s));
        const { steps, changes } = generateSteps(w.all.map(record), news.map(reg));
        assert.deepEqual(ops(steps), {
            "docker-overlay-t": "same",
            "h1-engine": "same",
            h1: "same",
            net1: "replace",
            "c1-image": "same",
            c1: "replace",
            c2: "replace",
            "connectivity-ping": "replace",
        });
        assert.deepEqual(changes, { same: 4, create: 0, update: 0, replace: 4, delete: 0 });
        const net = steps.find((s) => s.name === "net1")!;
        assert.equal(net.deleteBeforeReplace, true);
        assert.deepEqual(net.replaceReasons, ["ipamConfigs"]);
        assert.deepEqual(steps.find((s) => s.name === "c1")!.replaceReasons, [`dependent of ${urnOf(w.network)}`]);
    });

    it("a dependent of a DBR replacement that the run no longer registers goes in the replacement's chain: no delete step, as the engine's summary counts it (and as the `up` did)", function () {
        const w = world();
        // The subnet changes and c2 is removed in the same run: the network's chain deletes c2 as its dependent.
        const news = w.all
            .filter((s) => s !== w.c2)
            .map((s) => (s === w.network ? { ...s, inputs: { ...s.inputs, ipamConfigs: [{ subnet: "10.0.9.0/24", gateway: "10.0.9.1" }] } } : s));
        const gen = new StepGenerator(w.all.map(record));
        for (const n of news.map(reg)) {
            gen.step(n);
        }
        assert.deepEqual(gen.deletes(), []);
        assert.deepEqual(
            gen.dependentsOf(urnOf(w.network)).map((r) => r.name),
            ["c1", "c2", "connectivity-ping"],
        );
        assert.deepEqual(gen.unregistered(), []);
    });

    describe("aliases (a renamed network: networks[].renamedFrom)", function () {
        const alias = (name: string, parentUrn = STACK) => ({ name, type: "", stack: "", project: "", parentUrn, noParent: false });
        const renamed = (w: ReturnType<typeof world>) => {
            const front: Spec = { ...w.network, name: "front", inputs: { ...w.network.inputs, name: "front" }, options: { aliases: [alias("net1")] } };
            const moved = (c: Spec): Spec => ({
                ...c,
                inputs: { ...c.inputs, networksAdvanced: [{ name: "front", aliases: [c.name] }] },
                propertyDependencies: { networksAdvanced: [urnOf(front)], image: [urnOf(w.image)] },
            });
            return { front, news: w.all.map((s) => (s === w.network ? front : s === w.c1 || s === w.c2 ? moved(s) : s)) };
        };

        it("the new name takes the old network's resource: one delete-before-replace with its containers, no create and no delete", function () {
            const w = world();
            const { front, news } = renamed(w);
            const gen = new StepGenerator(w.all.map(record));
            const steps = news.map((n) => gen.step(reg(n)));
            assert.deepEqual(gen.deletes(), []);
            assert.deepEqual(ops(steps), {
                "docker-overlay-t": "same",
                "h1-engine": "same",
                h1: "same",
                front: "replace",
                "c1-image": "same",
                c1: "replace",
                c2: "replace",
                "connectivity-ping": "replace",
            });
            const net = steps.find((x) => x.name === "front")!;
            assert.equal(net.deleteBeforeReplace, true);
            assert.deepEqual(net.replaceReasons, ["name"]);
            // The old record, under its old URN, is what the replacement deletes; its dependents go first.
            assert.equal(gen.old(urnOf(front))!.urn, urnOf(w.network));
            assert.deepEqual(
                gen.dependentsOf(urnOf(front)).map((r) => r.name),
                ["c1", "c2", "connectivity-ping"],
            );
            assert.deepEqual(gen.unregistered(), []);
        });

        it("without the alias, the rename is a create of the new network and, after everything, a delete of the old one", function () {
            const w = world();
            const { front, news } = renamed(w);
            const plain = news.map((s) => (s === front ? { ...front, options: {} } : s));
            const { steps, changes } = generateSteps(w.all.map(record), plain.map(reg));
            assert.equal(ops(steps)["front"], "create");
            assert.deepEqual(steps.at(-1), { op: "delete", urn: urnOf(w.network), type: T.network, name: "net1" });
            // The containers (delete-before-replace in pulumi-docker) take the check along.
            assert.deepEqual(changes, { same: 4, create: 1, update: 0, replace: 3, delete: 1 });
        });

        it("a child named after its aliased parent inherits the alias under the parent's old name (inheritedChildAlias)", function () {
            const COMPONENT = "docker-overlay:network:OverlayNetwork";
            const compUrn = (name: string) => `${P}${COMPONENT}::${name}`;
            const childUrn = (name: string) => `${P}${COMPONENT}$${T.network}::${name}-network`;
            const comp = (name: string, aliases?: ReturnType<typeof alias>[]): NewRegistration => ({
                ...reg({ type: COMPONENT, name, inputs: {}, custom: false, ...(aliases ? { options: { aliases } } : {}) }),
                urn: compUrn(name),
            });
            const child = (name: string): NewRegistration => ({
                ...reg({ type: T.network, name: `${name}-network`, inputs: { name, driver: "overlay" } }),
                urn: childUrn(name),
                parent: compUrn(name),
            });
            const recorded: ResourceRecord[] = [comp("net1"), child("net1")].map((r) => ({
                ...r,
                status: "created",
                id: `id-${r.name}`,
                outputs: r.inputs,
                startedAt: "2026-01-01T00:00:00Z",
            }));
            const gen = new StepGenerator(recorded);
            const steps = [comp("front", [alias("net1")]), child("front")].map((n) => gen.step(n));
            assert.deepEqual(
                steps.map((x) => [x.name, x.op]),
                [
                    ["front", "same"],
                    ["front-network", "replace"],
                ],
            );
            assert.equal(gen.old(childUrn("front"))!.urn, childUrn("net1"));
            assert.deepEqual(gen.deletes(), []);
        });

        it("two resources taking one old resource: the engine's duplicate-alias error", function () {
            const w = world();
            const { front } = renamed(w);
            const gen = new StepGenerator(w.all.map(record));
            gen.step(reg(front));
            const back: Spec = { ...front, name: "back", inputs: { ...front.inputs, name: "back" } };
            assert.throws(
                () => gen.step(reg(back)),
                new Error(
                    `Duplicate resource alias '${urnOf(w.network)}' applied to resource with URN '${urnOf(back)}' conflicting with resource with URN '${urnOf(front)}'`,
                ),
            );
        });
    });

    it("a dependsOn-only dependent of a DBR replacement is not replaced", function () {
        const w = world();
        // The machine is replaced (replaceOnChanges *, DBR); the provider depends on it by dependsOn only.
        const news = w.all.map((s) => (s === w.machine ? { ...s, inputs: { ...s.inputs, create: "start h1 --new-flag" } } : s));
        const { steps } = generateSteps(w.all.map(record), news.map(reg));
        assert.equal(ops(steps)["h1-engine"], "replace");
        assert.equal(steps.find((s) => s.name === "h1-engine")!.deleteBeforeReplace, true);
        for (const name of ["h1", "net1", "c1-image", "c1", "c2", "connectivity-ping"]) {
            assert.equal(ops(steps)[name], "same", name);
        }
    });

    it("the deleteBeforeReplace option overrides the provider: a CBD network replacement replaces no dependent by itself", function () {
        const w = world();
        const news = w.all.map((s) =>
            s === w.network ? { ...s, inputs: { ...s.inputs, ipamConfigs: [{ subnet: "10.0.9.0/24" }] }, options: { deleteBeforeReplace: false } } : s,
        );
        const { steps } = generateSteps(w.all.map(record), news.map(reg));
        assert.equal(steps.find((s) => s.name === "net1")!.deleteBeforeReplace, false);
        assert.equal(ops(steps)["c1"], "same");
    });

    it("create-before-delete: dependents are decided by their own diff of the new (unknown) values", function () {
        const w = world();
        // The image's name changes (CBD); in a preview its outputs are unknown, so c1's image input is.
        const news = w.all.map((s) =>
            s === w.image ? { ...s, inputs: { ...s.inputs, name: "alpine" } } : s === w.c1 ? { ...s, inputs: { ...s.inputs, image: "[unknown]" } } : s,
        );
        const { steps } = generateSteps(w.all.map(record), news.map(reg));
        assert.equal(ops(steps)["c1-image"], "replace");
        assert.equal(steps.find((s) => s.name === "c1-image")!.deleteBeforeReplace, false);
        assert.equal(ops(steps)["c1"], "replace");
        assert.equal(ops(steps)["c2"], "same");
    });

    it("unknown inputs count as changed: an update for a command, a replacement where the input forces one", function () {
        const w = world();
        const news = w.all.map((s) => (s === w.machine ? { ...s, options: { deleteBeforeReplace: true } } : s));
        const cmd = { ...w.check, inputs: { ...w.check.inputs, create: "[unknown]" } };
        const { steps } = generateSteps(w.all.map(record), news.map((s) => (s === w.check ? cmd : s)).map(reg));
        assert.equal(ops(steps)["connectivity-ping"], "update");
        const net = { ...w.network, inputs: { ...w.network.inputs, name: "[unknown]" } };
        assert.equal(ops(generateSteps(w.all.map(record), w.all.map((s) => (s === w.network ? net : s)).map(reg)).steps)["net1"], "replace");
    });

    it("replaceOnChanges turns an update into a replacement; triggers[*] covers triggers", function () {
        const w = world();
        const edited = { ...w.check, inputs: { ...w.check.inputs, create: "ping more" } };
        assert.equal(ops(generateSteps(w.all.map(record), w.all.map((s) => (s === w.check ? edited : s)).map(reg)).steps)["connectivity-ping"], "update");
        const roc = { ...edited, options: { replaceOnChanges: ["create"] } };
        assert.equal(ops(generateSteps(w.all.map(record), w.all.map((s) => (s === w.check ? roc : s)).map(reg)).steps)["connectivity-ping"], "replace");
        const triggers = { ...w.check, inputs: { ...w.check.inputs, triggers: ["id-c1", "id-c9"] } };
        const step = generateSteps(w.all.map(record), w.all.map((s) => (s === w.check ? triggers : s)).map(reg)).steps.find(
            (s) => s.name === "connectivity-ping",
        )!;
        assert.equal(step.op, "replace");
        assert.equal(step.deleteBeforeReplace, false);
    });

    it("ignoreChanges: an ignored input keeps its old value, so no step", function () {
        const w = world();
        const edited = { ...w.c1, inputs: { ...w.c1.inputs, image: "alpine" }, options: { ignoreChanges: ["image"] } };
        assert.equal(ops(generateSteps(w.all.map(record), w.all.map((s) => (s === w.c1 ? edited : s)).map(reg)).steps)["c1"], "same");
        // A nested path.
        const nested = {
            ...w.network,
            inputs: { ...w.network.inputs, ipamConfigs: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.9" }] },
            options: { ignoreChanges: ["ipamConfigs[0].gateway"] },
        };
        assert.equal(ops(generateSteps(w.all.map(record), w.all.map((s) => (s === w.network ? nested : s)).map(reg)).steps)["net1"], "same");
    });

    it("applyIgnoreChanges and pathSegments", function () {
        assert.deepEqual(pathSegments('a.b[0]["c.d"]'), ["a", "b", 0, "c.d"]);
        assert.deepEqual(applyIgnoreChanges({ a: 1, b: { c: 2 } }, { a: 5, b: { c: 3, d: 4 }, e: 1 }, ["a", "b.c", "e"]), { a: 1, b: { c: 2, d: 4 } });
    });

    it("a replaced provider replaces its resources; an updated one does not", function () {
        const w = world();
        const hostMoved = w.all.map((s) => (s === w.provider ? { ...s, inputs: { host: "unix:///run/other.sock" } } : s));
        const updated = generateSteps(w.all.map(record), hostMoved.map(reg)).steps;
        assert.equal(ops(updated)["h1"], "update");
        assert.equal(ops(updated)["c1"], "same");
        // A provider whose DiffConfig asks for a replacement (none of this program's does).
        const replacing: Differ = (req) => (req.type === T.provider ? { updates: [], replaces: ["host"], deleteBeforeReplace: false } : labDiffer(req));
        const replaced = generateSteps(w.all.map(record), hostMoved.map(reg), replacing).steps;
        assert.equal(ops(replaced)["h1"], "replace");
        for (const name of ["net1", "c1-image", "c1", "c2"]) {
            assert.equal(ops(replaced)[name], "replace", name);
        }
    });

    it("replaceWith: replaced with a resource replaced in the same run", function () {
        const w = world();
        const news = w.all.map((s) =>
            s === w.machine
                ? { ...s, inputs: { ...s.inputs, create: "start h1 --new" } }
                : s === w.c1
                  ? { ...s, options: { replaceWith: [urnOf(w.machine)] } }
                  : s,
        );
        const recs = w.all.map((s) => record(s === w.c1 ? { ...s, options: { replaceWith: [urnOf(w.machine)] } } : s));
        const { steps } = generateSteps(recs, news.map(reg));
        assert.equal(ops(steps)["c1"], "replace");
        assert.equal(ops(steps)["c2"], "same");
        // The machine is DBR: its replacement marks c1 before c1 registers (step_generator.go:3154-3174).
        assert.deepEqual(steps.find((s) => s.name === "c1")!.replaceReasons, [`dependent of ${urnOf(w.machine)}`, `replaceWith ${urnOf(w.machine)}`]);
    });

    it("deletes: what is no longer registered, dependents first; retainOnDelete marked", function () {
        const w = world();
        const recs = w.all.map((s) => record(s === w.c2 ? { ...s, options: { retainOnDelete: true } } : s));
        const kept = w.all.filter((s) => ![w.network, w.image, w.c1, w.c2, w.check].includes(s));
        const { steps, changes } = generateSteps(recs, kept.map(reg));
        assert.deepEqual(changes, { same: 3, create: 0, update: 0, replace: 0, delete: 5 });
        const deletes = steps.filter((s) => s.op === "delete").map((s) => s.name);
        const before = (a: string, b: string) => assert.ok(deletes.indexOf(a) < deletes.indexOf(b), `${a} before ${b}: ${deletes.join(", ")}`);
        before("connectivity-ping", "c1");
        before("connectivity-ping", "c2");
        before("c1", "net1");
        before("c1", "c1-image");
        before("c2", "net1");
        before("c1-image", "net1");
        assert.equal(steps.find((s) => s.name === "c2")!.retain, true);
        assert.equal(steps.find((s) => s.name === "c1")!.retain, undefined);
    });

    it("a removed container: its delete, and the check (triggers on its id, unknown after) replaced", function () {
        const w = world();
        const news = w.all.filter((s) => s !== w.c2).map((s) => (s === w.check ? { ...s, inputs: { ...s.inputs, triggers: ["id-c1"] } } : s));
        const { steps, changes } = generateSteps(w.all.map(record), news.map(reg));
        assert.deepEqual(changes, { same: 6, create: 0, update: 0, replace: 1, delete: 1 });
        assert.equal(ops(steps)["c2"], "delete");
        assert.equal(steps[steps.length - 1].name, "c2");
    });

    it("protect: a protected resource refuses to be replaced or deleted", function () {
        const w = world();
        const recs = w.all.map((s) => record(s === w.network ? { ...s, options: { protect: true } } : s));
        const news = w.all.map((s) => (s === w.network ? { ...s, inputs: { ...s.inputs, name: "net9" }, options: { protect: true } } : s));
        assert.throws(() => generateSteps(recs, news.map(reg)), ProtectedResourceError);
        const gen = new StepGenerator(recs);
        for (const s of w.all.filter((x) => x !== w.network && x !== w.image && x !== w.c1 && x !== w.c2 && x !== w.check)) {
            gen.step(reg(s));
        }
        assert.throws(() => gen.deletes(), /cannot be deleted because it is protected/);
    });

    it("components: same unless their inputs change, never replaced", function () {
        const comp: Spec = { type: "docker-overlay:host:DockerHost", name: "h1", inputs: {}, custom: false };
        assert.equal(generateSteps([record(comp)], [reg(comp)]).steps[0].op, "same");
    });
});

describe("lab steps: what an up starts from after a run that did not finish its creates (resumeBase)", function () {
    const machine = record({ type: T.command, name: "h1-engine", inputs: { create: "x" } });
    const component = { ...record({ type: "docker-overlay:host:DockerHost", name: "h1", inputs: {}, custom: false }), status: "creating" as const };
    const interrupted = { ...record({ type: T.command, name: "h2-engine", inputs: { create: "y" } }), status: "creating" as const, id: undefined };
    const failedCommand = {
        ...record({ type: T.command, name: "h3-engine", inputs: { create: "z" } }),
        status: "failed" as const,
        id: undefined,
        error: "exit 1",
    };
    const failedImage = { ...record({ type: T.image, name: "c2-image", inputs: { name: "nosuchimage:1" } }), status: "failed" as const, id: undefined };
    const halfContainer = { ...record({ type: T.container, name: "c1-container", inputs: { name: "c1" } }), status: "failed" as const, id: "4f2a" };
    const pendingDelete = { ...record({ type: T.network, name: "net1-network", inputs: { name: "net1" } }), pendingDelete: true as const };

    it("keeps what was created (and components, what a replacement left pending, what has initialization errors), sorts out the rest", function () {
        const r = resumeBase([machine, component, interrupted, failedCommand, failedImage, halfContainer, pendingDelete]);
        assert.deepEqual(
            r.base.map((x) => x.name),
            ["h1-engine", "h1", "c1-container", "net1-network"],
        );
        assert.deepEqual(
            r.pending.map((x) => x.name),
            ["h2-engine"],
        );
        assert.deepEqual(
            r.failed.map((x) => x.name),
            ["h3-engine", "c2-image"],
        );
        assert.deepEqual(
            r.initErrors.map((x) => x.name),
            ["c1-container"],
        );
    });

    it("a state of created records resumes as it is", function () {
        const r = resumeBase([machine, pendingDelete]);
        assert.deepEqual(r, { base: [machine, pendingDelete], pending: [], failed: [], initErrors: [] });
    });

    it("warns about interrupted creates as the engine does, naming each", function () {
        assert.equal(
            pendingOperationsWarning([interrupted]),
            "Attempting to deploy or update resources with 1 pending operations from previous deployment.\n" +
                `  * ${interrupted.urn}, interrupted while creating\n` +
                "The run that began them was interrupted: what they made, if anything, is not in the state. " +
                "They are created anew now, as `pulumi up` does; whatever an interrupted create left behind is not removed by it.",
        );
    });

    it("an object with initialization errors is in the state: unchanged, an empty update (step_generator.go:2053-2066); gone from the program, a delete", function () {
        const regs = [machine, halfContainer].map((x) => reg({ type: x.type, name: x.name, inputs: x.inputs }));
        assert.deepEqual(
            generateSteps(resumeBase([machine, halfContainer]).base, regs).steps.map(
                (s) => `${s.op} ${s.name}${s.diffs !== undefined ? ` [${s.diffs.join(",")}]` : ""}`,
            ),
            ["same h1-engine", "update c1-container []"],
        );
        const gone = generateSteps(resumeBase([machine, halfContainer]).base, regs.slice(0, 1));
        assert.deepEqual(
            gone.steps.map((s) => `${s.op} ${s.name}`),
            ["same h1-engine", "delete c1-container"],
        );
    });

    it("the step generator then creates the failed and interrupted resources anew", function () {
        const r = resumeBase([machine, interrupted, failedCommand]);
        const regs = [machine, interrupted, failedCommand].map((x) => reg({ type: x.type, name: x.name, inputs: x.inputs }));
        assert.deepEqual(
            generateSteps(r.base, regs).steps.map((s) => `${s.op} ${s.name}`),
            ["same h1-engine", "create h2-engine", "create h3-engine"],
        );
    });
});
