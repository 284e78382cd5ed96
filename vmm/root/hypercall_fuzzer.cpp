#include "vmm/root/hypercall_fuzzer.hpp"

#include "abi/capability.hpp"
#include "abi/layout.hpp"
#include "vmm/runtime/console.hpp"
#include "vmm/runtime/hypercall.hpp"

namespace keel::root {
namespace {

class Random {
public:
    explicit Random(uint64_t seed) : s_(seed ? seed : 0x9e3779b97f4a7c15) {}
    uint64_t next() {  // xorshift64*
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545f4914f6cdd1d;
    }
    uint64_t below(uint64_t n) { return next() % n; }

private:
    uint64_t s_;
};

constexpr uint64_t CHILD_PAGE = abi::USER_SPACE_BASE >> 12;
// The hypercalls the kernel implements so far get three calls in four.
constexpr abi::Hypercall IMPLEMENTED[] = {abi::Hypercall::Call,     abi::Hypercall::CreatePd, abi::Hypercall::CreateEc,
                                          abi::Hypercall::CreateSc, abi::Hypercall::CreatePt, abi::Hypercall::CreateSm,
                                          abi::Hypercall::CtrlPd,   abi::Hypercall::CtrlPd,   abi::Hypercall::CtrlPt,
                                          abi::Hypercall::CtrlSc,   abi::Hypercall::CtrlSm};

uint64_t selector(Random& r) { return r.below(4) ? r.below(64) : r.next() & abi::MAX_SELECTOR; }

abi::Crd crd(Random& r, uint64_t ram_page) {
    auto kind = abi::SpaceKind(r.below(abi::SPACE_KIND_COUNT + 1));
    unsigned order = r.below(8) ? unsigned(r.below(6)) : unsigned(r.below(64));
    uint64_t base;
    switch (kind) {
    case abi::SpaceKind::Object: base = r.below(64); break;
    case abi::SpaceKind::HostMemory: base = (r.below(2) ? ram_page : CHILD_PAGE) + r.below(256); break;
    case abi::SpaceKind::GuestMemory: base = r.below(512); break;
    case abi::SpaceKind::Pio: base = r.below(4) ? 0x2f0 + r.below(32) : r.below(0x10000); break;
    case abi::SpaceKind::Msr: base = r.below(0x200); break;
    default: base = r.next();
    }
    if (order < 64) base &= ~((uint64_t(1) << order) - 1);
    return abi::Crd(kind, base, order, uint8_t(r.next()));
}

uint64_t word(Random& r, uint64_t ram_page) {
    switch (r.below(5)) {
    case 0: return r.below(64);
    case 1: return crd(r, ram_page).raw;
    case 2: return (r.below(2) ? ram_page : CHILD_PAGE) + r.below(256);  // a destination page
    case 3:
        if (r.below(2)) return (uint64_t(1) << 35) - 2 + r.below(4);  // the end of a guest-physical space
        return abi::UTCB_AREA + (r.below(64) << 12);  // a UTCB address (create_ec)
    default: return r.next();
    }
}

// Half of the creations get arguments that can succeed, so that threads,
// scheduling contexts and portals exist for the other calls to hit.
void make_plausible(abi::Args& a, Random& r, uint64_t ram_page) {
    uint64_t pd = r.below(4) ? abi::SEL_OWN_PD : r.below(64);
    switch (a.number()) {
    case abi::Hypercall::CreateEc:
        a.p1 = pd;
        a.p2 = (r.below(8) ? 0 : r.below(4)) | r.below(64) << 16;
        a.p3 = abi::UTCB_AREA + (r.below(256) << 12);
        a.p4 = (ram_page + r.below(256)) << 12;
        break;
    case abi::Hypercall::CreateSc:
        a.p1 = pd;
        a.p2 = r.below(64);
        a.p3 = (1 + r.below(255)) | (100 + r.below(100000)) << 8;
        break;
    case abi::Hypercall::CreatePt:
        a.p1 = pd;
        a.p2 = r.below(64);
        a.p4 = r.below(2) ? (ram_page + r.below(256)) << 12 : r.next();
        break;
    case abi::Hypercall::CreatePd:  // a quota the caller may have: PDs that exist, quotas that run out
        a.p1 = pd;
        a.p2 = r.below(2) ? 0 : r.below(256);
        a.p3 = r.below(8) ? 4 + r.below(60) : abi::QUOTA_ALL_LEFT;
        break;
    case abi::Hypercall::Call: a.p1 = r.below(8); break;
    default: break;
    }
}

// Calls that would end the run, not test the kernel: powering off, and
// taking away this program's own pages or its initial capabilities.
bool harmful(const abi::Args& a, uint64_t image_first, uint64_t image_end) {
    if (a.number() == abi::Hypercall::CtrlHw) return true;
    if (a.number() != abi::Hypercall::CtrlPd) return false;
    auto op = abi::PdOp(a.flags());
    if (op != abi::PdOp::Revoke && op != abi::PdOp::RevokeChildren) return false;
    abi::Crd what(a.p2);
    if (!what.valid()) return false;
    uint64_t first = what.base(), last = first + (what.order() >= 52 ? ~0ull >> 12 : (uint64_t(1) << what.order()) - 1);
    if (what.kind() == abi::SpaceKind::Object) return first < abi::SEL_FIRST_FREE;
    if (what.kind() == abi::SpaceKind::HostMemory) return first < image_end && last >= image_first;
    return false;
}

}  // namespace

void fuzz_hypercalls(uint64_t seed, uint64_t count, const FuzzTarget& t, FuzzStats& stats) {
    Random r(seed);
    uint64_t step = count / 10 ? count / 10 : 1;
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t number =
            r.below(4) ? uint64_t(IMPLEMENTED[r.below(sizeof IMPLEMENTED / sizeof IMPLEMENTED[0])]) : r.below(16);
        uint8_t flags = uint8_t(r.below(4) ? r.below(4) : r.below(16));
        abi::Args a{abi::p0(abi::Hypercall(number), flags, selector(r)), word(r, t.ram_page), word(r, t.ram_page),
                    word(r, t.ram_page), word(r, t.ram_page)};
        if (number == uint64_t(abi::Hypercall::CtrlPd) && r.below(4)) a.p2 = crd(r, t.ram_page).raw;
        if (r.below(2)) make_plausible(a, r, t.ram_page);
        // A down that waits would stop the only thread making calls: its
        // deadline has always passed already (the kernel then never blocks).
        if (number == uint64_t(abi::Hypercall::CtrlSm) && a.flags() == uint8_t(abi::SmOp::Down)) a.p1 = 1;
        if (harmful(a, t.image_first, t.image_end)) {
            ++stats.skipped;
            continue;
        }
        abi::Status s = user::hypercall(a);
        ++stats.calls;
        ++stats.by_status[uint8_t(s) & 15];
        if (s == abi::Status::Success) ++stats.succeeded[number & 15];
        if ((i + 1) % step == 0) user::console::print("fuzz: %lu of %lu calls\n", i + 1, count);
    }
}

}  // namespace keel::root
