// One-instruction wrappers for SVM's global-interrupt-flag instructions.
#pragma once

namespace keel::x86::svm {
inline void clgi() { asm volatile("clgi" ::: "memory"); }
inline void stgi() { asm volatile("stgi" ::: "memory"); }
}  // namespace keel::x86::svm
