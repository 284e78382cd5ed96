#!/usr/bin/env bash
# package.fresh_debian_root: the .deb on a pristine Debian 12, as an
# operator gets it. `cpack -G DEB` builds keel_VERSION_ARCH.deb; a fresh
# Debian 12 (bookworm) root made by `debootstrap --variant=minbase` from the
# mirror this machine's apt uses (cached in the build directory as a tarball
# keyed by the mirror, the suites and the architecture: only the first run
# pays for debootstrap; each run unpacks a copy of its own) gets the package
# with `apt-get install`, so its Depends come from the registry; each
# installed unit is checked by `systemd-analyze verify` and, with no systemd
# in a chroot, its ExecStart= is run there as the unit would run it (User=,
# Group=, DynamicUser=, StateDirectory=, NoNewPrivileges=, a clean
# environment) with the installed /etc/keel files, edited as an operator
# edits them; keel-verifierd answers /healthz and keel-agent its identity.
# Then a host is attested end to end with the installed programs: the agent
# quotes a swtpm (outside the chroot, reached through its TCTI) that went
# through a simulated dynamic launch; `keel enroll` and `keel verify` in the
# chroot say trusted against the launch's reference values and NOT trusted,
# naming the component, against a reference with one digest changed; the
# installed keel-verifierd, configured with TLS, enrols the host through its
# API (as the README's operator does) and appraises it trusted by pulling.
#
# Needs root (debootstrap, chroot, mount), Debian's package registry, and
# debootstrap, swtpm, swtpm-tools, curl, openssl, python3 (tools/setup-deps.sh).
# Environment beyond lib.sh's: KEEL_CPACK, KEEL_DRTM_HOST (the test's swtpm
# host, drtm_host.cpp); optional KEEL_DEBIAN_MIRROR (another bookworm mirror)
# and KEEL_DEBIAN_ROOT_CACHE (where the tarball is kept; default
# BUILD/debian-root). Everything it starts, mounts or makes is undone on exit.
if [ "$(id -u)" -ne 0 ]; then
    echo "skipped: needs root (debootstrap, chroot, mount)"
    exit 77
fi
# In a mount namespace of its own: the chroot's mounts are never seen
# outside, and go with the namespace's last process even when the test is
# killed (CTest's timeout kills every descendant).
if [ -z "${KEEL_FRESH_ROOT_NS:-}" ]; then
    exec env KEEL_FRESH_ROOT_NS=1 unshare --mount --propagation private bash "$0" "$@"
fi
# shellcheck source=tests/package/lib.sh
. "$(dirname "$0")/lib.sh"
: "${KEEL_CPACK:?}" "${KEEL_DRTM_HOST:?}"
for tool in debootstrap chroot swtpm swtpm_setup curl openssl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/setup-deps.sh)" >&2; exit 1; }
done

