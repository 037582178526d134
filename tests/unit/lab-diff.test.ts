/**
 * The lab's per-type diff tables (lab/resources/<kind>.ts, applied by
 * lab/resources/diff.ts): which changed inputs the real providers update and
 * which force a replacement (docs/provider-rules.md section 3).
 */
import * as assert from "node:assert/strict";
import { resourceHandler, RESOURCE_HANDLERS } from "../../lab/resources";
import { holdsUnknown, sameValue } from "../../lab/resources/diff";
import { CERT_REQUEST_TYPE, LOCALLY_SIGNED_CERT_TYPE, PRIVATE_KEY_TYPE, SELF_SIGNED_CERT_TYPE } from "../../lab/resources/tls";

function diff(type: string, olds: Record<string, unknown>, news: Record<string, unknown>, oldOutputs?: Record<string, unknown>) {
    const h = resourceHandler(type);
    assert.ok(h, type);
    return h.diff({ type, olds, news, oldOutputs });
}

const NET = "docker:index/network:Network";
const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const LOCAL = "command:local:Command";
const REMOTE = "command:remote:Command";
const KEYS = "consul:index/keyPrefix:KeyPrefix";

const net1 = {
    name: "net1",
    driver: "overlay",
    ipamConfigs: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1" }],
    internal: false,
    labels: [{ label: "docker-overlay.stack", value: "dev" }],
};

