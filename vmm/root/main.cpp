// The root task: the first user-level program. It owns every resource the
// kernel hands out. It reports what it received and starts one VMM PD per
// VM of the boot configuration (vm_launch.hpp), waits for them to end and
// powers off saying whether they passed; when its command line asks, it
// runs the hypercall fuzzer, one isolation probe or the IPC benchmark
// instead.
//
// Command line (its boot module's): root [fuzz=COUNT] [seed=N] [probe=NAME] [bench=ipc]
#include "abi/hip.hpp"
#include "abi/hypercall.hpp"
#include "abi/layout.hpp"
#include "abi/utcb.hpp"
#include "lib/string.hpp"
#include "vmm/root/hypercall_fuzzer.hpp"
#include "vmm/root/ipc_bench.hpp"
#include "vmm/root/probes.hpp"
#include "vmm/root/vm_launch.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

extern "C" char __image_first[], __image_end[];  // vmm/runtime/user.ld

namespace keel::root {
namespace {

struct Options {
    uint64_t fuzz = 0, seed = 1;
    StringView probe, bench;
    bool bad = false;
};

Options parse(StringView cmdline) {
    Options o;
    size_t i = 0;
    while (i < cmdline.size) {
        while (i < cmdline.size && cmdline[i] == ' ') ++i;
        size_t start = i;
        while (i < cmdline.size && cmdline[i] != ' ') ++i;
        StringView w = cmdline.substr(start, i - start);
        if (w.empty() || w == "root") continue;
        if (w.starts_with("fuzz=") && parse_u64(w.substr(5), o.fuzz)) continue;
        if (w.starts_with("seed=") && parse_u64(w.substr(5), o.seed)) continue;
        if (w.starts_with("probe=")) {
            o.probe = w.substr(6);
            continue;
        }
        if (w == "bench=ipc") {
            o.bench = w.substr(6);
            continue;
        }
        user::console::print("root: ignoring '%.*s': not fuzz=COUNT, seed=N, probe=NAME or bench=ipc\n", int(w.size),
                             w.data);
        o.bad = true;
    }
    return o;
}

void report(const abi::Hip& hip) {
    uint64_t ram = 0, modules = 0;
    for (uint32_t i = 0; i < hip.memory_count; ++i) {
        if (hip.memory[i].kind == uint32_t(abi::HipMemoryKind::Ram)) ram += hip.memory[i].size;
        if (hip.memory[i].kind == uint32_t(abi::HipMemoryKind::Module)) ++modules;
    }
    user::console::print("root: ABI %u, %u CPU(s), %u hypercalls, %lu selectors, %lu MiB of RAM, %lu modules\n",
                         hip.abi_version, hip.cpu_count, hip.hypercall_count, hip.selector_count, ram >> 20, modules);
}

}  // namespace

uint64_t first_ram(const abi::Hip& hip) {
    for (uint32_t i = 0; i < hip.memory_count; ++i)
        if (hip.memory[i].kind == uint32_t(abi::HipMemoryKind::Ram)) return hip.memory[i].address;
    return abi::ROOT_PHYS_BASE;
}

namespace {

void health() {
    abi::Status s = user::hypercall(abi::encode::hw_health());
    user::console::print("root: the kernel says it is %s\n", s == abi::Status::Success ? "healthy" : "NOT healthy");
}

}  // namespace
}  // namespace keel::root

extern "C" [[noreturn]] void user_main(keel::abi::Utcb* utcb, const keel::abi::Hip* hip) {
    using namespace keel;
    user::console::init(utcb);
    if (hip->signature != abi::HIP_SIGNATURE || hip->abi_version != abi::ABI_VERSION) {
        user::console::print("root: the information page is not ABI %u's\n", abi::ABI_VERSION);
        (void)user::hypercall(abi::encode::hw_power_off());
    }
    StringView cmdline(hip->root_cmdline);
    user::console::print("root: running in ring 3, command line '%.*s'\n", int(cmdline.size), cmdline.data);
    root::report(*hip);
    root::Options o = root::parse(cmdline);
    if (o.fuzz) {
        user::console::print("fuzz: %lu hypercalls from seed %lu\n", o.fuzz, o.seed);
        root::FuzzStats stats;
        root::FuzzTarget target{reinterpret_cast<uint64_t>(__image_first) >> 12,
                                reinterpret_cast<uint64_t>(__image_end) >> 12, root::first_ram(*hip) >> 12};
        root::fuzz_hypercalls(o.seed, o.fuzz, target, stats);
        user::console::print("fuzz: %lu calls made, %lu skipped (would end the run); statuses:", stats.calls,
                             stats.skipped);
        for (unsigned s = 0; s < abi::STATUS_COUNT; ++s)
            if (stats.by_status[s])
                user::console::print(" %s %lu", abi::status_name(abi::Status(s)), stats.by_status[s]);
        user::console::print("\n");
        user::console::print("fuzz: successes by hypercall:");
        for (unsigned h = 0; h < abi::HYPERCALL_COUNT; ++h) user::console::print(" %u:%lu", h, stats.succeeded[h]);
        user::console::print("\n");
    }
    if (!o.probe.empty() && !root::run_probe(o.probe, *hip)) {
        user::console::print("root: no probe '%.*s'; ", int(o.probe.size), o.probe.data);
        root::list_probes();
    }
    if (!o.bench.empty()) root::ipc_bench(*hip);
    bool failed = false;
    if (!o.fuzz && o.probe.empty() && o.bench.empty()) {
        unsigned started = root::start_vms(*hip);
        unsigned passed = root::wait_vms(started), named = root::vms_named();
        if (named) user::console::print("root: %u of %u VMs passed\n", passed, named);
        failed = passed != named;
    }
    root::health();
    user::console::print("root: done; powering off\n");
    (void)user::hypercall(abi::encode::hw_power_off(failed));
    for (;;) {}
}
