#!/bin/sh
# Predicted PCR values are only useful if anyone can rebuild the measured
# images bit for bit. Copies the source tree to another path, builds the
# measured images there in another build directory, and compares them with
# this build's: the SLB, the pre-launch stage that carries it, and the
# hypervisor as it goes onto the ISO.
#   reproducible.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1 build=$2
work=$(mktemp -d /tmp/keel-repro.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/elsewhere"
tar -C "$src" --exclude=./build --exclude=./.git -cf - . | tar -C "$work/elsewhere" -xf -
cmake -S "$work/elsewhere" -B "$work/other-build" -DKEEL_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$work/other-build" --target iso-keel-drtm -j"$(nproc)" >/dev/null
status=0
for f in sinit/slb.bin boot/keel-drtm.d/boot/keel-prelaunch.elf boot/keel-drtm.d/boot/keel.elf; do
  if cmp -s "$build/$f" "$work/other-build/$f"; then
    echo "reproducible: $f ($(stat -c %s "$build/$f") bytes) is identical"
  else
    echo "NOT reproducible: $f differs between $build and a build of a copy at $work/elsewhere" >&2
    cmp "$build/$f" "$work/other-build/$f" >&2 || true
    status=1
  fi
done
exit $status
