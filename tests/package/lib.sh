# Shared by the package tests (tests/package/*.sh, sourced from bash).
# Environment from CTest (package.cmake): KEEL_BUILD_DIR, KEEL_SOURCE_DIR,
# KEEL_VERSION, KEEL_PLUGINDIR (relative to the prefix), KEEL_CMAKE, KEEL_CPACK.
set -euo pipefail
: "${KEEL_BUILD_DIR:?}" "${KEEL_SOURCE_DIR:?}" "${KEEL_VERSION:?}" "${KEEL_PLUGINDIR:?}" "${KEEL_CMAKE:?}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/keel-package.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "ok: $*"; }
finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
}

# Every file an installation under /usr puts into DESTDIR, sorted, with the
# mode it must have (the Debian places: /etc and /lib/systemd/system for /usr).
expected_files() {
    cat <<LIST | sort
755 usr/bin/keel
755 usr/bin/keel-agent
755 usr/bin/keel-verifierd
644 $KEEL_PLUGINDIR/libkeel-http.so
644 usr/share/man/man1/keel.1.gz
644 usr/share/man/man1/keel-agent.1.gz
644 usr/share/man/man8/keel-verifierd.8.gz
644 usr/share/bash-completion/completions/keel
644 usr/share/bash-completion/completions/keel-agent
644 usr/share/bash-completion/completions/keel-verifierd
644 etc/keel/keel-verifierd.toml
644 etc/keel/keel-agent.toml
644 lib/systemd/system/keel-verifierd.service
644 lib/systemd/system/keel-agent.service
644 lib/systemd/system/keel-agent-push.service
LIST
}

# install_into DESTDIR PREFIX: cmake --install of the build tree.
install_into() {
    DESTDIR="$1" "$KEEL_CMAKE" --install "$KEEL_BUILD_DIR" --prefix "$2" >"$tmp/install.log" 2>&1 ||
        { cat "$tmp/install.log" >&2; echo "cmake --install failed" >&2; exit 1; }
}

# run_capture NAME CMD...: runs CMD, keeps its status in $rc and its output
# in $tmp/NAME.out and $tmp/NAME.err.
run_capture() {
    local name=$1
    shift
    rc=0
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
}

# check_installed_programs ROOT BINDIR PLUGINDIR: what every installed tree
# must do, run from where it is (a DESTDIR tree, an extracted package).
check_installed_programs() {
    local root=$1 bin=$2 plugindir=$3 p
    for p in keel keel-agent keel-verifierd; do
        run_capture version "$bin/$p" --version
        if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/version.out")" = "$p $KEEL_VERSION" ]; then
            pass "$p --version: $(cat "$tmp/version.out")"
        else
            fail "$p --version: exit $rc, said '$(cat "$tmp/version.out" "$tmp/version.err")', expected '$p $KEEL_VERSION'"
        fi
        if ldd "$bin/$p" | grep -q "not found"; then fail "$p: a shared library is missing: $(ldd "$bin/$p")"; fi
    done
    if ldd "$plugindir/libkeel-http.so" | grep -q "not found"; then fail "libkeel-http.so: a library is missing"; fi
    # keel verify of an enrolled host against an agent nobody runs: the
    # plugin loads, the connection fails, and that is a local fault (3).
    rm -f "$tmp/hosts.sqlite"
    "$KEEL_PACKAGE_STORE" "$tmp/hosts.sqlite" "$KEEL_SOURCE_DIR/tests/data/keys"
    run_capture verify "$bin/keel" verify --db "$tmp/hosts.sqlite" --host-id node-1 --agent http://127.0.0.1:1
    if [ "$rc" -eq 3 ] && grep -q "could not appraise (local fault): cannot reach the agent at http://127.0.0.1:1" \
        "$tmp/verify.err" && ! grep -q "cannot load" "$tmp/verify.err"; then
        pass "installed keel verify loads its HTTP plugin from $plugindir (unreachable agent: exit 3)"
    else
        fail "installed keel verify, unreachable agent: exit $rc (expected 3, agent not reachable): $(cat "$tmp/verify.err")"
    fi
}

# check_plugin_missing BIN PLUGINDIR: with the plugin really gone, keel
# says so and it is a local fault (3), naming where it looked.
check_plugin_missing() {
    local bin=$1 plugindir=$2
    mv "$plugindir/libkeel-http.so" "$tmp/libkeel-http.so.away"
    run_capture missing "$bin/keel" verify --db "$tmp/hosts.sqlite" --host-id node-1 --agent http://127.0.0.1:1
    mv "$tmp/libkeel-http.so.away" "$plugindir/libkeel-http.so"
    local dir
    dir=$(cd "$plugindir" && pwd)
    if [ "$rc" -eq 3 ] && grep -q "could not appraise (local fault): cannot load $bin/libkeel-http.so (keel's HTTP client): not there, nor in $dir" "$tmp/missing.err"; then
        pass "plugin missing: exit 3 naming $dir"
    else
        fail "plugin missing: exit $rc (expected 3, naming $dir): $(cat "$tmp/missing.err")"
    fi
}
