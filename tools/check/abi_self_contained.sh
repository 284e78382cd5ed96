#!/bin/sh
# The ABI folder is the only code the kernel and user level share, so it
# must stand alone: every header includes nothing but <stdint.h>, <stddef.h>
# and other abi/ headers, and compiles on its own, freestanding.
#   abi_self_contained.sh REPO_ROOT CXX
set -eu
root=$1
cxx=$2
status=0
for header in "$root"/abi/*.hpp; do
    name=${header#"$root"/}
    grep -n '^[[:space:]]*#[[:space:]]*include' "$header" |
        grep -v -e '<stdint\.h>' -e '<stddef\.h>' -e '"abi/[a-z_]*\.hpp"' |
        while IFS= read -r line; do
            echo "$name:$line: the ABI may include only <stdint.h>, <stddef.h> and abi/ headers"
            exit 1
        done || status=1
    if ! printf '#include "%s"\n' "$name" | "$cxx" -std=c++20 -ffreestanding -fno-exceptions -fno-rtti -Wall \
        -Wextra -Werror -fsyntax-only -nostdinc++ -I"$root" -x c++ -; then
        echo "$name: does not compile on its own"
        status=1
    fi
done
[ "$status" = 0 ] && echo "abi/: $(ls "$root"/abi/*.hpp | wc -l) headers, each self-contained"
exit $status
