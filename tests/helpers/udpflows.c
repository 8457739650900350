// SPDX-License-Identifier: GPL-2.0
/*
 * udpflows DST_IP NFLOWS PER_FLOW LEN [PRIO]: for each of NFLOWS flows, send
 * PER_FLOW UDP datagrams to DST_IP port 9 from a socket of its own, bound to
 * source port 20000 + flow index. Flow i's payload is LEN + i bytes, so
 * that a trace of frame lengths tells the flows apart. Plain sockets: the
 * normal transmit path (__dev_queue_xmit). With PRIO, every socket gets
 * SO_PRIORITY PRIO first. Prints "sent N"; exits non-zero, saying why, if a
 * socket cannot be set up or a datagram is not sent whole.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SPORT_BASE 20000

static long arg(const char *s, const char *what, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (!*s || *end || v < min || v > max) {
		fprintf(stderr, "udpflows: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	long nflows, per_flow, len, prio = -1, i, j, sent = 0;
	int one = 1;

	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: udpflows DST_IP NFLOWS PER_FLOW LEN [PRIO]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "udpflows: bad address '%s'\n", argv[1]);
		return 2;
	}
	nflows = arg(argv[2], "NFLOWS", 1, 10000);
	per_flow = arg(argv[3], "PER_FLOW", 1, 1000000);
	len = arg(argv[4], "LEN", 0, 1400);
	if (argc == 6)
		prio = arg(argv[5], "PRIO", 0, 0x7fffffff);
	memset(buf, 0x5a, sizeof(buf));

	for (i = 0; i < nflows; i++) {
		struct sockaddr_in src = {
			.sin_family = AF_INET,
			.sin_port = htons(SPORT_BASE + i),
		};
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd < 0) {
			perror("udpflows: socket");
			return 1;
		}
		if (prio >= 0) {
			int p = prio;

			if (setsockopt(fd, SOL_SOCKET, SO_PRIORITY, &p, sizeof(p))) {
				perror("udpflows: SO_PRIORITY");
				return 1;
			}
		}
		/* Several senders may run at once, from the same ports. */
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one))) {
			perror("udpflows: SO_REUSEADDR");
			return 1;
		}
		if (bind(fd, (struct sockaddr *)&src, sizeof(src))) {
			perror("udpflows: bind");
			return 1;
		}
		for (j = 0; j < per_flow; j++) {
			ssize_t n = sendto(fd, buf, len + i, 0,
					   (struct sockaddr *)&dst, sizeof(dst));

			if (n != len + i) {
				fprintf(stderr, "udpflows: flow %ld datagram %ld: %s\n",
					i, j, n < 0 ? strerror(errno) : "short send");
				return 1;
			}
			sent++;
		}
		close(fd);
	}
	printf("sent %ld\n", sent);
	return 0;
}
