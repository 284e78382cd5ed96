// Random hypercalls from the root task, as many as asked, from a printed
// seed (the same seed gives the same calls): numbers beyond the fifteen,
// selectors empty and taken, range descriptors of every kind, order and
// permission, and plain random words. The kernel must answer each with a
// status and stay healthy; the fuzzer keeps itself alive by never taking
// away its own image or initial capabilities, and never powers off.
#pragma once
#include <stdint.h>

namespace keel::root {

struct FuzzStats {
    uint64_t calls = 0, skipped = 0;
    uint64_t by_status[16] = {};
    uint64_t succeeded[16] = {};  // by hypercall number
};

struct FuzzTarget {
    uint64_t image_first, image_end;  // the pages of this program: never revoked
    uint64_t ram_page;  // the first page of the root task's RAM: delegations from there succeed
};

void fuzz_hypercalls(uint64_t seed, uint64_t count, const FuzzTarget& target, FuzzStats& stats);

}  // namespace keel::root
