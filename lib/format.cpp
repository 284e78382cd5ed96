#include "format.hpp"

#include <stdint.h>

namespace keel {
namespace {

void emit_number(CharSink sink, void* ctx, uint64_t v, unsigned base, bool upper, bool negative, unsigned width,
                 char pad) {
    char digits[24];
    unsigned n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        digits[n++] = set[v % base];
        v /= base;
    } while (v);
    unsigned len = n + (negative ? 1 : 0);
    if (negative && pad == '0') sink('-', ctx);
    for (; len < width; ++len) sink(pad, ctx);
    if (negative && pad != '0') sink('-', ctx);
    while (n) sink(digits[--n], ctx);
}

}  // namespace

void vformat(CharSink sink, void* ctx, const char* fmt, va_list ap) {
    for (const char* p = fmt; *p; ++p) {
        if (*p != '%') {
            sink(*p, ctx);
            continue;
        }
        ++p;
        char pad = ' ';
        bool left = false;
        unsigned width = 0;
        int precision = -1;  // for %s: the most characters to print
        for (;; ++p) {
            if (*p == '0')
                pad = '0';
            else if (*p == '-')
                left = true;
            else
                break;
        }
        while (*p >= '0' && *p <= '9') width = width * 10 + unsigned(*p++ - '0');
        if (*p == '.') {
            ++p;
            precision = 0;
            if (*p == '*') {
                precision = va_arg(ap, int);
                ++p;
            } else
                while (*p >= '0' && *p <= '9') precision = precision * 10 + (*p++ - '0');
            if (precision < 0) precision = -1;
        }
        int longs = 0;
        while (*p == 'l') {
            ++longs;
            ++p;
        }
        if (*p == 'z') {
            longs = 2;
            ++p;
        }
        switch (*p) {
        case 's': {
            const char* s = va_arg(ap, const char*);
            if (!s) s = "(null)";
            unsigned len = 0;
            while (s[len] && (precision < 0 || len < unsigned(precision))) ++len;
            unsigned fill = len < width ? width - len : 0;
            if (!left)
                while (fill--) sink(' ', ctx);
            for (unsigned i = 0; i < len; ++i) sink(s[i], ctx);
            if (left)
                while (fill--) sink(' ', ctx);
            break;
        }
        case 'c': sink(char(va_arg(ap, int)), ctx); break;
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            bool neg = v < 0;
            emit_number(sink, ctx, neg ? uint64_t(0) - uint64_t(v) : uint64_t(v), 10, false, neg, width, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            emit_number(sink, ctx, v, *p == 'u' ? 10 : 16, *p == 'X', false, width, pad);
            break;
        }
        case 'p':
            sink('0', ctx);
            sink('x', ctx);
            emit_number(sink, ctx, uint64_t(uintptr_t(va_arg(ap, void*))), 16, false, false, 16, '0');
            break;
        case '%': sink('%', ctx); break;
        case '\0': return;
        default:
            sink('%', ctx);
            sink(*p, ctx);
            break;
        }
    }
}

namespace {
struct BufferSink {
    char* buf;
    size_t size;
    size_t len;
};
void buffer_put(char c, void* ctx) {
    auto* b = static_cast<BufferSink*>(ctx);
    if (b->len + 1 < b->size) b->buf[b->len] = c;
    ++b->len;
}
}  // namespace

size_t format_to(char* buf, size_t size, const char* fmt, ...) {
    BufferSink b{buf, size, 0};
    va_list ap;
    va_start(ap, fmt);
    vformat(buffer_put, &b, fmt, ap);
    va_end(ap);
    if (size) buf[b.len < size ? b.len : size - 1] = '\0';
    return b.len;
}

}  // namespace keel
