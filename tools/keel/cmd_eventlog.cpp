// keel eventlog FILE [--json] [--reference REFERENCE.json] [--pcrs PCRS.json]
// Parses a TCG event log, prints it and its replay, and compares the Keel
// events with reference values and the replay with PCR values. Every input
// is read and checked before anything is printed.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "attestation/eventlog/compare.hpp"
#include "attestation/eventlog/error.hpp"
#include "attestation/eventlog/parser.hpp"
#include "attestation/eventlog/reference.hpp"
#include "attestation/eventlog/replay.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/eventlog_output.hpp"
#include "tools/keel/file_io.hpp"

namespace keel::cli {
namespace {

using namespace keel::eventlog;

constexpr std::size_t max_json_bytes = 16u << 20;

struct EventlogOptions {
    std::string file;
    std::string reference;
    std::string pcrs;
    bool json = false;
};

EventLog load_log(const std::string& path) {
    const auto bytes = read_binary_file(path, max_log_bytes);
    try {
        return parse(bytes);
    } catch (const ParseError& e) { throw InputError(path + ": malformed event log: " + e.what()); }
}

template <typename Parse> auto load_json(const std::string& path, Parse parse_text) {
    const auto text = read_text_file(path, max_json_bytes);
    try {
        return parse_text(text);
    } catch (const ReferenceError& e) { throw InputError(path + ": " + e.what()); }
}

int run(const EventlogOptions& o) {
    const auto log = load_log(o.file);
    std::optional<ReferenceValues> reference;
    if (!o.reference.empty()) reference = load_json(o.reference, parse_reference_values);
    std::optional<PcrValues> pcrs;
    if (!o.pcrs.empty()) pcrs = load_json(o.pcrs, parse_pcr_values);

    const auto replayed = replay(log);
    std::optional<ComponentReport> components;
    std::optional<PcrReport> reference_pcrs, given_pcrs;
    if (reference) {
        components = compare_components(log, *reference);
        if (!reference->pcrs.empty()) reference_pcrs = compare_pcrs(log, replayed, reference->pcrs);
    }
    if (pcrs) given_pcrs = compare_pcrs(log, replayed, *pcrs);

    EventlogReport report{log, replayed, components ? &*components : nullptr,
                          reference_pcrs ? &*reference_pcrs : nullptr, given_pcrs ? &*given_pcrs : nullptr};
    if (o.json)
        print_json(std::cout, report);
    else
        print_text(std::cout, report);
    std::cout.flush();
    return report.ok() ? exit_ok : exit_mismatch;
}

}  // namespace

void add_eventlog_command(CLI::App& app) {
    auto options = std::make_shared<EventlogOptions>();
    auto* cmd = app.add_subcommand("eventlog", "Show and replay a TCG event log; compare it with reference values");
    cmd->add_option("FILE", options->file, "binary TCG event log (crypto-agile or SHA-1)")->required();
    cmd->add_flag("--json", options->json, "print one JSON document instead of text");
    cmd->add_option("--reference", options->reference,
                    "reference values (keel measure) to compare the Keel events and PCRs with");
    cmd->add_option("--pcrs", options->pcrs,
                    "PCR values, {\"sha256\": {\"17\": \"<hex>\"}}, to compare the replay with");
    cmd->callback([options] {
        int rc;
        try {
            rc = run(*options);
        } catch (const InputError& e) {
            std::cerr << "keel eventlog: " << e.what() << "\n";
            rc = exit_bad_input;
        } catch (const Error& e) {
            std::cerr << "keel eventlog: " << e.what() << "\n";
            rc = exit_bad_input;
        }
        if (rc != exit_ok) throw CLI::RuntimeError(rc);
    });
}

}  // namespace keel::cli
