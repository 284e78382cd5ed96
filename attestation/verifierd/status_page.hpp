// keel-verifierd's status page (GET /status): one HTML document listing
// every host with its mode, its verdict (trusted, not trusted, unreachable,
// never appraised), the time of its last appraisal, and for a host whose
// latest appraisal was not trusted the checks that failed and the
// components they name. No script, no external resource; everything from
// outside (host ids, component names, check messages) is HTML-escaped
// (html_escape.hpp), and the page is sent with a Content-Security-Policy
// that would keep any markup that slipped through from loading or running
// anything (status_page_policy).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attestation/verifierd/fleet_store.hpp"

namespace keel::verifierd {

struct StatusEntry {
    FleetHost host;
    // The latest appraisal, kept only when it was not trusted: its failed
    // checks are what the page shows.
    std::optional<Appraisal> last;
};

// Every host, and the latest appraisal of each host not trusted or
// unreachable (one query per such host, none per trusted one).
std::vector<StatusEntry> collect_status(FleetStore& store);

// "trusted", "not trusted", "unreachable", "never appraised" (pending).
const char* verdict_label(HostState state);

// The page, hosts needing attention first (not trusted, unreachable, never
// appraised, trusted), by id within each; `now` is when it was made.
std::string render_status_page(std::vector<StatusEntry> entries, Millis now);

// The Content-Security-Policy header's value: nothing loads, no script
// runs, no form posts, no frame holds the page; only its own <style>
// element applies (by its SHA-256).
const std::string& status_page_policy();

}  // namespace keel::verifierd
