/* The batch runner: accesses in, one outcome per access out (probe.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#ifndef SC_REPRODUCER
#include "harness/c/layout.h"
#include "harness/c/probe.h"
#include "harness/c/run_timer.h"
#include "harness/c/vcpu.h"
#endif

/* A vCPU that keeps returning EINTR without our timer firing is being
 * signalled by someone else; after this many we call it a timeout. */
#define SC_MAX_STRAY_INTERRUPTS 1000

static struct sc_probe_control *sc_probe_control_of(const struct sc_probe *p)
{
	return (struct sc_probe_control *)(p->mem + SC_PROBE_CONTROL);
}

static struct sc_probe_entry *sc_probe_entries_of(const struct sc_probe *p)
{
	return (struct sc_probe_entry *)(p->mem + SC_PROBE_ENTRIES);
}

static uint64_t sc_access_length(const struct sc_access *a)
{
	return a->op == SC_PROBE_OP_DIGEST ? SC_PAGE_SIZE : 8;
}

/* The first event of an access is its outcome (an 8-byte access that
 * crosses pages may cause two). */
static void sc_record(struct sc_access *a, struct sc_outcome o)
{
	if (!a->done) {
		a->out = o;
		a->done = 1;
	}
}

static void sc_probe_restart_after(struct sc_probe *p, uint64_t index)
{
	++p->stats.resets;
	sc_vcpu_restart(p->vcpu, p->run, &p->sregs, index);
	p->cr3_stale = 0;
}

/* Fills the entries with todo[first..] as far as they and the table pool
 * go; returns how many. */
static size_t sc_prepare_chunk(struct sc_probe *p, const struct sc_access *acc, const size_t *todo, size_t ntodo,
			       size_t first)
{
	struct sc_probe_control *ctl = sc_probe_control_of(p);
	struct sc_probe_entry *entries = sc_probe_entries_of(p);
	size_t n = 0;

	while (first + n < ntodo && n < SC_PROBE_MAX_ENTRIES) {
		const struct sc_access *a = &acc[todo[first + n]];

		if (!sc_page_tables_try_map(&p->tables, a->gpa, sc_access_length(a))) {
			/* Table pool full: run what we have; the next chunk starts
			 * with fresh tables (page_tables.h). */
			if (n > 0)
				break;
			sc_page_tables_reset(&p->tables);
			p->cr3_stale = 1;
			sc_page_tables_try_map(&p->tables, a->gpa, sc_access_length(a));
		}
		entries[n].op = a->op;
		entries[n].addr = a->gpa;
		entries[n].value = a->value;
		entries[n].result = 0;
		++n;
	}
	ctl->count = n;
	ctl->skip = 0;
	ctl->current = 0;
	ctl->report_each = p->options.report_each_entry ? 1 : 0;
	return n;
}

