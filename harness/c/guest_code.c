/* The probe program: the machine code the probe vCPU runs (layout.h). */
#include <stdint.h>

#ifndef SC_REPRODUCER
#include "harness/c/layout.h"
#endif

/*
 * Hand-assembled (GNU as --64, Intel syntax; the comment on each line is its
 * source instruction)
 * because the probe is 159 bytes that must never change by accident and the
 * build must not need an assembler step for a byte blob. To change it:
 * assemble the listing, objdump -d, and paste the bytes back.
 *
 * Why this shape:
 * * 64-bit code at CPL3 runs natively on every backend (the PVM host
 *   emulates CPL0 and real mode, and emulated accesses go through
 *   userspace_addr, never guest_memfd: kernel-semantics.md §0, §4.3).
 * * The guest stores its current index in the control page before each
 *   access, so when an access ends in an exit (MMIO, failed KVM_RUN) the
 *   host knows which entry it belongs to without KVM_GET_REGS.
 * * A digest reads its first word, then checks `skip`: on a page with no
 *   memslot the host answers that MMIO read and sets skip, so a page costs
 *   one exit instead of 512. Every word of a page has the same backing, so
 *   the first word decides for the page.
 * * `hlt` faults at CPL3, so the batch ends with `out SC_PORT_BATCH_DONE`.
 *   Re-entering after that exit starts the next batch at index 0 with no
 *   KVM_SET_REGS (the registers are still the loop's).
 * * Before that `out` the guest stores the batch's count as its current
 *   index: a kvm_pvm host (6.18.44-fc-v1300) ends a run in
 *   KVM_EXIT_SHUTDOWN when the `out` is reached natively (it works after an
 *   exit), and the count tells the host that every entry was done first.
 */
const uint8_t sc_guest_code[SC_GUEST_CODE_SIZE] = {
    // loop:  (0x00)
    0x4d, 0x3b, 0x65, 0x00,                      // 00: cmp r12,QWORD PTR [r13+0x0]
    0x0f, 0x83, 0x87, 0x00, 0x00, 0x00,          // 04: jae 91 (finished)
    0x4d, 0x89, 0x65, 0x10,                      // 0a: mov QWORD PTR [r13+0x10],r12
    0x4c, 0x89, 0xe6,                            // 0e: mov rsi,r12
    0x48, 0xc1, 0xe6, 0x05,                      // 11: shl rsi,0x5
    0x49, 0x8d, 0xb4, 0x35, 0x00, 0x10, 0x00, 0x00, // 15: lea rsi,[r13+rsi*1+0x1000]
    0x48, 0x8b, 0x5e, 0x08,                      // 1d: mov rbx,QWORD PTR [rsi+0x8]
    0x48, 0x8b, 0x0e,                            // 21: mov rcx,QWORD PTR [rsi]
    0x48, 0x83, 0xf9, 0x01,                      // 24: cmp rcx,0x1
    0x74, 0x0e,                                  // 28: je 38 (do_read)
    0x48, 0x83, 0xf9, 0x02,                      // 2a: cmp rcx,0x2
    0x74, 0x11,                                  // 2e: je 41 (do_write)
    0x48, 0x83, 0xf9, 0x03,                      // 30: cmp rcx,0x3
    0x74, 0x14,                                  // 34: je 4a (do_digest)
    0xeb, 0x51,                                  // 36: jmp 89 (next)
    // do_read:  (0x38)
    0x48, 0x8b, 0x03,                            // 38: mov rax,QWORD PTR [rbx]
    0x48, 0x89, 0x46, 0x18,                      // 3b: mov QWORD PTR [rsi+0x18],rax
    0xeb, 0x3c,                                  // 3f: jmp 7d (report)
    // do_write:  (0x41)
    0x48, 0x8b, 0x46, 0x10,                      // 41: mov rax,QWORD PTR [rsi+0x10]
    0x48, 0x89, 0x03,                            // 45: mov QWORD PTR [rbx],rax
    0xeb, 0x33,                                  // 48: jmp 7d (report)
    // do_digest:  (0x4a)
    0x31, 0xc0,                                  // 4a: xor eax,eax
    0xb9, 0x00, 0x02, 0x00, 0x00,                // 4c: mov ecx,0x200
    0x48, 0x8b, 0x13,                            // 51: mov rdx,QWORD PTR [rbx]
    0x49, 0x83, 0x7d, 0x08, 0x00,                // 54: cmp QWORD PTR [r13+0x8],0x0
    0x75, 0x1a,                                  // 59: jne 75 (dg_skipped)
    // dg_loop:  (0x5b)
    0x48, 0x31, 0xd0,                            // 5b: xor rax,rdx
    0x49, 0x0f, 0xaf, 0xc6,                      // 5e: imul rax,r14
    0xff, 0xc9,                                  // 62: dec ecx
    0x74, 0x09,                                  // 64: je 6f (dg_done)
    0x48, 0x83, 0xc3, 0x08,                      // 66: add rbx,0x8
    0x48, 0x8b, 0x13,                            // 6a: mov rdx,QWORD PTR [rbx]
    0xeb, 0xec,                                  // 6d: jmp 5b (dg_loop)
    // dg_done:  (0x6f)
    0x48, 0x89, 0x46, 0x18,                      // 6f: mov QWORD PTR [rsi+0x18],rax
    0xeb, 0x08,                                  // 73: jmp 7d (report)
    // dg_skipped:  (0x75)
    0x49, 0xc7, 0x45, 0x08, 0x00, 0x00, 0x00, 0x00, // 75: mov QWORD PTR [r13+0x8],0x0
    // report:  (0x7d)
    0x49, 0x83, 0x7d, 0x18, 0x00,                // 7d: cmp QWORD PTR [r13+0x18],0x0
    0x74, 0x05,                                  // 82: je 89 (next)
    0x44, 0x89, 0xe0,                            // 84: mov eax,r12d
    0xe7, 0x10,                                  // 87: out 0x10,eax
    // next:  (0x89)
    0x49, 0xff, 0xc4,                            // 89: inc r12
    0xe9, 0x6f, 0xff, 0xff, 0xff,                // 8c: jmp 0 (loop)
    // finished:  (0x91)
    0x4d, 0x89, 0x65, 0x10,                      // 91: mov QWORD PTR [r13+0x10],r12
    0xe6, 0x11,                                  // 95: out 0x11,al
    0x45, 0x31, 0xe4,                            // 97: xor r12d,r12d
    0xe9, 0x61, 0xff, 0xff, 0xff,                // 9a: jmp 0 (loop)
};
