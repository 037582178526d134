/**
 * Environment variables that would redirect or break the program's providers.
 *
 * Provider plugins inherit the environment of the `pulumi` CLI, and several
 * of their settings default to an environment variable when the program does
 * not set them. A shell with such a variable set (a `docker context use`, a
 * consul token exported for another cluster) would send the program's
 * resources elsewhere or make every call fail. The program refuses to start
 * (index.ts, before any resource is registered) when one of them is set,
 * unless the input the program sets already wins over it.
 *
 * Pure: takes the environment and the normalized config. What each variable
 * does is read from the providers' sources (docs/provider-rules.md 3.1, 3.5,
 * 3.6; short names K, TC, PC as there):
 *
 * docker provider (K `internal/provider/provider.go:45-103`: `host` defaults to
 * DOCKER_HOST only when unset; `context`, `ssh_opts`, `*_material`,
 * `cert_path` default to their variables; `configure` `:203-217` uses the
 * context's endpoint instead of `host`; `config.go:129-181` builds the client):
 *   DOCKER_CONTEXT            always refused: overrides the `host` the program sets.
 *   DOCKER_CERT_PATH          refused unless docker-machine (the program sets `certPath`
 *                             on every provider, so the input wins): with the program's
 *                             material every call fails "cert_path must not be specified"
 *                             (`config.go:134-136`); without, the client speaks TLS with
 *                             those files to engines that expect none (`:153-165`).
 *   DOCKER_CERT_MATERIAL,
 *   DOCKER_KEY_MATERIAL       refused unless the program sets material on every docker
 *                             provider (engine.tls on netns or ssh: the inputs win);
 *                             with docker-machine's `certPath` every call fails
 *                             "cert_path must not be specified"; otherwise a TLS client
 *                             for unix:// / ssh:// engines (`:129-152`).
 *   DOCKER_CA_MATERIAL        only read together with cert and key material (`:129-141`):
 *                             refused when one of those two is refused too.
 *   DOCKER_SSH_OPTS           refused when an engine is reached over ssh:// (the ssh
 *                             driver without engine.tls): appended to that ssh command
 *                             (`:166-181`); no effect otherwise.
 *   DOCKER_HOST               never refused: the program sets `host` on every provider.
 * command provider (local scripts inherit the whole environment, PC
 * `local/commandOutputs.go:81`); the scripts pass `-H`, which the docker CLI
 * prefers to DOCKER_HOST and DOCKER_CONTEXT, but:
 *   DOCKER_TLS_VERIFY,
 *   DOCKER_TLS                refused when a script reaches an engine without TLS (the
 *                             netns machine scripts on the unix socket; every driver but
 *                             docker-machine without engine.tls): the CLI then wants
 *                             ~/.docker/ca.pem and fails ("unable to resolve docker
 *                             endpoint"). With TLS the scripts pass --tlsverify and the
 *                             program's files themselves.
 * consul provider (only when the program has one: a consul KV store; TC
 * `consul/resource_provider.go:41-136`, `consul/config.go:36-116`; consul/api's
 * own variables through `consulapi.DefaultConfig()`):
 *   CONSUL_ADDRESS, CONSUL_HTTP_ADDR, CONSUL_SCHEME, CONSUL_HTTP_SCHEME, CONSUL_HTTP_SSL
 *                             never refused: the program sets `address` and `scheme`,
 *                             which `config.go` applies over them.
 *   CONSUL_HTTP_TOKEN, CONSUL_TOKEN, CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_AUTH
 *                             refused: the program sets no token or credentials, so
 *                             these would be sent to the program's consul.
 *   CONSUL_CA_FILE, CONSUL_CERT_FILE, CONSUL_KEY_FILE (the provider's `*_file`
 *   defaults) and CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY (consul/api's)
 *                             refused: with kvStore.tls the client uses these files
 *                             instead of the PEM the program sets (consul/api
 *                             `SetupTLSConfig` loads the cert/key files after the PEM
 *                             pair and keeps them; go-rootcerts v1.0.2 `LoadCACerts`
 *                             takes a CA file before a CA certificate); without, they
 *                             are loaded when the client is built, also for http
 *                             (`config.go:81-88`), and a path it cannot read fails
 *                             every call.
 *   CONSUL_CAPATH             refused without kvStore.tls (loaded at client setup);
 *                             with it the program's `caPem` wins (go-rootcerts takes a
 *                             CA certificate before a CA path).
 *   CONSUL_TLS_SERVER_NAME, CONSUL_HTTP_SSL_VERIFY
 *                             refused with kvStore.tls: another name to verify, or no
 *                             verification (the provider only sets InsecureSkipVerify
 *                             when `insecure_https` is true, `config.go:69-75`); with
 *                             http they are not used.
 *   CONSUL_NAMESPACE, CONSUL_PARTITION
 *                             refused: the record would be written to that namespace
 *                             or partition (the program sets neither).
 */
