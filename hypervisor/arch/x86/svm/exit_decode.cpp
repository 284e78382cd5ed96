#include "hypervisor/arch/x86/svm/exit_decode.hpp"

namespace keel::x86::svm {
namespace {

// EXITINTINFO / EVENTINJ (APM vol. 2, 15.20)
constexpr uint64_t EVENT_VALID = 1ull << 31;
constexpr unsigned EVENT_TYPE_SHIFT = 8;
constexpr uint64_t EVENT_TYPE_MASK = 7;
constexpr uint64_t EVENT_VECTOR_MASK = 0xff;
enum EventType : uint64_t { EXTERNAL_INTERRUPT = 0, NMI = 2, EXCEPTION = 3, SOFTWARE_INTERRUPT = 4 };
constexpr uint64_t VECTOR_BREAKPOINT = 3, VECTOR_OVERFLOW = 4;

}  // namespace

uint64_t event_to_reinject(uint64_t info) {
    if (!(info & EVENT_VALID)) return 0;
    uint64_t type = (info >> EVENT_TYPE_SHIFT) & EVENT_TYPE_MASK;
    uint64_t vector = info & EVENT_VECTOR_MASK;
    bool from_instruction =
        type == SOFTWARE_INTERRUPT || (type == EXCEPTION && (vector == VECTOR_BREAKPOINT || vector == VECTOR_OVERFLOW));
    bool known = type == EXTERNAL_INTERRUPT || type == NMI || type == EXCEPTION;
    return known && !from_instruction ? info : 0;
}

}  // namespace keel::x86::svm
