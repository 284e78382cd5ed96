// The checks against `keel measure`'s reference values: every component the
// DRTM log measured must be one the reference values know (same name, PCR,
// event type, detail, and the same digest in every bank whose replay the quote
// verified: digests in other banks are only the log's word), and every
// required component must be measured, in the required order where order
// means something (within one PCR). When every reference component is
// required, the quoted PCRs must also equal `keel measure`'s prediction.
#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

#include "attestation/eventlog/describe.hpp"
#include "attestation/eventlog/event_types.hpp"
#include "attestation/eventlog/host_specific.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/verifier/checks.hpp"

namespace keel::verifier::checks {
namespace {

constexpr std::size_t max_reported_problems = 10;

std::string event_label(const eventlog::Event& ev) {
    char type[16];
    std::snprintf(type, sizeof type, "0x%x", ev.type);
    return "event " + std::to_string(ev.index) + " (PCR " + std::to_string(ev.pcr) + ", type " + type + ")";
}

std::string component_label(const MeasuredComponent& m) {
    return "component \"" + eventlog::escaped(m.name) + "\" (PCR " + std::to_string(m.pcr) + ", event " +
           std::to_string(m.event) + ")";
}

bool contains(const std::vector<std::uint16_t>& banks, std::uint16_t bank) {
    return std::find(banks.begin(), banks.end(), bank) != banks.end();
}

// Why `ref` is not the measured component, or "" when it is.
std::string mismatch(const eventlog::Event& ev, const MeasuredComponent& m, const eventlog::ReferenceComponent& ref,
                     const std::vector<std::uint16_t>& verified_banks) {
    if (ref.pcr != m.pcr) return "the reference values have it in PCR " + std::to_string(ref.pcr);
    if (ref.event_type != ev.type) return "the reference values give it another event type";
    if (ref.host_specific) return eventlog::detail_digest_problem(ev, verified_banks);
    if (ref.detail != m.detail)
        return "its detail " + eventlog::quoted(m.detail) + " differs from the reference values' " +
               eventlog::quoted(ref.detail);
    bool compared = false;
    for (const auto& [bank, expected] : ref.digests) {
        if (!contains(verified_banks, bank)) continue;
        const auto* d = m.digest(bank);
        if (!d) return "it carries no " + bank_name(bank) + " digest";
        compared = true;
        if (!std::equal(d->value.begin(), d->value.end(), expected.begin(), expected.end()))
            return "its " + bank_name(bank) + " digest " + short_hex(d->value) + " is not the reference value " +
                   short_hex(expected);
    }
    if (!compared) return "no bank the quote verified has a reference digest for it";
    return "";
}

// "a; b; c" for the first few, then how many more.
std::string summarize(const std::vector<std::string>& problems) {
    std::string out;
    for (std::size_t i = 0; i < problems.size() && i < max_reported_problems; ++i)
        out += (out.empty() ? "" : "; ") + problems[i];
    if (problems.size() > max_reported_problems)
        out += "; and " + std::to_string(problems.size() - max_reported_problems) + " more";
    return out;
}

// The prediction `keel measure` wrote, against the quoted values, in every
// bank both have. Empty when they agree (or there is nothing to compare).
std::vector<std::string> predicted_pcr_problems(const Evidence& e, const eventlog::ReferenceValues& reference,
                                                std::size_t& compared) {
    std::vector<std::string> problems;
    for (const auto& [bank, pcrs] : reference.pcrs) {
        auto quoted = e.pcr_values.find(bank);
        if (quoted == e.pcr_values.end()) continue;
        for (const auto& [pcr, predicted] : pcrs) {
            auto value = quoted->second.find(pcr);
            if (value == quoted->second.end()) continue;
            ++compared;
            if (value->second != predicted)
                problems.push_back(bank_name(bank) + " PCR " + std::to_string(pcr) + " is " + short_hex(value->second) +
                                   ", the reference launch gives " + short_hex(predicted));
        }
    }
    return problems;
}

}  // namespace

Check reference_components(const Evidence& e, const Expectations& x, const std::vector<std::uint16_t>& verified_banks,
                           std::vector<MeasuredComponent>& components) {
    if (!e.drtm_log) {
        if (x.policy && x.policy->require_drtm)
            return fail(check::reference_components, "no DRTM event log: the measured components are unknown");
        return skipped(check::reference_components, "no DRTM event log given");
    }
    // Digests count only in banks whose replay matched the quote. When none
    // did, eventlog.drtm has failed the verdict already; the log's own
    // digests are then compared to say which component differs.
    std::vector<std::uint16_t> banks = verified_banks;
    if (banks.empty())
        for (const auto& a : e.drtm_log->algorithms) banks.push_back(a.id);
    std::vector<std::string> problems;
    components.reserve(e.drtm_log->events.size());
    for (const auto& ev : e.drtm_log->events) {
        if (ev.type == eventlog::ev_no_action) continue;
        if (!ev.keel) {
            problems.push_back(event_label(ev) + " is not a Keel component" +
                               (ev.problem.empty() ? std::string() : " (" + ev.problem + ")") +
                               ": it cannot be appraised");
            continue;
        }
        MeasuredComponent m{ev.index, ev.keel->name, ev.pcr, ev.keel->detail, ev.digests, false};
        if (x.reference) {
            const auto& refs = x.reference->components;
            // A genuine log lists the components in the reference values' order:
            // try that one first, and search only when it does not match.
            const auto position = components.size();
            if (position < refs.size() && refs[position].name == m.name &&
                mismatch(ev, m, refs[position], banks).empty()) {
                m.in_reference = true;
                m.host_specific = refs[position].host_specific;
            }
            // Several components may share a name (two guests' kernels): the
            // reason given is the one of the reference with the same detail.
            std::string why = "it is not in the reference values";
            bool same_detail = false;
            for (const auto& ref : refs) {
                if (m.in_reference) break;
                if (ref.name != m.name) continue;
                auto reason = mismatch(ev, m, ref, banks);
                if (reason.empty()) {
                    m.in_reference = true;
                    m.host_specific = ref.host_specific;
                    break;
                }
                if (!same_detail || ref.detail == m.detail) why = reason;
                same_detail = same_detail || ref.detail == m.detail;
            }
            if (!m.in_reference) problems.push_back(component_label(m) + ": " + why);
        }
        components.push_back(std::move(m));
    }
    if (!x.reference) {
        if (x.policy) return fail(check::reference_components, "no reference values to compare the components with");
        return skipped(check::reference_components, "no reference values given");
    }
    if (!problems.empty()) return fail(check::reference_components, summarize(problems));
    return pass(check::reference_components,
                "all " + std::to_string(components.size()) + " measured components are in the reference values");
}

Check reference_required(const Evidence& e, const Expectations& x, const std::vector<MeasuredComponent>& components) {
    std::vector<std::string_view> required;
    const bool whole_reference = !(x.policy && x.policy->required_components);
    if (!whole_reference) {
        required.assign(x.policy->required_components->begin(), x.policy->required_components->end());
    } else if (x.reference) {
        required.reserve(x.reference->components.size());
        for (const auto& ref : x.reference->components) required.push_back(ref.name);
    } else {
        return skipped(check::reference_required, "no reference values or required components given");
    }
    if (!e.drtm_log && !required.empty())
        return fail(check::reference_required, "no DRTM event log: required component \"" +
                                                   std::string(required.front()) + "\" cannot be shown to be measured");
    // Each required component must be measured. Order is checked only among
    // components of one PCR: the order of events in different PCRs is not
    // covered by any PCR value, so the log's word for it is worth nothing.
    std::vector<bool> used(components.size(), false);
    // PCR -> first log position still allowed. Components come from events
    // that extend a PCR, whose index the parser bounds.
    std::array<std::size_t, eventlog::max_pcr_index + 1> next_in_pcr{};
    std::size_t cursor = 0;  // a genuine log measures the required components in the listed order
    for (const auto& name : required) {
        std::optional<std::size_t> found, earlier;
        if (cursor < components.size() && !used[cursor] && components[cursor].name == name &&
            cursor >= next_in_pcr.at(components[cursor].pcr))
            found = cursor;
        for (std::size_t i = 0; !found && i < components.size(); ++i) {
            if (used[i] || components[i].name != name) continue;
            if (i >= next_in_pcr.at(components[i].pcr)) {
                found = i;
                break;
            }
            earlier = i;
        }
        if (!found) {
            if (earlier)
                return fail(check::reference_required, "required component \"" + std::string(name) +
                                                           "\" is measured out of order in PCR " +
                                                           std::to_string(components[*earlier].pcr));
            return fail(check::reference_required,
                        "required component \"" + std::string(name) + "\" is missing from the DRTM event log");
        }
        used[*found] = true;
        next_in_pcr.at(components[*found].pcr) = *found + 1;
        cursor = *found + 1;
    }
    // Everything the reference launch measured is required: the quoted PCRs
    // must then be exactly what `keel measure` predicted.
    std::size_t compared = 0;
    if (whole_reference && x.reference) {
        auto problems = predicted_pcr_problems(e, *x.reference, compared);
        if (!problems.empty()) return fail(check::reference_required, summarize(problems));
    }
    return pass(check::reference_required,
                "all " + std::to_string(required.size()) + " required components are measured, in order" +
                    (compared
                         ? "; the quoted PCRs equal the reference launch's (" + std::to_string(compared) + " values)"
                         : ""));
}

}  // namespace keel::verifier::checks
