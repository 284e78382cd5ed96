// printf-style formatting without libc. The kernel console and the host unit
// tests share it. Supported: %s %c %d %i %u %x %X %p %%, the l/ll/z length
// modifiers, '0' padding and a field width.
#pragma once
#include <stdarg.h>
#include <stddef.h>

namespace keel {

using CharSink = void (*)(char c, void* ctx);

void vformat(CharSink sink, void* ctx, const char* fmt, va_list ap);

// Formats into buf (always NUL-terminated when size > 0); returns the length
// the full output would have had.
size_t format_to(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace keel
