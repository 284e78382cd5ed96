#!/bin/busybox sh
# The attacker VM's /init (tests/qemu/linux-edu-dma.conf; the test is
# AssignedDevice.* in tests/launch/launch_test.cpp). QEMU's edu (1234:11e8)
# is this guest's by device assignment; its DMA is driven from here through
# /dev/mem: registers at BAR 0 (0x80 source, 0x88 destination, 0x90 count,
# 0x98 command: 1 = RAM into its 4 KiB buffer, 3 = the buffer into RAM; bit
# 0 clears when done, about 100 ms later), its buffer at device address
# 0x40000, 28 address bits. The device's addresses are guest-physical ones:
# the host's IOMMU translates them through this guest's memory. Nothing is
# written to its configuration space: the kernel let it decode memory and
# master the bus when it was assigned (the VMM keeps the guest's command
# register writes to itself).
#   - Own memory: a random page in this guest's RAM, copied through the
#     device's buffer to a second page. The pages are kept from Linux by
#     memmap= on the command line (/dev/mem reaches no RAM Linux has). If
#     the copy does not arrive, the device's addresses are not this guest's
#     and nothing it reads can be looked at: it stops there.
#   - Outside: every 4 MiB from the end of its RAM to 256 MiB: reads into
#     the buffer, which held a random pattern (a 256-byte slot of it per
#     address; the buffer is then copied to an own page to be looked at: a
#     slot that holds anything but its pattern or zeros, what an aborted
#     read leaves in QEMU, brought memory that is not this guest's); then
#     writes of another random pattern, each read back at once (what came
#     back is what was written: the write landed).
# One line per verdict ("EDU-DMA ..."), "EDU-DMA done", then power off.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
say() { echo "EDU-DMA $*"; }
stop() {
  say "stopped: $*"
  say done
  poweroff -f
}
hex() { printf '0x%x' "$1"; }

OWN=0x4000000  # memmap=64K$0x4000000: 16 pages of RAM Linux leaves alone
SRC=$((OWN)) DST=$((OWN + 0x1000))
BUF=$((0x40000)) SLOTS=15 SLOT=256
LIMIT=$((1 << 28)) STEP=$((4 << 20))

dev=
for d in /sys/bus/pci/devices/*; do
  [ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && dev=$d
done
[ -n "$dev" ] || stop "no edu (1234:11e8) among the PCI functions: $(ls /sys/bus/pci/devices | tr '\n' ' ')"
bar=$(($(head -n 1 "$dev/resource" | cut -d' ' -f1)))
[ "$bar" -ne 0 ] || stop "edu's BAR 0 has no address"
id=$(($(devmem "$bar" 32)))
say "device ${dev##*/} (1234:11e8): registers at $(hex "$bar"), it says $(hex "$id"), command register $(cat "$dev/config" | dd bs=1 skip=4 count=2 2>/dev/null | hexdump -v -e '1/2 "0x%04x"')"
[ "$id" -eq $((0x010000ed)) ] || stop "the registers at $(hex "$bar") are not edu's"

