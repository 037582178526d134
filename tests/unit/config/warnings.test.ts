/**
 * netns engines get the image scripts/lab-deps.sh prepares unless the stack
 * says otherwise, and validation warns (without failing) about a container
 * image no engine of a registry-less driver will have. Exact messages.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadStackFile } from "../../../lib/config/load";
import { nodeTsArgv } from "../../../runner/tsNode";
import { RawConfig } from "../../../lib/config/types";
import { preview } from "../helpers";
import { canonicalImage, configWarnings, DEFAULTS, formatProblem, normalizeConfig, validateConfig, WARNING_PREFIX } from "../../../lib/config/validate";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BUSYBOX = { name: "busybox:latest", rootfs: "/var/lib/docker-overlay/images/busybox-rootfs.tar" };

function netns(driver: object, images: string[]): RawConfig {
    return {
        driver: { kind: "netns", ...driver },
        hosts: [{ name: "h1" }],
        networks: [{ name: "n1", subnet: "10.0.0.0/24" }],
        containers: images.map((image, i) => ({ name: `c${i + 1}`, image, networks: ["n1"] })),
    };
}

const warnings = (raw: RawConfig): string[] => configWarnings(raw, "dev").map(formatProblem);

describe("netns: the images lab-deps.sh prepares by default", () => {
    it("without driver.images, every engine gets busybox:latest from lab-deps.sh's rootfs tarball", () => {
        const driver = normalizeConfig(netns({}, ["busybox"]), "dev").driver;
        assert.deepEqual(driver.kind === "netns" && driver.images, [BUSYBOX]);
    });

    it("images: [] means none, and a list of its own replaces the default", () => {
        const none = normalizeConfig(netns({ images: [] }, []), "dev").driver;
        assert.deepEqual(none.kind === "netns" && none.images, []);
        const own = normalizeConfig(netns({ images: [{ name: "alpine:3", rootfs: "/srv/alpine.tar" }] }, ["alpine:3"]), "dev").driver;
        assert.deepEqual(own.kind === "netns" && own.images, [{ name: "alpine:3", rootfs: "/srv/alpine.tar" }]);
    });

    it("the default is exactly what scripts/lab-deps.sh produces (BUSYBOX_TAR, imported as busybox:latest)", () => {
        const script = fs.readFileSync(path.join(ROOT, "scripts", "lab-deps.sh"), "utf8");
        const imagesDir = /^IMAGES_DIR=(\S+)$/m.exec(script)?.[1];
        const tar = /^BUSYBOX_TAR="\$IMAGES_DIR\/(\S+)"$/m.exec(script)?.[1];
        assert.ok(imagesDir !== undefined && tar !== undefined, "lab-deps.sh sets IMAGES_DIR and BUSYBOX_TAR");
        assert.deepEqual(DEFAULTS.netns.images, [{ name: "busybox:latest", rootfs: `${imagesDir}/${tar}` }]);
        assert.match(script, /docker import`s as busybox:latest/);
    });
});

describe("warnings: an image no engine of a registry-less driver has", () => {
    it("warns, naming the container, the images there are and the way out; validation still passes", () => {
        const raw = netns({}, ["busybox", "nginx:1.25"]);
        assert.deepEqual(validateConfig(raw, "dev"), []);
        assert.deepEqual(warnings(raw), [
            'docker-overlay:containers[1].image: "nginx:1.25" is on no engine: netns engines reach no registry and have only the images in driver.images (busybox:latest); ' +
                "add it to driver.images with a rootfs tarball to docker import, or use one of those; otherwise up fails at container c2",
        ]);
        assert.equal(WARNING_PREFIX, "warning: ");
    });

    it("with images: [] every container's image is on no engine", () => {
        assert.deepEqual(warnings(netns({ images: [] }, ["busybox"])), [
            'docker-overlay:containers[0].image: "busybox" is on no engine: netns engines reach no registry and have only the images in driver.images (none); ' +
                "add it to driver.images with a rootfs tarball to docker import, or use one of those; otherwise up fails at container c1",
        ]);
    });

    it("matches references the way the engine resolves them", () => {
        assert.deepEqual(warnings(netns({}, ["busybox", "busybox:latest", "docker.io/library/busybox", "library/busybox:latest"])), []);
        assert.deepEqual(
            ["busybox", "busybox:1.36", "docker.io/busybox", "registry:5000/busybox", "registry:5000/busybox:2", "busybox@sha256:abc"].map(canonicalImage),
            ["busybox:latest", "busybox:1.36", "busybox:latest", "registry:5000/busybox:latest", "registry:5000/busybox:2", "busybox@sha256:abc"],
        );
    });

    it("says nothing for drivers whose engines can pull, nor for a configuration with problems", () => {
        const dind = {
            driver: { kind: "dind" },
            hosts: [{ name: "h1" }],
            networks: [{ name: "n1", subnet: "10.0.0.0/24" }],
            containers: [{ name: "c1", image: "nginx", networks: ["n1"] }],
        };
        assert.deepEqual(warnings(dind), []);
        assert.deepEqual(warnings({ ...netns({}, ["nginx"]), hosts: [] }), []);
    });

    it("the shipped and lab stacks have no warnings, except t-badimage's and t-rerun's deliberately missing image", () => {
        const dirs = [ROOT, path.join(ROOT, "examples"), path.join(ROOT, "tests", "lab", "stacks")];
        const files = dirs.flatMap((d) =>
            fs
                .readdirSync(d)
                .filter((f) => /^Pulumi\..+\.ya?ml$/.test(f) && f !== "Pulumi.yaml")
                .map((f) => path.join(d, f)),
        );
        assert.ok(files.length >= 15, `found ${files.length} stack files`);
        const found = files.flatMap((f) => {
            const { stack, raw } = loadStackFile(f);
            return configWarnings(raw, stack).map((w) => `${path.basename(f)}: ${formatProblem(w)}`);
        });
        const missing = (file: string) =>
            `${file}: docker-overlay:containers[1].image: "nosuchimage:1" is on no engine: netns engines reach no registry and have only the images in driver.images (busybox:latest); ` +
            "add it to driver.images with a rootfs tarball to docker import, or use one of those; otherwise up fails at container c2";
        assert.deepEqual(found, [missing("Pulumi.t-badimage.yaml"), missing("Pulumi.t-rerun.yaml")]);
    });

    it("the program logs them as Pulumi warnings and goes on", async () => {
        const logged: string[] = [];
        const warn = console.warn;
        console.warn = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
        let run;
        try {
            run = await preview(netns({}, ["busybox", "nginx:1.25"]));
        } finally {
            console.warn = warn;
        }
        assert.deepEqual(logged, [
            'warning: [runtime] docker-overlay:containers[1].image: "nginx:1.25" is on no engine: netns engines reach no registry and have only the images in driver.images (busybox:latest); ' +
                "add it to driver.images with a rootfs tarball to docker import, or use one of those; otherwise up fails at container c2",
        ]);
        assert.ok(
            run.registrations.some((r) => r.name === "c2"),
            "the run goes on: c2 is registered",
        );
    });

    it("npm run validate prints them before its summary and exits 0", () => {
        const file = path.join(ROOT, "tests", "lab", "stacks", "Pulumi.t-badimage.yaml");
        const out = spawnSync(process.execPath, nodeTsArgv(path.join(ROOT, "tools", "validate.ts"), file).slice(1), {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(out.status, 0, out.stderr);
        assert.deepEqual(out.stdout.split("\n"), [
            'warning: docker-overlay:containers[1].image: "nosuchimage:1" is on no engine: netns engines reach no registry and have only the images in driver.images (busybox:latest); ' +
                "add it to driver.images with a rootfs tarball to docker import, or use one of those; otherwise up fails at container c2",
            `${file}: valid: stack t-badimage, driver netns, consul store, engine API TLS off, 2 hosts, 1 networks, 2 containers`,
            "",
        ]);
    });
});
