// libFuzzer target: what the Linux VMM reads before its guest runs, from
// bytes a guest's owner chose: the bzImage's header (parse_bzimage, then
// plan_load and the zero page for whatever it accepts) and a boot
// configuration line (parse_vm_line). Every answer is a status; whatever is
// accepted lies inside the image, the guest's RAM and the zero page.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "vmm/linux/boot_protocol.hpp"
#include "vmm/root/vm_config.hpp"

using namespace keel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The configuration line: the first 256 bytes as text.
    size_t line_bytes = size < 256 ? size : 256;
    std::vector<char> line(data, data + line_bytes);
    root::VmSpec spec;
    const char* why = nullptr;
    root::LineKind kind = root::parse_vm_line(StringView(line.data(), line.size()), spec, why);
    if (kind == root::LineKind::Invalid && !why) abort();
    if (kind == root::LineKind::Vm) {
        if (spec.name.empty() || spec.name.size > root::VM_NAME_MAX) abort();
        if (spec.command_line.size > root::LINUX_CMDLINE_MAX) abort();
        if (spec.command_line.size && (spec.command_line.data < line.data() ||
                                       spec.command_line.data + spec.command_line.size > line.data() + line.size()))
            abort();
    }
    // The image: all of the input, with its own RAM size from the first byte.
    std::vector<uint8_t> image(data, data + size);
    vmm::boot::KernelImage k;
    if (vmm::boot::parse_bzimage(image.data(), image.size(), k, why) != Status::Ok) return 0;
    if (k.kernel_offset + k.kernel_bytes != image.size() || k.header_end > 0x2d0 || k.header_end > image.size())
        abort();
    const uint64_t ram = (uint64_t(size ? data[0] : 0) + 1) << 20;
    vmm::boot::LoadPlan plan;
    uint64_t initrd = ram > (2u << 20) ? ram - (1u << 20) : 0;
    if (vmm::boot::plan_load(k, ram, initrd, 4096, plan, why) == Status::Ok) {
        if (plan.kernel_end > ram || plan.initrd_gpa < plan.kernel_end) abort();
    }
    vmm::boot::MemoryRange map[8];
    size_t n = vmm::boot::guest_memory_map(ram, map, 8);
    std::vector<uint8_t> zero_page(vmm::boot::BOOT_PARAMS_SIZE + 64, 0xa5);
    (void)vmm::boot::write_boot_params(zero_page.data(), image.data(), k, plan, size % 4096, map, n, 0xe0000);
    for (size_t i = vmm::boot::BOOT_PARAMS_SIZE; i < zero_page.size(); ++i)
        if (zero_page[i] != 0xa5) abort();
    return 0;
}
