// SPDX-License-Identifier: GPL-2.0
/*
 * tapdrain [-n] DEV QUEUES [PINNED_PROG]: attach QUEUES queues to the
 * multi-queue tap DEV (created if missing), hand PINNED_PROG, when given, to
 * the tun driver as its steering program (TUNSETSTEERINGEBPF), print
 * "ready", then read and drop every frame of every queue until SIGTERM.
 * Draining keeps the queues from filling. Prints "read N" at the end.
 *
 * -n: read nothing. The queues fill, and tun drops each frame that comes
 * after, once its queue is picked: the sender then measures the transmit
 * path alone, without a reader whose wakeups fall differently from one
 * measurement to the next.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <bpf/bpf.h>

#define MAX_QUEUES 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int tap_queue(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);

	if (fd < 0)
		return -1;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pfd[MAX_QUEUES];
	static unsigned char frame[65536];
	unsigned long frames = 0;
	bool drain = true;
	long queues;
	int i;

	if (argc > 1 && !strcmp(argv[1], "-n")) {
		drain = false;
		argc--;
		argv++;
	}
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: tapdrain [-n] DEV QUEUES [PINNED_PROG]\n");
		return 2;
	}
	queues = strtol(argv[2], NULL, 0);
	if (queues < 1 || queues > MAX_QUEUES) {
		fprintf(stderr, "tapdrain: 1..%d queues\n", MAX_QUEUES);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (i = 0; i < queues; i++) {
		pfd[i].fd = tap_queue(argv[1]);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0) {
			fprintf(stderr, "tapdrain: queue %d of %s: %s\n", i,
				argv[1], strerror(errno));
			return 1;
		}
	}
	if (argc == 4) {
		int prog = bpf_obj_get(argv[3]);

		if (prog < 0 || ioctl(pfd[0].fd, TUNSETSTEERINGEBPF, &prog) < 0) {
			fprintf(stderr, "tapdrain: steering program %s: %s\n",
				argv[3], strerror(errno));
			return 1;
		}
		close(prog);
	}
	printf("ready\n");
	fflush(stdout);

	while (!stop && !drain)
		pause();
	while (!stop) {
		if (poll(pfd, queues, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < queues; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			while (read(pfd[i].fd, frame, sizeof(frame)) > 0)
				frames++;
		}
	}
	printf("read %lu\n", frames);
	for (i = 0; i < queues; i++)
		close(pfd[i].fd);
	return 0;
}
