/** lib/plan/mtu.ts: the overheads, each driver's underlay MTU and the overlay's driver options. */
import * as assert from "node:assert/strict";
import { normalizeConfig } from "../../lib/config/validate";
import { ClusterConfig } from "../../lib/config/types";
import { dindOverlayMtu } from "../../lib/drivers/dind";
import { renderNetnsFabricScripts, renderNetnsKvScripts } from "../../lib/drivers/netns";
import { overlayDriverOptions, overlayMtu, planUnderlayMtu, plannedOverlayMtu, underlayMtuFor, VXLAN_OVERHEAD } from "../../lib/plan/mtu";

const HOSTS = [{ name: "h1", role: "manager" }, { name: "h2" }];
const NET = { name: "n1", subnet: "10.0.0.0/24" };

function config(driver: Record<string, unknown>, network: Record<string, unknown> = {}, mode = "cluster-store"): ClusterConfig {
    return normalizeConfig({ driver, engine: { mode }, hosts: HOSTS, networks: [{ ...NET, ...network }] }, "t");
}

describe("MTU (lib/plan/mtu.ts)", () => {
    it("the overlay gets the underlay's minus VXLAN's 50, and ESP's 26 rounded down to a multiple of 4 when encrypted (Docker's maxMTU)", () => {
        assert.equal(overlayMtu(1500, false), 1450);
        assert.equal(overlayMtu(1400, false), 1350);
        assert.equal(overlayMtu(1500, true), 1424);
        assert.equal(overlayMtu(1450, true), 1372);
        assert.equal(underlayMtuFor(1350, false), 1400);
        assert.equal(overlayMtu(underlayMtuFor(1400, true), true), 1400);
    });

    it("one VXLAN overhead: the dind driver computes its overlay MTU with lib/plan/mtu's", () => {
        assert.equal(1450 - VXLAN_OVERHEAD, 1400);
        assert.equal(dindOverlayMtu({ kind: "dind", image: "", network: "", subnet: "", mtu: 1450, localDockerHost: "" }), 1400);
    });

    it("each driver's underlay: netns driver.underlayMtu (default 1500), dind driver.mtu, ssh and docker-machine unknown until their machines exist", () => {
        assert.equal(planUnderlayMtu(config({ kind: "netns" })), 1500);
        assert.equal(planUnderlayMtu(config({ kind: "netns", underlayMtu: 1400 })), 1400);
        assert.equal(planUnderlayMtu(config({ kind: "dind" })), 1450);
        assert.equal(planUnderlayMtu({ driver: { kind: "ssh", user: "root", port: 22 } }), undefined);
    });

    it("every overlay's option is the underlay MTU Docker reads, or what gives exactly networks[].mtu", () => {
        const option = "com.docker.network.driver.mtu";
        assert.deepEqual(overlayDriverOptions(config({ kind: "netns", underlayMtu: 1400 }), { encrypted: false }), { [option]: "1400" });
        assert.equal(plannedOverlayMtu(config({ kind: "netns", underlayMtu: 1400 }), { encrypted: false }), 1350);
        assert.deepEqual(overlayDriverOptions(config({ kind: "netns" }), { encrypted: false, mtu: 1300 }), { [option]: "1350" });
        assert.deepEqual(overlayDriverOptions(config({ kind: "netns" }), { encrypted: true, mtu: 1400 }), { [option]: "1476" });
        assert.equal(plannedOverlayMtu(config({ kind: "netns" }), { encrypted: true }), 1424);
        const ssh = { driver: { kind: "ssh" as const, user: "root", port: 22 } };
        assert.deepEqual(overlayDriverOptions(ssh, { encrypted: false }), {});
        assert.deepEqual(overlayDriverOptions(ssh, { encrypted: false, mtu: 1400 }), { [option]: "1450" });
        assert.equal(plannedOverlayMtu(ssh, { encrypted: false }), undefined);
    });

    it("normalize keeps networks[].mtu when given and leaves it out otherwise", () => {
        assert.equal(config({ kind: "netns" }, { mtu: 1400 }).networks[0].mtu, 1400);
        assert.equal("mtu" in config({ kind: "netns" }).networks[0], false);
    });
});

describe("MTU: the netns underlay (lib/drivers/netns.ts)", () => {
    const base = { stack: "t", bridge: "dovlt", underlay: "10.198.0.0/24" };
    const machine = { ...base, name: "h1", address: "10.198.0.3", stateDir: "/var/lib/x", runDir: "/run/x" };

    it("driver.underlayMtu 1400: the bridge and both ends of every veth get it", () => {
        const fabric = renderNetnsFabricScripts({ ...base, underlayMtu: 1400 }).create;
        assert.match(fabric, /^MTU=1400$/m);
        assert.match(fabric, /ip link set dev "\$BRIDGE" mtu "\$MTU"/);
        const kv = renderNetnsKvScripts({ ...machine, underlayMtu: 1400, backend: "consul", port: 8500, kvBin: "/opt/kv" }).create;
        assert.match(kv, /^MTU=1400$/m);
        assert.match(kv, /ip link set dev "\$VETH" mtu "\$MTU"/);
        assert.match(kv, /ip -n "\$NS" link set dev "\$IFNAME" mtu "\$MTU"/);
    });

    it("the default 1500 renders the same scripts as a stack without the key (nothing is rebuilt for it)", () => {
        assert.equal(renderNetnsFabricScripts({ ...base, underlayMtu: 1500 }).create, renderNetnsFabricScripts(base).create);
        assert.doesNotMatch(renderNetnsFabricScripts(base).create, /^MTU=/m);
    });
});
