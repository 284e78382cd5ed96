#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, then runs every
# CTest test (unit, QEMU boots, fuzz targets, the host-side mutations).
# Arguments go to ctest, e.g.
#   tools/test.sh -L unit        only the unit tests (seconds)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/build.sh"
keel_prepare
cd "$KEEL_BUILD"
# Without arguments: every test, the host-side mutation run (mutation.host,
# README "Mutation testing") included. One test per core: the QEMU tests
# keep their own ports and scratch directories, and mutation.host is
# RUN_SERIAL, so it runs alone; a later -j among the arguments wins.
ctest --output-on-failure -j"$(nproc)" "$@"
