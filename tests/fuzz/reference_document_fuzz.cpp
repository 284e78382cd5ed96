// libFuzzer target: a signed reference document (a compact JWS from the
// network, POST /v1/references, or a file given to keel reference verify)
// read by everything that verification runs without a key: the JWS parser,
// the header rules and the payload's (name, version, iat and keel measure's
// reference values). For any bytes it either refuses with MalformedToken or
// TokenRefused, or gives a name and version that are safe labels and
// reference values keel's own parser accepts; it never crashes or reads
// outside. (The signature check is OpenSSL's.)
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attestation/ear/compact_jws.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/refdoc/document_shape.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view token(reinterpret_cast<const char*>(data), size);
    try {
        auto jws = keel::ear::parse_compact_jws(token, 1u << 20);
        keel::refdoc::check_document_header(jws.header);
        if (jws.header["alg"] != "ES256" || !jws.header["kid"].is_string()) abort();
        auto claims = keel::refdoc::read_document_claims(jws.payload);
        if (!keel::refdoc::valid_label(claims.name) || !keel::refdoc::valid_label(claims.version)) abort();
        if (claims.issued_at < 0) abort();
        try {
            keel::eventlog::parse_reference_values(claims.reference_json);
        } catch (const keel::eventlog::Error&) { abort(); }
    } catch (const keel::ear::MalformedToken&) {
    } catch (const keel::ear::TokenRefused&) {}
    return 0;
}
