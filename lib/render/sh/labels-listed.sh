#!/bin/sh
# shellcheck disable=SC2154 # a fragment: LABELS (one key=value a line) comes from the rendered header
# labels_now [PREFIX...]: the engine's labels as `PREFIX docker info` lists them, one a
# line, sorted (dockerd keeps them in no fixed order: moby v20.10.5
# daemon/config/config.go GetConflictFreeLabels builds them from a map). PREFIX is
# nothing where `docker` already reaches the engine, `sudo -n` on an ssh machine.
labels_now() { "$@" docker info --format '{{range .Labels}}{{println .}}{{end}}' 2>/dev/null | sed '/^$/d' | LC_ALL=C sort; }
# labels_want: LABELS the same way.
labels_want() { printf '%s\n' "$LABELS" | sed '/^$/d' | LC_ALL=C sort; }
# labels_listed [PREFIX...]: whether the engine lists exactly LABELS, values included.
# shellcheck disable=SC2120 # PREFIX is optional: the netns script passes none
labels_listed() { [ "$(labels_now "$@")" = "$(labels_want)" ]; }
