#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, then runs every
# CTest test (unit, QEMU boots, fuzz targets). Arguments go to ctest, e.g.
#   tools/test.sh -L unit        only the unit tests (seconds)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/build.sh"
keel_prepare
cd "$KEEL_BUILD"
# Without arguments: everything but the mutation run (ctest -L mutation),
# whose time on CI is not measured yet (README, "Mutation testing").
[ $# -eq 0 ] && set -- -LE mutation
ctest --output-on-failure "$@"
