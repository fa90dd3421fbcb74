/* The probe vCPU's state (vcpu.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#ifndef SC_REPRODUCER
#include "harness/c/layout.h"
#include "harness/c/vcpu.h"
#endif

/* RFLAGS: bit 1 is always 1; IOPL = 3 lets CPL3 code use `out`. */
#define SC_ENTRY_RFLAGS 0x3002ull

struct sc_kvm_cpuid2 *sc_supported_cpuid(int kvm_fd)
{
	for (uint32_t nent = 128; nent <= 8192; nent *= 2) {
		struct sc_kvm_cpuid2 *c =
			(struct sc_kvm_cpuid2 *)calloc(1, sizeof(*c) + nent * sizeof(struct sc_kvm_cpuid_entry2));
		int err;

		if (!c)
			return NULL;
		c->nent = nent;
		if (ioctl(kvm_fd, SC_KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		err = errno;
		free(c);
		errno = err;
		if (err != E2BIG)
			break;
	}
	return NULL;
}

size_t sc_cpuid_size(const struct sc_kvm_cpuid2 *cpuid)
{
	return sizeof(*cpuid) + cpuid->nent * sizeof(struct sc_kvm_cpuid_entry2);
}

struct sc_kvm_cpuid_entry2 *sc_cpuid_entries(const struct sc_kvm_cpuid2 *cpuid)
{
	return (struct sc_kvm_cpuid_entry2 *)(uintptr_t)(cpuid + 1);
}

static const struct sc_kvm_cpuid_entry2 *sc_cpuid_leaf(const struct sc_kvm_cpuid2 *cpuid, uint32_t function)
{
	for (uint32_t i = 0; i < cpuid->nent; ++i)
		if (sc_cpuid_entries(cpuid)[i].function == function)
			return &sc_cpuid_entries(cpuid)[i];
	return NULL;
}

unsigned sc_cpuid_phys_bits(const struct sc_kvm_cpuid2 *cpuid)
{
	const struct sc_kvm_cpuid_entry2 *e = sc_cpuid_leaf(cpuid, 0x80000008);
	unsigned bits = e ? (e->eax & 0xff) : 36;

	return bits < 32 ? 36 : (bits > 52 ? 52 : bits);
}

int sc_cpuid_has_pdpe1gb(const struct sc_kvm_cpuid2 *cpuid)
{
	const struct sc_kvm_cpuid_entry2 *e = sc_cpuid_leaf(cpuid, 0x80000001);

	return e && ((e->edx >> 26) & 1);
}

static void sc_set_segment(struct sc_kvm_segment *s, uint16_t selector, uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = (uint16_t)(selector | 3);  /* RPL 3 */
	s->type = type;
	s->present = 1;
	s->dpl = 3;  /* CPL3: the native path on every backend */
	s->s = 1;
	s->g = 1;
	s->l = code ? 1 : 0;   /* 64-bit code segment */
	s->db = code ? 0 : 1;  /* L=1 requires D=0 */
}

int sc_vcpu_enter_long_mode(int vcpu, uint64_t cr3, struct sc_kvm_sregs *sregs, char *error, size_t error_size)
{
	if (ioctl(vcpu, SC_KVM_GET_SREGS, sregs) != 0) {
		snprintf(error, error_size, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	sregs->cr0 = 0x80050033;  /* PG | AM | WP | NE | ET | MP | PE */
	sregs->cr4 = 0x620;       /* OSXMMEXCPT | OSFXSR | PAE */
	sregs->efer = 0x500;      /* LMA | LME */
	sregs->cr3 = cr3;
	sc_set_segment(&sregs->cs, 0x08, 11, 1);  /* execute/read, accessed */
	sc_set_segment(&sregs->ds, 0x10, 3, 0);   /* read/write, accessed */
	sregs->es = sregs->ss = sregs->fs = sregs->gs = sregs->ds;
	if (ioctl(vcpu, SC_KVM_SET_SREGS, sregs) != 0) {
		snprintf(error, error_size, "KVM_SET_SREGS (long mode, CPL3): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sc_vcpu_set_entry_registers(int vcpu, uint64_t next_index)
{
	struct sc_kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = SC_HARNESS_GPA + SC_PROBE_CODE;
	regs.rsp = SC_HARNESS_GPA + SC_PROBE_STACK_TOP;
	regs.rflags = SC_ENTRY_RFLAGS;
	regs.r12 = next_index;
	regs.r13 = SC_HARNESS_GPA + SC_PROBE_CONTROL;
	regs.r14 = SC_DIGEST_PRIME;
	return ioctl(vcpu, SC_KVM_SET_REGS, &regs);
}

void sc_vcpu_restart(int vcpu, struct sc_kvm_run *run, const struct sc_kvm_sregs *sregs, uint64_t next_index)
{
	struct sc_kvm_vcpu_events events;
	struct sc_kvm_mp_state mp = {SC_KVM_MP_STATE_RUNNABLE};

	/* Complete anything the kernel still holds for userspace (an MMIO or PIO
	 * completion is applied at the start of the next KVM_RUN, before
	 * immediate_exit is honoured) so it cannot land on the fresh registers. */
	run->immediate_exit = 1;
	ioctl(vcpu, SC_KVM_RUN, 0);
	run->immediate_exit = 0;
	/* Drop any event KVM still means to deliver: an exception whose delivery
	 * failed (KVM_EXIT_INTERNAL_ERROR, suberror 3) stays injected and would
	 * be delivered again at every entry, hanging every later run. */
	memset(&events, 0, sizeof(events));
	ioctl(vcpu, SC_KVM_SET_VCPU_EVENTS, &events);
	ioctl(vcpu, SC_KVM_SET_MP_STATE, &mp);
	/* Full state: an exit such as SHUTDOWN leaves the vCPU reset to real
	 * mode (SVM reinitialises the VMCB), so sregs are loaded again too. */
	ioctl(vcpu, SC_KVM_SET_SREGS, sregs);
	sc_vcpu_set_entry_registers(vcpu, next_index);
}
