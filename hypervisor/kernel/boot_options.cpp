#include "boot_options.hpp"

namespace keel {
namespace {

void apply(StringView word, BootOptions& o, OptionWarning warn, void* ctx) {
    size_t eq = 0;
    while (eq < word.size && word[eq] != '=') ++eq;
    StringView key = word.substr(0, eq);
    StringView value = eq < word.size ? word.substr(eq + 1) : StringView();
    bool has_value = eq < word.size;

    if (key == "debug-exit") {
        uint64_t port;
        if (!has_value || !parse_u64(value, port) || port == 0 || port > 0xffff)
            return warn(word, "expects an I/O port number, e.g. debug-exit=0xf4", ctx);
        o.debug_exit_port = uint16_t(port);
    } else if (key == "hold") {
        if (has_value) return warn(word, "takes no value", ctx);
        o.hold = true;
    } else if (key == "dump-eventlog") {
        if (has_value) return warn(word, "takes no value", ctx);
        o.dump_event_log = true;
    } else if (key == "nosmp") {
        if (has_value) return warn(word, "takes no value", ctx);
        o.single_cpu = true;
    } else if (key == "selftest") {
        if (value == "ud")
            o.selftest = SelfTest::InvalidOpcode;
        else if (value == "pf")
            o.selftest = SelfTest::PageFault;
        else if (value == "stack")
            o.selftest = SelfTest::StackOverflow;
        else if (value == "nmi")
            o.selftest = SelfTest::NmiAfterGuest;
        else if (value == "interrupts")
            o.selftest = SelfTest::Interrupts;
        else if (value == "init")
            o.selftest = SelfTest::Init;
        else if (value == "dma-wait")
            o.selftest = SelfTest::DmaWait;
        else if (value == "none")
            o.selftest = SelfTest::None;
        else
            return warn(word, "expects ud, pf, stack, nmi, interrupts, init, dma-wait or none", ctx);
    } else {
        warn(word, "unknown option", ctx);
    }
}

}  // namespace

BootOptions parse_boot_options(StringView cmdline, OptionWarning warn, void* ctx) {
    BootOptions o;
    size_t i = 0;
    while (i < cmdline.size) {
        while (i < cmdline.size && cmdline[i] == ' ') ++i;
        size_t start = i;
        while (i < cmdline.size && cmdline[i] != ' ') ++i;
        if (i > start) apply(cmdline.substr(start, i - start), o, warn, ctx);
    }
    return o;
}

}  // namespace keel
