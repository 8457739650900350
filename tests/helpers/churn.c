// SPDX-License-Identifier: GPL-2.0
/*
 * churn [-n CYCLES] [-t SECONDS] [-p USEC] [-k] DEV[,DEV...] PROG...: attach,
 * replace and detach programs on the devices CYCLES times (default 1000)
 * over the xps_bpf generic netlink family, without a process per request.
 * churn -a DEV[,DEV...] PROG...: attach PROG[i] (PROG[i % count]) to device
 * i, and leave them attached.
 *
 * PROG is an object file (NAME.o: its first program, loaded once as a
 * socket filter) or a pinned program. One cycle on a device is three
 * requests, each conditional on the program the cycle believes attached,
 * so that a lost or doubled update shows as EEXIST:
 *
 *	attach  PROG[i]		expect 0 (nothing attached)
 *	replace PROG[i + 1]	expect the id of PROG[i]
 *	detach			expect the id of PROG[i + 1]
 *
 * Each request advances one device, the devices in turn. With three
 * devices or more their cycles are staggered so that some device always
 * has a program: the module's hooks stay installed, and only the first
 * attach and the last detach pay for installing and removing them. With
 * one device, every detach leaves the hook's removal (which waits for RCU
 * tasks grace periods) to the module's work item, and the next attach
 * either takes the hook back before it runs or installs it again after.
 *
 * -p USEC pauses that long after each request, to leave the CPUs and RTNL
 * to others. -t SECONDS stops early, after that much time, with the cycles done so far
 * and exit status 3; SIGTERM stops early too, with exit status 0 (the
 * caller decides when it is enough). -k is for devices deleted (or moved away) while we
 * work: a request that finds no device looks the name up again and starts
 * over on the new device, or skips it while there is none; such requests
 * are counted as "gone", not as errors.
 *
 * Prints "cycles C attach A replace R detach D gone G errors E seconds S"
 * and the first few unexpected errors, with the kernel's message; exits
 * non-zero when there was any (1), on a usage error (2) or a setup error (1).
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <uapi/linux/xps_bpf.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define MAX_DEVS 16
#define MAX_PROGS 16
#define MAX_REPORTED 10

enum state { NONE, ATTACHED, REPLACED };

struct dev {
	char name[IF_NAMESIZE];
	unsigned int ifindex;	/* 0: gone, look the name up again */
	enum state state;
	unsigned int prog;	/* index in progs[] of the last one attached */
};

struct prog {
	const char *path;
	int fd;
	unsigned int id;
};

struct reply {
	int error;
	bool done;
	char msg[256];
};

static struct dev devs[MAX_DEVS];
static struct prog progs[MAX_PROGS];
static unsigned int ndevs, nprogs;
static bool tolerate_gone;

static struct nl_sock *sk;
static int family;
static struct reply reply;

static unsigned long n_attach, n_replace, n_detach, n_gone, n_errors;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct reply *r = arg;

	(void)nla;
	r->error = e->error;
	r->done = true;
	r->msg[0] = '\0';
	/* NETLINK_CAP_ACK: no echo of the request before the TLVs. */
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < nlh->nlmsg_len &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		       (int)(nlh->nlmsg_len - off), NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(r->msg, tb[NLMSGERR_ATTR_MSG], sizeof(r->msg));
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;

	(void)msg;
	r->error = 0;
	r->done = true;
	return NL_STOP;
}

static int genl_setup(void)
{
	int one = 1, ret;

	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk);
	if (ret < 0) {
		fprintf(stderr, "churn: netlink: %s\n", nl_geterror(ret));
		return -1;
	}
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK,
			 &one, sizeof(one));
	family = genl_ctrl_resolve(sk, XPS_BPF_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "churn: family %s: %s\n", XPS_BPF_GENL_NAME,
			nl_geterror(family));
		return -1;
	}
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, &reply);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &reply);
	return 0;
}

/*
 * One request: ATTACH with @prog_fd >= 0 (with @flags), DETACH otherwise,
 * conditional on the program id @expect unless it is negative.
 * Return: 0 or the kernel's negative errno.
 */
