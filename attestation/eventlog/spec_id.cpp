#include "attestation/eventlog/spec_id.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include "attestation/eventlog/parser.hpp"

namespace keel::eventlog {
namespace {

constexpr std::size_t signature_size = 16;
constexpr std::size_t first_record_data_offset = 32;  // u32 pcr, u32 type, sha1[20], u32 size
constexpr std::string_view signature_prefix = "Spec ID Event";
constexpr std::string_view agile_signature{"Spec ID Event03\0", signature_size};
// TCG PC Client BIOS 1.2 ("00") and EFI Protocol 1.2 ("02") headers of SHA-1 logs.
constexpr std::string_view sha1_signatures[] = {{"Spec ID Event00\0", signature_size},
                                                {"Spec ID Event02\0", signature_size}};

std::string printable(std::string_view s) {
    std::string out;
    for (char c : s) out += (c >= 0x20 && c < 0x7F) ? c : '.';
    return out;
}

}  // namespace

FirstRecord classify_first_record(const Event& first) {
    std::string_view data(reinterpret_cast<const char*>(first.data.data()), first.data.size());
    if (first.type != ev_no_action || data.size() < signature_size || !data.starts_with(signature_prefix))
        return FirstRecord::sha1_log;
    const auto signature = data.substr(0, signature_size);
    if (std::find(std::begin(sha1_signatures), std::end(sha1_signatures), signature) != std::end(sha1_signatures))
        return FirstRecord::sha1_log;
    if (signature != agile_signature)
        throw ParseError(0, first.offset + first_record_data_offset,
                         "unknown Spec ID signature \"" + printable(signature) + "\" (expected \"Spec ID Event03\")");
    const auto& digest = first.digests.front().value;
    if (first.pcr != 0 || std::any_of(digest.begin(), digest.end(), [](auto b) { return b != 0; }))
        throw ParseError(0, first.offset, "the Spec ID event must be in PCR 0 with an all-zero digest");
    return FirstRecord::spec_id_agile;
}

SpecId parse_spec_id(ByteReader& in) {
    SpecId spec;
    auto signature = in.take(signature_size, "Spec ID signature");
    spec.signature.assign(signature.begin(), std::find(signature.begin(), signature.end(), 0));
    spec.platform_class = in.u32("Spec ID platform class");
    spec.version_minor = in.u8("Spec ID version");
    spec.version_major = in.u8("Spec ID version");
    spec.errata = in.u8("Spec ID errata");
    spec.uintn_size = in.u8("Spec ID uintnSize");
    const auto count_at = in.offset();
    const auto count = in.u32("Spec ID algorithm count");
    if (count == 0 || count > max_algorithms)
        in.fail_at(count_at, "Spec ID algorithm count " + std::to_string(count) + " is not between 1 and " +
                                 std::to_string(max_algorithms));
    for (std::uint32_t i = 0; i < count; ++i) {
        const auto at = in.offset();
        const auto id = in.u16("Spec ID algorithm id");
        const auto size = in.u16("Spec ID digest size");
        const auto name = algorithm_name(id);
        if (size == 0 || size > max_digest_size)
            in.fail_at(at, "Spec ID digest size " + std::to_string(size) + " of " + name + " is not between 1 and " +
                               std::to_string(max_digest_size));
        if (const auto known = known_digest_size(id); known != 0 && known != size)
            in.fail_at(at, "Spec ID declares " + name + " with " + std::to_string(size) + "-byte digests, but " + name +
                               " digests are " + std::to_string(known) + " bytes");
        if (std::any_of(spec.algorithms.begin(), spec.algorithms.end(), [id](const auto& a) { return a.id == id; }))
            in.fail_at(at, "Spec ID lists " + name + " twice");
        spec.algorithms.push_back({id, size});
    }
    const auto vendor_size = in.u8("Spec ID vendor info size");
    auto vendor = in.take(vendor_size, "Spec ID vendor info");
    spec.vendor_info.assign(vendor.begin(), vendor.end());
    if (in.remaining() != 0)
        in.fail(std::to_string(in.remaining()) + " unexpected bytes after the Spec ID event's vendor info");
    return spec;
}

}  // namespace keel::eventlog
