// The human-readable form of `keel eventlog`.
#include <cstdio>
#include <string>

#include "attestation/eventlog/describe.hpp"
#include "attestation/eventlog/hex.hpp"
#include "attestation/eventlog/parser.hpp"
#include "tools/keel/eventlog_output.hpp"

namespace keel::cli {
namespace {

using namespace keel::eventlog;

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%x", v);
    return buf;
}

std::string padded(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

void print_header(std::ostream& out, const EventLog& log) {
    out << "Event log: ";
    if (log.format == Format::crypto_agile)
        out << "TCG crypto-agile (" << log.spec_id->signature << ")";
    else
        out << "TCG SHA-1 (legacy TCG_PCR_EVENT records)";
    out << ", " << log.events.size() << (log.events.size() == 1 ? " record" : " records") << ", banks";
    for (std::size_t i = 0; i < log.algorithms.size(); ++i)
        out << (i ? ", " : " ") << algorithm_name(log.algorithms[i].id);
    out << "\n";
    if (log.padding_bytes)
        out << "Ignored " << log.padding_bytes << " filler bytes (" << (log.padding_value ? "0xff" : "0x00")
            << ") from byte offset " << log.padding_offset << " on.\n";
}

void print_event(std::ostream& out, const EventLog& log, const Event& e) {
    out << "\nEvent " << e.index << ": PCR " << (e.pcr <= max_pcr_index ? std::to_string(e.pcr) : hex32(e.pcr)) << ", "
        << event_type_name(e.type) << " (" << hex32(e.type) << ")\n";
    for (const auto& d : e.digests) out << "  " << padded(algorithm_name(d.algorithm), 8) << to_hex(d.value) << "\n";
    out << "  " << describe(log, e) << "\n";
}

void print_replay(std::ostream& out, const Replay& replay) {
    out << "\nReplayed PCRs (PCRs 17-22 from zero, as after a dynamic launch):\n";
    if (replay.pcrs.empty()) out << "  none: no event extends a PCR\n";
    for (const auto& [bank, pcrs] : replay.pcrs) {
        out << "  " << algorithm_name(bank) << "\n";
        for (const auto& [pcr, value] : pcrs)
            out << "    " << padded("PCR " + std::to_string(pcr), 8) << to_hex(value) << "\n";
    }
    for (const auto& [bank, pcr] : replay.incomplete)
        out << "  Note: " << algorithm_name(bank) << " PCR " << pcr
            << " cannot match the TPM: some of its events carry no " << algorithm_name(bank) << " digest.\n";
    for (auto bank : replay.unsupported)
        out << "  Note: bank " << algorithm_name(bank) << " is not replayed: no implementation of that algorithm.\n";
}

void print_pcr_report(std::ostream& out, const char* title, const PcrReport& report) {
    out << "\n" << title << "\n";
    for (const auto& p : report.pcrs)
        out << "  " << (p.ok() ? algorithm_name(p.bank) + " PCR " + std::to_string(p.pcr) + ": ok" : p.problem) << "\n";
}

}  // namespace

void print_text(std::ostream& out, const EventlogReport& r) {
    print_header(out, r.log);
    for (const auto& e : r.log.events) print_event(out, r.log, e);
    print_replay(out, r.replay);
    if (r.components) {
        out << "\nReference values, component by component:\n";
        for (const auto& c : r.components->components) {
            if (c.ok()) out << "  " << c.name << " (PCR " << c.pcr << "): ok\n";
            for (const auto& p : c.problems) out << "  " << p << "\n";
        }
        for (const auto& u : r.components->unexpected) out << "  " << u << "\n";
    }
    if (r.reference_pcrs) print_pcr_report(out, "Reference values, PCR by PCR:", *r.reference_pcrs);
    if (r.pcrs) print_pcr_report(out, "PCR values given with --pcrs:", *r.pcrs);
    if (r.components || r.pcrs) out << "\nResult: " << (r.ok() ? "everything matches" : "MISMATCH") << "\n";
}

}  // namespace keel::cli
