/*
 * The KVM user API the executor speaks, for C and C++ alike.
 *
 * Our own definitions under sc_ names, never <linux/kvm.h>: a distribution's
 * header lags the kernels under test (Debian 12 ships 6.1: no guest_memfd, no
 * KVM_SET_USER_MEMORY_REGION2, no memory_fault exit) and a newer one must
 * never clash with these. Layouts and numbers are those of
 * include/uapi/linux/kvm.h (kernel-semantics.md section 1); the asserts below
 * pin the sizes, and harness/kvm_uapi.h pins the old basics to <linux/kvm.h>.
 */
#ifndef SC_UAPI_H
#define SC_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#ifdef __cplusplus
#define SC_STATIC_ASSERT(cond, what) static_assert(cond, what)
#else
#define SC_STATIC_ASSERT(cond, what) _Static_assert(cond, what)
#endif

struct sc_kvm_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct sc_kvm_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable, padding;
};

struct sc_kvm_dtable {
	uint64_t base;
	uint16_t limit, padding[3];
};

struct sc_kvm_sregs {
	struct sc_kvm_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct sc_kvm_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
	uint64_t interrupt_bitmap[4];
};

struct sc_kvm_cpuid_entry2 {
	uint32_t function, index, flags, eax, ebx, ecx, edx, padding[3];
};

/* The header of struct kvm_cpuid2; nent entries follow it. No flexible
 * array member: in C++ the kernel header's __DECLARE_FLEX_ARRAY makes the
 * struct 12 bytes instead of 8, and the size is part of the ioctl number
 * (the kernel answered EINVAL to that number, seen on 7.3). */
struct sc_kvm_cpuid2 {
	uint32_t nent, padding;
};

/* All zero means "no pending exception, interrupt, NMI or SMI". */
struct sc_kvm_vcpu_events {
	uint8_t bytes[64];
};

struct sc_kvm_mp_state {
	uint32_t mp_state;
};

struct sc_kvm_exit_io {
	uint8_t direction, size;
	uint16_t port;
	uint32_t count;
	uint64_t data_offset;
};

struct sc_kvm_exit_mmio {
	uint64_t phys_addr;
	uint8_t data[8];
	uint32_t len;
	uint8_t is_write;
};

struct sc_kvm_exit_memory_fault {
	uint64_t flags, gpa, size;
};

/* The start of struct kvm_run (the vCPU's mmap'ed page): the exit union
 * begins at offset 32 in every version. */
struct sc_kvm_run {
	uint8_t request_interrupt_window, immediate_exit, padding1[6];
	uint32_t exit_reason;
	uint8_t ready_for_interrupt_injection, if_flag;
	uint16_t flags;
	uint64_t cr8, apic_base;
	union {
		struct sc_kvm_exit_io io;
		struct sc_kvm_exit_mmio mmio;
		struct sc_kvm_exit_memory_fault memory_fault;
		char exit_padding[256];
	};
};

struct sc_region1 {
	uint32_t slot;  /* (address space << 16) | id */
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;  /* 0 deletes the slot */
	uint64_t userspace_addr;
};

struct sc_region2 {
	uint32_t slot, flags;
	uint64_t guest_phys_addr, memory_size, userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd, pad1;
	uint64_t pad2[14];
};

struct sc_create_guest_memfd {
	uint64_t size, flags, reserved[6];
};

struct sc_memory_attributes {
	uint64_t address, size, attributes, flags;
};

SC_STATIC_ASSERT(sizeof(struct sc_kvm_regs) == 144, "kvm_regs");
SC_STATIC_ASSERT(sizeof(struct sc_kvm_sregs) == 312, "kvm_sregs");
SC_STATIC_ASSERT(sizeof(struct sc_kvm_cpuid_entry2) == 40, "kvm_cpuid_entry2");
SC_STATIC_ASSERT(sizeof(struct sc_kvm_cpuid2) == 8, "kvm_cpuid2");
SC_STATIC_ASSERT(offsetof(struct sc_kvm_run, immediate_exit) == 1, "kvm_run.immediate_exit");
SC_STATIC_ASSERT(offsetof(struct sc_kvm_run, io) == 32, "kvm_run exit union");
SC_STATIC_ASSERT(sizeof(struct sc_region1) == 32, "kvm_userspace_memory_region");
SC_STATIC_ASSERT(sizeof(struct sc_region2) == 160, "kvm_userspace_memory_region2");
SC_STATIC_ASSERT(offsetof(struct sc_region2, guest_memfd) == 40, "region2.guest_memfd");
SC_STATIC_ASSERT(sizeof(struct sc_create_guest_memfd) == 64, "kvm_create_guest_memfd");
SC_STATIC_ASSERT(sizeof(struct sc_memory_attributes) == 32, "kvm_memory_attributes");

