#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, then runs every
# CTest test (unit, QEMU boots, fuzz targets). Arguments go to ctest, e.g.
#   tools/test.sh -L unit        only the unit tests (seconds)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/setup-deps.sh"
. "$here/build.sh"
keel_install_deps
keel_build
cd "$KEEL_BUILD"
ctest --output-on-failure "$@"
