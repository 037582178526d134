#!/usr/bin/env bash
# Lists, or removes, whatever the lab (driver.kind: netns) left behind on this
# machine. A last resort: `npm run lab -- down <stack-file>` is the way to take
# a stack down; this is for what a crashed run, a killed test or a bug left.
# (Over 500 lines on purpose: it must work alone on a broken machine, with no
# node and none of the repository's modules, for every kind of leftover.)
#
#   bash scripts/lab-clean.sh --check     list leftovers; exit 1 if there are any, 0 when clean
#   bash scripts/lab-clean.sh             remove them; exit 0 when clean afterwards, 1 otherwise
#
# What counts as a leftover:
#   - network namespaces named dovl-*
#   - links named dov* (the lab's veths dov<hash>, bridges dovl*)
#   - iptables rules (any table) whose comment starts with "docker-overlay"
#   - processes: dockerd, containerd, containerd-shim*, docker-proxy, consul, etcd,
#     java (zookeeper) whose command line mentions /var/lib/docker-overlay/<stack>
#     or /run/docker-overlay; processes whose root directory lies there (the
#     containers); processes inside a dovl-* namespace
#   - mounts under /var/lib/docker-overlay/<stack> and /run/docker-overlay
#   - stack state directories /var/lib/docker-overlay/<stack>, /run/docker-overlay/<stack>
#     (and /run/docker-overlay itself once empty)
#   - lab state files /var/lib/docker-overlay/lab/*.json
# Never touched: /var/lib/docker-overlay/images and /opt/docker-overlay (what
# scripts/lab-deps.sh installs), and the lab directory itself.
#
# Scope (repeatable; NAME may be a glob such as 'dovlb*'; a stack's bridge and a
# bridge's stack are found through the fabric's iptables comment
# "docker-overlay <stack> <bridge>" and the processes in the bridge's namespaces,
# a namespace's bridge through its veth, a process's stack through its command
# line or the layers of its root):
#   --stack NAME / --bridge NAME                 only what belongs to these stacks or bridges
#   --except-stack NAME / --except-bridge NAME   everything but what belongs to these
#                                                (other people's running stacks)
# The environment adds exceptions (comma- or space-separated), e.g. for a test run
# on a machine where others run stacks of their own:
#   DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_BRIDGES="dovls9 dovlb*"
#   DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_STACKS="swexp"
set -uo pipefail
shopt -s nullglob

STATE_BASE=/var/lib/docker-overlay
RUN_BASE=/run/docker-overlay
LAB_DIR="$STATE_BASE/lab"
# Under $STATE_BASE, what is not a stack's.
NOT_STACKS=(images lab)

usage() {
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

check=0
declare -a ONLY_STACKS=() ONLY_BRIDGES=() EXCEPT_STACKS=() EXCEPT_BRIDGES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=1 ;;
        --stack) [ $# -ge 2 ] || usage; ONLY_STACKS+=("$2"); shift ;;
        --bridge) [ $# -ge 2 ] || usage; ONLY_BRIDGES+=("$2"); shift ;;
        --except-stack) [ $# -ge 2 ] || usage; EXCEPT_STACKS+=("$2"); shift ;;
        --except-bridge) [ $# -ge 2 ] || usage; EXCEPT_BRIDGES+=("$2"); shift ;;
        -h|--help) usage ;;
        *) echo "lab-clean: unknown argument $1" >&2; usage ;;
    esac
    shift
done
# (read -a, not a for loop over an unquoted expansion: the names may be globs.)
IFS=$', \t\n' read -r -a v <<<"${DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_BRIDGES:-}"
EXCEPT_BRIDGES+=("${v[@]}")
IFS=$', \t\n' read -r -a v <<<"${DOCKER_OVERLAY_LAB_CLEAN_EXCEPT_STACKS:-}"
EXCEPT_STACKS+=("${v[@]}")

if [ "$(id -u)" -ne 0 ]; then
    echo "lab-clean: must run as root (it reads every process, namespace and iptables table)" >&2
    exit 2
fi

