#include "attestation/verifierd/notify_event.hpp"

namespace keel::verifierd {

HostState state_after(const Appraisal& a) {
    return a.verdict == "trusted" ? HostState::trusted : HostState::not_trusted;
}

nlohmann::json verdict_change_event(const std::string& host_id, std::optional<HostState> previous, HostState state,
                                    Millis at, const Appraisal* appraisal) {
    nlohmann::json e = {{"format", "keel-verdict-change"},
                        {"version", 1},
                        {"host_id", host_id},
                        {"state", state_name(state)},
                        {"time", iso_time(at)}};
    if (previous) e["previous"] = state_name(*previous);
    if (appraisal) {
        nlohmann::json failed = nlohmann::json::array();
        for (const auto& c : appraisal->checks)
            if (c.status == "fail") failed.push_back(c.id);
        e["appraisal_id"] = appraisal->id;
        e["failed_checks"] = failed;
    }
    return e;
}

}  // namespace keel::verifierd