# This guest's RAM: the end of its highest "System RAM" range.
ram_end=0
while IFS= read -r line; do
  case $line in
  " "*) ;;
  *": System RAM")
    last=${line#*-}
    last=$((0x${last%% *} + 1))
    [ "$last" -gt "$ram_end" ] && ram_end=$last ;;
  esac
done < /proc/iomem
grep -qi "^$(printf '%08x' "$OWN")-$(printf '%08x' $((OWN + 0xffff))) : Reserved" /proc/iomem ||
  stop "$(hex "$OWN") is not kept from Linux (memmap=): $(grep -i reserved /proc/iomem | tr '\n' ';')"
say "RAM ends at $(hex "$ram_end"); own pages at $(hex "$SRC") and $(hex "$DST")"

# dma SOURCE DESTINATION BYTES COMMAND: one transfer, to its end.
bytes=0
dma() {
  devmem $((bar + 0x80)) 32 "$1"
  devmem $((bar + 0x88)) 32 "$2"
  [ "$3" -eq "$bytes" ] || devmem $((bar + 0x90)) 32 "$3"
  bytes=$3
  devmem $((bar + 0x98)) 32 "$4"
  usleep 100000
  n=0
  while [ $(($(devmem $((bar + 0x98)) 32) & 1)) -ne 0 ]; do
    n=$((n + 1))
    [ $n -lt 200 ] || stop "the device never finished a transfer from $(hex "$1") to $(hex "$2")"
    usleep 10000
  done
}
# A page of memory as 16 lines, one per 256 bytes, in hex.
lines() { hexdump -v -e '256/1 "%02x" "\n"'; }
page() { dd if=/dev/mem bs=4096 skip=$(($1 / 4096)) count=1 2>/dev/null | lines; }
put() { dd if="$1" of=/dev/mem bs=4096 seek=$(($2 / 4096)) count=1 conv=notrunc 2>/dev/null; }

for p in mine read write; do
  dd if=/dev/urandom of=/tmp/$p bs=4096 count=1 2>/dev/null
  lines < /tmp/$p > /tmp/$p.lines
done
dd if=/dev/zero of=/tmp/zero bs=4096 count=1 2>/dev/null
zero=$(lines < /tmp/zero | head -n 1)

# Own memory: SRC -> the buffer -> DST (which held zeros).
put /tmp/mine $SRC
put /tmp/zero $DST
dma $SRC $BUF $((SLOTS * SLOT)) 1
dma $BUF $DST $((SLOTS * SLOT)) 3
page $DST | head -n $SLOTS > /tmp/got
if head -n $SLOTS /tmp/mine.lines | cmp -s - /tmp/got; then
  say "own memory: reached ($((SLOTS * SLOT)) random bytes from $(hex $SRC) through the device to $(hex $DST))"
else
  say "own memory: NOT reached (what the device put at $(hex $DST) is not what $(hex $SRC) holds)"
  # Its copies do not arrive where this guest looks: nothing it reads
  # outside could be looked at either.
  stop "the device's addresses are not this guest's"
fi

outside=
a=$(((ram_end + STEP - 1) / STEP * STEP))
while [ $a -lt $LIMIT ]; do
  outside="$outside $a"
  a=$((a + STEP))
done
set -- $outside
total=$#
[ "$total" -gt 0 ] || stop "no address between the end of RAM and $(hex $LIMIT)"
say "outside: $total addresses from $(hex "$1") to $(hex $((LIMIT - STEP))), every $((STEP >> 20)) MiB"

# classify GOT KEPT WRITTEN: what a slot holds after a read: "kept" (the
# read changed nothing), "zeros" (QEMU's answer to an aborted read),
# "landed" (what the device wrote there came back) or "leaked" (anything
# else: memory that is not this guest's).
classify() {
  if [ "$1" = "$2" ]; then
    echo kept
  elif [ "$1" = "$zero" ]; then
    echo zeros
  elif [ "$1" = "$3" ]; then
    echo landed
  else
    echo leaked
  fi
}
# tally ADDRESS CLASS GOT: adds one to that class's count; says where
# something came back (a line each: the console's lines are short).
tally() {
  eval "$2=\$(($2 + 1))"
  case $2 in
  landed) say "write to $(hex "$1") landed: it reads back" ;;
  leaked) say "read of $(hex "$1") brought ${3%"${3#????????????????}"}..." ;;
  esac
}

# Reads: each outside address into a slot of the buffer, which held the
# read pattern, 15 at a time.
kept=0 zeros=0 landed=0 leaked=0
put /tmp/read $SRC
set -- $outside
while [ $# -gt 0 ]; do
  dma $SRC $BUF $((SLOTS * SLOT)) 1
  batch=
  slot=0
  while [ $# -gt 0 ] && [ $slot -lt $SLOTS ]; do
    dma "$1" $((BUF + slot * SLOT)) $SLOT 1
    batch="$batch $1"
    slot=$((slot + 1))
    shift
  done
  dma $BUF $DST $((SLOTS * SLOT)) 3
  page $DST > /tmp/got
  for a in $batch; do
    IFS= read -r got <&3
    IFS= read -r was <&4
    tally "$a" "$(classify "$got" "$was" -)" "$got"
  done 3< /tmp/got 4< /tmp/read.lines
done
say "outside reads: $leaked of $total leaked ($zeros read as zeros, $kept left the buffer as it was)"

# Writes, each read back at once: slot 2j (the write pattern) to an outside
# address, which is then read into slot 2j+1 (the read pattern), 7 at a
# time, and then the buffer is looked at. After a batch in which one
# landed, the writes stop: the device could be overwriting anyone's memory,
# and one is proof enough.
kept=0 zeros=0 landed=0 leaked=0
put /tmp/write $SRC
tried=0
set -- $outside
while [ $# -gt 0 ] && [ $landed -eq 0 ]; do
  dma $SRC $BUF $((SLOTS * SLOT)) 1
  batch=
  slot=0
  while [ $# -gt 0 ] && [ $((slot + 1)) -lt $SLOTS ]; do
    dma $((BUF + slot * SLOT)) "$1" $SLOT 3
    dma "$1" $((BUF + (slot + 1) * SLOT)) $SLOT 1
    batch="$batch $1"
    slot=$((slot + 2))
    tried=$((tried + 1))
    shift
  done
  dma $BUF $DST $((SLOTS * SLOT)) 3
  page $DST > /tmp/got
  for a in $batch; do
    IFS= read -r written <&4
    IFS= read -r was <&4
    IFS= read -r got <&3
    IFS= read -r got <&3
    tally "$a" "$(classify "$got" "$was" "$written")" "$got"
  done 3< /tmp/got 4< /tmp/write.lines
done
[ $tried -eq "$total" ] || say "writes stopped after $tried of $total: one landed"
say "outside writes: $landed of $tried landed (read back: $leaked leaked, $zeros zeros, $kept as they were)"
say done
poweroff -f
