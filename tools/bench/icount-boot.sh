# Sourced by the deterministic benchmarks: boots an ISO under QEMU TCG with
# -icount shift=0 (the TSC advances one tick per instruction executed, at
# any level) and the debug-exit device; the serial log goes to a file.
#   keel_icount_boot NAME ISO SERIAL_LOG   (fails, showing the log, unless Keel powered off with success)
keel_icount_boot() {
  local name=$1 iso=$2 log=$3 status
  set +e
  timeout 600 qemu-system-x86_64 -accel tcg -icount shift=0 -cpu EPYC,+svm,+npt -m 512 -display none -net none \
    -no-reboot -serial "file:$log" -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso" 2>/dev/null
  status=$?
  set -e
  if [ $status != 33 ]; then
    echo "$name: run failed (QEMU status $status); serial log:" >&2
    cat "$log" >&2
    return 1
  fi
}
