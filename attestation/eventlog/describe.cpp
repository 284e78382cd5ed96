#include "attestation/eventlog/describe.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "attestation/eventlog/hex.hpp"

namespace keel::eventlog {
namespace {

constexpr std::size_t max_text_chars = 100;  // firmware strings shown
constexpr std::size_t max_detail_chars = 1024;  // a Keel detail (a command line) shown
constexpr std::size_t hex_preview_bytes = 16;

bool printable_ascii(unsigned char c) { return c >= 0x20 && c < 0x7F; }

// Firmware text: ASCII, or UCS-2 (EV_S_CRTM_VERSION), NUL-terminated or not.
std::optional<std::string> as_text(ByteView data) {
    std::string text;
    auto end = data.end();
    while (end != data.begin() && *(end - 1) == 0) --end;
    const auto n = static_cast<std::size_t>(end - data.begin());
    if (n == 0) return std::nullopt;
    if (std::all_of(data.begin(), end, printable_ascii)) return std::string(data.begin(), end);
    // UCS-2: every second byte zero (the trailing NUL was stripped with its low byte).
    const std::size_t chars = (n + 1) / 2;
    for (std::size_t i = 0; i < chars; ++i) {
        const auto lo = data[2 * i];
        const auto hi = 2 * i + 1 < data.size() ? data[2 * i + 1] : 0;
        if (hi != 0 || !printable_ascii(lo)) return std::nullopt;
        text += static_cast<char>(lo);
    }
    return text;
}

std::string shortened(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return quoted(text);
    return quoted(text.substr(0, limit)) + "… (" + std::to_string(text.size()) + " bytes)";
}

std::string hex_preview(ByteView data) {
    const auto shown = std::min(data.size(), hex_preview_bytes);
    auto s = to_hex(std::span(data).first(shown));
    if (shown < data.size()) s += "…";
    return s + " (" + std::to_string(data.size()) + (data.size() == 1 ? " byte)" : " bytes)");
}

std::string spec_id_summary(const SpecId& spec) {
    std::string s = spec.signature + ":";
    for (std::size_t i = 0; i < spec.algorithms.size(); ++i)
        s += (i ? ", " : " ") + algorithm_name(spec.algorithms[i].id) + " (" +
             std::to_string(spec.algorithms[i].digest_size) + " bytes)";
    return s;
}

// EV_NO_ACTION data opens with a 16-byte signature field, often NUL-padded
// ("SP800-155 Event3", "Spec ID Event00", "NvIndexInstance").
std::optional<std::string> no_action_signature(ByteView data) {
    constexpr std::size_t signature_size = 16;
    const auto field = data.begin() + static_cast<std::ptrdiff_t>(std::min(data.size(), signature_size));
    const auto end = std::find(data.begin(), field, 0);
    if (end - data.begin() < 4 || !std::all_of(data.begin(), end, printable_ascii)) return std::nullopt;
    return quoted(std::string(data.begin(), end)) + ", " + std::to_string(data.size()) + " bytes";
}

}  // namespace

std::string describe(const EventLog& log, const Event& e) {
    if (!e.problem.empty()) return "malformed: " + e.problem;
    if (e.keel)
        return "name " + quoted(e.keel->name) +
               (e.keel->detail.empty() ? ", no detail" : ", detail " + shortened(e.keel->detail, max_detail_chars));
    if (e.index == 0 && log.spec_id) return spec_id_summary(*log.spec_id);
    if (e.startup_locality) return "StartupLocality " + std::to_string(*e.startup_locality);
    if (e.data.empty()) return "no data";
    if (is_text_like(e.type) || e.type == ev_no_action)
        if (auto text = as_text(e.data)) return shortened(*text, max_text_chars);
    if (e.type == ev_no_action)
        if (auto sig = no_action_signature(e.data)) return *sig;
    return hex_preview(e.data);
}

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        const auto third = i + 2 < text.size() ? static_cast<unsigned char>(text[i + 2]) : 0;
        // C1 controls (U+0080-U+009F) and bidirectional overrides (U+202A-U+202E,
        // U+2066-U+2069) would reorder or hide what a terminal shows.
        const bool c1 = c == 0xC2 && next >= 0x80 && next <= 0x9F;
        const bool bidi = c == 0xE2 && ((next == 0x80 && third >= 0xAA && third <= 0xAE) ||
                                        (next == 0x81 && third >= 0xA6 && third <= 0xA9));
        char buf[8];
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F || c1 || bidi) {
            const std::size_t len = c1 ? 2 : bidi ? 3 : 1;
            for (std::size_t k = 0; k < len; ++k) {
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[i + k]));
                out += buf;
            }
            i += len - 1;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string escaped(std::string_view text) {
    auto q = quoted(text);
    return q.substr(1, q.size() - 2);
}

}  // namespace keel::eventlog