describe("lab diff: values", function () {
    it("compares JSON deeply, ignoring key order and undefined members", function () {
        assert.ok(sameValue({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
        assert.ok(sameValue({ a: 1, b: undefined }, { a: 1 }));
        assert.ok(!sameValue([1, 2], [2, 1]));
        assert.ok(!sameValue({ a: 1 }, { a: "1" }));
    });
    it("finds a preview's unknown anywhere in a value", function () {
        assert.ok(holdsUnknown({ a: [{ b: "[unknown]" }] }));
        assert.ok(!holdsUnknown({ a: [{ b: "known" }] }));
    });
    it("every resource handler has a diff", function () {
        assert.ok(RESOURCE_HANDLERS.length > 0);
        for (const h of RESOURCE_HANDLERS) {
            assert.equal(typeof h.diff, "function", h.types.join(","));
        }
    });
});

describe("lab diff: docker:index/network:Network (every input ForceNew, DBR when named)", function () {
    it("no change: nothing", function () {
        assert.deepEqual(diff(NET, net1, { ...net1 }), { updates: [], replaces: [], deleteBeforeReplace: true });
    });
    it("a subnet, gateway, ipRange, internal or label change replaces", function () {
        const subnet = { ...net1, ipamConfigs: [{ subnet: "10.0.9.0/24", gateway: "10.0.9.1" }] };
        assert.deepEqual(diff(NET, net1, subnet).replaces, ["ipamConfigs"]);
        assert.deepEqual(diff(NET, net1, { ...net1, ipamConfigs: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1", ipRange: "10.0.0.0/25" }] }).replaces, [
            "ipamConfigs",
        ]);
        assert.deepEqual(diff(NET, net1, { ...net1, internal: true }).replaces, ["internal"]);
        assert.deepEqual(diff(NET, net1, { ...net1, labels: [] }).replaces, ["labels"]);
        assert.deepEqual(diff(NET, net1, { ...net1, name: "net9" }), { updates: [], replaces: ["name"], deleteBeforeReplace: true });
    });
    it("ipamConfigs compare as the provider flattens them: empty fields dropped, order free", function () {
        const recorded = { ...net1, ipamConfigs: [{ subnet: "10.0.0.0/24", gateway: "10.0.0.1", ipRange: "", auxAddress: {} }] };
        assert.deepEqual(diff(NET, recorded, net1).replaces, []);
    });
    it("Optional+Computed inputs the program stops giving do not diff", function () {
        const { driver: _d, internal: _i, ...rest } = net1;
        assert.deepEqual(diff(NET, net1, rest).replaces, []);
    });
    it("options: a key the engine added to the recorded state, missing from the program's map, replaces", function () {
        const withOptions = { ...net1, options: { encrypted: "" } };
        const outputs = { ...withOptions, options: { encrypted: "", "com.docker.network.driver.overlay.vxlanid_list": "4097" } };
        assert.deepEqual(diff(NET, withOptions, withOptions, outputs).replaces, ["options"]);
        // Without options in the program, the engine's keys never diff.
        assert.deepEqual(diff(NET, net1, net1, { ...net1, options: { "com.docker.network.driver.overlay.vxlanid_list": "4097" } }).replaces, []);
    });
    it("an unknown input in a preview replaces", function () {
        assert.deepEqual(diff(NET, net1, { ...net1, labels: [{ label: "x", value: "[unknown]" }] }).replaces, ["labels"]);
    });
    it("a nameless network is create-before-delete", function () {
        assert.equal(diff(NET, {}, { driver: "overlay" }).deleteBeforeReplace, false);
    });
});

describe("lab diff: docker:index/container:Container (DBR; restart and mustRun update)", function () {
    const c1 = {
        name: "c1",
        image: "busybox:latest",
        command: ["top"],
        hostname: "c1",
        networksAdvanced: [{ name: "net1", aliases: ["c1"] }],
        restart: "unless-stopped",
        mustRun: true,
        labels: [{ label: "docker-overlay.host", value: "swarm-node2" }],
    };
    it("no change: nothing, and always delete-before-replace", function () {
        assert.deepEqual(diff(CONTAINER, c1, { ...c1 }), { updates: [], replaces: [], deleteBeforeReplace: true });
    });
    it("image, command, envs, network attachments, labels replace", function () {
        assert.deepEqual(diff(CONTAINER, c1, { ...c1, image: "alpine" }).replaces, ["image"]);
        assert.deepEqual(diff(CONTAINER, c1, { ...c1, command: ["sleep", "1"] }).replaces, ["command"]);
        assert.deepEqual(diff(CONTAINER, c1, { ...c1, envs: ["A=1"] }).replaces, ["envs"]);
        assert.deepEqual(diff(CONTAINER, c1, { ...c1, networksAdvanced: [{ name: "[unknown]", aliases: ["c1"] }] }).replaces, ["networksAdvanced"]);
        assert.deepEqual(diff(CONTAINER, c1, { ...c1, labels: [{ label: "docker-overlay.host", value: "swarm-node1" }] }).replaces, ["labels"]);
    });
    it("restart and mustRun update; wait, waitTimeout, removeVolumes are state-only updates", function () {
        assert.deepEqual(diff(CONTAINER, c1, { ...c1, restart: "always", mustRun: false }), {
            updates: ["mustRun", "restart"],
            replaces: [],
            deleteBeforeReplace: true,
        });
        assert.deepEqual(diff(CONTAINER, c1, { ...c1, wait: true, waitTimeout: 60, removeVolumes: false }).updates, ["removeVolumes", "wait", "waitTimeout"]);
    });
    it("healthcheck replaces (kreuzwerker v4.6.0)", function () {
        assert.deepEqual(diff(CONTAINER, { ...c1, healthcheck: { tests: ["true"] } }, { ...c1, healthcheck: { tests: ["false"] } }).replaces, ["healthcheck"]);
    });
});

describe("lab diff: docker:index/remoteImage:RemoteImage", function () {
    const img = { name: "busybox:latest", keepLocally: true };
    it("name replaces, keepLocally updates, create-before-delete", function () {
        assert.deepEqual(diff(IMAGE, img, { ...img, name: "alpine" }), { updates: [], replaces: ["name"], deleteBeforeReplace: false });
        assert.deepEqual(diff(IMAGE, img, { ...img, keepLocally: false }), { updates: ["keepLocally"], replaces: [], deleteBeforeReplace: false });
        assert.deepEqual(diff(IMAGE, img, { ...img, triggers: { a: "1" } }).replaces, ["triggers"]);
    });
});

describe("lab diff: command:local:Command and command:remote:Command (updates; triggers by the SDK's replaceOnChanges)", function () {
    const cmd = { create: "echo hi", delete: "echo bye", environment: { A: "1" }, triggers: ["x"] };
    for (const type of [LOCAL, REMOTE]) {
        it(`${type}: every input change, triggers too, is an update at the provider`, function () {
            assert.deepEqual(diff(type, cmd, { ...cmd, create: "echo ho", environment: { A: "2" }, triggers: ["y"] }), {
                updates: ["create", "environment", "triggers"],
                replaces: [],
                deleteBeforeReplace: false,
            });
            assert.deepEqual(diff(type, cmd, { ...cmd }), { updates: [], replaces: [], deleteBeforeReplace: false });
        });
    }
    it("an unknown environment value is an update", function () {
        assert.deepEqual(diff(LOCAL, cmd, { ...cmd, environment: { A: "[unknown]" } }).updates, ["environment"]);
    });
});

describe("lab diff: providers (never replaced)", function () {
    it("pulumi:providers:docker: a new host is an update of the provider", function () {
        assert.deepEqual(diff("pulumi:providers:docker", { host: "unix:///a.sock" }, { host: "unix:///b.sock" }), {
            updates: ["host"],
            replaces: [],
            deleteBeforeReplace: false,
        });
    });
    it("pulumi:providers:consul: a new address is an update of the provider", function () {
        assert.deepEqual(diff("pulumi:providers:consul", { address: "10.0.0.2:8500", scheme: "http" }, { address: "10.0.0.3:8500", scheme: "http" }).updates, [
            "address",
        ]);
    });
});

describe("lab diff: consul:index/keyPrefix:KeyPrefix", function () {
    const kp = { pathPrefix: "docker-overlay/dev/", subkeys: { a: "1" } };
    it("pathPrefix replaces, subkeys update", function () {
        assert.deepEqual(diff(KEYS, kp, { ...kp, pathPrefix: "x/" }), { updates: [], replaces: ["pathPrefix"], deleteBeforeReplace: false });
        assert.deepEqual(diff(KEYS, kp, { ...kp, subkeys: { a: "2" } }), { updates: ["subkeys"], replaces: [], deleteBeforeReplace: false });
    });
});

describe("lab diff: tls resources", function () {
    it("PrivateKey: algorithm and curve replace", function () {
        assert.deepEqual(diff(PRIVATE_KEY_TYPE, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { algorithm: "ECDSA", ecdsaCurve: "P384" }).replaces, [
            "ecdsaCurve",
        ]);
    });
    it("SelfSignedCert and LocallySignedCert: earlyRenewalHours updates, the rest replaces", function () {
        for (const type of [SELF_SIGNED_CERT_TYPE, LOCALLY_SIGNED_CERT_TYPE]) {
            const cert = { validityPeriodHours: 8760, earlyRenewalHours: 720, allowedUses: ["server_auth"] };
            assert.deepEqual(diff(type, cert, { ...cert, earlyRenewalHours: 100 }), {
                updates: ["earlyRenewalHours"],
                replaces: [],
                deleteBeforeReplace: false,
            });
            assert.deepEqual(diff(type, cert, { ...cert, validityPeriodHours: 100 }).replaces, ["validityPeriodHours"]);
        }
    });
    it("a certificate inside its early-renewal window is replaced (readyForRenewal), before it is not", function () {
        const cert = { validityPeriodHours: 8760, earlyRenewalHours: 720 };
        const oldOutputs = { ...cert, validityEndTime: "2027-01-01T00:00:00.000Z" };
        const h = resourceHandler(LOCALLY_SIGNED_CERT_TYPE)!;
        const at = (iso: string) => h.diff({ type: LOCALLY_SIGNED_CERT_TYPE, olds: cert, news: cert, oldOutputs, now: new Date(iso) }).replaces;
        assert.deepEqual(at("2026-12-01T00:00:00.000Z"), []);
        assert.deepEqual(at("2026-12-02T00:00:00.000Z"), ["readyForRenewal"]);
        assert.deepEqual(
            resourceHandler(SELF_SIGNED_CERT_TYPE)!.diff({
                type: SELF_SIGNED_CERT_TYPE,
                olds: {},
                news: {},
                oldOutputs: { validityEndTime: "2020-01-01T00:00:00Z" },
            }).replaces,
            ["readyForRenewal"],
        );
    });
    it("CertRequest: a new name on the certificate replaces", function () {
        assert.deepEqual(diff(CERT_REQUEST_TYPE, { dnsNames: ["a"] }, { dnsNames: ["a", "b"] }).replaces, ["dnsNames"]);
    });
});
