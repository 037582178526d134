/**
 * Provider environment variables (lib/env/providers.ts): which ones the program
 * refuses for which stack, the exact error, and that index.ts stops with it
 * before registering anything.
 */
import * as assert from "node:assert/strict";
import * as path from "path";
import { loadStackFile } from "../../lib/config/load";
import { ClusterConfig, RawConfig } from "../../lib/config/types";
import { normalizeConfig } from "../../lib/config/validate";
import { formatProviderEnvironmentProblems, providerEnvironmentProblems } from "../../lib/env/providers";
import { previewMocks } from "../../runner/mocks";
import { runProgram } from "../../runner/program";
import { devRaw, devWith } from "./helpers";

const EXAMPLES = path.resolve(__dirname, "..", "..", "examples");

function example(name: string): ClusterConfig {
    const { stack, raw } = loadStackFile(path.join(EXAMPLES, `Pulumi.${name}.yaml`));
    return normalizeConfig(raw, stack);
}

function config(raw: RawConfig): ClusterConfig {
    return normalizeConfig(raw, "dev");
}

/** The refused variables' names for `env`. */
function refused(env: Record<string, string>, c: ClusterConfig): string[] {
    return providerEnvironmentProblems(env, c).map((p) => p.variable);
}

const CONTEXT = `  DOCKER_CONTEXT: the docker provider would use that context's endpoint instead of the host the program sets, sending every resource to another engine`;
const TOKEN = `  CONSUL_HTTP_TOKEN: the consul provider would send that ACL token with every request to the program's consul (the program sets none)`;

