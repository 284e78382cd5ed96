#include "vmm/linux/boot_protocol.hpp"

namespace keel::vmm::boot {
namespace {

// Offsets in the image's first sector and in the zero page (the setup
// header sits at the same place in both).
constexpr size_t SETUP_SECTS = 0x1f1, SYSSIZE = 0x1f4, BOOT_FLAG = 0x1fe, JUMP = 0x200, HEADER = 0x202, VERSION = 0x206,
                 TYPE_OF_LOADER = 0x210, LOADFLAGS = 0x211, RAMDISK_IMAGE = 0x218, RAMDISK_SIZE = 0x21c,
                 CMD_LINE_PTR = 0x228, INITRD_ADDR_MAX = 0x22c, XLOADFLAGS = 0x236, CMDLINE_SIZE = 0x238,
                 PREF_ADDRESS = 0x258, INIT_SIZE = 0x260;
constexpr size_t ACPI_RSDP_ADDR = 0x070, EXT_RAMDISK_IMAGE = 0x0c0, EXT_RAMDISK_SIZE = 0x0c4, E820_ENTRIES = 0x1e8,
                 E820_TABLE = 0x2d0;
constexpr size_t E820_MAX = 128, E820_ENTRY_BYTES = 20;
constexpr uint32_t HDRS = 0x53726448;  // "HdrS"
constexpr uint8_t LOADED_HIGH = 1;  // a bzImage: its kernel runs from 1 MiB
constexpr uint16_t XLF_KERNEL_64 = 1;
constexpr uint8_t LOADER_UNDEFINED = 0xff;  // no registered boot loader ID
constexpr uint32_t OLD_CMDLINE_SIZE = 255;  // before protocol 2.06 the limit was fixed
constexpr uint64_t PAGE = 4096;

uint64_t get(const uint8_t* p, size_t at, unsigned bytes) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) v |= uint64_t(p[at + i]) << (8 * i);
    return v;
}

void put(uint8_t* p, size_t at, unsigned bytes, uint64_t v) {
    for (unsigned i = 0; i < bytes; ++i) p[at + i] = uint8_t(v >> (8 * i));
}

Status refuse(const char*& why, const char* reason, Status s = Status::Malformed) {
    why = reason;
    return s;
}

}  // namespace

Status parse_bzimage(const uint8_t* image, size_t size, KernelImage& out, const char*& why) {
    out = {};
    if (size < INIT_SIZE + 4) return refuse(why, "too small to hold a setup header", Status::Truncated);
    if (get(image, BOOT_FLAG, 2) != 0xaa55) return refuse(why, "no boot flag 0xAA55 at 0x1fe: not a Linux kernel");
    if (get(image, HEADER, 4) != HDRS) return refuse(why, "no \"HdrS\" at 0x202: not a Linux bzImage");
    out.protocol = uint16_t(get(image, VERSION, 2));
    if (out.protocol < MIN_PROTOCOL) return refuse(why, "boot protocol older than 2.12", Status::Unsupported);
    // The header ends where the setup code's first jump lands.
    out.header_end = uint32_t(JUMP + 2 + image[JUMP + 1]);
    if (out.header_end < INIT_SIZE + 4 || out.header_end > E820_TABLE)
        return refuse(why, "the setup header's length (its jump at 0x200) is out of range");
    if (!(image[LOADFLAGS] & LOADED_HIGH))
        return refuse(why, "a zImage (loaded low), not a bzImage", Status::Unsupported);
    if (!(get(image, XLOADFLAGS, 2) & XLF_KERNEL_64))
        return refuse(why, "not a 64-bit kernel (xloadflags)", Status::Unsupported);
    uint64_t setup_sects = image[SETUP_SECTS] ? image[SETUP_SECTS] : 4;
    out.kernel_offset = (setup_sects + 1) * 512;
    if (out.kernel_offset >= size) return refuse(why, "the setup part claims the whole image", Status::Truncated);
    out.kernel_bytes = size - out.kernel_offset;
    if (get(image, SYSSIZE, 4) * 16 > out.kernel_bytes)
        return refuse(why, "the kernel is shorter than its header says (syssize)", Status::Truncated);
    out.pref_address = get(image, PREF_ADDRESS, 8);
    out.init_size = uint32_t(get(image, INIT_SIZE, 4));
    out.initrd_addr_max = uint32_t(get(image, INITRD_ADDR_MAX, 4));
    out.cmdline_size = uint32_t(get(image, CMDLINE_SIZE, 4));
    if (!out.cmdline_size) out.cmdline_size = OLD_CMDLINE_SIZE;
    if (!out.init_size) return refuse(why, "init_size is 0");
    if (out.pref_address >= (uint64_t(1) << 47)) return refuse(why, "pref_address is not a plausible address");
    return Status::Ok;
}

