#!/usr/bin/env bash
# package.deb: `cpack -G DEB` builds keel_VERSION_ARCH.deb whose control
# fields name the libraries the programs need (dpkg-shlibdeps, and SQLite,
# which is opened with dlopen), whose conffiles are the two /etc/keel files,
# which holds exactly the installed files (root-owned, stripped), and whose
# programs run from the tree `dpkg -x` extracts. systemd-analyze verify
# checks the units when it is there.
. "$(dirname "$0")/lib.sh"
: "${KEEL_CPACK:?}"

out=$tmp/out
"$KEEL_CPACK" --config "$KEEL_BUILD_DIR/CPackConfig.cmake" -G DEB -B "$out" >"$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log" >&2; echo "cpack failed" >&2; exit 1; }
arch=$(dpkg --print-architecture)
deb=$out/keel_${KEEL_VERSION}_$arch.deb
[ -f "$deb" ] || { ls -l "$out" >&2; echo "no $deb" >&2; exit 1; }
pass "cpack built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = keel ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$KEEL_VERSION" ] || fail "Version: $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
[ -n "$(field Maintainer)" ] || fail "no Maintainer"
# A synopsis, then the long description in lines of one leading space (two
# would make them verbatim text).
dpkg-deb -f "$deb" Description >"$tmp/description"
{ [ "$(wc -l <"$tmp/description")" -ge 3 ] && ! tail -n +2 "$tmp/description" | grep -qv '^ [^ ]'; } ||
    fail "malformed Description: $(cat "$tmp/description")"
depends=$(field Depends)
echo "Depends: $depends"
# libc6 and OpenSSL (all three), tpm2-tss (keel-agent), SQLite (dlopen'd).
for lib in libc6 libssl3 libtss2-esys-3.0.2-0 libtss2-mu0 libtss2-tctildr0 libsqlite3-0 libpq5; do
    grep -Eq "(^|, )$lib( \(|,|$)" <<<"$depends" || fail "Depends lacks $lib"
done
grep -q ">=" <<<"$depends" || fail "Depends has no versions: dpkg-shlibdeps did not run"

dpkg-deb -e "$deb" "$tmp/control"
printf '/etc/keel/keel-verifierd.toml\n/etc/keel/keel-agent.toml\n' >"$tmp/want-conffiles"
if diff -u "$tmp/want-conffiles" "$tmp/control/conffiles" >&2; then
    pass "conffiles: /etc/keel/keel-verifierd.toml, /etc/keel/keel-agent.toml"
else
    fail "conffiles differ"
fi
for script in postinst prerm postrm; do
    { [ -x "$tmp/control/$script" ] && sh -n "$tmp/control/$script"; } || fail "maintainer script $script"
done

# Contents: the installed files and nothing else, owned by root.
dpkg-deb -c "$deb" >"$tmp/contents"
awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $6 }' "$tmp/contents" | sort >"$tmp/deb-files"
if diff -u <(expected_files | cut -d' ' -f2 | sort) "$tmp/deb-files" >&2; then
    pass "the package holds the $(wc -l <"$tmp/deb-files") installed files"
else
    fail "the package's files differ from the installed ones (- expected, + in the package)"
fi
if awk '$2 != "root/root" { bad = 1 } END { exit !bad }' "$tmp/contents"; then fail "files not owned by root/root"; fi
grep -q '^-rwxr-xr-x .* \./usr/bin/keel-verifierd$' "$tmp/contents" || fail "keel-verifierd is not 0755"

root=$tmp/root
dpkg -x "$deb" "$root"
for p in keel keel-agent keel-verifierd; do
    if readelf -S "$root/usr/bin/$p" | grep -q '\.debug_info'; then fail "$p is not stripped"; fi
done
check_installed_programs "$root" "$root/usr/bin" "$root/$KEEL_PLUGINDIR"
check_plugin_missing "$root/usr/bin" "$root/$KEEL_PLUGINDIR"

if command -v systemd-analyze >/dev/null; then
    # --root: the units' ExecStart= and EnvironmentFile= are looked up in the
    # extracted tree, not on this machine; the tree gets this machine's own
    # units beside keel's (sysinit.target and the rest of a transaction).
    # Any output is a complaint (an unknown key is only a warning).
    cp -rn /lib/systemd/system/. "$root/lib/systemd/system/"
    if systemd-analyze verify --man=no --root="$root" /lib/systemd/system/keel-verifierd.service \
        /lib/systemd/system/keel-agent.service /lib/systemd/system/keel-agent-push.service >"$tmp/analyze" 2>&1 &&
        [ ! -s "$tmp/analyze" ]; then
        pass "systemd-analyze verify: the three units are clean"
    else
        fail "systemd-analyze verify: $(cat "$tmp/analyze")"
    fi
else
    echo "skipped: systemd-analyze verify (systemd-analyze is not installed)"
fi
finish
