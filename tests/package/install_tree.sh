#!/usr/bin/env bash
# package.install_tree: `cmake --install` into a DESTDIR puts every file in
# its Debian place (prefix /usr: /etc/keel, /lib/systemd/system), with its
# mode, and nothing else; the units name the installed paths; another prefix
# (/usr/local) moves /etc and the units under it; an edited configuration
# file survives a second installation.
. "$(dirname "$0")/lib.sh"

root=$tmp/usr-root
install_into "$root" /usr
(cd "$root" && find . \( -type f -o -type l \) -printf '%m %P\n' | sort) >"$tmp/installed"
if diff -u <(expected_files) "$tmp/installed" >"$tmp/diff"; then
    pass "prefix /usr: exactly the $(wc -l <"$tmp/installed") expected files, with their modes"
else
    fail "prefix /usr: installed files differ from the expected list (- expected, + installed):"
    cat "$tmp/diff" >&2
fi

plugin=$root/$KEEL_PLUGINDIR/libkeel-http.so
if [ -f "$plugin" ] && nm -D --defined-only "$plugin" | grep -qw keel_http_request; then
    pass "the plugin exports keel_http_request"
else
    fail "$plugin is not keel's HTTP client"
fi
for page in man1/keel.1 man1/keel-agent.1 man8/keel-verifierd.8; do
    name=$(basename "$page")
    if gzip -dc "$root/usr/share/man/$page.gz" 2>/dev/null | cmp -s - "$KEEL_SOURCE_DIR/packaging/man/$name"; then
        pass "man page $page is packaging/man/$name"
    else
        fail "man page $page.gz does not hold packaging/man/$name"
    fi
done
for f in keel-verifierd.toml keel-agent.toml; do
    cmp -s "$root/etc/keel/$f" "$KEEL_SOURCE_DIR/packaging/etc/$f" || fail "/etc/keel/$f differs from packaging/etc/$f"
done

unit_line() { grep -E "^$2=" "$1" || true; }
units=$root/lib/systemd/system
want="ExecStart=/usr/bin/keel-verifierd --config /etc/keel/keel-verifierd.toml"
[ "$(unit_line "$units/keel-verifierd.service" ExecStart)" = "$want" ] || fail "keel-verifierd.service: no '$want'"
for u in keel-agent:serve keel-agent-push:push; do
    unit=${u%%:*} verb=${u#*:}
    want="ExecStart=/usr/bin/keel-agent $verb --config /etc/keel/keel-agent.toml"
    [ "$(unit_line "$units/$unit.service" ExecStart)" = "$want" ] || fail "$unit.service: no '$want'"
done
if grep -rl "@KEEL_" "$units" >/dev/null; then fail "a unit still holds a @KEEL_…@ placeholder"; fi
pass "units name /usr/bin and /etc/keel"

# Another prefix: everything under it, the units saying so.
local_root=$tmp/local-root
install_into "$local_root" /usr/local
for f in usr/local/bin/keel usr/local/${KEEL_PLUGINDIR#usr/}/libkeel-http.so usr/local/etc/keel/keel-verifierd.toml \
    usr/local/etc/keel/keel-agent.toml usr/local/lib/systemd/system/keel-verifierd.service \
    usr/local/share/bash-completion/completions/keel usr/local/share/man/man8/keel-verifierd.8.gz; do
    [ -f "$local_root/$f" ] || fail "prefix /usr/local: no $f"
done
[ ! -e "$local_root/etc" ] && [ ! -e "$local_root/lib" ] || fail "prefix /usr/local: files outside the prefix"
want="ExecStart=/usr/local/bin/keel-verifierd --config /usr/local/etc/keel/keel-verifierd.toml"
[ "$(unit_line "$local_root/usr/local/lib/systemd/system/keel-verifierd.service" ExecStart)" = "$want" ] ||
    fail "prefix /usr/local: keel-verifierd.service has no '$want'"
pass "prefix /usr/local: files, configuration and units under the prefix"

# An edited configuration file is kept by the next installation.
echo "# edited by the operator" >>"$root/etc/keel/keel-verifierd.toml"
install_into "$root" /usr
if grep -q "edited by the operator" "$root/etc/keel/keel-verifierd.toml"; then
    pass "a second installation keeps the edited /etc/keel/keel-verifierd.toml"
else
    fail "a second installation overwrote the edited /etc/keel/keel-verifierd.toml"
fi
finish