/* ioctl numbers */
#define SC_KVMIO 0xAE
#define SC_KVM_API_VERSION 12
#define SC_KVM_GET_API_VERSION _IO(SC_KVMIO, 0x00)
#define SC_KVM_CREATE_VM _IO(SC_KVMIO, 0x01)
#define SC_KVM_CHECK_EXTENSION _IO(SC_KVMIO, 0x03)
#define SC_KVM_GET_VCPU_MMAP_SIZE _IO(SC_KVMIO, 0x04)
#define SC_KVM_GET_SUPPORTED_CPUID _IOWR(SC_KVMIO, 0x05, struct sc_kvm_cpuid2)
#define SC_KVM_CREATE_VCPU _IO(SC_KVMIO, 0x41)
#define SC_KVM_SET_USER_MEMORY_REGION _IOW(SC_KVMIO, 0x46, struct sc_region1)
#define SC_KVM_SET_USER_MEMORY_REGION2 _IOW(SC_KVMIO, 0x49, struct sc_region2)
#define SC_KVM_RUN _IO(SC_KVMIO, 0x80)
#define SC_KVM_SET_REGS _IOW(SC_KVMIO, 0x82, struct sc_kvm_regs)
#define SC_KVM_GET_SREGS _IOR(SC_KVMIO, 0x83, struct sc_kvm_sregs)
#define SC_KVM_SET_SREGS _IOW(SC_KVMIO, 0x84, struct sc_kvm_sregs)
#define SC_KVM_SET_CPUID2 _IOW(SC_KVMIO, 0x90, struct sc_kvm_cpuid2)
#define SC_KVM_SET_MP_STATE _IOW(SC_KVMIO, 0x99, struct sc_kvm_mp_state)
#define SC_KVM_SET_VCPU_EVENTS _IOW(SC_KVMIO, 0xa0, struct sc_kvm_vcpu_events)
#define SC_KVM_SET_MEMORY_ATTRIBUTES _IOW(SC_KVMIO, 0xd2, struct sc_memory_attributes)
#define SC_KVM_CREATE_GUEST_MEMFD _IOWR(SC_KVMIO, 0xd4, struct sc_create_guest_memfd)

/* KVM_CHECK_EXTENSION capabilities */
#define SC_KVM_CAP_NR_MEMSLOTS 10
#define SC_KVM_CAP_READONLY_MEM 81
#define SC_KVM_CAP_MULTI_ADDRESS_SPACE 118
#define SC_KVM_CAP_USER_MEMORY2 231
#define SC_KVM_CAP_MEMORY_FAULT_INFO 232
#define SC_KVM_CAP_MEMORY_ATTRIBUTES 233
#define SC_KVM_CAP_GUEST_MEMFD 234
#define SC_KVM_CAP_VM_TYPES 235
#define SC_KVM_CAP_PRE_FAULT_MEMORY 236
/* the supported GUEST_MEMFD_FLAG_* mask (a boolean "GUEST_MEMFD_MMAP" in 6.18-rc1 only) */
#define SC_KVM_CAP_GUEST_MEMFD_FLAGS 244

/* exits and vCPU states */
#define SC_KVM_EXIT_IO 2
#define SC_KVM_EXIT_IO_OUT 1
#define SC_KVM_EXIT_MMIO 6
#define SC_KVM_EXIT_MEMORY_FAULT 39
#define SC_KVM_MP_STATE_RUNNABLE 0

/* memory attributes and memory_fault flags */
#define SC_KVM_MEMORY_ATTRIBUTE_PRIVATE (1ull << 3)

#endif /* SC_UAPI_H */
