// libFuzzer target: the body of keel-verifierd's POST /v1/enrollments (bytes
// from the network) read exactly and into a typed request. For any bytes it
// either gives a request whose host id is a safe path segment and whose mode
// is pull or push, or refuses with EnrolmentRefused (400); it never crashes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "attestation/json/exact_json.hpp"
#include "attestation/verifierd/enrolment_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    nlohmann::json body;
    try {
        body = keel::json::parse_exact(text);
    } catch (const keel::json::RepeatedMember&) { return 0; }
    if (body.is_discarded()) return 0;
    try {
        auto r = keel::verifierd::parse_enrolment_request(body, std::chrono::seconds(60));
        if (!keel::verifierd::valid_host_id(r.host.record.host_id)) abort();
        if (r.host.mode == keel::verifierd::AttestMode::manual) abort();
        if (r.host.mode == keel::verifierd::AttestMode::pull && r.host.agent_url.rfind("http://", 0) != 0) abort();
        if (r.host.interval.count() < 1 || r.host.interval.count() > 86400) abort();
    } catch (const keel::verifierd::EnrolmentRefused& e) {
        if (e.status() != 400) abort();
    }
    return 0;
}
