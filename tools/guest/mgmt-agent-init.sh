#!/bin/busybox sh
# The management VM's /init (the demo host's and the network test's): the
# kernel's virtio modules for the card the host assigned to it, the address
# QEMU's user-mode network expects, then keel-agent serving the verifier on
# the host, which reaches it through a port QEMU forwards from the host's
# loopback (nothing else reaches this VM: hence plain HTTP off loopback,
# said explicitly). The DRTM log comes from where this VM's kernel
# publishes it. Port 7736 discards what it receives (the network benchmark,
# tools/bench/net-throughput.sh). A connection to port 7735 powers the VM off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
mkdir -p /tmp
for m in /lib/modules/*.ko; do
  insmod "$m" 2>&1 | sed 's/^/KEEL-MGMT insmod: /'
done
ip link set lo up
ip link set eth0 up 2>&1 | sed 's/^/KEEL-MGMT net: /'
ip addr add 10.0.2.15/24 dev eth0 2>&1 | sed 's/^/KEEL-MGMT net: /'
ip route add default via 10.0.2.2 2>&1 | sed 's/^/KEEL-MGMT net: /'
echo "KEEL-MGMT net: eth0 $(cat /sys/class/net/eth0/address 2>&1) driver $(basename "$(readlink /sys/class/net/eth0/device/driver 2>/dev/null)" 2>&1)"
keel-agent serve --tcti device:/dev/tpmrm0 --listen 0.0.0.0:7734 --plain-http-off-loopback 2>&1 |
  sed 's/^/KEEL-MGMT agent: /' &
(while :; do nc -l -p 7736 > /dev/null 2>&1; done) &
echo "KEEL-MGMT serving"
nc -l -p 7735 > /dev/null 2>&1
echo "KEEL-MGMT power off: $(grep -c . /proc/interrupts) lines in /proc/interrupts"
grep -i virtio /proc/interrupts | sed 's/^/KEEL-MGMT interrupts: /'
poweroff -f
