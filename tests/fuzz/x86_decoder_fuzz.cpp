// libFuzzer target: the VMM's x86 decoder, emulator and guest page walker
// take guest-controlled bytes (instruction bytes, register values, page
// tables). For any input: a decoded length within 15 and `available` and
// independent of the bytes after it; an emulation that either completes
// with RIP past the instruction (or on it, for REP STOS with elements to
// go) or leaves every register as it was; a walk of at most four reads per
// translation that keeps the page offset.
//
// Input: [mode][available][15 instruction bytes][registers...][memory...];
// short inputs are padded with zeros.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "vmm/x86/decoder.hpp"
#include "vmm/x86/emulator.hpp"
#include "vmm/x86/guest_walk.hpp"

namespace {

using namespace keel::vmm::x86;
using keel::Status;

struct Input {
    const uint8_t* data;
    size_t size;
    size_t pos = 0;
    uint8_t byte() { return pos < size ? data[pos++] : 0; }
    uint64_t word() {
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v |= uint64_t(byte()) << (8 * i);
        return v;
    }
};

// Guest memory and MMIO both answer from the fuzzer's bytes: a table entry
// or a device register is whatever the input says. Some addresses fail.
struct Fake {
    std::vector<uint8_t> memory;
    unsigned reads = 0;

    uint64_t at(uint64_t gpa) const {
        if (memory.empty()) return gpa * 0x9e3779b97f4a7c15ull;
        uint64_t v = 0;
        for (unsigned i = 0; i < 8; ++i) v |= uint64_t(memory[(gpa + i) % memory.size()]) << (8 * i);
        return v;
    }
    static bool read(void* ctx, uint64_t gpa, uint64_t& value) {
        auto* self = static_cast<Fake*>(ctx);
        ++self->reads;
        if (gpa & 7) abort();  // the walker reads aligned words only
        if ((gpa >> 12) % 17 == 16) return false;
        value = self->at(gpa);
        return true;
    }
    static bool mmio(void* ctx, uint64_t gpa, unsigned size, bool write, uint64_t& value) {
        auto* self = static_cast<Fake*>(ctx);
        if (size != 1 && size != 2 && size != 4 && size != 8) abort();
        if (gpa % 13 == 12) return false;
        if (!write) value = self->at(gpa) & (size == 8 ? ~0ull : (1ull << (8 * size)) - 1);
        return true;
    }
};

void check_decode(const uint8_t* bytes, size_t available, Mode mode, Instruction& insn, Status& st) {
    // An exact-size copy: a read past `available` is a heap overflow.
    std::vector<uint8_t> exact(bytes, bytes + available);
    st = decode(exact.data(), exact.size(), mode, insn);
    if (st != Status::Ok) return;
    if (insn.length == 0 || insn.length > MAX_INSTRUCTION_LENGTH || insn.length > available) abort();
    Instruction again;
    std::vector<uint8_t> just(bytes, bytes + insn.length);
    if (decode(just.data(), just.size(), mode, again) != Status::Ok || again.length != insn.length) abort();
    if (insn.length > 1) {
        std::vector<uint8_t> shorter(bytes, bytes + insn.length - 1);
        if (decode(shorter.data(), shorter.size(), mode, again) != Status::Truncated) abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in{data, size};
    Mode mode = Mode(in.byte() % 3);
    size_t available = in.byte() % 16;
    uint8_t bytes[MAX_INSTRUCTION_LENGTH];
    for (auto& b : bytes) b = in.byte();

    Fake fake;
    Instruction insn;
    Status st;
    check_decode(bytes, available, mode, insn, st);

    Registers regs;
    for (auto& g : regs.gpr) g = in.word();
    regs.rip = in.word();
    regs.rflags = in.word();
    uint64_t gpa = in.word();
    PagingState ps{in.word(), in.word(), in.word(), in.word(), uint8_t(in.byte() % 64)};
    uint64_t linear = in.word();
    if (in.pos < size) fake.memory.assign(data + in.pos, data + size);

    if (st == Status::Ok) {
        Registers before = regs;
        Status e = emulate(insn, mode, gpa, regs, {Fake::mmio, &fake});
        uint64_t ip_mask = mode == Mode::Bits64 ? ~0ull : mode == Mode::Bits32 ? 0xffffffffull : 0xffffull;
        if (e == Status::Ok) {
            bool repeats = insn.op == Operation::Stos && insn.rep != Rep::None;  // RIP stays until the count is 0
            if (regs.rip != ((before.rip + insn.length) & ip_mask) && !(repeats && regs.rip == before.rip)) abort();
        } else if (memcmp(&regs, &before, sizeof regs) != 0) {
            abort();
        }
        (void)effective_address(insn, regs);
        MemoryAccess a = memory_access(insn);
        if (a.size && a.size != 1 && a.size != 2 && a.size != 4 && a.size != 8) abort();
    }

    Translation t;
    fake.reads = 0;
    Status w = translate(ps, linear, {Fake::read, &fake}, t);
    if (fake.reads > 4) abort();
    if (w == Status::Ok && (t.gpa & 0xfff) != (linear & 0xfff)) abort();
    uint8_t fetched[MAX_INSTRUCTION_LENGTH];
    size_t got = 0;
    Status f = fetch_instruction(ps, linear, {Fake::read, &fake}, fetched, got);
    if (got > MAX_INSTRUCTION_LENGTH || (f == Status::Ok) != (got > 0)) abort();
    if (got) check_decode(fetched, got, mode, insn, st);
    return 0;
}