suite=bookworm
arch=$(dpkg --print-architecture)
cache_dir=${KEEL_DEBIAN_ROOT_CACHE:-$KEEL_BUILD_DIR/debian-root}
# Processes whose root is this fresh chroot are this test's; mounts are
# undone in reverse order; the tree is removed only once nothing is mounted
# in it, and without crossing into another file system.
mounts=()
pids=()
cleanup() {
    local status=$? i pid link
    set +e
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    for link in /proc/[0-9]*/root; do
        case "$(readlink "$link" 2>/dev/null)" in
        "$tmp"/*) pid=${link#/proc/}; pid=${pid%/root}; kill -KILL "$pid" 2>/dev/null ;;
        esac
    done
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" ||
            echo "cleanup: cannot unmount ${mounts[i]}" >&2
    done
    if grep -q " $tmp/" /proc/self/mounts; then
        echo "cleanup: something is still mounted under $tmp; left in place" >&2
    else
        rm -rf --one-file-system "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
started=$(now)

# --- 1. the package ---------------------------------------------------------
"$KEEL_CPACK" --config "$KEEL_BUILD_DIR/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log" >&2; echo "FAIL: cpack" >&2; exit 1; }
deb=$tmp/out/keel_${KEEL_VERSION}_$arch.deb
[ -f "$deb" ] || { ls -l "$tmp/out" >&2; echo "FAIL: no $deb" >&2; exit 1; }
pass "cpack built $(basename "$deb"); Depends: $(dpkg-deb -f "$deb" Depends)"

# --- 2. a pristine Debian 12 root, cached -----------------------------------
# The suites as this machine's apt has them: "URI SUITE" lines.
if [ -n "${KEEL_DEBIAN_MIRROR:-}" ]; then
    sources=$(printf '%s %s\n' "$KEEL_DEBIAN_MIRROR" $suite "$KEEL_DEBIAN_MIRROR" $suite-updates)
else
    # shellcheck disable=SC2016 # apt's own $(FIELD) format
    sources=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(IDENTIFIER) $(ORIGIN)' |
        awk -v s=$suite '$3 == "Packages" && $4 == "Debian" && ($2 == s || $2 == s "-updates" || $2 == s "-security") { print $1, $2 }' |
        sort -u)
fi
mirror=$(awk -v s=$suite '$2 == s { print $1; exit }' <<<"$sources")
[ -n "$mirror" ] || { echo "FAIL: apt has no Debian $suite source; set KEEL_DEBIAN_MIRROR" >&2; exit 1; }
key=$(printf 'minbase %s\n%s\n' "$arch" "$sources" | sha256sum | cut -c1-16)
tarball=$cache_dir/$suite-minbase-$arch-$key.tar.gz

# mount_root ROOT: what apt and the programs need of a running system; each
# mount remembered for the cleanup. /dev is a tmpfs of its own with the few
# nodes they use, never the host's /dev.
mount_root() {
    local root=$1 node
    mount -t proc proc "$root/proc" && mounts+=("$root/proc")
    mount -t sysfs -o ro sysfs "$root/sys" && mounts+=("$root/sys")
    mount -t tmpfs -o mode=0755,nosuid keel-dev "$root/dev" && mounts+=("$root/dev")
    for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        IFS=: read -r name major minor <<<"$node"
        mknod -m 0666 "$root/dev/$name" c "$major" "$minor"
    done
    mkdir -p "$root/dev/pts" "$root/dev/shm"
    ln -s /proc/self/fd "$root/dev/fd"
    cp /etc/resolv.conf "$root/etc/resolv.conf"  # apt reaches the mirror by name
}
# unmount_root ROOT: the mounts under ROOT, newest first.
unmount_root() {
    local i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        case "${mounts[i]}" in "$1"/*)
            umount "${mounts[i]}"
            unset 'mounts[i]'
            ;;
        esac
    done
    mounts=("${mounts[@]}")
}
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }
apt_in_root() { in_root DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 "$@"; }

mkdir -p "$cache_dir"
exec 9>"$cache_dir/.lock"
flock 9  # one run fills the cache at a time
if [ -f "$tarball" ]; then
    pass "cached Debian $suite root: $tarball (made in $(cat "$tarball.seconds" 2>/dev/null || echo ?) s)"
else
    fill=$(now)
    root=$tmp/pristine
    echo "making a Debian $suite root with debootstrap from $mirror (cached in $tarball) ..."
    if ! debootstrap --variant=minbase --arch="$arch" $suite "$root" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
        tail -n 30 "$tmp/debootstrap.log" >&2
        echo "FAIL: debootstrap $suite from $mirror" >&2
        exit 1
    fi
    # The same suites as this machine, their lists fetched now, so a run's
    # `apt-get update` finds them current or fetches only what changed.
    awk '{ print "deb", $1, $2, "main" }' <<<"$sources" >"$root/etc/apt/sources.list"
    mount_root "$root"
    apt_in_root update >"$tmp/pristine-update.log" 2>&1 ||
        { cat "$tmp/pristine-update.log" >&2; echo "FAIL: apt-get update in the new root" >&2; exit 1; }
    apt_in_root clean
    unmount_root "$root"
    rm -f "$root/etc/resolv.conf"
    tar --numeric-owner -C "$root" -cf - . | gzip -1 >"$tarball.partial"
    mv "$tarball.partial" "$tarball"
    since "$fill" >"$tarball.seconds"
    rm -rf --one-file-system "$root"
    pass "made the Debian $suite root in $(cat "$tarball.seconds") s (debootstrap, apt-get update, tarball of $(($(stat -c %s "$tarball") / 1048576)) MiB)"
    # Older roots of this architecture (another mirror) are not kept.
    find "$cache_dir" -maxdepth 1 -name "$suite-minbase-$arch-*.tar.gz*" ! -name "$(basename "$tarball")*" -delete
fi
flock -u 9

t=$(now)
root=$tmp/root
mkdir "$root"
tar --numeric-owner -xzpf "$tarball" -C "$root"
mount_root "$root"
# As in any chroot: maintainer scripts start no daemon (udev's would manage
# this machine's devices).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"
# Downloaded packages are kept for the next run; apt checks each against the index.
mkdir -p "$cache_dir/archives/partial" "$root/var/cache/apt/archives"
mount --bind "$cache_dir/archives" "$root/var/cache/apt/archives" && mounts+=("$root/var/cache/apt/archives")
pass "a fresh copy of the root in $(since "$t") s"

# --- 3. apt-get install of the .deb -----------------------------------------
t=$(now)
apt_in_root update >"$tmp/update.log" 2>&1 || { cat "$tmp/update.log" >&2; echo "FAIL: apt-get update" >&2; exit 1; }
cp "$deb" "$root/tmp/" && chmod 0644 "$root/tmp/$(basename "$deb")"
# shellcheck disable=SC2016 # dpkg-query's ${Field} format, here and below
in_root dpkg-query -W -f='${Package}\n' >"$tmp/before"
if apt_in_root install --no-install-recommends "/tmp/$(basename "$deb")" >"$tmp/install.log" 2>&1; then
    # shellcheck disable=SC2016
    in_root dpkg-query -W -f='${Package}\n' >"$tmp/after"
    pass "apt-get install keel in $(since "$t") s, with $(($(wc -l <"$tmp/after") - $(wc -l <"$tmp/before") - 1)) packages from the registry: $(comm -13 "$tmp/before" "$tmp/after" | grep -vx keel | tr '\n' ' ')"
else
    cat "$tmp/install.log" >&2
    echo "FAIL: apt-get install of the package on a pristine $suite" >&2
    exit 1
fi
# shellcheck disable=SC2016
[ "$(in_root dpkg-query -W -f='${Status}' keel)" = "install ok installed" ] || fail "dpkg says keel is not installed"
grep -Ei '^(W|E):' "$tmp/install.log" >&2 && fail "apt-get install warned or failed (above)"
for p in keel keel-agent keel-verifierd; do
    out=$(in_root "/usr/bin/$p" --version 2>&1) || true
    [ "$out" = "$p $KEEL_VERSION" ] || fail "installed $p --version: '$out'"
    if ! in_root ldd "/usr/bin/$p" >"$tmp/ldd-$p" 2>&1 || grep "not found" "$tmp/ldd-$p" >&2; then
        fail "$p: a library is missing in the root: $(cat "$tmp/ldd-$p")"
    fi
done
plugin=$(in_root dpkg-query -L keel | grep '/keel/libkeel-http\.so$') || fail "the package has no libkeel-http.so"
if ! in_root ldd "$plugin" >"$tmp/ldd-plugin" 2>&1 || grep "not found" "$tmp/ldd-plugin" >&2; then
    fail "$plugin: a library is missing: $(cat "$tmp/ldd-plugin")"
fi
# The package enables and starts nothing (README: Installing); as shipped the
# verifier and the agent listen on loopback only, the verifier without TLS.
wants=$(find "$root/etc/systemd" -name 'keel*' 2>/dev/null)
[ -z "$wants" ] || fail "the package enabled units: $wants"
for link in /proc/[0-9]*/root; do
    [ "$(readlink "$link" 2>/dev/null)" = "$root" ] && fail "a process runs in the root after the install: ${link%/root}: $(tr '\0' ' ' <"${link%/root}/cmdline")"
done
python3 - "$root/etc/keel/keel-verifierd.toml" "$root/etc/keel/keel-agent.toml" <<'PY' || fail "the shipped configuration"
import sys, tomllib
verifier, agent = (tomllib.load(open(p, "rb")) for p in sys.argv[1:3])
assert verifier["listen"] == "127.0.0.1:7735" and "tls" not in verifier, verifier
assert agent["serve"]["listen"] == "127.0.0.1:7734", agent
PY
in_root getent passwd tss >/dev/null || fail "no user tss (the agent units' User=): tpm-udev did not come with the Depends"

# --- 4. the units -------------------------------------------------------------
mapfile -t units < <(in_root dpkg-query -L keel | grep '^/lib/systemd/system/.*\.service$')
[ "${#units[@]}" -eq 3 ] || fail "installed units: ${units[*]}"
if [ -x "$root/usr/bin/systemd-analyze" ]; then
    analyze=(in_root systemd-analyze verify --man=no)
elif command -v systemd-analyze >/dev/null; then
    # This machine's systemd-analyze with the root's files (the root has no
    # systemd: its own units stand in for sysinit.target and the rest).
    cp -rn /lib/systemd/system/. "$root/lib/systemd/system/"
    analyze=(systemd-analyze verify --man=no --root="$root")
fi
if [ -n "${analyze[*]:-}" ]; then
    if "${analyze[@]}" "${units[@]}" >"$tmp/analyze" 2>&1 && [ ! -s "$tmp/analyze" ]; then
        pass "systemd-analyze verify: ${units[*]##*/} are clean in the root"
    else
        fail "systemd-analyze verify: $(cat "$tmp/analyze")"
    fi
else
    echo "skipped: systemd-analyze verify (not installed)"
fi

# unit_value UNIT KEY: the last KEY= of the unit's [Service] section.
unit_value() {
    awk -v key="$2" '/^\[/ { section = $0 } section == "[Service]" && index($0, key "=") == 1 {
        value = substr($0, length(key) + 2) } END { print value }' "$root/lib/systemd/system/$1"
}
dynamic_id=61184  # the first of systemd's DynamicUser= range
# start_unit UNIT: its ExecStart= in the root as the unit runs it; the pid in
# $unit_pid (also in pids, for the cleanup), its output in $tmp/UNIT.log.
start_unit() {
    local unit=$1 exec user group ids=() state
    exec=$(unit_value "$unit" ExecStart)
    case "$exec" in
    [-@+!:]* | *[\"\'\$\\%]*) fail "$unit: ExecStart=$exec uses prefixes, quoting or specifiers this test does not emulate"; return 1 ;;
    esac
    user=$(unit_value "$unit" User)
    group=$(unit_value "$unit" Group)
    if [ "$(unit_value "$unit" DynamicUser)" = yes ]; then
        # A user made for the service, in no group and with no entry in /etc/passwd.
        ids=(--reuid="$dynamic_id" --regid="$dynamic_id" --clear-groups)
        user=$dynamic_id group=$dynamic_id
    else
        [ -n "$user" ] || { fail "$unit runs as root"; return 1; }
        ids=(--reuid="$user" --regid="${group:-$user}" --init-groups)
        group=$(in_root getent group "${group:-$user}" | cut -d: -f3)
        user=$(in_root id -u "$user")
    fi
    [ "$(unit_value "$unit" NoNewPrivileges)" = yes ] && ids+=(--no-new-privs)
    state=$(unit_value "$unit" StateDirectory)
    if [ -n "$state" ]; then
        install -d -o "$user" -g "$group" -m "$(mode=$(unit_value "$unit" StateDirectoryMode); echo "${mode:-0755}")" \
            "$root/var/lib/$state"
    fi
    # shellcheck disable=SC2086 # ExecStart= is split at blanks, as systemd does without quotes
    chroot "$root" /usr/bin/setpriv "${ids[@]}" -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        $exec >"$tmp/$unit.log" 2>&1 &
    unit_pid=$!
    pids+=("$unit_pid")
    echo "started $unit: setpriv ${ids[*]} -- $exec (pid $unit_pid)"
}
# stop_unit PID: SIGTERM, as systemctl stop sends; the exit status in $rc,
# and in $ended when it ended (it may have ended before).
stop_unit() {
    ended="on SIGTERM"
    kill -TERM "$1" 2>/dev/null || ended="before it was stopped"
    rc=0
    wait "$1" || rc=$?
    local kept=() pid
    for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    pids=("${kept[@]}")
}
# wait_serving UNIT PID CURL-ARGS...: until CURL-ARGS answer 200 (30 s), the
# body in $tmp/UNIT.body.
wait_serving() {
    local unit=$1 pid=$2 i code
    shift 2
    for ((i = 0; i < 300; i++)); do
        code=$(curl -s -o "$tmp/$unit.body" -w '%{http_code}' --max-time 5 "$@") || true
        [ "$code" = 200 ] && return 0
        kill -0 "$pid" 2>/dev/null || { fail "$unit ended: $(cat "$tmp/$unit.log")"; return 1; }
        sleep 0.1
    done
    fail "$unit did not answer $* with 200 in 30 s (last: $code): $(cat "$tmp/$unit.log")"
    return 1
}
# toml_set FILE TABLE KEY VALUE: KEY = VALUE in [TABLE] ("" for the top
# level) of an installed /etc/keel file, as an operator edits it: the line
# that is there (or commented out) replaced, a commented-out table header
# uncommented.
toml_set() {
    python3 - "$root/etc/keel/$1" "$2" "$3" "$4" <<'PY'
import re, sys
path, table, key, value = sys.argv[1:5]
lines = open(path).read().split("\n")
header = re.compile(r"^#?\[([A-Za-z0-9_.-]+)\]")
begin = 0
if table:
    found = [i for i, l in enumerate(lines) if (m := header.match(l)) and m.group(1) == table]
    if not found:
        sys.exit(f"{path}: no [{table}] table")
    lines[found[0]] = lines[found[0]].lstrip("#")
    begin = found[0] + 1
end = next((i for i in range(begin, len(lines)) if header.match(lines[i])), len(lines))
line = re.compile(r"^#?" + re.escape(key) + r"\s*=")
for i in range(begin, end):
    if line.match(lines[i]):
        lines[i] = f"{key} = {value}"
        break
else:
    lines.insert(end, f"{key} = {value}")
open(path, "w").write("\n".join(lines))
PY
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The host: swtpm after a simulated dynamic launch (outside the chroot, as
# the swtpm tests run it), its DRTM log and reference values.
mkdir "$tmp/host"
TMPDIR=$tmp "$KEEL_DRTM_HOST" "$tmp/host" >"$tmp/drtm-host.log" 2>&1 &
drtm_pid=$!
pids+=("$drtm_pid")
for ((i = 0; i < 600; i++)); do
    [ -f "$tmp/host/tcti" ] && break
    kill -0 "$drtm_pid" 2>/dev/null || { cat "$tmp/drtm-host.log" >&2; echo "FAIL: the swtpm host" >&2; exit 1; }
    sleep 0.1
done
[ -f "$tmp/host/tcti" ] || { echo "FAIL: the swtpm host was not ready in 60 s" >&2; exit 1; }
tcti=$(cat "$tmp/host/tcti")
pass "swtpm after a simulated dynamic launch: $tcti"

t=$(now)
verifier_port=$(free_port)
agent_port=$(free_port)
# keel-verifierd as installed; only its port changed (7735 may be taken on
# a shared machine): plain HTTP on loopback, /healthz answers, /v1 refuses.
toml_set keel-verifierd.toml "" listen "\"127.0.0.1:$verifier_port\""
start_unit keel-verifierd.service || exit 1
if wait_serving keel-verifierd.service "$unit_pid" "http://127.0.0.1:$verifier_port/healthz"; then
    pass "keel-verifierd.service as installed: /healthz says $(tr -d '\n' <"$tmp/keel-verifierd.service.body" | cut -c1-120)"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$verifier_port/v1/hosts") || true
    [ "$code" = 401 ] || fail "as installed (no [tls]), GET /v1/hosts said $code, expected 401"
fi
owner=$(stat -c %u "$root/var/lib/keel/keel-fleet.sqlite" 2>/dev/null) || owner=none
[ "$owner" = "$dynamic_id" ] || fail "the store /var/lib/keel/keel-fleet.sqlite: owner $owner, expected the service's user $dynamic_id"
stop_unit "$unit_pid"
case $rc in 0 | 143) pass "keel-verifierd stopped $ended (exit $rc)" ;; *) fail "keel-verifierd: exit $rc $ended" ;; esac

# keel-agent.service: its TPM is the swtpm, its DRTM log the launch's (a real
# host's kernel publishes it in securityfs), readable by tss.
install -m 0644 "$tmp/host/drtm.bin" "$root/etc/keel/drtm.bin"
toml_set keel-agent.toml tpm tcti "\"$tcti\""
toml_set keel-agent.toml logs drtm_log '"/etc/keel/drtm.bin"'
toml_set keel-agent.toml serve listen "\"127.0.0.1:$agent_port\""
start_unit keel-agent.service || exit 1
agent_pid=$unit_pid
agent=http://127.0.0.1:$agent_port
if wait_serving keel-agent.service "$agent_pid" "$agent/v1/identity"; then
    if python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["ek_certificate"] and d["ak_public"]' \
        "$tmp/keel-agent.service.body"; then
        pass "keel-agent.service (as tss) answers $agent/v1/identity: EK certificate and AK"
    else
        fail "the agent's identity: $(cat "$tmp/keel-agent.service.body")"
    fi
fi
echo "the units ran in $(since "$t") s"

# --- 5. a host attested end to end -------------------------------------------
t=$(now)
# keel enroll and keel verify, installed, in the root (as the operator: root).
mkdir -p "$root/root/keel-test"
cp "$tmp/host/reference.json" "$root/root/keel-test/reference.json"
cp /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem "$root/etc/keel/ek-root-ca.pem"
cp /var/lib/swtpm-localca/issuercert.pem "$root/etc/keel/ek-issuer-ca.pem"
ek_ca=(--ek-ca /etc/keel/ek-root-ca.pem --ek-ca /etc/keel/ek-issuer-ca.pem)
# The same launch with one reference digest changed: the hypervisor's sha256.
python3 - "$tmp/host/reference.json" "$root/root/keel-test/wrong-reference.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
changed = []
def walk(node):
    if isinstance(node, dict):
        if node.get("name") == "hypervisor" and not changed:
            for bank, digest in (node.get("digests") or {}).items():
                if bank == "sha256":
                    node["digests"][bank] = digest[:-2] + ("00" if digest[-2:] != "00" else "11")
                    changed.append(bank)
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(doc)
if not changed:
    sys.exit("no sha256 digest of the component hypervisor in the reference values")
json.dump(doc, open(sys.argv[2], "w"), indent=2)
PY
# check_summary FILE: keel verify's checks by status, the skipped ones named.
check_summary() {
    awk '/^  (pass|fail|skipped) / { n[$1]++; if ($1 == "skipped") skipped = skipped " " $2 }
        END { printf "%d pass, %d fail, %d skipped%s", n["pass"], n["fail"], n["skipped"], skipped ? " (" substr(skipped, 2) ")" : "" }' "$1"
}
run_capture enroll in_root keel enroll --agent "$agent" --host-id node-1 --db /root/keel-test/hosts.sqlite \
    --reference /root/keel-test/reference.json "${ek_ca[@]}"
if [ "$rc" -eq 0 ]; then
    pass "installed keel enroll: $(grep -c '^  pass' "$tmp/enroll.out") checks passed; $(tail -n 1 "$tmp/enroll.out")"
else
    fail "keel enroll: exit $rc: $(cat "$tmp/enroll.out" "$tmp/enroll.err")"
fi
run_capture verify in_root keel verify --db /root/keel-test/hosts.sqlite --host-id node-1 --agent "$agent"
if [ "$rc" -eq 0 ] && grep -qx 'Verdict: trusted' "$tmp/verify.out" && ! grep -q '^  fail' "$tmp/verify.out"; then
    pass "installed keel verify: Verdict: trusted; $(check_summary "$tmp/verify.out")"
else
    fail "keel verify, matching reference: exit $rc (expected 0, trusted): $(cat "$tmp/verify.out" "$tmp/verify.err")"
fi
run_capture enroll-wrong in_root keel enroll --agent "$agent" --host-id node-1 --db /root/keel-test/wrong.sqlite \
    --reference /root/keel-test/wrong-reference.json "${ek_ca[@]}"
[ "$rc" -eq 0 ] || fail "keel enroll, wrong reference: exit $rc: $(cat "$tmp/enroll-wrong.err")"
run_capture verify-wrong in_root keel verify --db /root/keel-test/wrong.sqlite --host-id node-1 --agent "$agent"
if [ "$rc" -eq 1 ] && grep -qx 'Verdict: NOT trusted' "$tmp/verify-wrong.out" &&
    grep -Eq '^  fail +reference\.components .*hypervisor' "$tmp/verify-wrong.out" &&
    [ "$(grep -c '^  fail' "$tmp/verify-wrong.out")" -eq 1 ]; then
    pass "wrong reference digest: exit 1, NOT trusted, only reference.components fails: $(grep '^  fail' "$tmp/verify-wrong.out" | cut -c1-160)"
else
    fail "keel verify, wrong reference: exit $rc (expected 1, NOT trusted, reference.components naming hypervisor): $(cat "$tmp/verify-wrong.out" "$tmp/verify-wrong.err")"
fi

# keel-verifierd with [tls] (certificates of a CA made here), an operator,
# the EK CAs and a short interval: the host enrolled through the API in pull
# mode, as README's "keel-verifierd: attesting a fleet" says, and appraised.
pki=$tmp/pki
mkdir "$pki"
openssl_quiet() { openssl "$@" >>"$pki/openssl.log" 2>&1 || { cat "$pki/openssl.log" >&2; echo "FAIL: openssl $1" >&2; exit 1; }; }
openssl_quiet req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" \
    -subj "/CN=Keel package test CA" -days 2 -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
issue() {  # CN STEM EXTENSIONS
    printf '%b' "$3" >"$pki/$2.ext"
    openssl_quiet req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/$2.key" -out "$pki/$2.csr" -subj "/CN=$1"
    openssl_quiet x509 -req -in "$pki/$2.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -out "$pki/$2.pem" \
        -days 2 -extfile "$pki/$2.ext"
}
issue 127.0.0.1 verifier 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'
issue operator operator 'extendedKeyUsage=clientAuth\n'
install -m 0644 "$pki/verifier.pem" "$root/etc/keel/verifier.pem"
install -m 0644 "$pki/ca.pem" "$root/etc/keel/clients-ca.pem"
# The key readable by the service's group only (the unit's comment says so).
install -m 0640 -g "$dynamic_id" "$pki/verifier.key" "$root/etc/keel/verifier.key"
toml_set keel-verifierd.toml tls certificate '"/etc/keel/verifier.pem"'
toml_set keel-verifierd.toml tls private_key '"/etc/keel/verifier.key"'
toml_set keel-verifierd.toml tls client_ca '"/etc/keel/clients-ca.pem"'
toml_set keel-verifierd.toml api operators '["operator"]'
toml_set keel-verifierd.toml attestation default_interval_seconds 1
toml_set keel-verifierd.toml enrolment ek_ca '["/etc/keel/ek-root-ca.pem", "/etc/keel/ek-issuer-ca.pem"]'
start_unit keel-verifierd.service || exit 1
verifier_pid=$unit_pid
api=(--cacert "$pki/ca.pem" --cert "$pki/operator.pem" --key "$pki/operator.key")
verifier=https://127.0.0.1:$verifier_port
# call METHOD PATH [BODY-FILE]: the operator's request; status in $code, body in $tmp/api.body
call() {
    code=$(curl -s "${api[@]}" -o "$tmp/api.body" -w '%{http_code}' --max-time 60 -X "$1" \
        ${3:+-H 'Content-Type: application/json' --data-binary "@$3"} "$verifier$2") || code=000
}
if wait_serving keel-verifierd.service "$verifier_pid" "${api[@]}" "$verifier/healthz"; then
    pass "keel-verifierd.service with [tls]: $verifier/healthz answers"
    curl -s "$agent/v1/identity" >"$tmp/identity.json"
    python3 - "$tmp/identity.json" "$tmp/host/reference.json" "$agent" >"$tmp/enrolment.json" <<'PY'
import json, sys
print(json.dumps({"host_id": "node-1", "mode": "pull", "agent_url": sys.argv[3],
                  "identity": json.load(open(sys.argv[1])), "reference_values": json.load(open(sys.argv[2]))}))
PY
    call POST /v1/enrollments "$tmp/enrolment.json"
    if [ "$code" = 201 ]; then
        python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["challenge"]))' \
            "$tmp/api.body" >"$tmp/challenge.json"
        curl -s -f -X POST -H 'Content-Type: application/json' --data-binary "@$tmp/challenge.json" \
            "$agent/v1/activate" >"$tmp/answer.json" || fail "the agent's /v1/activate"
        call POST /v1/enrollments/node-1/answer "$tmp/answer.json"
        [ "$code" = 201 ] || fail "POST /v1/enrollments/node-1/answer: $code $(cat "$tmp/api.body")"
    else
        fail "POST /v1/enrollments: $code $(cat "$tmp/api.body")"
    fi
    state=""
    for ((i = 0; i < 600; i++)); do
        call GET /v1/hosts/node-1
        state=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get("state", ""))' "$tmp/api.body" 2>/dev/null) || true
        [ "$state" = trusted ] || [ "$state" = not-trusted ] && break
        sleep 0.1
    done
    if [ "$state" = trusted ]; then
        call GET '/v1/hosts/node-1/appraisals?limit=1'
        summary=$(python3 - "$tmp/api.body" <<'PY' 2>&1
import json, sys
a = json.load(open(sys.argv[1]))["appraisals"][0]
ids = lambda status: [c["id"] for c in a["checks"] if c["status"] == status]
print(f"verdict {a['verdict']}; {len(ids('pass'))} pass, {len(ids('fail'))} fail, "
      f"{len(ids('skipped'))} skipped ({' '.join(ids('skipped'))})")
PY
        )
        pass "keel-verifierd enrolled node-1 through its API and pulled it: $summary"
    else
        fail "keel-verifierd's appraisal of node-1: state '$state' after 60 s: $(cat "$tmp/api.body")"
    fi
fi
echo "attestation in $(since "$t") s"

stop_unit "$agent_pid"
case $rc in 0 | 143) ;; *) fail "keel-agent: exit $rc $ended: $(cat "$tmp/keel-agent.service.log")" ;; esac
stop_unit "$verifier_pid"
case $rc in 0 | 143) ;; *) fail "keel-verifierd: exit $rc $ended" ;; esac
echo "package.fresh_debian_root: $(since "$started") s in all"
finish
