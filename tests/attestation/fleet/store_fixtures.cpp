#include "store_fixtures.hpp"

namespace keel::test {

FleetHost host(const std::string& id, AttestMode mode, int interval) {
    FleetHost h;
    h.record.host_id = id;
    h.record.ek_public = {1, 2};  // one EK per host id
    h.record.ek_public.insert(h.record.ek_public.end(), id.begin(), id.end());
    h.record.ak_public = {4};
    h.record.ak_name = {5};
    h.record.reference_json = "{}";
    h.record.policy_json = "{}";
    h.mode = mode;
    h.agent_url = mode == AttestMode::pull ? "http://127.0.0.1:1" : "";
    h.interval = std::chrono::seconds(interval);
    return h;
}

Appraisal appraisal(const std::string& id, const std::string& verdict, Millis at) {
    Appraisal a;
    a.host_id = id;
    a.at = at;
    a.nonce = {0xaa, 0x00, 0xbb};
    a.verdict = verdict;
    a.instance = "verifier-a";
    a.checks = {{"quote.signature", "pass", "signed by the enrolled AK"},
                {"eventlog.drtm", verdict == "trusted" ? "pass" : "fail", "replay: it's \"quoted\""}};
    return a;
}

evidence::ClockInfo clock(std::uint64_t value, std::uint32_t reset) {
    evidence::ClockInfo c;
    c.clock = value;
    c.reset_count = reset;
    return c;
}

}  // namespace keel::test
