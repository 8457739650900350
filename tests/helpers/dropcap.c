// SPDX-License-Identifier: GPL-2.0
/*
 * dropcap CMD [ARG...]: run CMD without CAP_NET_ADMIN, keeping every other
 * capability (CAP_BPF, CAP_SYS_ADMIN), so that it can still load programs
 * but must not be allowed to attach them.
 */
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: dropcap CMD [ARG...]\n");
		return 2;
	}
	/* Root's capabilities after exec are its bounding set. */
	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0)) {
		fprintf(stderr, "dropcap: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "dropcap: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
