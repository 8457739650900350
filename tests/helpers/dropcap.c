// SPDX-License-Identifier: GPL-2.0
/*
 * dropcap [-d CAP]... CMD [ARG...]: run CMD without the capabilities CAP
 * (net_admin, sys_admin or bpf), keeping every other one; without -d,
 * without CAP_NET_ADMIN only. Root runs CMD with its bounding set, so
 * dropping CAP_NET_ADMIN alone still lets CMD load programs but must not
 * let it attach them, and dropping bpf and sys_admin lets it ask for an
 * attach with a program it inherited but must not let it succeed.
 */
#include <linux/capability.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const struct {
	const char *name;
	int cap;
} caps[] = {
	{ "net_admin", CAP_NET_ADMIN },
	{ "sys_admin", CAP_SYS_ADMIN },
	{ "bpf", CAP_BPF },
};

static int drop(int cap)
{
	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)) {
		fprintf(stderr, "dropcap: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int a = 1, dropped = 0;
	size_t i;

	while (a + 1 < argc && !strcmp(argv[a], "-d")) {
		for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
			if (!strcmp(argv[a + 1], caps[i].name))
				break;
		if (i == sizeof(caps) / sizeof(caps[0])) {
			fprintf(stderr, "dropcap: unknown capability '%s'\n", argv[a + 1]);
			return 2;
		}
		if (drop(caps[i].cap))
			return 1;
		dropped++;
		a += 2;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: dropcap [-d CAP]... CMD [ARG...]\n");
		return 2;
	}
	if (!dropped && drop(CAP_NET_ADMIN))
		return 1;
	execvp(argv[a], argv + a);
	fprintf(stderr, "dropcap: %s: %s\n", argv[a], strerror(errno));
	return 127;
}
