#include "vmm/root/ipc_bench.hpp"

#include "abi/layout.hpp"
#include "vmm/root/child.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"
#include "vmm/runtime/tsc.hpp"

namespace keel::root {
namespace {

namespace enc = abi::encode;
constexpr abi::Selector CHILD_ECHO_EC = 80, CHILD_ECHO_PT = 81, OWN_ECHO_EC = 82, OWN_ECHO_PT = 83;
constexpr uint64_t TRIPS = 1000, WARM_UP = 10;
alignas(16) uint8_t own_echo_stack[1024];

// A handler that answers at once; it is entered afresh for every call.
[[noreturn]] void echo() {
    (void)user::hypercall(enc::reply(0, 0));
    for (;;) {}
}

uint64_t time_calls(abi::Selector pt) {
    for (uint64_t i = 0; i < WARM_UP; ++i) (void)user::hypercall(enc::call(pt, 0));
    uint64_t t0 = user::rdtsc();
    for (uint64_t i = 0; i < TRIPS; ++i) (void)user::hypercall(enc::call(pt, 0));
    return user::rdtsc() - t0;
}

// The anchor's calibration: a 3-instruction loop, 1000 times.
uint64_t time_loop() {
    uint64_t n = TRIPS, x = 0, t0 = user::rdtsc();
    asm volatile("1: add $1, %0; dec %1; jnz 1b" : "+r"(x), "+r"(n));
    return user::rdtsc() - t0;
}

bool ok(const char* what, abi::Status s) {
    if (s != abi::Status::Success) user::console::print("bench: %s failed: %s\n", what, abi::status_name(s));
    return s == abi::Status::Success;
}

}  // namespace

void ipc_bench(const abi::Hip& hip) {
    if (!make_child(hip)) return;
    auto echo_ip = reinterpret_cast<uint64_t>(&echo);
    if (!ok("creating the child's handler",
            user::hypercall(enc::create_ec(CHILD_ECHO_EC, CHILD_PD, abi::EcFlag::Local, 0, abi::UTCB_AREA,
                                           CHILD_PAGE + 4096 - 8, 0))) ||
        !ok("creating its portal",
            user::hypercall(enc::create_pt(CHILD_ECHO_PT, CHILD_PD, CHILD_ECHO_EC, 0, echo_ip))) ||
        !ok("creating the root task's own handler",
            user::hypercall(enc::create_ec(OWN_ECHO_EC, abi::SEL_OWN_PD, abi::EcFlag::Local, 0, abi::UTCB_AREA + 0x2000,
                                           reinterpret_cast<uint64_t>(own_echo_stack + sizeof own_echo_stack - 8),
                                           0))) ||
        !ok("creating its portal",
            user::hypercall(enc::create_pt(OWN_ECHO_PT, abi::SEL_OWN_PD, OWN_ECHO_EC, 0, echo_ip))))
        return;
    uint64_t cross = time_calls(CHILD_ECHO_PT), same = time_calls(OWN_ECHO_PT), loop = time_loop();
    user::console::print("bench: ipc call+reply to another PD: %lu ticks for %lu round trips\n", cross, TRIPS);
    user::console::print("bench: ipc call+reply within the PD: %lu ticks for %lu round trips\n", same, TRIPS);
    user::console::print("bench: calibration, 3-instruction loop: %lu ticks for %lu iterations\n", loop, TRIPS);
}

}  // namespace keel::root