# ------------------------------------------------------------ inventory
# Each item: KIND<TAB>ID<TAB>DESCRIPTION<TAB>TAGS, TAGS being " stack:X bridge:Y ..." (leading
# and trailing blank), collected into ITEMS.
declare -a ITEMS=()
declare -A BRIDGE_STACKS=()   # bridge -> " stack ..." (from the fabric's iptables comments)
declare -A NS_TAGS=()         # namespace -> tags

# add KIND ID DESCRIPTION TAGS (tags deduplicated, kept in first-seen order)
add() {
    local t out=" "
    for t in $4; do case "$out" in *" $t "*) ;; *) out="$out$t " ;; esac; done
    ITEMS+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$out")
}

# The stack a path under our directories belongs to ("" when none).
stack_of_path() {
    local p=$1 rest
    case "$p" in
        "$STATE_BASE"/*) rest=${p#"$STATE_BASE"/} ;;
        "$RUN_BASE"/*) rest=${p#"$RUN_BASE"/} ;;
        *) return 0 ;;
    esac
    rest=${rest%%/*}
    local n
    for n in "${NOT_STACKS[@]}"; do [ "$rest" = "$n" ] && [[ "$p" == "$STATE_BASE"/* ]] && return 0; done
    printf '%s' "$rest"
}

# Stacks named by a command line (every --data-root=/var/lib/docker-overlay/<stack>/... etc.).
STACK_PATH_RE='(/var/lib/docker-overlay|/run/docker-overlay)/([^/[:space:]"'"'"'=]+)'
stacks_in_cmdline() {
    local cmd=$1 out="" m
    while [[ "$cmd" =~ $STACK_PATH_RE ]]; do
        m=${BASH_REMATCH[2]}
        cmd=${cmd/"${BASH_REMATCH[0]}"/}
        if [ "${BASH_REMATCH[1]}" = "$STATE_BASE" ] && { [ "$m" = images ] || [ "$m" = lab ]; }; then continue; fi
        case " $out " in *" stack:$m "*) ;; *) out="$out stack:$m" ;; esac
    done
    printf '%s' "$out"
}

MASTER_RE=' master ([^ ]+)'
PEERNS_RE=' link-netns ([^ ]+)'
BRIDGE_RE=' bridge '
VETH_RE=' veth '
COMMENT_RE='--comment "?(docker-overlay[^"]*)"?'
RULE_RE='^-A [A-Za-z0-9_-]+( [-A-Za-z0-9_./:!,=]+| "[-A-Za-z0-9_. ]+")*$'

inventory() {
    ITEMS=()
    BRIDGE_STACKS=()
    NS_TAGS=()
    local t line comment stack bridge tags

    # iptables rules, every table; the fabric's comment is "docker-overlay <stack> <bridge>".
    for t in filter nat mangle raw; do
        while IFS= read -r line; do
            case "$line" in -A*docker-overlay*) ;; *) continue ;; esac
            [[ "$line" =~ $COMMENT_RE ]] || continue
            comment=${BASH_REMATCH[1]}
            read -r _ stack bridge _ <<<"$comment"
            tags=""
            [ -n "${stack:-}" ] && tags="$tags stack:$stack"
            [ -n "${bridge:-}" ] && tags="$tags bridge:$bridge"
            if [ -n "${stack:-}" ] && [ -n "${bridge:-}" ]; then
                case "${BRIDGE_STACKS[$bridge]:-} " in *" $stack "*) ;; *) BRIDGE_STACKS[$bridge]="${BRIDGE_STACKS[$bridge]:-} $stack" ;; esac
            fi
            add iptables "$t"$'\x1f'"$line" "iptables -t $t $line" "$tags"
        done < <(iptables -w 5 -t "$t" -S 2>/dev/null)
    done

    # Links named dov*: bridges, and veths with the bridge they are a port of and the namespace of their peer.
    local name master peerns kind s
    declare -A LINK_MASTER=() LINK_PEERNS=() LINK_KIND=()
    while IFS= read -r line; do
        # "12: dov1234567890@if2: <...> mtu 1500 ... master dovl0 ... link-netns dovl-dev-x-abc123 ..."
        name=${line#*: }; name=${name%%: *}; name=${name%%@*}
        case "$name" in dov*) ;; *) continue ;; esac
        master=""; peerns=""; kind="link"
        [[ "$line" =~ $MASTER_RE ]] && master=${BASH_REMATCH[1]}
        [[ "$line" =~ $PEERNS_RE ]] && peerns=${BASH_REMATCH[1]}
        [[ "$line" =~ $BRIDGE_RE ]] && kind=bridge
        [[ "$line" =~ $VETH_RE ]] && kind=veth
        LINK_MASTER[$name]=$master; LINK_PEERNS[$name]=$peerns; LINK_KIND[$name]=$kind
    done < <(ip -d -o link show 2>/dev/null)
    # Namespaces' bridges, through the veths whose peers they hold.
    for name in "${!LINK_PEERNS[@]}"; do
        peerns=${LINK_PEERNS[$name]}
        [ -n "$peerns" ] || continue
        master=${LINK_MASTER[$name]}
        [ -n "$master" ] && NS_TAGS[$peerns]="${NS_TAGS[$peerns]:-} bridge:$master"
    done

    # Namespaces dovl-*, tagged with their bridge and the stacks their processes name.
    local ns pid cmd pids
    declare -A NS_PIDS=()
    while read -r ns _; do
        case "$ns" in dovl-*) ;; *) continue ;; esac
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        NS_PIDS[$ns]=$pids
        tags=${NS_TAGS[$ns]:-}
        for pid in $pids; do
            cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
            tags="$tags$(stacks_in_cmdline "$cmd")"
        done
        for bridge in $(tags_values bridge "$tags"); do
            for s in ${BRIDGE_STACKS[$bridge]:-}; do tags="$tags stack:$s"; done
        done
        NS_TAGS[$ns]=$tags
        add netns "$ns" "namespace $ns${pids:+ (pids: ${pids% })}" "$tags"
    done < <(ip netns list 2>/dev/null)

    for name in "${!LINK_KIND[@]}"; do
        kind=${LINK_KIND[$name]}; master=${LINK_MASTER[$name]}; peerns=${LINK_PEERNS[$name]}
        tags=""
        if [ "$kind" = bridge ]; then
            tags=" bridge:$name"
            for s in ${BRIDGE_STACKS[$name]:-}; do tags="$tags stack:$s"; done
        else
            [ -n "$master" ] && { tags="$tags bridge:$master"; for s in ${BRIDGE_STACKS[$master]:-}; do tags="$tags stack:$s"; done; }
            [ -n "$peerns" ] && tags="$tags ${NS_TAGS[$peerns]:-} netns:$peerns"
        fi
        add "link-$kind" "$name" "$kind $name${master:+ on $master}${peerns:+ (peer in $peerns)}" "$tags"
    done

    # Processes: our daemons by command line; containers as their descendants, or (orphaned)
    # by the overlay layers of their root mount; anything in a dovl-* namespace.
    local p comm mymnt mnt rootline netns_link ppid
    declare -A PPID_OF=() PTAGS=() NS_BY_LINK=()
    local -a allpids=()
    mymnt=$(readlink /proc/self/ns/mnt)
    # Every named namespace by its nsfs identity ("net:[4026532982]"), to tag a process
    # with the bridge its namespace hangs on.
    while read -r ns _; do
        netns_link=$(nsenter --net="/run/netns/$ns" readlink /proc/self/ns/net 2>/dev/null) || continue
        NS_BY_LINK[$netns_link]=$ns
    done < <(ip netns list 2>/dev/null)
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        [ "$pid" = "$$" ] && continue
        read -r line 2>/dev/null <"$p/stat" || continue
        line=${line##*) }
        read -r _ ppid _ <<<"$line"
        PPID_OF[$pid]=$ppid
        allpids+=("$pid")
        comm=$(cat "$p/comm" 2>/dev/null) || continue
        cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
        tags=""
        case "$comm" in
            dockerd|containerd|containerd-shim*|docker-proxy|consul|etcd|java)
                tags=$(stacks_in_cmdline "$cmd")
                ;;
        esac
        if [ -z "$tags" ]; then
            mnt=$(readlink "$p/ns/mnt" 2>/dev/null) || mnt=$mymnt
            if [ "$mnt" != "$mymnt" ]; then
                rootline=$(grep -m1 -E '^[0-9]+ [0-9]+ [^ ]+ [^ ]+ / ' "$p/mountinfo" 2>/dev/null) || rootline=""
                tags=$(stacks_in_cmdline "$rootline")
            fi
        fi
        if [ -z "$tags" ]; then
            for ns in "${!NS_PIDS[@]}"; do
                case " ${NS_PIDS[$ns]} " in *" $pid "*) tags="${NS_TAGS[$ns]} netns:$ns"; break ;; esac
            done
        fi
        if [ -n "$tags" ]; then
            # The bridge its namespace hangs on (and so that bridge's stack is this stack too).
            netns_link=$(readlink "$p/ns/net" 2>/dev/null) || netns_link=""
            ns=""
            [ -n "$netns_link" ] && ns=${NS_BY_LINK[$netns_link]:-}
            if [ -n "$ns" ] && [ -n "${NS_TAGS[$ns]:-}" ]; then
                for bridge in $(tags_values bridge "${NS_TAGS[$ns]}"); do
                    for s in $(tags_values stack "$tags"); do
                        case " ${BRIDGE_STACKS[$bridge]:-} " in *" $s "*) ;; *) BRIDGE_STACKS[$bridge]="${BRIDGE_STACKS[$bridge]:-} $s" ;; esac
                    done
                done
                tags="$tags ${NS_TAGS[$ns]} netns:$ns"
            fi
            PTAGS[$pid]=$tags
        fi
    done
    # Descendants of what was found take its tags (a container's processes under its shim).
    local a n
    for pid in "${allpids[@]}"; do
        [ -n "${PTAGS[$pid]:-}" ] && continue
        a=${PPID_OF[$pid]:-0}; n=0
        while [ "$a" -gt 1 ] && [ "$n" -lt 64 ]; do
            if [ -n "${PTAGS[$a]:-}" ]; then PTAGS[$pid]=${PTAGS[$a]}; break; fi
            a=${PPID_OF[$a]:-0}; n=$((n + 1))
        done
    done
    for pid in "${allpids[@]}"; do
        tags=${PTAGS[$pid]:-}
        [ -n "$tags" ] || continue
        kill -0 "$pid" 2>/dev/null || continue
        comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
        cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || cmd=""
        add process "$pid" "process $pid ($comm) ${cmd:0:150}" "$tags"
    done

    # Mounts under our directories (root mount namespace), deepest first when removing.
    local mp
    while read -r _ mp _; do
        mp=$(printf '%b' "$mp")
        case "$mp" in
            "$STATE_BASE"/images|"$STATE_BASE"/images/*|"$LAB_DIR"|"$LAB_DIR"/*) continue ;;
            "$STATE_BASE"/*|"$RUN_BASE"|"$RUN_BASE"/*) ;;
            *) continue ;;
        esac
        s=$(stack_of_path "$mp")
        add mount "$mp" "mount $mp" "${s:+stack:$s}"
    done </proc/self/mounts

    # Stack directories.
    local d base skip n
    for d in "$STATE_BASE"/* "$RUN_BASE"/*; do
        [ -e "$d" ] || continue
        base=${d##*/}
        skip=0
        if [[ "$d" == "$STATE_BASE"/* ]]; then
            for n in "${NOT_STACKS[@]}"; do [ "$base" = "$n" ] && skip=1; done
        fi
        [ "$skip" -eq 1 ] && continue
        add dir "$d" "directory $d" "stack:$base"
    done
    if [ -d "$RUN_BASE" ] && [ -z "$(ls -A "$RUN_BASE" 2>/dev/null)" ]; then
        add dir "$RUN_BASE" "directory $RUN_BASE (empty)" ""
    fi

    # Lab state files.
    for d in "$LAB_DIR"/*.json "$LAB_DIR"/*.json.*.tmp; do
        [ -e "$d" ] || continue
        base=${d##*/}; base=${base%%.json*}
        add statefile "$d" "lab state file $d" "stack:$base"
    done
}

