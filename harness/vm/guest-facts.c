/* guest-facts: print the facts about a test kernel (inside the qemu VM) that the model needs.
 *
 *   gcc -static -O1 -o guest-facts harness/vm/guest-facts.c
 *   harness/vm/run --kernel K --modules M --add guest-facts:/opt/guest-facts -- /opt/guest-facts
 *
 * Prints "key: value" lines: kernel release, /proc/cpuinfo address sizes and la57/svm/npt flags,
 * whether 5-level paging is active (a MAP_FIXED_NOREPLACE mmap at 1<<50 only succeeds with a
 * 57-bit user address space), every kvm and kvm_amd module parameter, KVM capabilities on
 * /dev/kvm and on a default VM, the accepted VM types, and the guest physical address width
 * KVM reports in CPUID 0x80000008.
 * Capability numbers are written out: the build host's <linux/kvm.h> is older than the kernels.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static void cpuinfo(void) {
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int got_sizes = 0, got_flags = 0;
	if (!f) { printf("cpuinfo: unreadable (%s)\n", strerror(errno)); return; }
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!got_sizes && !strncmp(line, "address sizes", 13)) {
			printf("cpuinfo address sizes: %s\n", strchr(line, ':') + 2);
			got_sizes = 1;
		} else if (!got_flags && !strncmp(line, "flags", 5)) {
			char buf[8192];
			snprintf(buf, sizeof buf, " %s ", strchr(line, ':') + 1);
			const char *want[] = { "la57", "svm", "npt", "vmx", "ept", "nrip_save", "x2apic", "pdpe1gb" };
			for (unsigned i = 0; i < sizeof want / sizeof want[0]; i++) {
				char pat[32];
				snprintf(pat, sizeof pat, " %s ", want[i]);
				printf("cpu flag %s: %s\n", want[i], strstr(buf, pat) ? "yes" : "no");
			}
			got_flags = 1;
		}
	}
	fclose(f);
}

static void five_level(void) {
	void *hint = (void *)(1ul << 50);
	void *p = mmap(hint, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED) printf("5-level paging active: no (mmap at 1<<50 MAP_FIXED_NOREPLACE: %s)\n", strerror(errno));
	else {
		printf("5-level paging active: %s (mmap at 1<<50 returned %p)\n", p == hint ? "yes" : "no", p);
		munmap(p, 4096);
	}
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void params(const char *mod) {
	char dir[256];
	snprintf(dir, sizeof dir, "/sys/module/%s/parameters", mod);
	DIR *d = opendir(dir);
	if (!d) { printf("module %s: no parameters dir (%s)\n", mod, strerror(errno)); return; }
	struct dirent *e;
	char *names[256];
	int n = 0;
	while ((e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmpstr);
	for (int i = 0; i < n; i++) {
		char path[512], val[256] = "";
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "r");
		if (f) { if (!fgets(val, sizeof val, f)) val[0] = 0; fclose(f); }
		else snprintf(val, sizeof val, "(%s)", strerror(errno));
		val[strcspn(val, "\n")] = 0;
		printf("param %s.%s: %s\n", mod, names[i], val);
	}
}

static void kvm_facts(void) {
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) { printf("/dev/kvm: %s\n", strerror(errno)); return; }
	printf("KVM API version: %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
	for (unsigned long t = 0; t < 8; t++) {
		int vm = ioctl(kvm, KVM_CREATE_VM, t);
		printf("KVM_CREATE_VM type %lu: %s\n", t, vm >= 0 ? "ok" : strerror(errno));
		if (vm >= 0) close(vm);
	}
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	static const struct { int nr; const char *name; } caps[] = {
		{ 9, "NR_VCPUS" }, { 10, "NR_MEMSLOTS" }, { 16, "SYNC_MMU" }, { 66, "MAX_VCPUS" },
		{ 81, "READONLY_MEM" }, { 117, "X86_SMM" }, { 118, "MULTI_ADDRESS_SPACE" },
		{ 168, "MANUAL_DIRTY_LOG_PROTECT2" }, { 192, "DIRTY_LOG_RING" }, { 231, "USER_MEMORY2" },
		{ 232, "MEMORY_FAULT_INFO" }, { 233, "MEMORY_ATTRIBUTES" }, { 234, "GUEST_MEMFD" },
		{ 235, "VM_TYPES" }, { 236, "PRE_FAULT_MEMORY" }, { 244, "GUEST_MEMFD_FLAGS(244)" },
		{ 245, "cap 245" }, { 246, "cap 246" },
	};
	for (unsigned i = 0; i < sizeof caps / sizeof caps[0]; i++)
		printf("cap %s: /dev/kvm=%d vm=%d\n", caps[i].name, ioctl(kvm, KVM_CHECK_EXTENSION, caps[i].nr),
		       vm >= 0 ? ioctl(vm, KVM_CHECK_EXTENSION, caps[i].nr) : -1);
	struct { struct kvm_cpuid2 h; struct kvm_cpuid_entry2 e[256]; } cp;
	memset(&cp, 0, sizeof cp);
	cp.h.nent = 256;
	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cp) == 0) {
		for (unsigned i = 0; i < cp.h.nent; i++) {
			struct kvm_cpuid_entry2 *e = &cp.e[i];
			if (e->function == 0x80000008)
				printf("supported cpuid 0x80000008: phys bits %u, virt bits %u, guest phys bits %u\n",
				       e->eax & 0xff, (e->eax >> 8) & 0xff, (e->eax >> 16) & 0xff);
			if (e->function == 7 && e->index == 0)
				printf("supported cpuid 7.0 ecx.la57: %u\n", (e->ecx >> 16) & 1);
		}
	} else printf("KVM_GET_SUPPORTED_CPUID: %s\n", strerror(errno));
}

int main(void) {
	struct utsname u;
	uname(&u);
	printf("kernel: %s %s\n", u.release, u.version);
	cpuinfo();
	five_level();
	params("kvm");
	params("kvm_amd");
	kvm_facts();
	fflush(stdout);
	return 0;
}
