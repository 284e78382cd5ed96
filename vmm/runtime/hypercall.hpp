// User level's side of the hypercall ABI: one SYSCALL with the registers of
// abi/hypercall.hpp. The arguments come from abi::encode.
#pragma once
#include "abi/hypercall.hpp"

namespace keel::user {

inline abi::Status hypercall(abi::Args a, abi::Args* results = nullptr) {
    register uint64_t r8 asm("r8") = a.p4;
    asm volatile("syscall" : "+D"(a.p0), "+S"(a.p1), "+d"(a.p2), "+a"(a.p3), "+r"(r8) : : "rcx", "r11", "memory");
    a.p4 = r8;
    if (results) *results = a;
    return abi::Status(a.p0 & 0xff);
}

}  // namespace keel::user