# tags_values KEY TAGS: the values of KEY:... in TAGS, one per line.
tags_values() {
    local key=$1 t
    for t in $2; do case "$t" in "$key":*) printf '%s\n' "${t#"$key":}" ;; esac; done
}

# The netns name prefix of a stack (lib/drivers/netns.ts netnsName: dovl-<readable stack, 24>-).
ns_prefix() {
    local s=${1//[^A-Za-z0-9_.-]/_}
    printf 'dovl-%s-' "${s:0:24}"
}

# has_tag TAGS KEY PATTERN: does TAGS hold KEY:<value> with value matching the glob PATTERN?
has_tag() {
    local t
    for t in $1; do
        # shellcheck disable=SC2053 # $3 is a glob on purpose
        [[ "$t" == "$2":* ]] && [[ "${t#"$2":}" == $3 ]] && return 0
    done
    return 1
}

# matches ITEM STACKS... -- BRIDGES...: does the item belong to one of the stacks or bridges (globs)?
matches() {
    local kind id desc tags
    IFS=$'\t' read -r kind id desc tags <<<"$1"
    shift
    local s in_bridges=0
    for s in "$@"; do
        if [ "$s" = -- ]; then in_bridges=1; continue; fi
        if [ "$in_bridges" -eq 0 ]; then
            has_tag "$tags" stack "$s" && return 0
            if [ "$kind" = netns ]; then case "$id" in "$(ns_prefix "$s")"*) return 0 ;; esac; fi
        else
            has_tag "$tags" bridge "$s" && return 0
        fi
    done
    return 1
}

