#include "vmm/common/service.hpp"

#include "abi/hypercall.hpp"
#include "vmm/launch/vmm_start.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::vmm {

void service_console(abi::Utcb* utcb, bool keeps_vcpu_state, const char* text, size_t bytes, abi::Selector portal) {
    uint64_t text_word = keeps_vcpu_state ? 1 + (sizeof(abi::VcpuState) + 7) / 8 : 1;
    uint64_t room = (abi::MAX_UNTYPED_WORDS - text_word) * 8;
    if (bytes > room) bytes = room;
    auto* dst = reinterpret_cast<char*>(&utcb->word[text_word]);
    for (size_t i = 0; i < bytes; ++i) dst[i] = text[i];
    utcb->word[0] = service_word(ServiceOp::Console, bytes, text_word);
    (void)user::hypercall(abi::encode::call(portal, text_word + (bytes + 7) / 8));
}

void service_done(abi::Utcb* utcb, bool passed) {
    utcb->word[0] = service_word(ServiceOp::Done, passed ? 1 : 0);
    (void)user::hypercall(abi::encode::call(SEL_SERVICE, 1));
}

}  // namespace keel::vmm
