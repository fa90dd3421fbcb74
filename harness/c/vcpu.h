/*
 * The probe vCPU's machine state: CPUID, 64-bit long mode at CPL3 (which
 * runs natively on every backend; kernel-notes.md), the registers of the
 * probe loop's entry, and the reset after a failed or aborted run.
 */
#ifndef SC_VCPU_H
#define SC_VCPU_H

#include <stddef.h>
#include <stdint.h>

#ifndef SC_REPRODUCER
#include "harness/c/uapi.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* KVM_GET_SUPPORTED_CPUID with a growing buffer (E2BIG means "more"): a
 * malloc'ed header plus entries, or NULL with errno. */
struct sc_kvm_cpuid2 *sc_supported_cpuid(int kvm_fd);
/* The bytes of a CPUID buffer: its header and its nent entries. */
size_t sc_cpuid_size(const struct sc_kvm_cpuid2 *cpuid);
struct sc_kvm_cpuid_entry2 *sc_cpuid_entries(const struct sc_kvm_cpuid2 *cpuid);
/* MAXPHYADDR (leaf 0x80000008 EAX[7:0]); 36, the architectural default,
 * without the leaf; clamped to 32..52. */
unsigned sc_cpuid_phys_bits(const struct sc_kvm_cpuid2 *cpuid);
/* 1 GiB pages (leaf 0x80000001 EDX bit 26). */
int sc_cpuid_has_pdpe1gb(const struct sc_kvm_cpuid2 *cpuid);

/* Loads long mode at CPL3 with the tables at `cr3` and keeps the sregs in
 * *sregs for later resets; 0, or -1 with errno and `error` naming the step. */
int sc_vcpu_enter_long_mode(int vcpu, uint64_t cr3, struct sc_kvm_sregs *sregs, char *error, size_t error_size);

/* The registers of the probe loop's entry, starting at entry `next_index`. */
int sc_vcpu_set_entry_registers(int vcpu, uint64_t next_index);

/* After a failed or aborted run: completes what the kernel still holds for
 * userspace, drops pending events, makes the vCPU runnable and loads
 * `sregs` and the entry registers for `next_index` again. */
void sc_vcpu_restart(int vcpu, struct sc_kvm_run *run, const struct sc_kvm_sregs *sregs, uint64_t next_index);

#ifdef __cplusplus
}
#endif

#endif /* SC_VCPU_H */
