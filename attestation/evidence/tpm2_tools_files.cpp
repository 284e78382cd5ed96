#include "attestation/evidence/tpm2_tools_files.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "attestation/eventlog/algorithm.hpp"
#include "attestation/evidence/pcr_selection_rules.hpp"

namespace keel::evidence {
namespace {

// The x86-64 layout of tpm2-tss 3.x's structs, as tpm2-tools fwrite()s them.
constexpr std::size_t max_banks = 16;  // TPM2_NUM_PCR_BANKS
constexpr std::size_t max_select = 4;  // TPM2_PCR_SELECT_MAX
constexpr std::size_t pcr_selection_entry = 8;  // u16 hash, u8 sizeofSelect, u8[4], 1 byte padding
constexpr std::size_t pcr_selection_list = 4 + max_banks * pcr_selection_entry;  // 132
constexpr std::size_t header = pcr_selection_list + 4;  // and the u32 count of digest lists
constexpr std::size_t max_digests = 8;
constexpr std::size_t max_digest_size = 64;  // sizeof(TPMU_HA)
constexpr std::size_t digest_entry = 2 + max_digest_size;
constexpr std::size_t digest_list = 4 + max_digests * digest_entry;  // 532
constexpr std::uint32_t max_lists = 32;  // tpm2_pcrs.pcr_values[TPM2_MAX_PCRS]; tpm2_checkquote refuses more

constexpr const char* file = "tpm2-tools PCR file";

[[noreturn]] void fail(const std::string& problem) { throw ParseError(std::string(file) + ": " + problem); }

std::uint16_t le16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] | b[at + 1] << 8);
}
std::uint32_t le32(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8 |
           static_cast<std::uint32_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(b[at + 3]) << 24;
}

// Padding, unused entries, bitmap bytes past sizeofSelect and digest bytes
// past a digest's size are whatever tpm2-tools' memory held: never read.
std::vector<PcrSelection> read_selection(std::span<const std::uint8_t> bytes) {
    const std::uint32_t count = le32(bytes, 0);
    if (count > max_banks)
        fail("TPML_PCR_SELECTION count " + std::to_string(count) + ", more than the " + std::to_string(max_banks) +
             " banks it can hold");
    std::vector<PcrSelection> selection;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t at = 4 + i * pcr_selection_entry;
        const std::uint8_t size = bytes[at + 2];
        if (size > max_select)
            fail("TPML_PCR_SELECTION entry " + std::to_string(i) + " has sizeofSelect " + std::to_string(size) +
                 ", more than " + std::to_string(max_select));
        selection.push_back(selection_from_bitmap(le16(bytes, at), bytes.subspan(at + 3, size)));
    }
    check_selection(selection, "tpm2-tools PCR file: TPML_PCR_SELECTION");
    return selection;
}

std::vector<Bytes> read_digests(std::span<const std::uint8_t> bytes, std::uint32_t lists) {
    std::vector<Bytes> digests;
    for (std::size_t k = 0; k < lists; ++k) {
        const std::size_t at = header + k * digest_list;
        const std::uint32_t count = le32(bytes, at);
        if (count > max_digests)
            fail("TPML_DIGEST " + std::to_string(k) + " has count " + std::to_string(count) + ", more than " +
                 std::to_string(max_digests));
        for (std::size_t j = 0; j < count; ++j) {
            const std::size_t entry = at + 4 + j * digest_entry;
            const std::uint16_t size = le16(bytes, entry);
            if (size > max_digest_size)
                fail("digest " + std::to_string(j) + " of TPML_DIGEST " + std::to_string(k) + " has size " +
                     std::to_string(size) + ", more than " + std::to_string(max_digest_size));
            const auto value = bytes.subspan(entry + 2, size);
            digests.emplace_back(value.begin(), value.end());
        }
    }
    return digests;
}

}  // namespace

