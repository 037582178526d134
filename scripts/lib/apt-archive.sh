# shellcheck shell=bash
# Sourced by scripts/lab-deps.sh and scripts/lab-dind-deps.sh: where this
# machine's own apt sources say the Debian archive is, so the project's
# scripts name no archive host of their own.

# system_archive SUITE: the first URI the system's apt sources give for SUITE.
system_archive() {
    local suite=$1 f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        # deb822 stanzas: print the URIs of a stanza whose Suites name the suite.
        awk -v suite="$suite" '
            /^[ \t]*$/ { if (hit && uri != "") { print uri; exit } uri = ""; hit = 0; next }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
            END { if (hit && uri != "") print uri }
        ' "$f" | head -n1
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' "$f"
    done
}