describe("provider environment: variables that would redirect or break the providers", () => {
    it("dev stack: DOCKER_CONTEXT and a consul token are refused in one message naming each and the fix", () => {
        const problems = providerEnvironmentProblems({ DOCKER_CONTEXT: "remote", CONSUL_HTTP_TOKEN: "secret-token", PATH: "/usr/bin" }, config(devRaw()));
        assert.equal(
            formatProviderEnvironmentProblems(problems),
            [
                "docker-overlay: 2 environment variables would redirect or break this stack's providers; nothing was registered:",
                CONTEXT,
                TOKEN,
                "Unset them for this command, e.g. `env -u DOCKER_CONTEXT -u CONSUL_HTTP_TOKEN pulumi up` (the same for preview, refresh and destroy).",
            ].join("\n"),
        );
        assert.doesNotMatch(formatProviderEnvironmentProblems(problems), /secret-token/, "never prints a value");
    });

    it("one variable: the message says it", () => {
        assert.equal(
            formatProviderEnvironmentProblems(providerEnvironmentProblems({ DOCKER_CONTEXT: "remote" }, config(devRaw()))),
            [
                "docker-overlay: 1 environment variable would redirect or break this stack's providers; nothing was registered:",
                CONTEXT,
                "Unset it for this command, e.g. `env -u DOCKER_CONTEXT pulumi up` (the same for preview, refresh and destroy).",
            ].join("\n"),
        );
    });

    it("inputs the program sets win: DOCKER_HOST, consul's address and scheme, empty values", () => {
        const env = {
            DOCKER_HOST: "tcp://203.0.113.9:2376",
            DOCKER_API_VERSION: "1.41",
            CONSUL_HTTP_ADDR: "203.0.113.9:8500",
            CONSUL_ADDRESS: "203.0.113.9:8500",
            CONSUL_SCHEME: "https",
            CONSUL_HTTP_SCHEME: "https",
            CONSUL_HTTP_SSL: "true",
            DOCKER_CONTEXT: "",
        };
        assert.deepEqual(refused(env, config(devRaw())), []);
    });

    it("DOCKER_CERT_PATH: fails the program's own client certificate; a TLS client for engines without TLS; docker-machine's certPath wins", () => {
        const tlsNetns = config(devWith((r) => (r.engine.tls = true)));
        assert.deepEqual(providerEnvironmentProblems({ DOCKER_CERT_PATH: "/home/u/.docker" }, tlsNetns), [
            {
                variable: "DOCKER_CERT_PATH",
                provider: "docker",
                effect: `the docker provider would refuse the client certificate the program sets ("cert_path must not be specified") and every docker call would fail`,
            },
        ]);
        assert.deepEqual(providerEnvironmentProblems({ DOCKER_CERT_PATH: "/home/u/.docker" }, config(devRaw())), [
            {
                variable: "DOCKER_CERT_PATH",
                provider: "docker",
                effect: "the docker provider would speak TLS with the certificates in that directory to the engines the program names, which expect none",
            },
        ]);
        assert.deepEqual(refused({ DOCKER_CERT_PATH: "/home/u/.docker" }, example("docker-machine")), []);
    });

    it("DOCKER_*_MATERIAL: the program's material wins on netns and ssh with TLS; refused with dind (its local provider has none), docker-machine and without TLS", () => {
        const env = { DOCKER_CA_MATERIAL: "ca", DOCKER_CERT_MATERIAL: "cert", DOCKER_KEY_MATERIAL: "key" };
        assert.deepEqual(refused(env, config(devWith((r) => (r.engine.tls = true)))), []);
        assert.deepEqual(refused(env, example("ssh")), []);
        assert.deepEqual(refused(env, config(devRaw())), ["DOCKER_CERT_MATERIAL", "DOCKER_KEY_MATERIAL", "DOCKER_CA_MATERIAL"]);
        assert.deepEqual(refused(env, example("dind")), ["DOCKER_CERT_MATERIAL", "DOCKER_KEY_MATERIAL", "DOCKER_CA_MATERIAL"]);
        assert.deepEqual(providerEnvironmentProblems({ DOCKER_CERT_MATERIAL: "cert" }, example("docker-machine")), [
            {
                variable: "DOCKER_CERT_MATERIAL",
                provider: "docker",
                effect: `the docker provider would refuse docker-machine's certificate directory the program sets ("cert_path must not be specified") and every docker call would fail`,
            },
        ]);
        // A CA alone is read only with a client certificate and key (terraform-provider-docker config.go).
        assert.deepEqual(refused({ DOCKER_CA_MATERIAL: "ca" }, config(devRaw())), []);
    });

    it("DOCKER_SSH_OPTS only where engines are reached over ssh://", () => {
        const sshPlain = example("ssh");
        sshPlain.engine.tls = false;
        assert.deepEqual(providerEnvironmentProblems({ DOCKER_SSH_OPTS: "-F /tmp/other" }, sshPlain), [
            {
                variable: "DOCKER_SSH_OPTS",
                provider: "docker",
                effect: "the docker provider would append these options to the ssh command it reaches the engines with",
            },
        ]);
        assert.deepEqual(refused({ DOCKER_SSH_OPTS: "-F /tmp/other" }, example("ssh")), [], "with engine.tls the providers speak tcp://");
        assert.deepEqual(refused({ DOCKER_SSH_OPTS: "-F /tmp/other" }, config(devRaw())), []);
    });

    it("DOCKER_TLS_VERIFY / DOCKER_TLS: refused where a script reaches an engine without TLS", () => {
        const env = { DOCKER_TLS_VERIFY: "1", DOCKER_TLS: "1" };
        assert.deepEqual(refused(env, config(devRaw())), ["DOCKER_TLS_VERIFY", "DOCKER_TLS"]);
        assert.deepEqual(
            refused(env, config(devWith((r) => (r.engine.tls = true)))),
            ["DOCKER_TLS_VERIFY", "DOCKER_TLS"],
            "netns machine scripts use the socket",
        );
        assert.deepEqual(refused(env, example("dind")), []);
        assert.deepEqual(refused(env, example("ssh")), []);
        assert.deepEqual(refused(env, example("docker-machine")), []);
    });

    it("consul over http: credentials, TLS files (loaded at client setup), namespace; not TLS-only settings", () => {
        const env = {
            CONSUL_TOKEN: "t",
            CONSUL_HTTP_TOKEN_FILE: "/t",
            CONSUL_HTTP_AUTH: "u:p",
            CONSUL_CA_FILE: "/ca",
            CONSUL_CACERT: "/ca",
            CONSUL_CLIENT_CERT: "/c",
            CONSUL_CAPATH: "/cas",
            CONSUL_TLS_SERVER_NAME: "consul.example",
            CONSUL_HTTP_SSL_VERIFY: "false",
            CONSUL_NAMESPACE: "team",
            CONSUL_PARTITION: "p",
        };
        assert.deepEqual(refused(env, config(devRaw())), [
            "CONSUL_TOKEN",
            "CONSUL_HTTP_TOKEN_FILE",
            "CONSUL_HTTP_AUTH",
            "CONSUL_CA_FILE",
            "CONSUL_CACERT",
            "CONSUL_CLIENT_CERT",
            "CONSUL_CAPATH",
            "CONSUL_NAMESPACE",
            "CONSUL_PARTITION",
        ]);
        assert.equal(
            providerEnvironmentProblems({ CONSUL_CACERT: "/ca" }, config(devRaw()))[0].effect,
            "the consul client would load that file even for http, and fail every call if it cannot",
        );
    });

    it("consul with kvStore.tls: files replace the program's PEM, verification settings refused, CONSUL_CAPATH loses to caPem", () => {
        const tls = config(devWith((r) => (r.kvStore = { backend: "consul", machine: "kvstore", tls: true })));
        assert.deepEqual(
            refused({ CONSUL_CAPATH: "/cas", CONSUL_CACERT: "/ca", CONSUL_KEY_FILE: "/k", CONSUL_HTTP_SSL_VERIFY: "false", CONSUL_TLS_SERVER_NAME: "x" }, tls),
            ["CONSUL_KEY_FILE", "CONSUL_CACERT", "CONSUL_TLS_SERVER_NAME", "CONSUL_HTTP_SSL_VERIFY"],
        );
        assert.equal(
            providerEnvironmentProblems({ CONSUL_CACERT: "/ca" }, tls)[0].effect,
            "the consul client would use that file instead of the PEM material the program sets",
        );
    });

    it("no consul provider, no consul variable matters (etcd; swarm mode without a store)", () => {
        const env = { CONSUL_HTTP_TOKEN: "t", CONSUL_CACERT: "/ca", CONSUL_NAMESPACE: "n" };
        assert.deepEqual(refused(env, example("etcd")), []);
        const swarm = example("swarm");
        assert.equal(swarm.kvStore, undefined, "the swarm example configures no store");
        assert.deepEqual(refused(env, swarm), []);
    });
});

