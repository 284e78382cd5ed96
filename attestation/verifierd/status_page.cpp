#include "attestation/verifierd/status_page.hpp"

#include <algorithm>
#include <openssl/evp.h>
#include <sstream>

#include "attestation/verifierd/html_escape.hpp"
#include "attestation/verifierd/named_components.hpp"

namespace keel::verifierd {
namespace {

// The page's only style; the policy allows exactly this text (its hash).
constexpr const char* style =
    "body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
    "th,td{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}"
    "tr.not-trusted td.verdict{background:#f4c7c3}tr.unreachable td.verdict{background:#fce8b2}"
    "tr.trusted td.verdict{background:#b7e1cd}tr.pending td.verdict{background:#e8eaed}"
    "ul{margin:0;padding-left:1.2em}.check,.component{font-family:monospace}";

// Hosts that need attention first.
int rank(HostState state) {
    switch (state) {
    case HostState::not_trusted: return 0;
    case HostState::unreachable: return 1;
    case HostState::pending: return 2;
    case HostState::trusted: return 3;
    }
    return 4;
}

const char* row_class(HostState state) {
    switch (state) {
    case HostState::not_trusted: return "not-trusted";
    case HostState::unreachable: return "unreachable";
    case HostState::pending: return "pending";
    case HostState::trusted: return "trusted";
    }
    return "";
}

// The failed checks of the latest appraisal, each with the components it
// names, and for an unreachable host why its last try gave no evidence.
void write_failures(std::ostream& out, const StatusEntry& e) {
    out << "<td class=\"failures\">";
    bool any = false;
    if (e.last) {
        for (const auto& c : e.last->checks) {
            if (c.status != "fail") continue;
            if (!any) out << "<ul>";
            any = true;
            out << "<li><span class=\"check\">" << html_escape(c.id) << "</span>";
            for (const auto& name : named_components(c.message))
                out << " component <span class=\"component\">" << html_escape(name) << "</span>";
            out << ": <span class=\"message\">" << html_escape(c.message) << "</span></li>";
        }
        if (any) out << "</ul>";
    }
    if (!e.host.last_error.empty())
        out << "<p class=\"last-error\">last try: " << html_escape(e.host.last_error) << "</p>";
    out << "</td>";
}

std::string base64(const unsigned char* data, int size) {
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    out.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, size));
    return out;
}

}  // namespace

std::vector<StatusEntry> collect_status(FleetStore& store) {
    std::vector<StatusEntry> entries;
    for (auto& host : store.hosts()) {
        StatusEntry e{std::move(host), std::nullopt};
        if (e.host.state == HostState::not_trusted || e.host.state == HostState::unreachable) {
            auto last = store.appraisals(e.host.record.host_id, 1);
            if (!last.empty() && last.front().verdict != "trusted") e.last = std::move(last.front());
        }
        entries.push_back(std::move(e));
    }
    return entries;
}

const char* verdict_label(HostState state) {
    switch (state) {
    case HostState::pending: return "never appraised";
    case HostState::trusted: return "trusted";
    case HostState::not_trusted: return "not trusted";
    case HostState::unreachable: return "unreachable";
    }
    return "unknown";
}

std::string render_status_page(std::vector<StatusEntry> entries, Millis now) {
    std::stable_sort(entries.begin(), entries.end(), [](const StatusEntry& a, const StatusEntry& b) {
        if (rank(a.host.state) != rank(b.host.state)) return rank(a.host.state) < rank(b.host.state);
        return a.host.record.host_id < b.host.record.host_id;
    });
    std::size_t counts[4] = {};
    for (const auto& e : entries) ++counts[rank(e.host.state)];

    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        << "<meta http-equiv=\"refresh\" content=\"30\"><title>keel-verifierd: fleet status</title><style>" << style
        << "</style></head>\n<body><h1>Fleet status</h1>\n<p class=\"summary\">" << entries.size()
        << " hosts: " << counts[3] << " trusted, " << counts[0] << " not trusted, " << counts[1] << " unreachable, "
        << counts[2] << " never appraised (at " << iso_time(now) << ").</p>\n";
    out << "<table><thead><tr><th>host</th><th>mode</th><th>verdict</th><th>last appraisal</th>"
        << "<th>failing checks</th></tr></thead><tbody>\n";
    for (const auto& e : entries) {
        const auto& h = e.host;
        out << "<tr class=\"" << row_class(h.state) << "\"><td class=\"host\">" << html_escape(h.record.host_id)
            << "</td><td class=\"mode\">" << mode_name(h.mode) << "</td><td class=\"verdict\">"
            << verdict_label(h.state) << "</td><td class=\"time\">"
            << (h.last_attested ? iso_time(*h.last_attested) : std::string("never")) << "</td>";
        write_failures(out, e);
        out << "</tr>\n";
    }
    out << "</tbody></table>\n</body></html>\n";
    return out.str();
}

const std::string& status_page_policy() {
    static const std::string policy = [] {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_Digest(style, std::char_traits<char>::length(style), digest, &size, EVP_sha256(), nullptr);
        return "default-src 'none'; style-src 'sha256-" + base64(digest, static_cast<int>(size)) +
               "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }();
    return policy;
}

}  // namespace keel::verifierd