static int request(unsigned int ifindex, int prog_fd, unsigned int flags,
		   long expect)
{
	uint8_t cmd = prog_fd >= 0 ? XPS_BPF_CMD_ATTACH : XPS_BPF_CMD_DETACH;
	struct nl_msg *msg = nlmsg_alloc();
	int ret;

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0,
				 cmd, XPS_BPF_GENL_VERSION) ||
	    nla_put_u32(msg, XPS_BPF_A_IFINDEX, ifindex) ||
	    (prog_fd >= 0 && nla_put_s32(msg, XPS_BPF_A_PROG_FD, prog_fd)) ||
	    (flags && nla_put_u32(msg, XPS_BPF_A_FLAGS, flags)) ||
	    (expect >= 0 &&
	     nla_put_u32(msg, XPS_BPF_A_EXPECTED_PROG_ID, (uint32_t)expect))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	reply.done = false;
	reply.msg[0] = '\0';
	ret = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		snprintf(reply.msg, sizeof(reply.msg), "send: %s", nl_geterror(ret));
		return -EIO;
	}
	while (!reply.done) {
		ret = nl_recvmsgs_default(sk);
		if (ret < 0 && !reply.done) {
			snprintf(reply.msg, sizeof(reply.msg), "receive: %s",
				 nl_geterror(ret));
			return -EIO;
		}
	}
	return reply.error;
}

static void unexpected(const struct dev *d, const char *op, int err)
{
	if (n_errors++ < MAX_REPORTED)
		printf("error: %s %s: %s%s%s\n", op, d->name, strerror(-err),
		       reply.msg[0] ? ": " : "", reply.msg);
}

/* The device is gone; may it be? Look it up again for the next request. */
static bool gone(struct dev *d, int err)
{
	if (!tolerate_gone || err != -ENODEV)
		return false;
	n_gone++;
	d->ifindex = 0;
	d->state = NONE;
	return true;
}

/* Advance @d by one request. */
static void step(struct dev *d, unsigned long *cycles)
{
	unsigned int next = (d->prog + 1) % nprogs;
	int err = 0;

	if (!d->ifindex) {
		d->ifindex = if_nametoindex(d->name);
		if (!d->ifindex) {
			n_gone++;
			/* Leave the CPU to whoever is to create it. */
			usleep(1000);
			return;
		}
		d->state = NONE;
	}

	switch (d->state) {
	case NONE:
		/* Expect 0: nothing may be attached, not even by a race. */
		err = request(d->ifindex, progs[next].fd, XPS_BPF_F_REPLACE, 0);
		if (!err) {
			n_attach++;
			d->prog = next;
			d->state = ATTACHED;
		} else if (!gone(d, err)) {
			unexpected(d, "attach", err);
		}
		break;
	case ATTACHED:
		err = request(d->ifindex, progs[next].fd, XPS_BPF_F_REPLACE,
			      progs[d->prog].id);
		if (!err) {
			n_replace++;
			d->prog = next;
			d->state = REPLACED;
		} else if (!gone(d, err)) {
			unexpected(d, "replace", err);
		}
		break;
	case REPLACED:
		err = request(d->ifindex, -1, 0, progs[d->prog].id);
		if (!err) {
			n_detach++;
			(*cycles)++;
			d->state = NONE;
		} else if (!gone(d, err)) {
			unexpected(d, "detach", err);
		}
		break;
	}
	/* After an error the state is unknown: start over from a detach. */
	if (err && d->ifindex) {
		(void)request(d->ifindex, -1, 0, -1);
		d->state = NONE;
	}
}

static int prog_load(struct prog *p)
{
	size_t len = strlen(p->path);
	struct bpf_prog_info info;
	uint32_t info_len = sizeof(info);

	if (len > 2 && !strcmp(p->path + len - 2, ".o")) {
		struct bpf_object *obj = bpf_object__open_file(p->path, NULL);
		struct bpf_program *prog;

		if (!obj) {
			fprintf(stderr, "churn: %s: %s\n", p->path, strerror(errno));
			return -1;
		}
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
		if (bpf_object__load(obj)) {
			fprintf(stderr, "churn: %s: load failed\n", p->path);
			return -1;
		}
		/* The object stays open: it holds the program until we exit. */
		p->fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	} else {
		p->fd = bpf_obj_get(p->path);
	}
	memset(&info, 0, sizeof(info));
	if (p->fd < 0 || bpf_obj_get_info_by_fd(p->fd, &info, &info_len)) {
		fprintf(stderr, "churn: %s: %s\n", p->path, strerror(errno));
		return -1;
	}
	p->id = info.id;
	return 0;
}

