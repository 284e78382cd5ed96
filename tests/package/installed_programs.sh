#!/usr/bin/env bash
# package.installed_programs: the programs of a DESTDIR installation run from
# there: --version says the project's version; keel verify finds its HTTP
# plugin in the installed plugin directory (an unreachable agent is exit 3
# "cannot reach", not "cannot load"); with the plugin gone, and for a keel
# copied away from the tree, it is exit 3 naming where it looked;
# keel-verifierd starts with the installed configuration file and answers
# /healthz.
. "$(dirname "$0")/lib.sh"

root=$tmp/root
install_into "$root" /usr
check_installed_programs "$root" "$root/usr/bin" "$root/$KEEL_PLUGINDIR"
check_plugin_missing "$root/usr/bin" "$root/$KEEL_PLUGINDIR"

mkdir "$tmp/alone"
cp "$root/usr/bin/keel" "$tmp/alone/keel"
run_capture alone "$tmp/alone/keel" verify --db "$tmp/hosts.sqlite" --host-id node-1 --agent http://127.0.0.1:1
if [ "$rc" -eq 3 ] && grep -q "could not appraise (local fault): cannot load $tmp/alone/libkeel-http.so" "$tmp/alone.err"; then
    pass "keel copied out of the tree, no plugin anywhere: exit 3"
elif [ "$rc" -eq 3 ] && grep -q "cannot reach the agent" "$tmp/alone.err"; then
    pass "keel copied out of the tree found the plugin installed on this machine: $(cat "$tmp/alone.err")"
else
    fail "keel copied out of the tree: exit $rc: $(cat "$tmp/alone.err")"
fi

# keel-verifierd with the configuration file as installed (its own
# database and a free port, so that it disturbs nothing on this machine).
"$root/usr/bin/keel-verifierd" --config "$root/etc/keel/keel-verifierd.toml" --database "$tmp/fleet.sqlite" \
    --listen 127.0.0.1:0 >"$tmp/verifierd.out" 2>"$tmp/verifierd.err" &
pid=$!
port=""
for _ in $(seq 300); do  # up to 30 s on a loaded machine
    port=$(sed -n 's|^keel-verifierd: serving on http://127.0.0.1:\([0-9]*\)$|\1|p' "$tmp/verifierd.out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ -n "$port" ]; then
    answer=$(exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3 &&
        cat <&3) || answer="(no connection to port $port)"
    if grep -q '"status": *"ok"' <<<"$answer"; then
        pass "keel-verifierd runs with the installed configuration: /healthz ok"
    else
        fail "keel-verifierd's /healthz: $answer"
    fi
    kill -TERM "$pid"
    rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ] || fail "keel-verifierd: exit $rc after SIGTERM: $(cat "$tmp/verifierd.err")"
else
    kill "$pid" 2>/dev/null || true
    wait "$pid" || true
    fail "keel-verifierd did not start with the installed configuration within 30 s: $(cat "$tmp/verifierd.out" "$tmp/verifierd.err")"
fi
finish
