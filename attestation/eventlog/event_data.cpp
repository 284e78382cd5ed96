#include "attestation/eventlog/event_data.hpp"

#include <algorithm>

namespace keel::eventlog {
namespace {

// TCG_EfiStartupLocalityEvent: the signature "StartupLocality\0", then a u8.
constexpr std::string_view startup_locality_signature{"StartupLocality\0", 16};

std::string_view as_text(ByteView data) { return {reinterpret_cast<const char*>(data.data()), data.size()}; }

void decode_keel_event(Event& e) {
    auto text = as_text(e.data);
    auto nul = text.find('\0');
    // The type's name only for a problem: the verifier parses logs on its hot path.
    auto problem = [&](const char* what) { e.problem = event_type_name(e.type) + what; };
    if (nul == std::string_view::npos) {
        problem(" data has no NUL between name and detail");
        return;
    }
    auto name = text.substr(0, nul);
    auto detail = text.substr(nul + 1);
    if (name.empty()) {
        problem(" has an empty name");
    } else if (detail.find('\0') != std::string_view::npos) {
        problem(" detail contains a NUL byte");
    } else if (!is_valid_utf8(name)) {
        problem(" name is not valid UTF-8");
    } else if (!is_valid_utf8(detail)) {
        problem(" detail is not valid UTF-8");
    } else {
        e.keel = KeelEventData{std::string(name), std::string(detail)};
    }
}

void decode_no_action(Event& e) {
    auto text = as_text(e.data);
    if (!text.starts_with(startup_locality_signature)) return;
    if (e.data.size() != startup_locality_signature.size() + 1) {
        e.problem = "StartupLocality event data is " + std::to_string(e.data.size()) + " bytes, expected " +
                    std::to_string(startup_locality_signature.size() + 1);
        return;
    }
    e.startup_locality = e.data.back();
}

}  // namespace

void decode_event_data(Event& event) {
    if (is_keel_event(event.type))
        decode_keel_event(event);
    else if (event.type == ev_no_action)
        decode_no_action(event);
}

bool is_valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len;
        char32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (text.size() - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < smallest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

}  // namespace keel::eventlog
