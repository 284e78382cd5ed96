// keel measure: predicts what Keel's secure loader will measure, from the
// built images and the GRUB entry that boots them. Prints the PCR 17/18/19
// values per bank and writes the reference values (component -> digests) that
// `keel eventlog --reference` and the verifier compare against.
//
// Naming and PCR choice come from sinit/common/launch_plan (the code the SLB
// runs); every digest is computed here, with OpenSSL, independently of the
// SLB's own hash code.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <set>
#include <sstream>

#include "attestation/eventlog/evp.hpp"
#include "attestation/eventlog/hex.hpp"
#include "sinit/common/handoff.hpp"
#include "sinit/common/launch_plan.hpp"
#include "tools/keel/commands.hpp"
#include "tools/keel/elf_section.hpp"
#include "tools/keel/file_io.hpp"
#include "tools/keel/grub_config.hpp"
#include "tools/keel/memory_map_file.hpp"

namespace keel::cli {
namespace {

using Bytes = std::vector<std::uint8_t>;
constexpr std::size_t MAX_IMAGE = std::size_t(1) << 30;

struct Bank {
    std::string name;
    eventlog::evp::Md md;
    Bytes digest(std::span<const std::uint8_t> data) const {
        Bytes out(EVP_MD_get_size(md.get()));
        unsigned int n = 0;
        if (!EVP_Digest(data.data(), data.size(), out.data(), &n, md.get(), nullptr))
            throw std::runtime_error("EVP_Digest");
        return out;
    }
    Bytes digest(std::string_view s) const {
        return digest({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
    }
    Bytes concat(const Bytes& a, const Bytes& b) const {
        Bytes both = a;
        both.insert(both.end(), b.begin(), b.end());
        return digest(both);
    }
};

struct Event {
    std::string name, detail;
    std::uint32_t pcr, type;
    std::map<std::string, Bytes> digests;
    bool host_specific = false;  // no detail, no digests: each host measures its own
};

std::string_view view(StringView s) { return {s.data, s.size}; }

struct Options {
    std::string grub_cfg, root, output;
    std::vector<std::string> banks{"sha1", "sha256", "sha384"};
    std::size_t entry = 0;
    bool json = false;
    std::string launch_method;  // empty: from the pre-launch stage's command line
    std::string memory_map, memory_map_log;  // neither: the map is left host-specific
};

bool has_word(const std::string& line, const std::string& word) {
    std::istringstream words(line);
    for (std::string w; words >> w;)
        if (w == word) return true;
    return false;
}

void run(const Options& o) {
    std::filesystem::path root =
        (o.root.empty() ? std::filesystem::path(o.grub_cfg).parent_path() / ".." / ".." : std::filesystem::path(o.root))
            .lexically_normal();
    GrubEntry entry = read_grub_entry(read_text_file(o.grub_cfg, 1 << 20), root, o.entry);

    std::vector<Bank> banks;
    for (const auto& name : o.banks) {
        eventlog::evp::Md md(EVP_MD_fetch(nullptr, name.c_str(), nullptr));
        if (!md || (name != "sha1" && name != "sha256" && name != "sha384" && name != "sha512"))
            throw InputError("unknown PCR bank '" + name + "' (sha1, sha256, sha384, sha512)");
        banks.push_back({name, std::move(md)});
    }

    Bytes prelaunch = read_binary_file(entry.kernel.string(), MAX_IMAGE);
    auto slb = elf_section(prelaunch, ".slb_image");
    if (slb.size() < 8) throw InputError(entry.kernel.string() + ": the SLB image is too small");
    // SlbHeader: entry, the core's length (what SKINIT measures), hand-off
    // offset, the whole image's length (the loader follows the core).
    std::size_t measured = slb[2] | slb[3] << 8, image = slb[6] | slb[7] << 8;
    if (measured < 8 || image <= measured || image > slb.size())
        throw InputError(entry.kernel.string() + ": the SLB header is invalid");

    std::vector<Event> events;
    Event core{launch::SLB_NAME, launch::SLB_DETAIL, launch::PCR_DRTM, launch::KEEL_EV_SKINIT, {}};
    Event loader{launch::SLB_LOADER_NAME, launch::SLB_LOADER_DETAIL, launch::PCR_DRTM, launch::KEEL_EV_COMPONENT, {}};
    for (const auto& b : banks) {
        core.digests[b.name] = b.digest(slb.first(measured));
        loader.digests[b.name] = b.digest(slb.subspan(measured, image - measured));
    }
    events.push_back(core);
    events.push_back(loader);

    if (entry.modules.size() > launch::MAX_COMPONENTS)
        throw InputError(std::to_string(entry.modules.size()) + " modules: the secure loader takes at most " +
                         std::to_string(launch::MAX_COMPONENTS));
    std::vector<launch::Component> plan;
    std::vector<Event> modules;
    for (std::size_t i = 0; i < entry.modules.size(); ++i) {
        const auto& m = entry.modules[i];
        Bytes image = read_binary_file(m.file.string(), MAX_IMAGE);
        if (image.empty()) throw InputError(m.file.string() + ": an empty module (the pre-launch stage refuses it)");
        plan.push_back(launch::plan_module(i, StringView(m.cmdline.data(), m.cmdline.size())));
        // The SLB logs name NUL command line, and stops on more than it can hold.
        if (plan.back().name.size + 1 + m.cmdline.size() > launch::MAX_EVENT_DATA)
            throw InputError(m.file.string() + ": its name and command line exceed the " +
                             std::to_string(launch::MAX_EVENT_DATA) + " bytes the secure loader logs per event");
        Event e{std::string(view(plan.back().name)), m.cmdline, plan.back().pcr, launch::KEEL_EV_COMPONENT, {}};
        for (const auto& b : banks) e.digests[b.name] = b.concat(b.digest(m.cmdline), b.digest(image));
        modules.push_back(e);
    }
    std::string manifest(launch::MAX_MANIFEST, '\0');
    manifest.resize(launch::write_manifest(plan.data(), plan.size(), manifest.data(), manifest.size()));
    if (manifest.empty())
        throw InputError("the launch manifest (component names and PCRs) exceeds the secure loader's " +
                         std::to_string(launch::MAX_MANIFEST) + " bytes");
    Event m{launch::MANIFEST_NAME, manifest, launch::PCR_MANIFEST, launch::KEEL_EV_LAUNCH_MANIFEST, {}};
    for (const auto& b : banks) m.digests[b.name] = b.digest(manifest);
    // The SLB's order: the hypervisor, the manifest, then every other module.
    events.push_back(modules[0]);
    events.push_back(m);
    events.insert(events.end(), modules.begin() + 1, modules.end());
    // Last, the launch method: the emulator's only where the pre-launch stage
    // is booted for it (and the CPU has no SKINIT, which this cannot see).
    std::string method = o.launch_method;
    if (method.empty()) method = has_word(entry.kernel_cmdline, launch::EMULATOR_OPTION) ? "emulated" : "skinit";
    std::string method_text = method == "emulated" ? launch::LAUNCH_EMULATED : launch::LAUNCH_SKINIT;
    Event lm{launch::LAUNCH_METHOD_NAME, method_text, launch::PCR_MANIFEST, launch::KEEL_EV_LAUNCH_METHOD, {}};
    for (const auto& b : banks) lm.digests[b.name] = b.digest(method_text);
    events.push_back(lm);
    // Then whether the SLB blocked device DMA: always, unless the pre-launch
    // stage is booted with 'dma-unprotected' (without an IOMMU the SLB stops).
    std::string dma_text = has_word(entry.kernel_cmdline, launch::DMA_UNPROTECTED_OPTION) ? launch::DMA_UNPROTECTED
                                                                                          : launch::DMA_PROTECTED;
    Event dma{launch::DMA_PROTECTION_NAME, dma_text, launch::PCR_MANIFEST, launch::KEEL_EV_DMA_PROTECTION, {}};
    for (const auto& b : banks) dma.digests[b.name] = b.digest(dma_text);
    events.push_back(dma);
    // Last, the host's memory map: predicted from a map given, else left to
    // the verifier as host-specific, and PCR 18 cannot be predicted.
    Event map{launch::MEMORY_MAP_NAME, "", launch::PCR_MANIFEST, launch::KEEL_EV_MEMORY_MAP, {}, true};
    if (!o.memory_map.empty() || !o.memory_map_log.empty()) {
        map.detail =
            o.memory_map.empty() ? memory_map_from_event_log(o.memory_map_log) : read_memory_map_file(o.memory_map);
        map.host_specific = false;
        for (const auto& b : banks) map.digests[b.name] = b.digest(map.detail);
    }
    events.push_back(map);

    // After a dynamic launch PCR 17-22 start from zero.
    std::map<std::string, std::map<std::uint32_t, Bytes>> pcrs;
    for (const auto& b : banks)
        for (std::uint32_t pcr : {launch::PCR_DRTM, launch::PCR_MANIFEST, launch::PCR_MODULES})
            pcrs[b.name][pcr] = Bytes(EVP_MD_get_size(b.md.get()), 0);
    std::set<std::uint32_t> unpredictable;
    for (const auto& e : events) {
        if (e.host_specific) unpredictable.insert(e.pcr);
        for (const auto& b : banks)
            if (!e.host_specific) pcrs[b.name][e.pcr] = b.concat(pcrs[b.name][e.pcr], e.digests.at(b.name));
    }
    for (auto pcr : unpredictable)
        for (const auto& b : banks) pcrs[b.name].erase(pcr);

    nlohmann::ordered_json doc = {{"format", "keel-reference-values"}, {"version", 1}};
    doc["components"] = nlohmann::json::array();
    for (std::size_t i = 0; i < events.size(); ++i) {
        nlohmann::ordered_json c = {
            {"index", i}, {"name", events[i].name}, {"pcr", events[i].pcr}, {"event_type", events[i].type}};
        if (events[i].host_specific) {
            c["host_specific"] = true;
            doc["components"].push_back(c);
            continue;
        }
        c["detail"] = events[i].detail;
        for (const auto& b : banks) c["digests"][b.name] = eventlog::to_hex(events[i].digests.at(b.name));
        doc["components"].push_back(c);
    }
    for (const auto& b : banks)
        for (const auto& [pcr, value] : pcrs[b.name])
            doc["pcrs"][b.name][std::to_string(pcr)] = eventlog::to_hex(value);

    if (!o.output.empty()) {
        std::ofstream out(o.output);
        out << doc.dump(2) << "\n";
        if (!out) throw InputError("cannot write " + o.output);
    }
    if (o.json) {
        std::cout << doc.dump(2) << "\n";
        return;
    }
    std::cout << "Predicted measurements for '" << entry.title << "'\n"
              << "  SLB: core " << measured << " bytes (measured by SKINIT), loader " << image - measured
              << " bytes (measured by the core), from " << entry.kernel.string() << "\n\n";
    for (std::size_t i = 0; i < events.size(); ++i) {
        const auto& e = events[i];
        std::cout << "  #" << i << "  PCR " << e.pcr << "  " << e.name;
        if (e.host_specific) {
            std::cout << "  host-specific: each host measures its own (--memory-map predicts it)\n";
            continue;
        }
        if (e.type == launch::KEEL_EV_MEMORY_MAP) {
            std::cout << "\n";
            std::istringstream lines(e.detail);
            for (std::string line; std::getline(lines, line);) std::cout << "        " << line << "\n";
        } else if (!e.detail.empty()) {
            std::cout << "  \"" << e.detail << "\"";
        }
        std::cout << "\n";
        for (const auto& b : banks)
            std::cout << "        " << b.name << ": " << eventlog::to_hex(e.digests.at(b.name)) << "\n";
    }
    std::cout << "\nPredicted PCR values after the launch:\n";
    for (const auto& b : banks)
        for (const auto& [pcr, value] : pcrs[b.name])
            std::cout << "  PCR " << pcr << " " << b.name << ": " << eventlog::to_hex(value) << "\n";
    for (auto pcr : unpredictable)
        std::cout << "  PCR " << pcr << ": depends on the host's memory map (give --memory-map or "
                  << "--memory-map-from-log to predict it)\n";
    if (!o.output.empty()) std::cout << "\nReference values written to " << o.output << "\n";
}

}  // namespace

void add_measure_command(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("measure", "Predict the DRTM PCR values and write reference values");
    cmd->add_option("--grub-cfg", o->grub_cfg, "GRUB configuration with the measured-launch entry")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--root", o->root, "directory GRUB sees as / (default: two levels above grub.cfg's folder)");
    cmd->add_option("--entry", o->entry, "menu entry number (default 0)");
    cmd->add_option("--banks", o->banks, "PCR banks to predict (default sha1,sha256,sha384)")->delimiter(',');
    cmd->add_option("-o,--output", o->output, "write the reference values (JSON) to this file");
    cmd->add_option("--launch-method", o->launch_method,
                    "skinit or emulated (default: emulated if the pre-launch stage's command line has "
                    "'platform-emulator', else skinit)")
        ->check(CLI::IsMember({"skinit", "emulated"}));
    auto* map_file = cmd->add_option("--memory-map", o->memory_map,
                                     "the host's memory map, one \"0x<base>-0x<last> <type>\" per line (default: "
                                     "host-specific, PCR 18 not predicted)")
                         ->check(CLI::ExistingFile);
    cmd->add_option("--memory-map-from-log", o->memory_map_log,
                    "take the memory map from the DRTM event log of an earlier launch of the host")
        ->check(CLI::ExistingFile)
        ->excludes(map_file);
    cmd->add_flag("--json", o->json, "print the reference values as JSON instead of text");
    cmd->callback([o] {
        try {
            run(*o);
        } catch (const InputError& e) {
            std::cerr << "keel measure: " << e.what() << "\n";
            throw CLI::RuntimeError(exit_bad_input);
        }
    });
}

}  // namespace keel::cli
