/*
 * What the running machine and KVM are, asked one way: harness/kernel_facts.cpp
 * gathers KernelFacts from these, and every reproducer asks the features its
 * sequence needs with the same calls (csource/emit_c_prelude.c).
 */
#ifndef SC_KERNEL_FACTS_H
#define SC_KERNEL_FACTS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opens /dev/kvm and checks that it speaks API 12: the fd, or -1 with `why`
 * set to one line ("/dev/kvm: No such file or directory"). */
int sc_open_kvm(char *why, size_t why_size);

/* KVM_CHECK_EXTENSION on a /dev/kvm or VM fd; 0 when the ioctl fails. */
long sc_check_extension(int fd, long cap);

/* Whether KVM_CREATE_GUEST_MEMFD / KVM_SET_MEMORY_ATTRIBUTES are compiled
 * in, asked of a VM fd with all-zero arguments: where the ioctl exists they
 * fail its own checks (EINVAL) without changing anything; ENOTTY means not. */
int sc_has_create_guest_memfd_ioctl(int vm_fd);
int sc_has_set_memory_attributes_ioctl(int vm_fd);

/* With 5-level paging a process may map above 2^47 when it asks for it
 * with an explicit hint; with 4 levels the hint cannot be honoured. */
int sc_five_level_paging(void);

/* MAXPHYADDR from /proc/cpuinfo ("address sizes : 48 bits physical, ...");
 * 52, the architectural maximum, when unknown. */
int sc_physical_address_bits(void);

/* A boolean module parameter (/sys/module/M/parameters/P): 1 for "Y" or
 * "1", 0 for anything else, -1 when it cannot be read. */
int sc_module_flag(const char *path);

/* The loaded KVM vendor module ("kvm_amd", "kvm_intel", "kvm_pvm"), or NULL;
 * *tdp_enabled says whether it runs two-dimensional paging (npt/ept; never
 * for kvm_pvm, which shadows only). */
const char *sc_kvm_module(int *tdp_enabled);

/* kvm_mmu_max_gfn() as a bit count: MAXPHYADDR - 12 with TDP, 52 - 12
 * under shadow paging. */
int sc_max_gfn_bits(void);

#ifdef __cplusplus
}
#endif

#endif /* SC_KERNEL_FACTS_H */
