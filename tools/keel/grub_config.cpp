#include "grub_config.hpp"

#include <sstream>

#include "file_io.hpp"

namespace keel::cli {
namespace {

std::vector<std::string> words(const std::string& line) {
    std::istringstream in(line);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

std::string join(const std::vector<std::string>& w, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < w.size(); ++i) out += (i > from ? " " : "") + w[i];
    return out;
}

}  // namespace

GrubEntry read_grub_entry(const std::string& text, const std::filesystem::path& root, std::size_t index) {
    std::istringstream in(text);
    std::size_t line_no = 0, entries = 0;
    bool inside = false;
    GrubEntry entry;
    auto where = [&] { return "grub.cfg line " + std::to_string(line_no) + ": "; };
    auto resolve = [&](const std::string& path) {
        if (path.empty() || path[0] != '/') throw InputError(where() + "expected an absolute path, got '" + path + "'");
        return root / path.substr(1);
    };
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        auto w = words(line);
        if (w.empty() || w[0][0] == '#') continue;
        if (w[0] == "menuentry") {
            if (w.size() < 2) throw InputError(where() + "menuentry without a title");
            inside = entries++ == index;
            if (inside) {
                auto open = line.find_first_of("\"'"), close = line.find_last_of("\"'");
                entry.title = open < close ? line.substr(open + 1, close - open - 1) : w[1];
            }
            continue;
        }
        if (!inside) continue;
        if (w[0] == "}") break;
        if (w[0] != "multiboot2" && w[0] != "module2") continue;
        for (const auto& word : w)
            // GRUB would expand, unquote, split or drop these; keel measure
            // does not guess what the measured command line becomes.
            if (word.find_first_of("$\"'\\;|&<>#") != std::string::npos)
                throw InputError(where() +
                                 "GRUB variables, quoting, comments and separators are not supported by "
                                 "keel measure: '" +
                                 word + "'");
        std::size_t first = 1;
        if (w.size() > 1 && w[1] == "--nounzip") first = 2;
        if (w.size() <= first) throw InputError(where() + w[0] + " without a file");
        if (w[0] == "multiboot2") {
            entry.kernel = resolve(w[first]);
            entry.kernel_cmdline = join(w, first + 1);
        } else {
            entry.modules.push_back({resolve(w[first]), join(w, first + 1)});
        }
    }
    if (entries <= index) throw InputError("grub.cfg has no menu entry number " + std::to_string(index));
    if (entry.kernel.empty()) throw InputError("grub.cfg entry " + std::to_string(index) + " has no multiboot2 line");
    if (entry.modules.empty())
        throw InputError("grub.cfg entry " + std::to_string(index) +
                         " has no module2 line (module 0 is the hypervisor)");
    return entry;
}

}  // namespace keel::cli
