// The event keel-verifierd sends when a host's state changes (notifier.hpp):
//   {"format": "keel-verdict-change", "version": 1, "event_id" (set by the
//    Notifier: "<instance>-<n>"),
//    "host_id", "previous": "pending" | "trusted" | "not-trusted" | "unreachable"
//    (absent when not known), "state": the new one, "time": ISO 8601 UTC,
//    and, when an appraisal changed it, "appraisal_id" and "failed_checks"}
// A state is a verdict (trusted, not-trusted) or the lack of one
// (unreachable); an appraisal that repeats the host's state sends nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

// The state an appraisal with this verdict leaves its host in.
HostState state_after(const Appraisal& appraisal);

nlohmann::json verdict_change_event(const std::string& host_id, std::optional<HostState> previous, HostState state,
                                    Millis at, const Appraisal* appraisal = nullptr);

}  // namespace keel::verifierd