describe("program: a provider environment variable stops it before anything is registered", () => {
    const saved: Record<string, string | undefined> = {};
    const set = (name: string, value: string) => {
        saved[name] = process.env[name];
        process.env[name] = value;
    };
    afterEach(() => {
        for (const [name, value] of Object.entries(saved)) {
            if (value === undefined) {
                delete process.env[name];
            } else {
                process.env[name] = value;
            }
        }
    });

    it("throws the one message and registers no resource", async () => {
        set("DOCKER_CONTEXT", "remote");
        set("CONSUL_HTTP_TOKEN", "secret-token");
        const registered: string[] = [];
        await assert.rejects(
            runProgram({ stack: "dev", raw: devRaw(), mocks: previewMocks, preview: true, onRegister: (r) => registered.push(r.type) }),
            (err: Error) => {
                assert.equal(
                    err.message,
                    [
                        "docker-overlay: 2 environment variables would redirect or break this stack's providers; nothing was registered:",
                        CONTEXT,
                        TOKEN,
                        "Unset them for this command, e.g. `env -u DOCKER_CONTEXT -u CONSUL_HTTP_TOKEN pulumi up` (the same for preview, refresh and destroy).",
                    ].join("\n"),
                );
                return true;
            },
        );
        assert.deepEqual(
            registered.filter((t) => t !== "pulumi:pulumi:Stack"),
            [],
        );
    });

    it("DOCKER_HOST alone does not stop it (the program sets every provider's host)", async () => {
        set("DOCKER_HOST", "tcp://203.0.113.9:2376");
        const run = await runProgram({ stack: "dev", raw: devRaw(), mocks: previewMocks, preview: true });
        assert.ok(
            run.registrations.some(
                (r) => r.type === "pulumi:providers:docker" && r.inputs["host"] === "unix:///run/docker-overlay/dev/swarm-node1/docker.sock",
            ),
        );
    });
});
