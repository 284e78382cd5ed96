#!/usr/bin/env bash
# Configures and builds everything (host code, hypervisor, ISOs, tests) in
# build/ (or $KEEL_BUILD_DIR). Sourced by demo.sh and test.sh, which call
# keel_prepare: install what is missing, then build.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup-deps.sh"

keel_build() {
  local root build
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  build=${KEEL_BUILD_DIR:-$root/build}
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)"
  KEEL_BUILD="$build"
}

# keel_free_ports N: N ports free on this machine's loopback, on one line
# (for QEMU to forward; the demo and the network benchmark).
keel_free_ports() {
  python3 -c 'import socket, sys
s = [socket.socket() for _ in range(int(sys.argv[1]))]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])' "$1"
}

keel_prepare() {
  keel_install_deps
  keel_build
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then keel_prepare; echo "keel: built in $KEEL_BUILD"; fi
