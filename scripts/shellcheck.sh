#!/usr/bin/env bash
# Runs shellcheck on every shell script of the project, and on the scripts the
# program renders for the example stacks (Pulumi.dev.yaml, examples/*.yaml):
# the netns/ssh/docker-machine driver scripts, swarm, the ESP probe, the
# connectivity check, as `npm run plan` shows them. Fails on any finding of
# severity style or above in the project's own files, and of severity warning
# or above in the rendered scripts (where `$SUDO cmd` and similar are meant).
# Needs shellcheck (Debian: apt-get install -y shellcheck).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v shellcheck >/dev/null || { echo "shellcheck.sh: shellcheck is not installed (apt-get install -y shellcheck)" >&2; exit 2; }
shellcheck --version | sed -n 's/^version: /shellcheck /p'

status=0

# 1. The project's own scripts: every tracked *.sh, and extension-less files with a shell #! line.
mapfile -t files < <(
    git ls-files -- '*.sh'
    git ls-files | while IFS= read -r f; do
        case "$f" in *.sh | node_modules/*) continue ;; esac
        [ -f "$f" ] && head -n 1 "$f" | grep -qE '^#!.*\b(ba|da)?sh\b' && printf '%s\n' "$f"
    done
)
echo "checking ${#files[@]} script files"
shellcheck -x -S style "${files[@]}" || status=1

# 2. The rendered scripts of the example stacks.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stacks=(Pulumi.dev.yaml examples/*.yaml)
for stack in "${stacks[@]}"; do
    name=$(basename "$stack" .yaml)
    if ! npm run -s plan -- "$stack" --format json >"$work/$name.json" 2>"$work/$name.err"; then
        echo "shellcheck.sh: npm run plan -- $stack failed:" >&2
        cat "$work/$name.err" >&2
        status=1
        continue
    fi
    mkdir -p "$work/$name"
    # shellcheck disable=SC2016 # JavaScript, whose ${...} is a template literal
    node -e '
        const fs = require("fs");
        const [json, dir] = process.argv.slice(1);
        let n = 0;
        for (const r of JSON.parse(fs.readFileSync(json, "utf8")).resources) {
            if (!/^command:(local|remote):Command$/.test(r.type)) continue;
            for (const key of ["create", "update", "delete"]) {
                const text = r.inputs[key];
                if (typeof text !== "string" || !text.startsWith("#!")) continue;
                fs.writeFileSync(`${dir}/${r.name}.${key}.sh`, text);
                n++;
            }
        }
        console.log(n);
    ' "$work/$name.json" "$work/$name" >"$work/$name.count"
    echo "checking $(cat "$work/$name.count") rendered scripts of $stack"
    rendered=("$work/$name"/*.sh)
    [ -e "${rendered[0]}" ] || continue
    (cd "$work/$name" && shellcheck -S warning ./*.sh) || status=1
done

if [ "$status" -eq 0 ]; then echo "shellcheck: clean"; fi
exit "$status"
