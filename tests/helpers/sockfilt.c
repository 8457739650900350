// SPDX-License-Identifier: GPL-2.0
/*
 * sockfilt PINNED_PROG PORT: run a pinned socket-filter program where a
 * socket filter runs, on a socket: a UDP socket bound to 127.0.0.1:PORT
 * gets the program (SO_ATTACH_BPF) and receives one datagram it sends to
 * itself. Prints "received N" (N: the bytes the filter let through), or
 * "dropped" when the filter dropped it; exits non-zero, saying why, when
 * the socket or the program cannot be set up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct pollfd pfd;
	char buf[256] = "kfunc probe";
	int prog, sock;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: sockfilt PINNED_PROG PORT\n");
		return 2;
	}
	prog = bpf_obj_get(argv[1]);
	if (prog < 0) {
		fprintf(stderr, "sockfilt: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	addr.sin_port = htons(atoi(argv[2]));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) ||
	    setsockopt(sock, SOL_SOCKET, SO_ATTACH_BPF, &prog, sizeof(prog))) {
		fprintf(stderr, "sockfilt: socket: %s\n", strerror(errno));
		return 1;
	}
	if (sendto(sock, buf, strlen(buf), 0, (struct sockaddr *)&addr,
		   sizeof(addr)) < 0) {
		fprintf(stderr, "sockfilt: send: %s\n", strerror(errno));
		return 1;
	}
	pfd.fd = sock;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 2000) != 1) {
		printf("dropped\n");
		return 0;
	}
	n = recv(sock, buf, sizeof(buf), 0);
	printf("received %zd\n", n);
	return n < 0;
}
