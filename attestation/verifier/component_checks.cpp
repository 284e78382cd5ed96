// The checks against `keel measure`'s reference values: every component the
// DRTM log measured must be one the reference values know (same name, PCR,
// event type, detail and digest in every bank both have), and every required
// component must be measured, in the required order.
#include <algorithm>
#include <cstdio>

#include "attestation/eventlog/event_types.hpp"
#include "attestation/verifier/checks.hpp"

namespace keel::verifier::checks {
namespace {

std::string event_label(const eventlog::Event& ev) {
    char type[16];
    std::snprintf(type, sizeof type, "0x%x", ev.type);
    return "event " + std::to_string(ev.index) + " (PCR " + std::to_string(ev.pcr) + ", type " + type + ")";
}

std::string component_label(const MeasuredComponent& m) {
    return "component \"" + m.name + "\" (PCR " + std::to_string(m.pcr) + ", event " + std::to_string(m.event) + ")";
}

// Why `ref` is not the measured component, or "" when it is.
std::string mismatch(const eventlog::Event& ev, const MeasuredComponent& m, const eventlog::ReferenceComponent& ref) {
    if (ref.pcr != m.pcr) return "the reference values have it in PCR " + std::to_string(ref.pcr);
    if (ref.event_type != ev.type) return "the reference values give it another event type";
    if (ref.detail != m.detail)
        return "its detail \"" + m.detail + "\" differs from the reference values' \"" + ref.detail + "\"";
    bool compared = false;
    for (const auto& [bank, expected] : ref.digests) {
        auto d = m.digests.find(bank);
        if (d == m.digests.end()) continue;
        compared = true;
        if (d->second != expected)
            return "its " + bank_name(bank) + " digest " + short_hex(d->second) + " is not the reference value " +
                   short_hex(expected);
    }
    if (!compared) return "the event log and the reference values have no bank in common";
    return "";
}

}  // namespace

Check reference_components(const Evidence& e, const Expectations& x, std::vector<MeasuredComponent>& components) {
    if (!e.drtm_log) {
        if (x.policy && x.policy->require_drtm)
            return fail(check::reference_components, "no DRTM event log: the measured components are unknown");
        return skipped(check::reference_components, "no DRTM event log given");
    }
    std::vector<std::string> problems;
    for (const auto& ev : e.drtm_log->events) {
        if (ev.type == eventlog::ev_no_action) continue;
        if (!ev.keel) {
            problems.push_back(event_label(ev) + " is not a Keel component" +
                               (ev.problem.empty() ? std::string() : " (" + ev.problem + ")") +
                               ": it cannot be appraised");
            continue;
        }
        MeasuredComponent m{ev.index, ev.keel->name, ev.pcr, ev.keel->detail, {}, false};
        for (const auto& d : ev.digests) m.digests[d.algorithm] = d.value;
        if (x.reference) {
            const auto& refs = x.reference->components;
            // A genuine log lists the components in the reference values' order:
            // try that one first, and search only when it does not match.
            const auto position = components.size();
            if (position < refs.size() && refs[position].name == m.name && mismatch(ev, m, refs[position]).empty())
                m.in_reference = true;
            std::string why = "it is not in the reference values";
            for (const auto& ref : refs) {
                if (m.in_reference) break;
                if (ref.name != m.name) continue;
                auto reason = mismatch(ev, m, ref);
                if (reason.empty()) {
                    m.in_reference = true;
                    break;
                }
                why = reason;
            }
            if (!m.in_reference) problems.push_back(component_label(m) + ": " + why);
        }
        components.push_back(std::move(m));
    }
    if (!x.reference) {
        if (x.policy) return fail(check::reference_components, "no reference values to compare the components with");
        return skipped(check::reference_components, "no reference values given");
    }
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
        return fail(check::reference_components, all);
    }
    return pass(check::reference_components,
                "all " + std::to_string(components.size()) + " measured components are in the reference values");
}

Check reference_required(const Evidence& e, const Expectations& x, const std::vector<MeasuredComponent>& components) {
    std::vector<std::string> required;
    if (x.policy && x.policy->required_components) {
        required = *x.policy->required_components;
    } else if (x.reference) {
        for (const auto& ref : x.reference->components) required.push_back(ref.name);
    } else {
        return skipped(check::reference_required, "no reference values or required components given");
    }
    if (!e.drtm_log && !required.empty())
        return fail(check::reference_required, "no DRTM event log: required component \"" + required.front() +
                                                   "\" cannot be shown to be measured");
    // Required components must appear as a subsequence of the measured ones.
    std::size_t next = 0;
    for (const auto& name : required) {
        auto from = components.begin() + static_cast<std::ptrdiff_t>(next);
        auto found = std::find_if(from, components.end(), [&](auto& m) { return m.name == name; });
        if (found == components.end()) {
            bool earlier = std::any_of(components.begin(), from, [&](auto& m) { return m.name == name; });
            if (earlier)
                return fail(check::reference_required, "required component \"" + name +
                                                           "\" is measured out of order: it must come after \"" +
                                                           components[next - 1].name + "\"");
            return fail(check::reference_required,
                        "required component \"" + name + "\" is missing from the DRTM event log");
        }
        next = static_cast<std::size_t>(found - components.begin()) + 1;
    }
    return pass(check::reference_required,
                "all " + std::to_string(required.size()) + " required components are measured, in order");
}

}  // namespace keel::verifier::checks
