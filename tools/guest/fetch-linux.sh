#!/usr/bin/env bash
# Fetches the guests' Linux from Debian's registry, unmodified: the cloud
# kernel (linux-image-cloud-amd64's current version) and busybox-static,
# and puts vmlinuz and busybox in OUTDIR, and in OUTDIR/modules the kernel's
# modules a guest with a virtio network card loads (the cloud kernel builds
# them as modules), in the order they load. The packages are kept in
# OUTDIR/debs, so a rebuild fetches nothing.
#   tools/guest/fetch-linux.sh OUTDIR
set -euo pipefail
out=${1:?usage: fetch-linux.sh OUTDIR}
mkdir -p "$out/debs"
cd "$out/debs"
kernel_package() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image/{print $2; exit}'; }
pkg=$(kernel_package || true)
if [ -z "$pkg" ]; then
  # A machine whose package lists were never fetched.
  apt-get update -qq
  pkg=$(kernel_package || true)
fi
[ -n "$pkg" ] || { echo "fetch-linux: no linux-image-cloud-amd64 in the package lists" >&2; exit 1; }
for p in "$pkg" busybox-static; do
  if ! ls "${p}"_*.deb >/dev/null 2>&1; then
    echo "fetch-linux: downloading $p"
    # apt's sandbox user may not write here; the download is checked by apt either way.
    apt-get download -o APT::Sandbox::User=root "$p" >/dev/null
  fi
done
rm -rf x && mkdir x
for f in "${pkg}"_*.deb busybox-static_*.deb; do dpkg-deb -x "$f" x; done
cp x/boot/vmlinuz-* "$out/vmlinuz"
cp x/bin/busybox "$out/busybox"
rm -rf "$out/modules" && mkdir -p "$out/modules"
n=0
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net; do
  found=$(find x/lib/modules -name "$m.ko" | head -1)
  [ -n "$found" ] || { echo "fetch-linux: $pkg has no module $m.ko" >&2; exit 1; }
  n=$((n + 1))
  cp "$found" "$out/modules/$(printf %02d $n)-$m.ko"
done
echo "${pkg}" > "$out/kernel-package"
rm -rf x