# A scope's stacks and bridges (globs), each completed with the other through what
# tied them together: the fabric's comments and the processes on a bridge's namespaces.
expand_scope() { # NAME_OF_STACK_ARRAY NAME_OF_BRIDGE_ARRAY
    local -n stacks=$1 bridges=$2
    local b s p
    local -a add_stacks=() add_bridges=()
    for b in "${!BRIDGE_STACKS[@]}"; do
        for p in "${bridges[@]}"; do
            # shellcheck disable=SC2053
            if [[ "$b" == $p ]]; then
                for s in ${BRIDGE_STACKS[$b]}; do add_stacks+=("$s"); done
            fi
        done
        for s in ${BRIDGE_STACKS[$b]}; do
            for p in "${stacks[@]}"; do
                # shellcheck disable=SC2053
                [[ "$s" == $p ]] && add_bridges+=("$b")
            done
        done
    done
    stacks+=("${add_stacks[@]}")
    bridges+=("${add_bridges[@]}")
}

declare -a SELECTED=() EXCEPTED=()
select_items() {
    local -a os=("${ONLY_STACKS[@]}") ob=("${ONLY_BRIDGES[@]}") es=("${EXCEPT_STACKS[@]}") eb=("${EXCEPT_BRIDGES[@]}")
    expand_scope os ob
    expand_scope es eb
    SELECTED=(); EXCEPTED=()
    local item
    for item in "${ITEMS[@]}"; do
        if [ $(( ${#os[@]} + ${#ob[@]} )) -gt 0 ] && ! matches "$item" "${os[@]}" -- "${ob[@]}"; then
            continue
        fi
        if [ $(( ${#es[@]} + ${#eb[@]} )) -gt 0 ] && matches "$item" "${es[@]}" -- "${eb[@]}"; then
            EXCEPTED+=("$item")
            continue
        fi
        SELECTED+=("$item")
    done
}

report() {
    local item kind id desc tags shown
    if [ "${#SELECTED[@]}" -eq 0 ]; then
        echo "lab-clean: clean"
    else
        echo "lab-clean: ${#SELECTED[@]} leftover(s):"
        for item in "${SELECTED[@]}"; do
            IFS=$'\t' read -r kind id desc tags <<<"$item"
            shown=$(tr -s ' ' <<<"$tags" | sed 's/^ //; s/ $//')
            printf '  %s%s\n' "$desc" "${shown:+  [$shown]}"
        done
    fi
    if [ "${#EXCEPTED[@]}" -gt 0 ]; then
        echo "lab-clean: left alone: ${#EXCEPTED[@]} item(s) of excepted stacks/bridges (${EXCEPT_STACKS[*]:-} ${EXCEPT_BRIDGES[*]:-})"
    fi
}

inventory
select_items
if [ "$check" -eq 1 ]; then
    report
    [ "${#SELECTED[@]}" -eq 0 ]
    exit
fi

# --------------------------------------------------------------- remove
log() { printf 'lab-clean: %s\n' "$*" >&2; }
of_kind() { # KIND: ids of selected items of that kind
    local item kind id _rest
    for item in "${SELECTED[@]}"; do
        IFS=$'\t' read -r kind id _rest <<<"$item"
        [ "$kind" = "$1" ] && printf '%s\n' "$id"
    done
}
alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

if [ "${#SELECTED[@]}" -eq 0 ]; then
    report
    exit 0
fi

# 1. Processes: TERM (dockerd stops its containers, consul/etcd flush), then KILL.
#    Rescanned: a dying dockerd's containerd and shims may show up late.
for round in 1 2 3; do
    mapfile -t pids < <(of_kind process)
    [ "${#pids[@]}" -gt 0 ] || break
    log "round $round: stopping ${#pids[@]} process(es): ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 100); do alive "${pids[@]}" || break; sleep 0.1; done
    if alive "${pids[@]}"; then
        kill -KILL "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 50); do alive "${pids[@]}" || break; sleep 0.1; done
    fi
    inventory; select_items
done

# 2. Mounts, deepest first; lazily if busy.
for _ in 1 2 3; do
    mapfile -t mps < <(of_kind mount | sort -ru)
    [ "${#mps[@]}" -gt 0 ] || break
    log "unmounting ${#mps[@]} mount(s)"
    for mp in "${mps[@]}"; do umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || log "cannot unmount $mp"; done
    inventory; select_items
done

# 3. iptables rules (deleted by their own specification; only rules of the safe shape).
while IFS= read -r id; do
    [ -n "$id" ] || continue
    t=${id%%$'\x1f'*}; rule=${id#*$'\x1f'}
    if [[ ! "$rule" =~ $RULE_RE ]]; then
        log "not deleting iptables rule of an unexpected shape: $rule"
        continue
    fi
    log "iptables -t $t: deleting $rule"
    eval "iptables -w 5 -t \"\$t\" -D ${rule#-A }" || log "could not delete: $rule"
done < <(of_kind iptables)

# 4. Namespaces.
while IFS= read -r ns; do
    [ -n "$ns" ] || continue
    log "deleting namespace $ns"
    ip netns del "$ns" 2>/dev/null || { umount -l "/run/netns/$ns" 2>/dev/null; rm -f "/run/netns/$ns"; }
done < <(of_kind netns)

# 5. Links: veths (and anything else) first, bridges last.
while IFS= read -r l; do
    [ -n "$l" ] || continue
    ip link show dev "$l" >/dev/null 2>&1 || continue
    log "deleting link $l"
    ip link del dev "$l" || true
done < <(of_kind link-veth; of_kind link-link; of_kind link-bridge)

# 6. Directories (never across a mount point we could not remove) and state files.
while IFS= read -r d; do
    [ -n "$d" ] || continue
    log "removing $d"
    if [ "$d" = "$RUN_BASE" ]; then rmdir -- "$d" 2>/dev/null || true; else rm -rf --one-file-system -- "$d" || true; fi
done < <(of_kind dir)
while IFS= read -r f; do
    [ -n "$f" ] || continue
    log "removing $f"
    rm -f -- "$f"
done < <(of_kind statefile)
# /run/docker-overlay once empty (the stack directories inside are gone now).
if [ -d "$RUN_BASE" ] && [ -z "$(ls -A "$RUN_BASE" 2>/dev/null)" ]; then rmdir -- "$RUN_BASE" 2>/dev/null || true; fi

inventory
select_items
report
[ "${#SELECTED[@]}" -eq 0 ]
