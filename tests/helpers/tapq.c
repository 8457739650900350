// SPDX-License-Identifier: GPL-2.0
/*
 * tapq [-f MS] [-e OBJ] [-k] DEV QUEUES SECONDS [LEN]: create the
 * multi-queue tap DEV with QUEUES queues, print "ready" once they are all
 * attached, then count the IPv4 frames (of LEN bytes, when given) each
 * queue's file descriptor reads, until SECONDS pass or SIGTERM comes. Print
 * "queue N: COUNT" per queue.
 *
 * The tap driver hands a frame to the file descriptor of the queue it was
 * sent on, so these counts are the queues the kernel really chose.
 *
 * With -f MS, every MS milliseconds one queue, chosen at random, is
 * detached (TUNSETQUEUE IFF_DETACH_QUEUE) or attached again
 * (IFF_ATTACH_QUEUE), one always staying attached: the device's real queue
 * count changes under whatever picks the queues. Then "flips N" says how
 * many changes were made, and a failed one is an error (exit status 1).
 *
 * With -e OBJ, the program of the BPF object OBJ (its first, loaded as a
 * socket filter) becomes the tap's own steering program, set with
 * TUNSETSTEERINGEBPF on the first queue's file descriptor, before "ready":
 * tun's rule then picks the queues, the program's return modulo the queue
 * count. With -k, each frame counted is also printed as it is read, as
 * "frame QUEUE SEQ", SEQ the ICMP echo sequence number (-1 for another
 * frame), so that two taps can be compared frame by frame.
 */
#include <bpf/libbpf.h>
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
#include <time.h>
#include <unistd.h>

#define MAX_QUEUES 64

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

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Detach or attach queue @i. A detached queue's fd is left out of poll()
 * (a negative fd), where it would only report an error.
 */
static int flip(struct pollfd *pfd, int *fds, int i, int *attached)
{
	struct ifreq ifr = { 0 };
	bool detach = pfd[i].fd >= 0;

	if (detach && *attached == 1)
		return 0;
	ifr.ifr_flags = detach ? IFF_DETACH_QUEUE : IFF_ATTACH_QUEUE;
	if (ioctl(fds[i], TUNSETQUEUE, &ifr) < 0) {
		fprintf(stderr, "tapq: %s queue %d: %s\n",
			detach ? "detaching" : "attaching", i, strerror(errno));
		return -1;
	}
	pfd[i].fd = detach ? -1 : fds[i];
	*attached += detach ? -1 : 1;
	return 1;
}

static int is_counted(const unsigned char *frame, ssize_t len, long want_len)
{
	if (len < 14 || frame[12] != 0x08 || frame[13] != 0x00)
		return 0;
	return !want_len || len == want_len;
}

/* The ICMP echo sequence number of an Ethernet + IPv4 frame, or -1. */
static long icmp_seq(const unsigned char *frame, ssize_t len)
{
	size_t ihl;

	if (len < 14 + 20 || frame[14 + 9] != 1)	/* IPPROTO_ICMP */
		return -1;
	ihl = (size_t)(frame[14] & 0x0f) * 4;
	if ((size_t)len < 14 + ihl + 8)
		return -1;
	return frame[14 + ihl + 6] << 8 | frame[14 + ihl + 7];
}

/*
 * The first program of @path, loaded as a socket filter, made the steering
 * program of the tap @fd is a queue of. The object stays open (and the
 * program loaded) until the process exits; tun holds its own reference.
 */
static int set_steering(int fd, const char *path)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int prog_fd;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "tapq: %s: %s\n", path, strerror(errno));
		return -1;
	}
	prog = bpf_object__next_program(obj, NULL);
	if (!prog || bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER) ||
	    bpf_object__load(obj)) {
		fprintf(stderr, "tapq: %s: cannot load its program\n", path);
		return -1;
	}
	prog_fd = bpf_program__fd(prog);
	if (ioctl(fd, TUNSETSTEERINGEBPF, &prog_fd) < 0) {
		fprintf(stderr, "tapq: TUNSETSTEERINGEBPF: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: tapq [-f MS] [-e OBJ] [-k] DEV QUEUES SECONDS [LEN]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long counts[MAX_QUEUES] = { 0 }, flips = 0;
	struct pollfd pfd[MAX_QUEUES];
	int fds[MAX_QUEUES];
	unsigned char frame[65536];
	struct sigaction sa = { .sa_handler = on_signal };
	long queues, seconds, want_len = 0, flip_ms = 0;
	const char *steering = NULL;
	double next_flip = 0;
	int i, attached, errors = 0, opt;
	bool print_frames = false;
	time_t end;

	while ((opt = getopt(argc, argv, "+f:e:k")) != -1) {
		switch (opt) {
		case 'f':
			flip_ms = strtol(optarg, NULL, 0);
			break;
		case 'e':
			steering = optarg;
			break;
		case 'k':
			print_frames = true;
			break;
		default:
			return usage();
		}
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 4 || argc > 5 || flip_ms < 0)
		return usage();
	queues = strtol(argv[2], NULL, 0);
	seconds = strtol(argv[3], NULL, 0);
	if (argc == 5)
		want_len = strtol(argv[4], NULL, 0);
	if (queues < 1 || queues > MAX_QUEUES || seconds < 1) {
		fprintf(stderr, "tapq: 1..%d queues, at least 1 second\n", MAX_QUEUES);
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	for (i = 0; i < queues; i++) {
		fds[i] = pfd[i].fd = tap_queue(argv[1]);
		pfd[i].events = POLLIN;
		if (pfd[i].fd < 0) {
			fprintf(stderr, "tapq: queue %d of %s: %s\n", i, argv[1], strerror(errno));
			return 1;
		}
	}
	attached = queues;
	if (steering && set_steering(fds[0], steering))
		return 1;
	printf("ready\n");
	fflush(stdout);

	srand(getpid());
	end = time(NULL) + seconds;
	next_flip = now_ms() + flip_ms;
	while (!stop && time(NULL) < end) {
		if (flip_ms && now_ms() >= next_flip) {
			int ret = flip(pfd, fds, rand() % queues, &attached);

			if (ret < 0)
				errors++;
			flips += ret > 0;
			next_flip = now_ms() + flip_ms;
		}
		if (poll(pfd, queues, flip_ms && flip_ms < 100 ? flip_ms : 100) < 0 &&
		    errno != EINTR)
			break;
		for (i = 0; i < queues; i++) {
			ssize_t len;

			if (!(pfd[i].revents & POLLIN))
				continue;
			while ((len = read(pfd[i].fd, frame, sizeof(frame))) > 0) {
				if (!is_counted(frame, len, want_len))
					continue;
				counts[i]++;
				if (print_frames)
					printf("frame %d %ld\n", i, icmp_seq(frame, len));
			}
		}
	}
	for (i = 0; i < queues; i++) {
		printf("queue %d: %lu\n", i, counts[i]);
		close(fds[i]);
	}
	if (flip_ms)
		printf("flips %lu\n", flips);
	return errors ? 1 : 0;
}
