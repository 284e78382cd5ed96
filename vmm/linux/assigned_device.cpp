#include "vmm/linux/assigned_device.hpp"

#include "abi/hypercall.hpp"
#include "abi/utcb.hpp"
#include "vmm/common/vcpu_setup.hpp"
#include "vmm/devices/assigned_pci.hpp"
#include "vmm/linux/device_placement.hpp"
#include "vmm/linux/linux_vm.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::vmm::linux_vm {
namespace {

namespace enc = abi::encode;
constexpr uint64_t PAGE = 4096;
// Its thread: above the vCPU (an interrupt reaches the guest at once),
// below the VMM's time keeper.
constexpr uint64_t DEVICE_UTCB = abi::UTCB_AREA + 0x2000;
constexpr uint8_t DEVICE_PRIORITY = VCPU_PRIORITY + 20;
constexpr abi::Selector DEVICE_EVENTS = 192;  // its start-up portal at + THREAD_EVENT_STARTUP

alignas(16) uint8_t device_stack[4096];
constinit dev::AssignedPciFunction function;

// The window's part must be within the window too.
bool placeable(const VmmStart& start, const VmmStart::Bar& bar) {
    return bar_placeable(bar.address, bar.size, start.guest_ram_bytes) && bar.window_offset % PAGE == 0 &&
           bar.window_offset <= DEVICE_WINDOW_MAX && bar.size <= DEVICE_WINDOW_MAX - bar.window_offset;
}

extern "C" [[noreturn]] void device_thread();

// The thread's start-up portal (served by vCPU 0's exit handler EC): where it
// begins and its stack.
extern "C" [[noreturn]] void device_startup(uint64_t) {
    auto* utcb = reinterpret_cast<abi::Utcb*>(handler_utcb(0));
    utcb->word[0] = reinterpret_cast<uint64_t>(&device_thread);
    utcb->word[1] = reinterpret_cast<uint64_t>(device_stack + sizeof device_stack - 8);
    (void)user::hypercall(enc::reply(2, 0));
    for (;;) {}
}

// Its down of the host's semaphore lets the host's line come (the kernel
// masked it when it arrived); then it waits for the guest to end the
// interrupt before it lets the line come again.
extern "C" [[noreturn]] void device_thread() {
    Vm& vm = the_vm();
    for (;;) {
        if (user::hypercall(enc::sm_down(SEL_DEVICE_SM, 0)) != abi::Status::Success) break;
        vm.device_interrupts = vm.device_interrupts + 1;
        vm.device_raised = true;
        // A vCPU still running relays it (and kicks the one the guest
        // routed it to): woken if its handler waits on its semaphore, else
        // recalled; both, since without the lock either may be the case.
        unsigned v = 0;
        while (v + 1 < vm.vcpu_count && vm.vcpus[v].stopped) ++v;
        (void)user::hypercall(enc::sm_up(vcpu_sel(v, VcpuSel::HaltSm)));
        (void)user::hypercall(enc::recall(vcpu_sel(v, VcpuSel::Vcpu)));
        if (user::hypercall(enc::sm_down(SEL_DEVICE_EOI_SM, 0)) != abi::Status::Success) break;
    }
    for (;;) (void)user::hypercall(enc::sm_down(SEL_NEVER_SM, 0));
}

}  // namespace

