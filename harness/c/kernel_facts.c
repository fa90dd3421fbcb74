/* Machine and KVM facts (kernel_facts.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef SC_REPRODUCER
#include "harness/c/kernel_facts.h"
#include "harness/c/uapi.h"
#endif

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

int sc_open_kvm(char *why, size_t why_size)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int api;

	if (kvm < 0) {
		snprintf(why, why_size, "/dev/kvm: %s", strerror(errno));
		return -1;
	}
	api = ioctl(kvm, SC_KVM_GET_API_VERSION, 0);
	if (api != SC_KVM_API_VERSION) {
		snprintf(why, why_size, "/dev/kvm: KVM_GET_API_VERSION returned %d, expected %d", api,
			 SC_KVM_API_VERSION);
		close(kvm);
		return -1;
	}
	if (why_size)
		why[0] = 0;
	return kvm;
}

long sc_check_extension(int fd, long cap)
{
	int r = ioctl(fd, SC_KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static int sc_ioctl_exists(int fd, unsigned long request, void *zeroed)
{
	int r;

	errno = 0;
	r = ioctl(fd, request, zeroed);
	if (r >= 0)
		close(r);
	return !(r < 0 && errno == ENOTTY);
}

int sc_has_create_guest_memfd_ioctl(int vm_fd)
{
	/* USER_MEMORY2 does not imply it (a kvm_pvm 6.18 build has USER_MEMORY2
	 * and no guest_memfd). */
	struct sc_create_guest_memfd gmem = {0};

	return sc_ioctl_exists(vm_fd, SC_KVM_CREATE_GUEST_MEMFD, &gmem);
}

int sc_has_set_memory_attributes_ioctl(int vm_fd)
{
	struct sc_memory_attributes attrs = {0};

	return sc_ioctl_exists(vm_fd, SC_KVM_SET_MEMORY_ATTRIBUTES, &attrs);
}

int sc_five_level_paging(void)
{
	void *hint = (void *)(1ull << 50);
	void *p = mmap(hint, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return 0;
	munmap(p, 4096);
	return p == hint;
}

int sc_physical_address_bits(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	int bits = 52;

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		int found;

		if (strncmp(line, "address sizes", 13) == 0 && colon && sscanf(colon + 1, "%d", &found) == 1) {
			bits = found;
			break;
		}
	}
	if (f)
		fclose(f);
	return bits;
}

int sc_module_flag(const char *path)
{
	FILE *f = fopen(path, "r");
	char word[16];
	int read;

	if (!f)
		return -1;
	read = fscanf(f, "%15s", word);
	fclose(f);
	if (read != 1)
		return -1;
	return strcmp(word, "Y") == 0 || strcmp(word, "1") == 0;
}

const char *sc_kvm_module(int *tdp_enabled)
{
	static const struct {
		const char *module, *dir, *tdp_param;
	} candidates[] = {
		{"kvm_amd", "/sys/module/kvm_amd", "/sys/module/kvm_amd/parameters/npt"},
		{"kvm_intel", "/sys/module/kvm_intel", "/sys/module/kvm_intel/parameters/ept"},
		{"kvm_pvm", "/sys/module/kvm_pvm", NULL}, /* paravirtual: shadow paging only */
	};

	*tdp_enabled = 0;
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); ++i) {
		if (access(candidates[i].dir, F_OK) != 0)
			continue;
		if (candidates[i].tdp_param)
			*tdp_enabled = sc_module_flag(candidates[i].tdp_param) == 1;
		return candidates[i].module;
	}
	return NULL;
}

int sc_max_gfn_bits(void)
{
	int tdp;

	sc_kvm_module(&tdp);
	return (tdp ? sc_physical_address_bits() : 52) - 12;
}
