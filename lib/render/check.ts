/**
 * The connectivity check as a bash script: every ordered pair of containers,
 * as `connectivityPairs` (lib/check/pairs.ts) lists them, pings from one
 * container to the other with `docker exec`, by IP and by name where they
 * share a network, and expects silence where they share none. Prints one JSON
 * document on stdout and exits 1 if any pair fails, so `pulumi up` fails when
 * the overlay does not work.
 *
 * The script's text grows with the containers, not with the pairs: it carries
 * a table of containers (name, docker host, networks) and walks the pairs
 * itself when it runs, in connectivityPairs' order. Rendering every pair
 * (n*(n-1) of them) made a plan of 3,000 containers hold a script of gigabytes
 * (bench/RESULTS.md). When it runs it also does far fewer docker calls than
 * one per probe: one `inspect` per container for its addresses, then one
 * `exec` per container that pings all of its targets in parallel, with a few
 * containers at a time; a probe that must fail (isolated pairs) waits its
 * 2 s timeout alongside the others instead of one after another.
 * The containers' images need `sh` and `ping` (busybox has both).
 */
import { CheckContainer } from "../check/pairs";
import { shQuote } from "./shell";
import { DockerCliAccess, renderDockerCliPrelude } from "./dockerCli";

/** The script is bash (arrays of results, `pipefail`); the command provider's default is /bin/sh. */
export const CHECK_SCRIPT_INTERPRETER: readonly string[] = ["/bin/bash", "-c"];

export interface CheckTarget {
    /** Docker endpoint of the host the container runs on. */
    dockerHost: string;
}

export interface CheckResult {
    pairs: {
        from: string;
        to: string;
        expect: "reach" | "isolated";
        network: string;
        ip: string;
        byIp: boolean;
        byName: boolean;
        ok: boolean;
    }[];
    passed: number;
    failed: number;
}

/** docker calls (inspects, execs) the check runs at a time. */
export const CHECK_PARALLEL_DOCKER_CALLS = 8;
/** Pings one container runs at a time. */
export const CHECK_PARALLEL_PINGS = 32;

/** Code-point order, as connectivityPairs sorts. */
function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The check as a bash script. `access.cli` is the docker CLI it runs; for
 * `tcp://` hosts the client's TLS material comes in the environment
 * (lib/render/dockerCli.ts), never in the script's text.
 */