Tpm2ToolsPcrs parse_tpm2_tools_pcrs(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < header)
        fail(std::to_string(bytes.size()) + " bytes, fewer than the " + std::to_string(header) +
             " of its PCR selection and list count");
    const std::uint32_t lists = le32(bytes, pcr_selection_list);
    if (lists > max_lists)
        fail(std::to_string(lists) + " digest lists, more than the " + std::to_string(max_lists) + " tpm2-tools holds");
    const std::size_t expected = header + lists * digest_list;
    if (bytes.size() != expected)
        fail(std::to_string(bytes.size()) + " bytes, but its " + std::to_string(lists) + " digest lists make " +
             std::to_string(expected));

    Tpm2ToolsPcrs out;
    out.selection = read_selection(bytes);
    auto digests = read_digests(bytes, lists);
    try {
        out.values = pcr_values_from_lists(out.selection, std::move(digests));
    } catch (const ParseError& e) { fail(e.what()); }
    return out;
}

namespace {

constexpr std::uint32_t max_listed_pcr = 23;  // tpm2-tools takes PCRs 0-23

[[noreturn]] void list_fail(std::string_view text, const std::string& problem) {
    throw ParseError("PCR list \"" + std::string(text) + "\": " + problem);
}

std::uint32_t listed_pcr(std::string_view whole, std::string_view item) {
    if (item.empty() || item.size() > 2 || item.find_first_not_of("0123456789") != std::string_view::npos)
        list_fail(whole, "\"" + std::string(item) + "\" is not a PCR index (0-" + std::to_string(max_listed_pcr) + ")");
    const auto pcr = static_cast<std::uint32_t>(std::stoul(std::string(item)));
    if (pcr > max_listed_pcr)
        list_fail(whole, "\"" + std::string(item) + "\" is not a PCR index (0-" + std::to_string(max_listed_pcr) + ")");
    return pcr;
}

}  // namespace

std::vector<PcrSelection> parse_pcr_list(std::string_view text) {
    std::vector<PcrSelection> selection;
    std::string_view rest = text;
    while (true) {
        const auto plus = rest.find('+');
        const auto bank_text = rest.substr(0, plus);
        const auto colon = bank_text.find(':');
        if (colon == std::string_view::npos)
            list_fail(text,
                      "\"" + std::string(bank_text) + "\" names no bank (write it as BANK:PCRS, e.g. sha256:16,17,18)");
        const auto name = bank_text.substr(0, colon);
        const auto bank = eventlog::algorithm_from_name(name);
        if (!bank || eventlog::known_digest_size(*bank) == 0)
            list_fail(text, "unknown bank \"" + std::string(name) + "\" (sha1, sha256, sha384, sha512)");
        std::vector<std::uint32_t> pcrs;
        std::string_view items = bank_text.substr(colon + 1);
        while (true) {
            const auto comma = items.find(',');
            const auto pcr = listed_pcr(text, items.substr(0, comma));
            if (std::find(pcrs.begin(), pcrs.end(), pcr) != pcrs.end())
                list_fail(text, "PCR " + std::to_string(pcr) + " is listed twice in bank " + std::string(name));
            pcrs.push_back(pcr);
            if (comma == std::string_view::npos) break;
            items.remove_prefix(comma + 1);
        }
        // A selection is a bitmap: the TPM quotes (and tpm2_quote writes) PCRs ascending.
        std::sort(pcrs.begin(), pcrs.end());
        selection.push_back({*bank, std::move(pcrs)});
        if (plus == std::string_view::npos) break;
        rest.remove_prefix(plus + 1);
    }
    try {
        check_selection(selection, "PCR list");
    } catch (const ParseError& e) { list_fail(text, e.what()); }
    return selection;
}

PcrValues parse_pcr_values_file(std::span<const std::uint8_t> bytes, const std::vector<PcrSelection>& selection) {
    std::size_t expected = 0;
    for (const auto& bank : selection) expected += bank.pcrs.size() * eventlog::known_digest_size(bank.hash_alg);
    if (bytes.size() != expected)
        throw ParseError("tpm2-tools PCR values file: " + std::to_string(bytes.size()) +
                         " bytes, but the PCR list (-l) selects " + std::to_string(expected) +
                         " bytes of digests (tpm2_quote -F values writes exactly those)");
    PcrValues values;
    std::size_t at = 0;
    for (const auto& bank : selection) {
        const auto size = eventlog::known_digest_size(bank.hash_alg);
        for (auto pcr : bank.pcrs) {
            values[bank.hash_alg][pcr] = Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                               bytes.begin() + static_cast<std::ptrdiff_t>(at + size));
            at += size;
        }
    }
    return values;
}

}  // namespace keel::evidence