/* Runs the prepared entries, todo[first .. first+count) of acc, in the guest. */
static void sc_run_chunk(struct sc_probe *p, struct sc_access *acc, const size_t *todo, size_t first, size_t count)
{
	struct sc_probe_control *ctl = sc_probe_control_of(p);
	struct sc_probe_entry *entries = sc_probe_entries_of(p);
	struct sc_kvm_run *run = p->run;
	uint64_t next = 0;  /* the index the current run started from */
	int stray = 0;

	if (p->cr3_stale) {
		/* A CR3 change through KVM_SET_SREGS resets the vCPU's MMU
		 * context, which flushes what the guest cached of the old tables. */
		p->sregs.cr3 = sc_page_tables_cr3(&p->tables);
		ioctl(p->vcpu, SC_KVM_SET_SREGS, &p->sregs);
		p->cr3_stale = 0;
	}
	if (!p->at_batch_start)
		sc_vcpu_set_entry_registers(p->vcpu, 0);
	p->at_batch_start = 0;
	while (next < count) {
		uint64_t limit = p->options.run_timeout_base_us + p->options.run_timeout_per_entry_us * (count - next);
		uint64_t cur;
		int rc, err, fired;

		rc = sc_timed_kvm_run(p->vcpu, run, limit, &fired);
		err = errno;
		++p->stats.runs;
		/* Every entry done, and the run ended at the batch's final `out` in
		 * some other way than its PIO exit (a kvm_pvm host shuts the vCPU
		 * down there when the `out` runs natively): the batch is complete;
		 * the vCPU is reset for the next one. */
		if (ctl->current == count &&
		    !(rc == 0 && run->exit_reason == SC_KVM_EXIT_IO && run->io.port == SC_PORT_BATCH_DONE)) {
			++p->stats.shutdown_ends;
			sc_probe_restart_after(p, 0);
			break;
		}
		/* The guest publishes its index before each access; a run that
		 * never reached the guest leaves an older value, hence the clamp. */
		cur = ctl->current;
		if (cur < next || cur >= count)
			cur = next;

		if (rc < 0) {
			if (err == EINTR && !fired && ++stray < SC_MAX_STRAY_INTERRUPTS)
				continue;
			if (err == EINTR)
				sc_record(&acc[todo[first + cur]], sc_timeout());
			else if (run->exit_reason == SC_KVM_EXIT_MEMORY_FAULT)
				sc_record(&acc[todo[first + cur]], sc_memfault(err, run->memory_fault.flags,
									      run->memory_fault.gpa,
									      run->memory_fault.size));
			else  /* x86 resets exit_reason at each KVM_RUN: this is what
			       * the kernel left (0 for the hva path's EFAULT) */
				sc_record(&acc[todo[first + cur]], sc_run_error(err, run->exit_reason));
			next = cur + 1;
			sc_probe_restart_after(p, next);
			continue;
		}

		if (run->exit_reason == SC_KVM_EXIT_IO && run->io.direction == SC_KVM_EXIT_IO_OUT) {
			if (run->io.port == SC_PORT_BATCH_DONE) {
				p->at_batch_start = 1;
				break;
			}
			if (run->io.port == SC_PORT_ENTRY_DONE)
				continue;
		}
		if (run->exit_reason == SC_KVM_EXIT_MMIO) {
			++p->stats.mmio_exits;
			sc_record(&acc[todo[first + cur]], sc_mmio(run->mmio.phys_addr, run->mmio.is_write != 0));
			if (!run->mmio.is_write) {
				/* Answer the read (it completes at the next KVM_RUN, which
				 * must come before any other use of the vCPU). */
				uint64_t filler = SC_MMIO_FILLER;

				memcpy(run->mmio.data, &filler, run->mmio.len > 8 ? 8 : run->mmio.len);
				if (entries[cur].op == SC_PROBE_OP_DIGEST)
					ctl->skip = 1;
			}
			continue;
		}
		/* Any other exit: this entry's outcome, then go on with the next. */
		sc_record(&acc[todo[first + cur]], sc_run_error(0, run->exit_reason));
		next = cur + 1;
		sc_probe_restart_after(p, next);
	}

	/* Entries with no event completed in the guest. */
	for (size_t i = 0; i < count; ++i)
		sc_record(&acc[todo[first + i]],
			  entries[i].op == SC_PROBE_OP_WRITE ? sc_ok() : sc_value(entries[i].result));
}

void sc_probe_run_batch(struct sc_probe *p, struct sc_access *acc, size_t n)
{
	size_t *todo = (size_t *)malloc((n ? n : 1) * sizeof(*todo));
	size_t ntodo = 0;

	for (size_t i = 0; i < n; ++i) {
		acc[i].done = 0;
		if (todo && p->intact && sc_probe_accessible(p, acc[i].gpa, sc_access_length(&acc[i])))
			todo[ntodo++] = i;
		else
			sc_record(&acc[i], sc_noprobe());
	}
	/* The vCPU is made at the first access that needs it: a sequence that
	 * never reaches the guest (most minimizer candidates, many fuzzed ones)
	 * costs no vCPU creation, CPUID or long-mode setup. */
	if (ntodo > 0 && !sc_probe_ensure_vcpu(p)) {
		for (size_t i = 0; i < ntodo; ++i)
			sc_record(&acc[todo[i]], sc_noprobe());
		ntodo = 0;
	}
	for (size_t first = 0; first < ntodo;) {
		size_t count = sc_prepare_chunk(p, acc, todo, ntodo, first);

		sc_run_chunk(p, acc, todo, first, count);
		first += count;
	}
	for (size_t i = 0; i < n; ++i)
		sc_record(&acc[i], sc_noprobe());
	free(todo);
}