import { ClusterConfig } from "../config/types";

/** One variable set in the environment that the program refuses. */
export interface ProviderEnvironmentProblem {
    /** The variable's name. */
    variable: string;
    /** The provider that reads it. */
    provider: "docker" | "command" | "consul";
    /** What it would do to this stack, as a sentence fragment. */
    effect: string;
}

/** What the program sets on its providers for this stack: decides which variables matter. */
interface ProviderSettings {
    /** The program sets ca/cert/key material on every docker provider (the dind local provider has none). */
    materialEverywhere: boolean;
    /** The program sets client material on the engines' providers. */
    materialOnEngines: boolean;
    /** The program sets `certPath` on every docker provider (docker-machine). */
    certPathEverywhere: boolean;
    /** Some engine is reached over ssh:// without TLS. */
    sshEngines: boolean;
    /** Some local script runs the docker CLI against an engine without TLS. */
    plainCliScripts: boolean;
    /** The program registers a consul provider. */
    consul: boolean;
    /** ...which speaks HTTPS with the program's PEM material. */
    consulTls: boolean;
}

function settingsOf(config: ClusterConfig): ProviderSettings {
    const kind = config.driver.kind;
    const tls = config.engine.tls;
    const materialOnEngines = tls && kind !== "docker-machine";
    return {
        materialOnEngines,
        materialEverywhere: materialOnEngines && kind !== "dind",
        certPathEverywhere: kind === "docker-machine",
        sshEngines: kind === "ssh" && !tls,
        // netns machine scripts always use the unix socket; other scripts pass --tlsverify with TLS.
        plainCliScripts: kind === "netns" || (!tls && kind !== "docker-machine"),
        consul: config.kvStore?.backend === "consul",
        consulTls: config.kvStore?.backend === "consul" && config.kvStore.tls,
    };
}

const ENGINES = "the engines the program names";

/**
 * The variables set (non-empty) in `env` that would redirect or break this
 * stack's providers, in a fixed order (docker, command, consul).
 */
