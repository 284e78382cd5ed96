// Owners for everything tpm2-tss hands out: the TCTI and ESAPI contexts,
// TPM objects and sessions (flushed when their owner goes away, because a
// TPM without a resource manager keeps them until it runs out of slots),
// and memory ESAPI allocates for command outputs.
#pragma once

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include <memory>
#include <string>

namespace keel::tpm {

// Throws TpmError naming `call` unless rc is TSS2_RC_SUCCESS.
void check(TSS2_RC rc, const char* call);

struct EsysFree {
    void operator()(void* p) const { Esys_Free(p); }
};
template <class T> using EsysPtr = std::unique_ptr<T, EsysFree>;

// Lets an EsysPtr receive an ESAPI output parameter:
// Esys_ReadPublic(..., out(public_area), ...). The pointer is taken over at
// the end of the full expression, also when a check() in it throws.
template <class T> class OutPtr {
public:
    explicit OutPtr(EsysPtr<T>& owner) : owner_(owner) {}
    ~OutPtr() { owner_.reset(raw_); }
    OutPtr(const OutPtr&) = delete;
    OutPtr& operator=(const OutPtr&) = delete;
    operator T**() { return &raw_; }

private:
    EsysPtr<T>& owner_;
    T* raw_ = nullptr;
};
template <class T> OutPtr<T> out(EsysPtr<T>& owner) { return OutPtr<T>(owner); }

class Tcti {
public:
    explicit Tcti(const std::string& configuration);  // Tss2_TctiLdr_Initialize
    ~Tcti();
    Tcti(const Tcti&) = delete;
    Tcti& operator=(const Tcti&) = delete;
    TSS2_TCTI_CONTEXT* get() const { return context_; }

private:
    TSS2_TCTI_CONTEXT* context_ = nullptr;
};

class EsysContext {
public:
    explicit EsysContext(TSS2_TCTI_CONTEXT* tcti);
    ~EsysContext();
    EsysContext(const EsysContext&) = delete;
    EsysContext& operator=(const EsysContext&) = delete;
    ESYS_CONTEXT* get() const { return context_; }

private:
    ESYS_CONTEXT* context_ = nullptr;
};

// One ESYS_TR. Transient objects and sessions are flushed from the TPM on
// release; persistent objects and NV indices stay in the TPM and only
// ESAPI's record of them is closed.
class EsysHandle {
public:
    enum class Release { flush, close };

    EsysHandle() = default;
    EsysHandle(ESYS_CONTEXT* context, ESYS_TR handle, Release release)
        : context_(context), handle_(handle), release_(release) {}
    ~EsysHandle() { reset(); }
    EsysHandle(EsysHandle&& other) noexcept;
    EsysHandle& operator=(EsysHandle&& other) noexcept;
    EsysHandle(const EsysHandle&) = delete;
    EsysHandle& operator=(const EsysHandle&) = delete;

    ESYS_TR get() const { return handle_; }
    explicit operator bool() const { return handle_ != ESYS_TR_NONE; }
    void reset();

private:
    ESYS_CONTEXT* context_ = nullptr;
    ESYS_TR handle_ = ESYS_TR_NONE;
    Release release_ = Release::close;
};

}  // namespace keel::tpm
