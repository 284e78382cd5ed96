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

keel_prepare() {
  keel_install_deps
  keel_build
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then keel_prepare; echo "keel: built in $KEEL_BUILD"; fi