export function providerEnvironmentProblems(env: Record<string, string | undefined>, config: ClusterConfig): ProviderEnvironmentProblem[] {
    const s = settingsOf(config);
    const set = (name: string) => (env[name] ?? "") !== "";
    const problems: ProviderEnvironmentProblem[] = [];
    const add = (variable: string, provider: ProviderEnvironmentProblem["provider"], effect: string) => {
        if (set(variable)) {
            problems.push({ variable, provider, effect });
        }
    };

    add(
        "DOCKER_CONTEXT",
        "docker",
        `the docker provider would use that context's endpoint instead of the host the program sets, sending every resource to another engine`,
    );
    if (!s.certPathEverywhere) {
        add(
            "DOCKER_CERT_PATH",
            "docker",
            s.materialOnEngines
                ? `the docker provider would refuse the client certificate the program sets ("cert_path must not be specified") and every docker call would fail`
                : `the docker provider would speak TLS with the certificates in that directory to ${ENGINES}, which expect none`,
        );
    }
    const materialProblem = s.certPathEverywhere
        ? `the docker provider would refuse docker-machine's certificate directory the program sets ("cert_path must not be specified") and every docker call would fail`
        : s.materialOnEngines
          ? `the docker provider of the local Docker running the machines would present that client certificate`
          : `the docker provider would present that client certificate over TLS to ${ENGINES}, which expect none`;
    if (!s.materialEverywhere) {
        add("DOCKER_CERT_MATERIAL", "docker", materialProblem);
        add("DOCKER_KEY_MATERIAL", "docker", materialProblem);
        if (set("DOCKER_CERT_MATERIAL") || set("DOCKER_KEY_MATERIAL")) {
            add("DOCKER_CA_MATERIAL", "docker", `the docker provider would verify engines against that CA, with the material above`);
        }
    }
    if (s.sshEngines) {
        add("DOCKER_SSH_OPTS", "docker", `the docker provider would append these options to the ssh command it reaches the engines with`);
    }
    if (s.plainCliScripts) {
        for (const variable of ["DOCKER_TLS_VERIFY", "DOCKER_TLS"]) {
            add(
                variable,
                "command",
                `the program's scripts (command provider) inherit it, and the docker CLI would speak TLS to engines that expect none (it fails "unable to resolve docker endpoint" without ~/.docker/ca.pem)`,
            );
        }
    }

    if (s.consul) {
        for (const variable of ["CONSUL_HTTP_TOKEN", "CONSUL_TOKEN", "CONSUL_HTTP_TOKEN_FILE"]) {
            add(variable, "consul", `the consul provider would send that ACL token with every request to the program's consul (the program sets none)`);
        }
        add("CONSUL_HTTP_AUTH", "consul", `the consul provider would send those basic-auth credentials to the program's consul (the program sets none)`);
        for (const variable of ["CONSUL_CA_FILE", "CONSUL_CERT_FILE", "CONSUL_KEY_FILE", "CONSUL_CACERT", "CONSUL_CLIENT_CERT", "CONSUL_CLIENT_KEY"]) {
            add(
                variable,
                "consul",
                s.consulTls
                    ? `the consul client would use that file instead of the PEM material the program sets`
                    : `the consul client would load that file even for http, and fail every call if it cannot`,
            );
        }
        if (!s.consulTls) {
            add("CONSUL_CAPATH", "consul", `the consul client would load that directory even for http, and fail every call if it cannot`);
        } else {
            add(
                "CONSUL_TLS_SERVER_NAME",
                "consul",
                `the consul client would verify the store's certificate for that name instead of the address the program dials`,
            );
            add("CONSUL_HTTP_SSL_VERIFY", "consul", `the consul client would take its certificate verification setting from it (false turns verification off)`);
        }
        for (const variable of ["CONSUL_NAMESPACE", "CONSUL_PARTITION"]) {
            add(
                variable,
                "consul",
                `the consul provider would read and write the cluster record in that ${variable === "CONSUL_NAMESPACE" ? "namespace" : "partition"}`,
            );
        }
    }
    return problems;
}

/** The one error the program stops with: each variable, what it would do, and the command that avoids it. */
export function formatProviderEnvironmentProblems(problems: ProviderEnvironmentProblem[]): string {
    const names = problems.map((p) => p.variable);
    const noun = problems.length === 1 ? "variable" : "variables";
    return [
        `docker-overlay: ${problems.length} environment ${noun} would redirect or break this stack's providers; nothing was registered:`,
        ...problems.map((p) => `  ${p.variable}: ${p.effect}`),
        `Unset ${problems.length === 1 ? "it" : "them"} for this command, e.g. \`env ${names.map((n) => `-u ${n}`).join(" ")} pulumi up\` (the same for preview, refresh and destroy).`,
    ].join("\n");
}

/** Thrown by the program before it registers anything. */
export class ProviderEnvironmentError extends Error {
    constructor(public readonly problems: ProviderEnvironmentProblem[]) {
        super(formatProviderEnvironmentProblems(problems));
        this.name = "ProviderEnvironmentError";
    }
}

/** Throws ProviderEnvironmentError when `env` has a variable that would redirect or break the providers. */
export function assertProviderEnvironment(env: Record<string, string | undefined>, config: ClusterConfig): void {
    const problems = providerEnvironmentProblems(env, config);
    if (problems.length > 0) {
        throw new ProviderEnvironmentError(problems);
    }
}
