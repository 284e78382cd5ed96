/* Where the SYSCALL entry finds a CPU's kernel stack and scratch slot in
 * its CpuLocal (cpu_local.hpp, which checks these against the struct):
 * numbers only, for the assembler as well as C++. */
#pragma once
#define KEEL_MAX_CPUS 16
#define CPU_LOCAL_SIZE 0xd000
#define CPU_LOCAL_ENTRY_TOP 0x48
#define CPU_LOCAL_USER_RSP 0x50
#define CPU_LOCAL_RESUME_RSP 0x58