static int parse_devs(char *list)
{
	char *name, *save = NULL;

	for (name = strtok_r(list, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		struct dev *d = &devs[ndevs];

		if (ndevs == MAX_DEVS || strlen(name) >= IF_NAMESIZE) {
			fprintf(stderr, "churn: at most %d devices of valid names\n",
				MAX_DEVS);
			return -1;
		}
		strcpy(d->name, name);
		d->ifindex = if_nametoindex(name);
		if (!d->ifindex && !tolerate_gone) {
			fprintf(stderr, "churn: %s: %s\n", name, strerror(errno));
			return -1;
		}
		/* Stagger the cycles: device i starts i requests into one. */
		d->prog = ndevs % nprogs;
		ndevs++;
	}
	return ndevs ? 0 : -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: churn [-n CYCLES] [-t SECONDS] [-p USEC] [-k] DEV[,DEV...] PROG...\n"
		"       churn -a DEV[,DEV...] PROG...\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long cycles = 0, want = 1000, pause_us = 0, i;
	double start, limit = 0;
	bool timed_out = false, attach_only = false;
	int opt;

	while ((opt = getopt(argc, argv, "an:t:p:k")) != -1) {
		switch (opt) {
		case 'a':
			attach_only = true;
			break;
		case 'n':
			want = strtoul(optarg, NULL, 0);
			break;
		case 't':
			limit = strtod(optarg, NULL);
			break;
		case 'k':
			tolerate_gone = true;
			break;
		case 'p':
			pause_us = strtoul(optarg, NULL, 0);
			break;
		default:
			return usage();
		}
	}
	if (argc - optind < 2 || argc - optind - 1 > MAX_PROGS || !want)
		return usage();
	for (i = optind + 1; i < (unsigned long)argc; i++) {
		progs[nprogs].path = argv[i];
		if (prog_load(&progs[nprogs++]))
			return 1;
	}
	if (parse_devs(argv[optind]) || genl_setup())
		return 1;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	start = now();
	if (attach_only) {
		for (i = 0; i < ndevs; i++) {
			devs[i].prog = (i + nprogs - 1) % nprogs;
			step(&devs[i], &cycles);
		}
		printf("attach %lu errors %lu\n", n_attach, n_errors);
		nl_socket_free(sk);
		return n_errors ? 1 : 0;
	}
	/* The staggering: device i is i % 3 requests into its first cycle. */
	for (i = 0; i < ndevs; i++) {
		unsigned int k;

		for (k = 0; k < i % 3; k++)
			step(&devs[i], &cycles);
	}
	for (i = 0; cycles < want; i++) {
		step(&devs[i % ndevs], &cycles);
		if (pause_us)
			usleep(pause_us);
		if (stop)
			break;
		if (limit > 0 && now() - start > limit) {
			timed_out = true;
			break;
		}
	}
	/* Leave nothing attached. */
	for (i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		int err;

		if (d->state == NONE || !d->ifindex)
			continue;
		err = request(d->ifindex, -1, 0, progs[d->prog].id);
		if (!err)
			n_detach++;
		else if (!gone(d, err))
			unexpected(d, "detach", err);
	}

	printf("cycles %lu attach %lu replace %lu detach %lu gone %lu errors %lu seconds %.1f\n",
	       cycles, n_attach, n_replace, n_detach, n_gone, n_errors,
	       now() - start);
	if (timed_out)
		printf("time limit: %lu of %lu cycles in %.0f s\n", cycles, want, limit);
	nl_socket_free(sk);
	if (n_errors)
		return 1;
	return timed_out ? 3 : 0;
}
