#!/usr/bin/env bash
# A busybox initramfs whose /init either prints a marker line (with the
# CPUs the guest sees) and powers the guest off, or is a script of one's
# own. An uncompressed cpio archive: GRUB unpacks a gzipped module as it
# loads it, so what the guest got would not be the file that was measured.
#   tools/guest/make-initramfs.sh BUSYBOX OUT.cpio --marker TEXT
#   tools/guest/make-initramfs.sh BUSYBOX OUT.cpio --init SCRIPT
set -euo pipefail
usage() { echo "usage: make-initramfs.sh BUSYBOX OUT.cpio (--marker TEXT | --init SCRIPT)" >&2; exit 2; }
[ $# -eq 4 ] || usage
busybox=$1 out=$2 mode=$3 what=$4
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$busybox" "$root/bin/busybox"
case $mode in
--marker)
  cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "$what cpus=\$(nproc)"
poweroff -f
INIT
  ;;
--init) cp "$what" "$root/init" ;;
*) usage ;;
esac
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) > "$out"
