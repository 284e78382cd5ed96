// One-instruction wrappers for SVM instructions used outside entry.S.
#pragma once
#include <stdint.h>

namespace keel::x86::svm {
inline void clgi() { asm volatile("clgi" ::: "memory"); }
inline void stgi() { asm volatile("stgi" ::: "memory"); }
// Saves FS, GS, TR, LDTR, KernelGsBase, STAR/LSTAR/CSTAR/SFMASK and
// SYSENTER_* into the VMCB at `pa`.
inline void vmsave(uint64_t pa) { asm volatile("vmsave %0" ::"a"(pa) : "memory"); }
// Runs the host's own #MC handler (vector 18).
constexpr uint8_t MACHINE_CHECK_VECTOR = 18;
inline void raise_machine_check() { asm volatile("int $18" ::: "memory"); }
}  // namespace keel::x86::svm
