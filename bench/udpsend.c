// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend DST_IP SECONDS [FLOWS [LEN [BATCH]]]: push UDP datagrams of LEN
 * payload bytes (default 18: 64-byte frames) to DST_IP as fast as the
 * transmit path takes them, from one sender per CPU, each pinned to its
 * CPU, for SECONDS. Every sender has one unconnected socket and spreads its
 * datagrams over FLOWS (default 256) destination ports with sendmmsg() of
 * BATCH (default 64) messages, so the kernel sees many flows as a busy host
 * would. Prints "pps N": datagrams the kernel accepted per second, all
 * senders together.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define DPORT_BASE 10000

static long arg(const char *s, const char *what, long min, long max)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (!*s || *end || v < min || v > max) {
		fprintf(stderr, "udpsend: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * One sender, pinned to @cpu: the datagrams per second it got through,
 * written to @out as a double.
 */
static int sender(int cpu, struct in_addr dst, double seconds, long flows,
		  long len, long batch, int out)
{
	static struct sockaddr_in addrs[MAX_BATCH];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov;
	static char payload[1500];
	unsigned long sent = 0, next_flow = cpu * 7919UL;
	double start, end, rate;
	cpu_set_t set;
	long i;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("udpsend: sched_setaffinity");
		return 1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 1;
	}
	memset(payload, 0x5a, sizeof(payload));
	iov.iov_base = payload;
	iov.iov_len = len;
	for (i = 0; i < batch; i++) {
		addrs[i].sin_family = AF_INET;
		addrs[i].sin_addr = dst;
		msgs[i].msg_hdr.msg_name = &addrs[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	start = now();
	end = start + seconds;
	for (;;) {
		int n;

		for (i = 0; i < batch; i++)
			addrs[i].sin_port = htons(DPORT_BASE + next_flow++ % flows);
		n = sendmmsg(fd, msgs, batch, 0);
		if (n < 0) {
			/* A full device queue: drop, as a real sender would. */
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			perror("udpsend: sendmmsg");
			return 1;
		}
		sent += n;
		if (now() >= end)
			break;
	}
	rate = sent / (now() - start);
	if (write(out, &rate, sizeof(rate)) != sizeof(rate))
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	long flows = 256, len = 18, batch = 64;
	double seconds, total = 0;
	struct in_addr dst;
	cpu_set_t allowed;
	int pipefd[2], cpu, children = 0, failed = 0;

	if (argc < 3 || argc > 6) {
		fprintf(stderr, "usage: udpsend DST_IP SECONDS [FLOWS [LEN [BATCH]]]\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[1], &dst) != 1) {
		fprintf(stderr, "udpsend: bad address '%s'\n", argv[1]);
		return 2;
	}
	seconds = arg(argv[2], "SECONDS", 1, 3600);
	if (argc > 3)
		flows = arg(argv[3], "FLOWS", 1, 65535 - DPORT_BASE);
	if (argc > 4)
		len = arg(argv[4], "LEN", 0, 1400);
	if (argc > 5)
		batch = arg(argv[5], "BATCH", 1, MAX_BATCH);

	if (sched_getaffinity(0, sizeof(allowed), &allowed) || pipe(pipefd)) {
		perror("udpsend");
		return 1;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		pid_t pid;

		if (!CPU_ISSET(cpu, &allowed))
			continue;
		pid = fork();
		if (pid < 0) {
			perror("udpsend: fork");
			return 1;
		}
		if (!pid) {
			close(pipefd[0]);
			_exit(sender(cpu, dst, seconds, flows, len, batch, pipefd[1]));
		}
		children++;
	}
	close(pipefd[1]);
	while (children--) {
		int status;
		double rate;

		if (read(pipefd[0], &rate, sizeof(rate)) == sizeof(rate))
			total += rate;
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	}
	if (failed) {
		fprintf(stderr, "udpsend: a sender failed\n");
		return 1;
	}
	printf("pps %.0f\n", total);
	return 0;
}