Status plan_load(const KernelImage& k, uint64_t ram_bytes, uint64_t initrd_gpa, uint64_t initrd_bytes, LoadPlan& out,
                 const char*& why) {
    out = {};
    // The kernel decompresses itself at pref_address if it lies above where
    // it was loaded, else in place; either way it needs init_size from there.
    uint64_t base = k.pref_address > KERNEL_GPA ? k.pref_address : KERNEL_GPA;
    uint64_t end = base + k.init_size;
    if (KERNEL_GPA + k.kernel_bytes > end) end = KERNEL_GPA + k.kernel_bytes;
    if (end > ram_bytes || end < base)
        return refuse(why, "the kernel needs more RAM than the guest has", Status::OutOfMemory);
    out.kernel_end = end;
    if (!initrd_bytes) return Status::Ok;
    uint64_t initrd_end = initrd_gpa + initrd_bytes;
    if (initrd_gpa % PAGE || initrd_end < initrd_gpa || initrd_end > ram_bytes)
        return refuse(why, "the initrd does not lie page-aligned in the guest's RAM", Status::BadArgument);
    if (initrd_gpa < end) return refuse(why, "the initrd overlaps the kernel's working area", Status::OutOfMemory);
    if (initrd_end - 1 > k.initrd_addr_max)
        return refuse(why, "the initrd lies above what the kernel can address (initrd_addr_max)", Status::Unsupported);
    out.initrd_gpa = initrd_gpa;
    out.initrd_bytes = initrd_bytes;
    return Status::Ok;
}

size_t guest_memory_map(uint64_t ram_bytes, MemoryRange* out, size_t max) {
    const MemoryRange ranges[] = {{0, LOW_RAM_END, E820_RAM},
                                  {LOW_RAM_END, 0xa0000 - LOW_RAM_END, E820_RESERVED},
                                  {BIOS_AREA, KERNEL_GPA - BIOS_AREA, E820_RESERVED},
                                  {KERNEL_GPA, ram_bytes > KERNEL_GPA ? ram_bytes - KERNEL_GPA : 0, E820_RAM}};
    size_t n = 0;
    for (const MemoryRange& r : ranges)
        if (r.size && n < max) out[n++] = r;
    return n;
}

Status write_boot_params(uint8_t* zp, const uint8_t* image, const KernelImage& k, const LoadPlan& plan,
                         uint64_t command_line_bytes, const MemoryRange* map, size_t map_count, uint64_t rsdp_gpa) {
    if (command_line_bytes > k.cmdline_size || command_line_bytes >= CMDLINE_MAX || map_count > E820_MAX)
        return Status::Truncated;
    for (size_t i = 0; i < BOOT_PARAMS_SIZE; ++i) zp[i] = 0;
    for (size_t i = SETUP_SECTS; i < k.header_end; ++i) zp[i] = image[i];
    zp[TYPE_OF_LOADER] = LOADER_UNDEFINED;
    put(zp, CMD_LINE_PTR, 4, CMDLINE_GPA);
    put(zp, RAMDISK_IMAGE, 4, plan.initrd_gpa);
    put(zp, RAMDISK_SIZE, 4, plan.initrd_bytes);
    put(zp, EXT_RAMDISK_IMAGE, 4, plan.initrd_gpa >> 32);
    put(zp, EXT_RAMDISK_SIZE, 4, plan.initrd_bytes >> 32);
    put(zp, ACPI_RSDP_ADDR, 8, rsdp_gpa);
    zp[E820_ENTRIES] = uint8_t(map_count);
    for (size_t i = 0; i < map_count; ++i) {
        size_t at = E820_TABLE + i * E820_ENTRY_BYTES;
        put(zp, at, 8, map[i].base);
        put(zp, at + 8, 8, map[i].size);
        put(zp, at + 16, 4, map[i].type);
    }
    return Status::Ok;
}

}  // namespace keel::vmm::boot
