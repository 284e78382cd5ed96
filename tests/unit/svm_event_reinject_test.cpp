// The event an exit interrupted, delivered again at the next entry
// (hypervisor/arch/x86/svm/exit_decode): never one an instruction raises.
#include <gtest/gtest.h>

#include "hypervisor/arch/x86/svm/exit_decode.hpp"

namespace svm = keel::x86::svm;

namespace {

TEST(SvmEventReinject, ReinjectsOnlyEventsThatDoNotComeFromAnInstruction) {
    constexpr uint64_t V = 1ull << 31;
    EXPECT_EQ(svm::event_to_reinject(0x20), 0u);  // not valid
    EXPECT_EQ(svm::event_to_reinject(V | 0x30), V | 0x30);  // external interrupt, vector 0x30
    EXPECT_EQ(svm::event_to_reinject(V | (2 << 8) | 2), V | (2 << 8) | 2);  // NMI
    uint64_t page_fault = V | (1 << 11) | (3 << 8) | 14 | (uint64_t(6) << 32);  // #PF with its error code
    EXPECT_EQ(svm::event_to_reinject(page_fault), page_fault);
    EXPECT_EQ(svm::event_to_reinject(V | (3 << 8) | 3), 0u);  // INT3: raised again by the instruction
    EXPECT_EQ(svm::event_to_reinject(V | (3 << 8) | 4), 0u);  // INTO
    EXPECT_EQ(svm::event_to_reinject(V | (4 << 8) | 0x10), 0u);  // INT 10h
    EXPECT_EQ(svm::event_to_reinject(V | (5 << 8) | 1), 0u);  // a reserved type is never injected
}

}  // namespace
