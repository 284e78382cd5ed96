#include "boot_info_builder.hpp"

#include "drtm_tag.hpp"

namespace keel::launch {
namespace {

constexpr uint32_t TAG_END = 0, TAG_CMDLINE = 1, TAG_MODULE = 3, TAG_ELF_SECTIONS = 9, TAG_LOAD_BASE = 21;
constexpr size_t TAG_HEADER = 8;

void put32(uint8_t* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) { return uint32_t(p[0]) | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
size_t align8(size_t n) { return (n + 7) & ~size_t(7); }

}  // namespace

BootInfoBuilder::BootInfoBuilder(uint8_t* out, size_t cap) : out_(out), cap_(cap), len_(8) {
    if (cap_ < 8) overflow_ = true;
}

uint8_t* BootInfoBuilder::add(uint32_t type, const void* payload, size_t size) {
    if (overflow_ || size > cap_ || align8(TAG_HEADER + size) > cap_ - len_) {
        overflow_ = true;
        return nullptr;
    }
    uint8_t* tag = out_ + len_;
    put32(tag, type);
    put32(tag + 4, uint32_t(TAG_HEADER + size));
    auto* src = static_cast<const uint8_t*>(payload);
    for (size_t i = 0; i < size; ++i) tag[TAG_HEADER + i] = src ? src[i] : 0;
    for (size_t i = TAG_HEADER + size; i < align8(TAG_HEADER + size); ++i) tag[i] = 0;
    len_ += align8(TAG_HEADER + size);
    return tag + TAG_HEADER;
}

Status BootInfoBuilder::add_cmdline(StringView cmdline, StringView& copied) {
    uint8_t* p = add(TAG_CMDLINE, nullptr, cmdline.size + 1);
    if (!p) return Status::OutOfMemory;
    for (size_t i = 0; i < cmdline.size; ++i) p[i] = uint8_t(cmdline[i]);
    copied = {reinterpret_cast<const char*>(p), cmdline.size};
    return Status::Ok;
}

Status BootInfoBuilder::add_module(uint32_t start, uint32_t end, StringView cmdline, StringView& copied) {
    uint8_t* p = add(TAG_MODULE, nullptr, 8 + cmdline.size + 1);
    if (!p) return Status::OutOfMemory;
    put32(p, start);
    put32(p + 4, end);
    for (size_t i = 0; i < cmdline.size; ++i) p[8 + i] = uint8_t(cmdline[i]);
    copied = {reinterpret_cast<const char*>(p + 8), cmdline.size};
    return Status::Ok;
}

Status BootInfoBuilder::copy_loader_tags(const uint8_t* info, size_t size) {
    if (size < 8) return Status::Truncated;
    for (size_t off = 8; off + TAG_HEADER <= size;) {
        uint32_t type = get32(info + off), tag_size = get32(info + off + 4);
        if (tag_size < TAG_HEADER || tag_size > size - off) return Status::Malformed;
        if (type == TAG_END) return Status::Ok;
        // A DRTM tag from the boot loader would be a forgery: only the SLB adds one.
        if (type != TAG_CMDLINE && type != TAG_MODULE && type != TAG_ELF_SECTIONS && type != TAG_LOAD_BASE &&
            type != MB2_TAG_KEEL_DRTM)
            if (!add(type, info + off + TAG_HEADER, tag_size - TAG_HEADER)) return Status::OutOfMemory;
        off += align8(tag_size);
    }
    return Status::Malformed;  // no end tag
}

size_t BootInfoBuilder::finish() {
    if (!add(TAG_END, nullptr, 0)) return 0;
    put32(out_, uint32_t(len_));
    put32(out_ + 4, 0);
    return len_;
}

}  // namespace keel::launch