export function renderCheckScript(
    containers: readonly CheckContainer[],
    targets: Record<string, CheckTarget>,
    access: DockerCliAccess = { cli: "docker" },
): string {
    const sorted = [...containers].sort((a, b) => compare(a.name, b.name));
    const table = sorted.map((c) => {
        const target = targets[c.name];
        if (target === undefined) {
            throw new Error(`renderCheckScript: no docker host for container ${c.name}`);
        }
        return `c ${shQuote(c.name)} ${shQuote(target.dockerHost)} ${shQuote([...c.networks].sort(compare).join(" "))}`;
    });
    // Inside the container (sh, not bash): ping every target given, CHECK_PARALLEL_PINGS at a time;
    // one line per target, "ok <target>" or "no <target>".
    const pingAll =
        'i=0; for t; do (if ping -c 1 -W 2 "$t" >/dev/null 2>&1; then echo "ok $t"; else echo "no $t"; fi) & ' +
        `i=$((i + 1)); [ $((i % ${CHECK_PARALLEL_PINGS})) -ne 0 ] || wait; done; wait`;
    const lines = [
        "#!/usr/bin/env bash",
        "# Connectivity check rendered by docker-overlay (lib/render/check.ts).",
        "set -uo pipefail",
        ...renderDockerCliPrelude(access),
        "passed=0; failed=0; sep=''",
        // record <from> <to> <expect> <network> <ip> <byIp> <byName>
        "record() {",
        "  local ok=false",
        "  if [ \"$3\" = reach ]; then [ \"$6\" = true ] && [ \"$7\" = true ] && ok=true",
        "  else [ \"$6\" = false ] && [ \"$7\" = false ] && ok=true; fi",
        "  if [ $ok = true ]; then passed=$((passed+1)); else failed=$((failed+1)); fi",
        "  printf '%s{\"from\":\"%s\",\"to\":\"%s\",\"expect\":\"%s\",\"network\":\"%s\",\"ip\":\"%s\",\"byIp\":%s,\"byName\":%s,\"ok\":%s}' \"$sep\" \"$1\" \"$2\" \"$3\" \"$4\" \"$5\" \"$6\" \"$7\" $ok >>\"$out\"",
        "  sep=','",
        "  printf '%-12s -> %-12s %-9s %-10s %-15s ip:%-5s name:%-5s %s\\n' \"$1\" \"$2\" \"$3\" \"$4\" \"$5\" \"$6\" \"$7\" \"$([ $ok = true ] && echo ok || echo FAIL)\" >&2",
        "}",
        "work=$(mktemp -d); cleanup_paths+=(\"$work\")",
        "out=\"$work/records\"; : >\"$out\"",
        "",
        "# The containers in name order: name, docker host, networks (in name order).",
        "N=(); H=(); NETS=()",
        'c() { N+=("$1"); H+=("$2"); NETS+=("$3"); }',
        ...table,
        "n=${#N[@]}",
        "",
        `# At most ${CHECK_PARALLEL_DOCKER_CALLS} docker calls at a time.`,
        `throttle() { while [ "$(jobs -pr | wc -l)" -ge ${CHECK_PARALLEL_DOCKER_CALLS} ]; do wait -n 2>/dev/null || true; done; }`,
        "",
        "# 1. Each container's address on each of its networks: one inspect per container.",
        "addresses() {",
        "  dk \"${H[$1]}\" inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{$v.IPAddress}}{{\"\\n\"}}{{end}}' \"${N[$1]}\" >\"$work/ip.$1\" 2>/dev/null || true",
        "}",
        'for ((i = 0; i < n; i++)); do throttle; addresses "$i" & done; wait',
        "declare -A IP=()",
        'for ((i = 0; i < n; i++)); do [ -f "$work/ip.$i" ] || continue; while read -r net ip; do [ -n "$net" ] && IP["$i $net"]=$ip; done <"$work/ip.$i"; done',
        "",
        "# shared I J: SHARED becomes the first of I's networks (name order) that J is on too, or empty.",
        'shared() { local net; SHARED=""; for net in ${NETS[$1]}; do case " ${NETS[$2]} " in *" $net "*) SHARED=$net; return ;; esac; done; }',
        "",
        "# 2. From each container, every address and name it must (or must not) reach, pinged in",
        "#    one exec: the other's address on the first network they share and its name, or, sharing",
        "#    none, its addresses on each of its networks and its name.",
        `PING_ALL=${shQuote(pingAll)}`,
        "probes() {",
        "  local i=$1 j net ip; local -a t=()",
        "  for ((j = 0; j < n; j++)); do",
        '    [ "$j" -eq "$i" ] && continue',
        '    shared "$i" "$j"',
        '    for net in ${SHARED:-${NETS[$j]}}; do ip=${IP["$j $net"]:-}; [ -n "$ip" ] && t+=("$ip"); done',
        '    t+=("${N[$j]}")',
        "  done",
        '  [ ${#t[@]} -gt 0 ] || return 0',
        '  dk "${H[$i]}" exec "${N[$i]}" sh -c "$PING_ALL" sh "${t[@]}" >"$work/probe.$i" 2>/dev/null || true',
        "}",
        'for ((i = 0; i < n; i++)); do throttle; probes "$i" & done; wait',
        "declare -A OK=()",
        'for ((i = 0; i < n; i++)); do [ -f "$work/probe.$i" ] || continue; while read -r r t; do [ "$r" = ok ] && OK["$i $t"]=1; done <"$work/probe.$i"; done',
        "# reached I TARGET: R becomes true when container I pinged TARGET (an address or a name).",
        'reached() { R=false; if [ -n "$2" ] && [ -n "${OK["$1 $2"]:-}" ]; then R=true; fi; }',
        "",
        "# 3. One record per pair (per network of the other for pairs sharing none), in connectivityPairs' order.",
        "for ((i = 0; i < n; i++)); do",
        "  for ((j = 0; j < n; j++)); do",
        '    [ "$j" -eq "$i" ] && continue',
        '    shared "$i" "$j"',
        '    reached "$i" "${N[$j]}"; by_name=$R',
        '    if [ -n "$SHARED" ]; then',
        '      ip=${IP["$j $SHARED"]:-}',
        '      reached "$i" "$ip"; record "${N[$i]}" "${N[$j]}" reach "$SHARED" "$ip" "$R" "$by_name"',
        "    else",
        "      for net in ${NETS[$j]}; do",
        '        ip=${IP["$j $net"]:-}',
        '        reached "$i" "$ip"; record "${N[$i]}" "${N[$j]}" isolated "$net" "$ip" "$R" "$by_name"',
        "      done",
        "    fi",
        "  done",
        "done",
    ];
    lines.push(
        "printf '{\"pairs\":[%s],\"passed\":%d,\"failed\":%d}\\n' \"$(cat \"$out\")\" $passed $failed",
        "[ $failed -eq 0 ]",
        "",
    );
    return lines.join("\n");
}

/** Parses the script's stdout; undefined while it has not run (preview, plan). */
export function parseCheckResult(stdout: string | undefined): CheckResult | undefined {
    if (stdout === undefined || stdout.trim() === "") {
        return undefined;
    }
    return JSON.parse(stdout) as CheckResult;
}
