#include "attestation/eventlog/compare.hpp"

#include <algorithm>
#include <cstdio>

#include "attestation/eventlog/describe.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/host_specific.hpp"

namespace keel::eventlog {
namespace {

std::string type_label(EventType type) {
    char buf[16];
    std::snprintf(buf, sizeof buf, " (0x%x)", type);
    return event_type_name(type) + buf;
}

std::string label(const ReferenceComponent& c) { return c.name + " (PCR " + std::to_string(c.pcr) + ")"; }

std::string where(std::size_t position, const Event& e) {
    return "component " + std::to_string(position) + " (event " + std::to_string(e.index) + ", PCR " +
           std::to_string(e.pcr) + ")";
}

void compare_one(const EventLog& log, const ReferenceComponent& ref, const Event& e, ComponentComparison& out) {
    const auto name = label(ref);
    if (!e.keel) {
        out.problems.push_back(name + ": the event log's " + where(ref.index, e) + " is malformed: " + e.problem);
        return;
    }
    if (e.keel->name != ref.name) {
        out.problems.push_back(name + ": not found; the event log's " + where(ref.index, e) + " is " +
                               quoted(e.keel->name));
        return;
    }
    if (e.pcr != ref.pcr) out.problems.push_back(name + ": extended into PCR " + std::to_string(e.pcr) + " instead");
    if (e.type != ref.event_type)
        out.problems.push_back(name + ": event type " + type_label(e.type) + " differs: reference " +
                               type_label(ref.event_type));
    if (ref.host_specific) {
        std::vector<AlgorithmId> banks;
        for (const auto& a : log.algorithms) banks.push_back(a.id);
        if (auto why = detail_digest_problem(e, banks); !why.empty())
            out.problems.push_back(name + ": host-specific, but " + why);
        return;
    }
    if (e.keel->detail != ref.detail)
        out.problems.push_back(name + ": detail differs: reference " + quoted(ref.detail) + ", event log " +
                               quoted(e.keel->detail));
    for (const auto& [bank, expected] : ref.digests) {
        BankComparison b{bank, expected, std::nullopt};
        if (const auto* d = e.digest(bank)) b.event_log.emplace(d->value.begin(), d->value.end());
        if (!b.event_log)
            out.problems.push_back(name + ": the event log has no " + algorithm_name(bank) + " digest for it");
        else if (!b.matches())
            out.problems.push_back(name + ": " + algorithm_name(bank) + " digest differs: reference " +
                                   to_hex(expected) + ", event log " + to_hex(*b.event_log));
        out.banks.push_back(std::move(b));
    }
}

}  // namespace

bool ComponentReport::ok() const {
    return unexpected.empty() && std::all_of(components.begin(), components.end(), [](auto& c) { return c.ok(); });
}

bool PcrReport::ok() const {
    return std::all_of(pcrs.begin(), pcrs.end(), [](auto& p) { return p.ok(); });
}

ComponentReport compare_components(const EventLog& log, const ReferenceValues& reference) {
    std::vector<const Event*> keel_events;
    for (const auto& e : log.events)
        if (is_keel_event(e.type)) keel_events.push_back(&e);

    ComponentReport report;
    for (const auto& ref : reference.components) {
        ComponentComparison out{ref.index, ref.name, ref.pcr, std::nullopt, {}, {}};
        if (ref.index < keel_events.size()) {
            out.event = keel_events[ref.index]->index;
            compare_one(log, ref, *keel_events[ref.index], out);
        } else {
            out.problems.push_back(label(ref) + ": missing from the event log");
        }
        report.components.push_back(std::move(out));
    }
    for (std::size_t i = reference.components.size(); i < keel_events.size(); ++i) {
        const auto& e = *keel_events[i];
        report.unexpected.push_back(
            e.keel ? "event log " + where(i, e) + " " + quoted(e.keel->name) + " is not in the reference values"
                   : "event log " + where(i, e) + " is not in the reference values, and malformed: " + e.problem);
    }
    return report;
}

PcrReport compare_pcrs(const EventLog& log, const Replay& replay, const PcrValues& expected) {
    PcrReport report;
    for (const auto& [bank, pcrs] : expected) {
        const auto name = algorithm_name(bank);
        auto spec = std::find_if(log.algorithms.begin(), log.algorithms.end(), [&](auto& a) { return a.id == bank; });
        for (const auto& [pcr, value] : pcrs) {
            PcrComparison c{bank, pcr, value, {}, true, {}};
            const auto label = name + " PCR " + std::to_string(pcr) + ": ";
            if (spec == log.algorithms.end()) {
                c.problem = label + "the event log has no " + name + " digests";
            } else if (replay.unsupported.count(bank)) {
                c.problem = label + "cannot replay " + name + " (no implementation)";
            } else {
                auto bank_it = replay.pcrs.find(bank);
                const Bytes* replayed = nullptr;
                if (bank_it != replay.pcrs.end())
                    if (auto it = bank_it->second.find(pcr); it != bank_it->second.end()) replayed = &it->second;
                c.extended = replayed != nullptr;
                c.replayed = replayed ? *replayed : initial_pcr_value(replay, spec->digest_size, pcr);
                if (c.replayed != value) {
                    c.problem = label + "expected " + to_hex(value) + ", event log replays to " + to_hex(c.replayed);
                    if (!c.extended) c.problem += " (no event extends it)";
                    if (replay.incomplete.count({bank, pcr}))
                        c.problem += " (some of its events carry no " + name + " digest)";
                }
            }
            report.pcrs.push_back(std::move(c));
        }
    }
    return report;
}

}  // namespace keel::eventlog
