// A guest-physical address space under SVM nested paging. NPT uses the
// host's own page-table format, so it is the shared builder with every
// entry marked user (nested walks are user walks).
#pragma once
#include "../../../kernel/virt.hpp"
#include "../page_table.hpp"

namespace keel::x86::svm {

class NestedSpace final : public virt::GuestMemory {
public:
    explicit NestedSpace(PageTableMemory mem) : table_(mem) {}
    [[nodiscard]] Status init() { return table_.init(); }
    uint64_t root() const { return table_.root(); }

    [[nodiscard]] Status map(uint64_t gpa, uint64_t hpa, uint64_t size, uint8_t access) override;
    [[nodiscard]] Status translate(uint64_t gpa, uint64_t& hpa) const override;

private:
    PageTable table_;
};

}  // namespace keel::x86::svm
