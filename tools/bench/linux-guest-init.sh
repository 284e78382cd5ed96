#!/bin/busybox sh
# /init of the Linux guest benchmark (tools/bench/linux-guest.sh): marks
# when it runs, then a CPU-bound workload (MD5 over 64 MiB) between two
# marks with the guest's uptime, then powers off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev
echo "KEEL-BENCH-INIT"
echo "KEEL-BENCH-WORK-START UPTIME $(cut -d' ' -f1 /proc/uptime)"
dd if=/dev/zero bs=1M count=64 2>/dev/null | md5sum
echo "KEEL-BENCH-WORK-END UPTIME $(cut -d' ' -f1 /proc/uptime)"
poweroff -f