bool attach_device(Vm& vm, PcPlatform& pc, const VmmStart& start, acpi::TableOptions& tables) {
    const uint16_t rid = uint16_t(start.device_rid);
    uint8_t config[256];
    for (uint16_t at = 0; at < 256; at += 4) {
        abi::Args a = enc::dev_config(abi::SEL_OWN_PD, rid, at);
        abi::Status s = user::hypercall(a, &a);
        if (s != abi::Status::Success) {
            user::console::print("vmm: cannot read the assigned device's configuration: %s\n", abi::status_name(s));
            return false;
        }
        for (int i = 0; i < 4; ++i) config[at + i] = uint8_t(a.p1 >> (8 * i));
    }
    uint64_t sizes[dev::AssignedPciFunction::BARS] = {};
    for (unsigned i = 0; i < dev::AssignedPciFunction::BARS; ++i) {
        const VmmStart::Bar& bar = start.device_bars[i];
        if (!bar.size) continue;
        if (!placeable(start, bar)) {
            user::console::print("vmm: the device's BAR %u (0x%lx, %lu bytes) cannot be mapped where the host has it\n",
                                 i, bar.address, bar.size);
            return false;
        }
        for (uint64_t p = 0; p < bar.size; p += PAGE)
            if (user::hypercall(
                    enc::delegate(abi::SEL_OWN_PD, abi::SEL_OWN_PD,
                                  abi::Crd(abi::SpaceKind::GuestMemory, (DEVICE_WINDOW + bar.window_offset + p) >> 12,
                                           0, abi::perm::MEM_R | abi::perm::MEM_W),
                                  (bar.address + p) >> 12)) != abi::Status::Success) {
                user::console::print("vmm: cannot map the device's BAR %u into the guest\n", i);
                return false;
            }
        sizes[i] = bar.size;
    }
    function.load(config, sizes, DEVICE_GSI);
    const uint8_t pin = function.interrupt_pin();
    if (pin < 1 || pin > 4 || !pc.attach_device(function.function(DEVICE_SLOT, 0), DEVICE_GSI)) {
        user::console::print("vmm: the assigned device has no INTx pin (%u) or no place on the bus\n", pin);
        return false;
    }
    tables.pci_device = DEVICE_SLOT;
    tables.pci_pin = uint8_t(pin - 1);
    tables.pci_gsi = DEVICE_GSI;
    vm.device = true;
    user::console::print("vmm: the guest gets PCI device %02x:%02x.%x (%04x:%04x, class %06x) at 00:%02x.0, its "
                         "host GSI %u on pin %u\n",
                         rid >> 8, rid >> 3 & 31, rid & 7, config[0] | config[1] << 8, config[2] | config[3] << 8,
                         config[9] | config[10] << 8 | config[11] << 16, DEVICE_SLOT, start.device_gsi, DEVICE_GSI);
    return true;
}

bool start_device_thread(uint16_t cpu) {
    const abi::Selector startup = DEVICE_EVENTS + abi::THREAD_EVENT_STARTUP;
    return succeeded("creating the device's semaphore",
                     user::hypercall(enc::create_sm(SEL_DEVICE_EOI_SM, abi::SEL_OWN_PD, 0))) &&
           succeeded("creating the device thread's start-up portal",
                     user::hypercall(enc::create_pt(startup, abi::SEL_OWN_PD, vcpu_sel(0, VcpuSel::Handler), 0,
                                                    reinterpret_cast<uint64_t>(&device_startup)))) &&
           succeeded("creating the device thread",
                     user::hypercall(enc::create_ec(
                         SEL_DEVICE_EC, abi::SEL_OWN_PD, abi::EcFlag::Global, cpu, DEVICE_UTCB,
                         reinterpret_cast<uint64_t>(device_stack + sizeof device_stack - 8), DEVICE_EVENTS))) &&
           succeeded("giving the device thread time",
                     user::hypercall(enc::create_sc(SEL_DEVICE_SC, abi::SEL_OWN_PD, SEL_DEVICE_EC, DEVICE_PRIORITY,
                                                    VCPU_QUANTUM_US)));
}

void relay_device_interrupt(Vm& vm, PcPlatform& pc) {
    if (!vm.device) return;
    if (vm.device_raised) {
        vm.device_raised = false;
        pc.raise_device_line();
    }
    if (pc.take_device_eoi()) (void)user::hypercall(enc::sm_up(SEL_DEVICE_EOI_SM));
}

}  // namespace keel::vmm::linux_vm
