// What the compiler may call on its own in freestanding code: every image
// without a libc (the secure loader, the kernel, user level) links this.
// memcpy and memset move eight bytes per step with the string
// instructions: a VMM zeroes and copies a guest's hundreds of MiB with
// them, and under emulation a byte loop costs eight times the steps. Every
// entry into the kernel clears DF, and the ABI keeps it clear in user code.
#include <stddef.h>
#include <stdint.h>

extern "C" {

void* memcpy(void* dst, const void* src, size_t n) {
    void* d = dst;
    const void* s = src;
    size_t words = n / 8, bytes = n % 8;
    asm volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
    return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
    auto* d = static_cast<unsigned char*>(dst);
    auto* s = static_cast<const unsigned char*>(src);
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

void* memset(void* dst, int c, size_t n) {
    void* d = dst;
    uint64_t pattern = 0x0101010101010101ull * static_cast<unsigned char>(c);
    size_t words = n / 8, bytes = n % 8;
    asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
    return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
    auto* x = static_cast<const unsigned char*>(a);
    auto* y = static_cast<const unsigned char*>(b);
    for (; n; --n, ++x, ++y)
        if (*x != *y) return *x - *y;
    return 0;
}

}  // extern "C"
