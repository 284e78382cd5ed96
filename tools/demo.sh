#!/usr/bin/env bash
# The demo: builds Keel and boots it in QEMU (software emulation, AMD SVM
# with nested paging). The serial console is this terminal: the hypervisor's
# boot log, the test guest's greeting and the exit counts, then power-off.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/build.sh"
keel_prepare

echo "keel: booting $KEEL_BUILD/keel-qemu.iso in QEMU (Ctrl-A X quits)"
set +e
qemu-system-x86_64 -accel tcg -cpu EPYC,+svm,+npt -m 512 -display none -net none -no-reboot \
  -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$KEEL_BUILD/keel-qemu.iso" \
  2> >(grep -v 'TCG doesn.t support requested feature' >&2)
status=$?
set -e
case $status in
  33) echo "keel: demo finished: the test guest ran and the hypervisor powered off cleanly" ;;
  37) echo "keel: this CPU model offers no SVM with nested paging"; exit 1 ;;
  *)  echo "keel: QEMU ended with status $status (35: kernel exception, 39: guest failed)"; exit 1 ;;
esac
