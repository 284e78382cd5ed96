#!/usr/bin/env bash
# A busybox initramfs whose /init prints a marker line (with the CPUs the
# guest sees), then powers the guest off. An uncompressed cpio archive: GRUB
# unpacks a gzipped module as it loads it, so what the guest got would not
# be the file that was measured.
#   tools/guest/make-initramfs.sh BUSYBOX MARKER OUT.cpio
set -euo pipefail
busybox=${1:?usage: make-initramfs.sh BUSYBOX MARKER OUT}
marker=${2:?marker}
out=${3:?output}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$busybox" "$root/bin/busybox"
cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "$marker cpus=\$(nproc)"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible ) > "$out"
