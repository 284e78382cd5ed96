#!/bin/sh
# User level (the root task and its runtime, and every user-level VMM) may
# include only the ABI, the freestanding library, its own vmm/ headers and
# the compiler's freestanding headers: never the kernel's internals. The
# build's include path enforces it for root-relative includes; this also
# catches relative ones ("../../hypervisor/...").
#   user_includes.sh REPO_ROOT DIR...
set -eu
root=$1
shift
status=0
for dir in "$@"; do
    for file in $(find "$root/$dir" -name '*.cpp' -o -name '*.hpp' -o -name '*.S'); do
        name=${file#"$root"/}
        if grep -n '^[[:space:]]*#[[:space:]]*include' "$file" |
            grep -v -e '<std\(int\|def\|arg\)\.h>' -e '"abi/[a-z_/]*\.hpp"' -e '"lib/[a-z0-9_/]*\.hpp"' \
                -e '"vmm/[a-z0-9_/]*\.hpp"' | sed "s|^|$name:|" | grep .; then
            status=1
        fi
    done
done
[ "$status" = 0 ] && echo "user level ($*) includes only abi/, lib/, vmm/ and freestanding headers" ||
    echo "user-level code must not include kernel internals"
exit $status
