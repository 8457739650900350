// SPDX-License-Identifier: GPL-2.0
/*
 * tcpflows recv PORT FLOWS: accept FLOWS connections on PORT and read them
 *	to their end; prints "bytes N" and "ooo N", N the bytes received and
 *	the segments TCP had to queue out of order (TcpExt TCPOFOQueue of
 *	/proc/net/netstat, the netns' counter, read before and after: run
 *	it alone in its netns).
 * tcpflows send DST PORT FLOWS BYTES CHUNK PAUSE_MS: open FLOWS
 *	connections to DST:PORT, then in rounds write CHUNK bytes on each
 *	until each has sent BYTES, sleeping PAUSE_MS after each round, so
 *	that the flows fall idle now and then (and TCP marks their next
 *	packet ooo_okay). Prints "sent N"; exits non-zero, saying why, on
 *	any failure.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 64

static long arg(const char *s, const char *what, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (!*s || *end || v < min || v > max) {
		fprintf(stderr, "tcpflows: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static long ofo_queued(void)
{
	char names[4096], values[4096], *n, *v, *ns, *vs;
	FILE *f = fopen("/proc/net/netstat", "r");
	long found = -1;

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7))
			continue;
		n = strtok_r(names, " \n", &ns);
		v = strtok_r(values, " \n", &vs);
		while (n && v) {
			if (!strcmp(n, "TCPOFOQueue"))
				found = atol(v);
			n = strtok_r(NULL, " \n", &ns);
			v = strtok_r(NULL, " \n", &vs);
		}
	}
	fclose(f);
	return found;
}

static int receive(int port, int flows)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct pollfd pfd[MAX_FLOWS];
	long before = ofo_queued(), total = 0;
	int lsock, one = 1, open_flows, i;
	static char buf[65536];

	lsock = socket(AF_INET, SOCK_STREAM, 0);
	if (lsock < 0 ||
	    setsockopt(lsock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) || listen(lsock, flows)) {
		fprintf(stderr, "tcpflows: listen: %s\n", strerror(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (i = 0; i < flows; i++) {
		pfd[i].fd = accept(lsock, NULL, NULL);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0) {
			fprintf(stderr, "tcpflows: accept: %s\n", strerror(errno));
			return 1;
		}
	}
	for (open_flows = flows; open_flows > 0;) {
		if (poll(pfd, flows, 30000) <= 0) {
			fprintf(stderr, "tcpflows: no data for 30 s\n");
			return 1;
		}
		for (i = 0; i < flows; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n > 0) {
				total += n;
				continue;
			}
			close(pfd[i].fd);
			pfd[i].fd = -1;
			open_flows--;
		}
	}
	printf("bytes %ld\nooo %ld\n", total, ofo_queued() - before);
	return 0;
}

static int send_flows(const char *dst, int port, int flows, long bytes,
		      long chunk, long pause_ms)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timespec pause = { pause_ms / 1000, (pause_ms % 1000) * 1000000 };
	static char buf[65536];
	int sock[MAX_FLOWS], i;
	long sent = 0, each;

	if (inet_pton(AF_INET, dst, &addr.sin_addr) != 1) {
		fprintf(stderr, "tcpflows: bad address '%s'\n", dst);
		return 2;
	}
	for (i = 0; i < flows; i++) {
		sock[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (sock[i] < 0 ||
		    connect(sock[i], (struct sockaddr *)&addr, sizeof(addr))) {
			fprintf(stderr, "tcpflows: connect: %s\n", strerror(errno));
			return 1;
		}
	}
	for (each = 0; each < bytes; each += chunk) {
		for (i = 0; i < flows; i++) {
			long len = bytes - each < chunk ? bytes - each : chunk;
			long off;

			for (off = 0; off < len;) {
				ssize_t n = write(sock[i], buf, len - off);

				if (n <= 0) {
					fprintf(stderr, "tcpflows: write: %s\n",
						strerror(errno));
					return 1;
				}
				off += n;
				sent += n;
			}
		}
		if (pause_ms)
			nanosleep(&pause, NULL);
	}
	for (i = 0; i < flows; i++)
		close(sock[i]);
	printf("sent %ld\n", sent);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "recv"))
		return receive(arg(argv[2], "port", 1, 65535),
			       arg(argv[3], "flows", 1, MAX_FLOWS));
	if (argc == 8 && !strcmp(argv[1], "send"))
		return send_flows(argv[2], arg(argv[3], "port", 1, 65535),
				  arg(argv[4], "flows", 1, MAX_FLOWS),
				  arg(argv[5], "bytes", 1, 1L << 30),
				  arg(argv[6], "chunk", 1, 65536),
				  arg(argv[7], "pause", 0, 10000));
	fprintf(stderr, "usage: tcpflows recv PORT FLOWS\n"
		"       tcpflows send DST PORT FLOWS BYTES CHUNK PAUSE_MS\n");
	return 2;
}
