#!/usr/bin/env bash
# package.man_and_completion: the man pages format without a groff warning,
# and every option each program's --help lists (per subcommand) is described (a .TP item) in its man
# page and is offered by its bash completion after "--" or "-"; completion of
# subcommands and of a partial option works in plain bash.
# Arguments: the build tree's keel, keel-agent and keel-verifierd.
. "$(dirname "$0")/lib.sh"
keel_bin=$1 agent_bin=$2 verifierd_bin=$3
man_dir=$KEEL_SOURCE_DIR/packaging/man
completion_dir=$KEEL_SOURCE_DIR/packaging/bash-completion

for page in keel.1 keel-agent.1 keel-verifierd.8; do
    if warnings=$(groff -man -ww -z "$man_dir/$page" 2>&1) && [ -z "$warnings" ]; then
        pass "$page formats without warnings"
    else
        fail "$page: groff says: $warnings"
    fi
done

# The options a --help lists: -x and --name tokens at the start of its
# option lines (CLI11: "  -q,--nonce,--qualification TEXT  help").
help_options() {
    "$@" --help | sed -n 's/^  *\(-[^ ]*\).*/\1/p' | tr ',' '\n' | grep -E '^--?[A-Za-z]' | sort -u
}

# complete PROGRAM FUNCTION WORD...: the candidates the completion offers
# for the last word.
complete_words() {
    local file=$1 func=$2
    shift 2
    bash -c '. "$1"; shift; func=$1; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); $func; printf "%s\n" "${COMPREPLY[@]}"' \
        _ "$file" "$func" "$@"
}

# check PROGRAM-PATH NAME MANPAGE FUNCTION [SUBCOMMAND]
check() {
    local bin=$1 name=$2 page=$3 func=$4 sub=${5:-}
    local opts missing_man="" missing_completion=""
    if [ -n "$sub" ]; then opts=$(help_options "$bin" "$sub"); else opts=$(help_options "$bin"); fi
    [ -n "$opts" ] || { fail "$name $sub --help lists no options"; return; }
    local offered
    offered=$({ complete_words "$completion_dir/$name" "$func" "$name" $sub --
        complete_words "$completion_dir/$name" "$func" "$name" $sub -; } | sort -u)
    local o
    for o in $opts; do
        # Described: on the tag line of a .TP item (troff writes a hyphen as \-).
        awk 'prev == ".TP" { print } { prev = $0 }' "$man_dir/$page" |
            grep -qE -- "(^|[ \"])$(sed 's/-/\\\\-/g' <<<"$o")(\$|[ \",])" || missing_man+=" $o"
        grep -qxF -- "$o" <<<"$offered" || missing_completion+=" $o"
    done
    [ -z "$missing_man" ] || fail "$name $sub: not in $page:$missing_man"
    [ -z "$missing_completion" ] || fail "$name $sub: not offered by the bash completion:$missing_completion"
    [ -n "$missing_man$missing_completion" ] || pass "$name $sub: all $(wc -w <<<"$opts") options in $page and the completion"
}

check "$keel_bin" keel keel.1 _keel
for sub in measure eventlog enroll verify; do check "$keel_bin" keel keel.1 _keel "$sub"; done
check "$agent_bin" keel-agent keel-agent.1 _keel_agent
for sub in serve push identity activate quote; do check "$agent_bin" keel-agent keel-agent.1 _keel_agent "$sub"; done
check "$verifierd_bin" keel-verifierd keel-verifierd.8 _keel_verifierd

# A few completions as a user types them.
expect_completion() {
    local want=$1 file=$2 func=$3
    shift 3
    local got
    got=$(complete_words "$completion_dir/$file" "$func" "$@" | tr '\n' ' ' | sed 's/ $//')
    [ "$got" = "$want" ] && pass "completion of '$*': $got" || fail "completion of '$*': '$got', expected '$want'"
}
expect_completion "verify" keel _keel keel ver
expect_completion "--host-id" keel _keel keel verify --ho
expect_completion "skinit" keel _keel keel measure --launch-method sk
expect_completion "push" keel-agent _keel_agent keel-agent pu
expect_completion "--verifier --verifier-ca" keel-agent _keel_agent keel-agent push --verifier
expect_completion "ecdsa" keel-agent _keel_agent keel-agent serve --ak ec
expect_completion "--database" keel-verifierd _keel_verifierd keel-verifierd --data
finish
