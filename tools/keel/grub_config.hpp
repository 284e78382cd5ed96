// Reads the boot entry of a GRUB configuration the way `keel measure` needs
// it: the Multiboot2 kernel (Keel's pre-launch stage) and each module2 line
// with its command line, exactly as GRUB passes it (the words after the path,
// joined by single spaces). Variables, quoting and scripting are refused with
// a message rather than guessed at.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace keel::cli {

struct GrubModule {
    std::filesystem::path file;
    std::string cmdline;
};

struct GrubEntry {
    std::string title;
    std::filesystem::path kernel;
    std::string kernel_cmdline;
    std::vector<GrubModule> modules;
};

// Entry `index` (0 = the first menuentry). Paths are resolved under `root`
// (the directory GRUB sees as "/"). Throws InputError naming the line.
GrubEntry read_grub_entry(const std::string& text, const std::filesystem::path& root, std::size_t index);

}  // namespace keel::cli
