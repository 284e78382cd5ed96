#!/usr/bin/env bash
# A busybox initramfs whose /init either prints a marker line (with the
# CPUs the guest sees) and powers the guest off, or is a script of one's
# own. An uncompressed cpio archive: GRUB unpacks a gzipped module as it
# loads it, so what the guest got would not be the file that was measured.
# Each --with PROGRAM (a path; a symbolic link comes with what it names;
# one outside the system's bin folders goes to /usr/bin) or --with-library
# LIBRARY (one a program opens at run time, e.g. a TCTI) is copied with
# every shared library it needs, where the host has them. Each --module
# FILE (a kernel module) goes to /lib/modules under its own name, for /init
# to load in their names' order.
#   tools/guest/make-initramfs.sh BUSYBOX OUT.cpio --marker TEXT [--with PROGRAM | --with-library LIB]...
#   tools/guest/make-initramfs.sh BUSYBOX OUT.cpio --init SCRIPT [--with PROGRAM | --with-library LIB]...
set -euo pipefail
usage() {
  echo "usage: make-initramfs.sh BUSYBOX OUT.cpio (--marker TEXT | --init SCRIPT) [--with PROGRAM | --with-library LIB | --module FILE.ko]..." >&2
  exit 2
}
[ $# -ge 4 ] || usage
busybox=$1 out=$2 mode=$3 what=$4
shift 4
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
cp "$busybox" "$root/bin/busybox"

# A file at path $2 (default: its own path) in the image (through links:
# the file itself).
copy_file() {
  local to=${2:-$1}
  [ -e "$root$to" ] && return 0
  mkdir -p "$root$(dirname "$to")"
  cp -L "$1" "$root$to"
}
# Where a host file goes in the image: system programs and libraries where
# they are (the loader's paths and RUNPATHs hold), a program from elsewhere
# (a build tree) in /usr/bin, where /init finds it.
place() {
  case $1 in
  /usr/bin/* | /bin/* | /usr/sbin/* | /sbin/* | *.so | *.so.*) echo "$1" ;;
  *) echo "/usr/bin/$(basename "$1")" ;;
  esac
}
is_elf() { [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }
# A program or library and the libraries the dynamic loader finds for it.
copy_with_libraries() {
  local file lib to
  file=$(realpath -s -- "$1")
  [ -e "$file" ] || { echo "make-initramfs: $1 does not exist" >&2; exit 1; }
  if [ -L "$file" ]; then
    local target
    target=$(readlink -f -- "$file")
    copy_with_libraries "$target"
    to=$(place "$file")
    mkdir -p "$root$(dirname "$to")"
    [ -e "$root$to" ] || ln -s "$(place "$target")" "$root$to"
    return 0
  fi
  to=$(place "$file")
  copy_file "$file" "$to"
  # Without its debug information: a smaller module to measure and load.
  if [ "$to" != "$file" ] && is_elf "$file"; then strip --strip-debug "$root$to"; fi
  if ldd "$file" 2>/dev/null | grep -q "not found"; then
    echo "make-initramfs: $file needs libraries this host does not have:" >&2
    ldd "$file" | grep "not found" >&2
    exit 1
  fi
  # ldd prints "name => /path (addr)" and the loader as "/path (addr)".
  # (A script or a static program has none: ldd fails on it.)
  { ldd "$file" 2>/dev/null || true; } | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
    while IFS= read -r lib; do copy_file "$lib"; done
}
while [ $# -gt 0 ]; do
  case $1 in
  --with | --with-library) [ $# -ge 2 ] || usage; copy_with_libraries "$2"; shift 2 ;;
  --module) [ $# -ge 2 ] || usage; [ -f "$2" ] || { echo "make-initramfs: $2 does not exist" >&2; exit 1; }
    copy_file "$2" "/lib/modules/$(basename "$2")"; shift 2 ;;
  *) usage ;;
  esac
done
case $mode in
--marker)
  cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "$what cpus=\$(nproc) year=\$(date -u +%Y)"
poweroff -f
INIT
  ;;
--init) cp "$what" "$root/init" ;;
*) usage ;;
esac
chmod +x "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) > "$out"
