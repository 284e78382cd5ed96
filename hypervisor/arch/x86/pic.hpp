// The legacy 8259 PICs. Keel uses the local APIC; the PICs are remapped away
// from the exception vectors and masked so a stray IRQ cannot look like a fault.
#pragma once

namespace keel::x86::pic {
void disable();
}
