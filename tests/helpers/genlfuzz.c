// SPDX-License-Identifier: GPL-2.0
/*
 * genlfuzz: hostile generic netlink requests to the xps_bpf family.
 *
 *	genlfuzz [-s SEED] [-n COUNT] [-t SECONDS] random KEEP SCRATCH FOREIGN
 *	genlfuzz [-t SECONDS] cases KEEP SCRATCH FOREIGN
 *
 * KEEP is a device with a program attached that must keep it: every request
 * aimed at KEEP is one the module must refuse. SCRATCH is a device without
 * a program that the fuzzer attaches to, replaces and detaches at will; it
 * is left without one. FOREIGN is the ifindex of a device that exists only
 * in another network namespace.
 *
 * random: COUNT (100000) requests drawn from a seeded PRNG (the seed is
 * printed, -s replays a run): every command (attach, detach, get and its
 * dump, the event command, unknown numbers), header garbage, missing,
 * duplicated, oversized, wrongly typed and unknown attributes, truncated
 * attribute headers, nested garbage, bogus flags; as program fds socket
 * filters, XDP, kprobe and tc programs, a map, a regular file, a socket,
 * closed, huge and negative fds; as ifindex 0, unknown, foreign, KEEP and
 * SCRATCH. Requests go out in batches, many per sendmsg(), so that the slow
 * guest pays one round trip per batch, not per request. A model of the
 * module predicts every outcome: refused (malformed by construction, or
 * semantically wrong) or accepted; requests it predicts would change any
 * device but SCRATCH are never sent. A socket in the events group makes
 * the module build its notifications.
 *
 * cases: each hostile case once, in a fixed order, one line per case:
 *	NAME ERRNO MESSAGE
 * ERRNO is 0 or the error's name (EINVAL); MESSAGE is the extended ACK's
 * message, or "-", followed by "(missing attribute N)" when the kernel
 * names a missing attribute, and "(replies N)" when N replies or dump
 * parts came before the answer.
 *
 * Every request carries NLM_F_ACK and must get exactly one answer (an
 * error, an ACK, or the end of a dump) within the timeout (-t, 10 s).
 * Exit status: 1 when a request got no answer or two, the socket failed,
 * or (random) an outcome differed from the model's: a malformed request
 * accepted, a well-formed one refused, a GET answered with other than one
 * reply (a dump: none); 2 on usage errors; else 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <uapi/linux/xps_bpf.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define BATCH_MAX	128		/* requests per sendmsg() */
#define BATCH_BYTES	(48 * 1024)	/* below the default socket sndbuf */
#define REQ_MAX		4608		/* one request, oversized attribute included */
#define RECV_BYTES	(256 * 1024)
#define RCVBUF		(16 * 1024 * 1024)
#define SHOW_MAX	10		/* wrong outcomes shown in full */

/* The highest attribute type, below NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
#define NLA_TYPE_MAX	((uint16_t)NLA_TYPE_MASK)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *prog_name = "genlfuzz";
static int timeout_ms = 10000;

static void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog_name, what, strerror(errno));
	exit(1);
}

/* --- seeded PRNG (splitmix64) --------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t below(uint32_t n)
{
	return rnd() % n;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* --- errno names ---------------------------------------------------------- */

static const char *errno_name(int err)
{
	static char buf[16];

	switch (err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EBADF: return "EBADF";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EMSGSIZE: return "EMSGSIZE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ESHUTDOWN: return "ESHUTDOWN";
	}
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

/* --- building messages ---------------------------------------------------- */

struct msg {
	uint8_t *buf;		/* the nlmsghdr */
	size_t len;		/* bytes written so far */
	size_t cap;
	bool full;		/* something did not fit: do not send */
};

static void msg_raw(struct msg *m, const void *data, size_t len)
{
	if (m->len + len > m->cap) {
		m->full = true;
		return;
	}
	memcpy(m->buf + m->len, data, len);
	m->len += len;
}

static void msg_pad(struct msg *m)
{
	static const uint8_t zero[NLA_ALIGNTO];

	msg_raw(m, zero, NLA_ALIGN(m->len) - m->len);
}

/* An attribute whose header says @hdr_len bytes, followed by @len bytes. */
static void msg_attr_hdr(struct msg *m, uint16_t type, uint16_t hdr_len,
			 const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = hdr_len, .nla_type = type };

	msg_raw(m, &nla, sizeof(nla));
	msg_raw(m, data, len);
	msg_pad(m);
}

static void msg_attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
	msg_attr_hdr(m, type, (uint16_t)(NLA_HDRLEN + len), data, len);
}

static void msg_u32(struct msg *m, uint16_t type, uint32_t value)
{
	msg_attr(m, type, &value, sizeof(value));
}

static void msg_start(struct msg *m, uint8_t *buf, size_t cap, uint16_t type,
		      uint16_t flags, uint32_t seq)
{
	struct nlmsghdr nlh = {
		.nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq,
	};

	m->buf = buf;
	m->len = 0;
	m->cap = cap;
	m->full = false;
	msg_raw(m, &nlh, sizeof(nlh));
}

static void msg_genl(struct msg *m, uint8_t cmd, uint8_t version,
		     uint16_t reserved)
{
	struct genlmsghdr g = {
		.cmd = cmd, .version = version, .reserved = reserved,
	};

	msg_raw(m, &g, sizeof(g));
}

/* Close the message; the length of the next one starts aligned. */
static size_t msg_end(struct msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
	msg_pad(m);
	return m->len;
}

/* --- the netlink socket and the family ------------------------------------ */

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, size = RCVBUF;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("netlink socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind");
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)))
		die("NETLINK_EXT_ACK");
	/* Answers to a whole batch wait in the queue: room for all of them. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		die("SO_RCVBUF");
	return fd;
}

struct family {
	uint16_t id;
	uint32_t events_group;
};

static uint8_t recv_buf[RECV_BYTES];

static void parse_groups(const struct nlattr *nest, struct family *fam)
{
	const struct nlattr *grp, *a;
	int rem = nest->nla_len - NLA_HDRLEN, grem;
	uint32_t id;
	bool events;

	for (grp = (const void *)((const char *)nest + NLA_HDRLEN);
	     rem >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN && grp->nla_len <= rem;
	     rem -= NLA_ALIGN(grp->nla_len),
	     grp = (const void *)((const char *)grp + NLA_ALIGN(grp->nla_len))) {
		id = 0;
		events = false;
		grem = grp->nla_len - NLA_HDRLEN;
		for (a = (const void *)((const char *)grp + NLA_HDRLEN);
		     grem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= grem;
		     grem -= NLA_ALIGN(a->nla_len),
		     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				memcpy(&id, (const char *)a + NLA_HDRLEN, sizeof(id));
			else if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				events = !strcmp((const char *)a + NLA_HDRLEN,
						 XPS_BPF_MCGRP_EVENTS);
		}
		if (events)
			fam->events_group = id;
	}
}

/* The family's id and events group, through CTRL_CMD_GETFAMILY. */
static void resolve_family(int fd, struct family *fam)
{
	uint8_t buf[256];
	const struct nlattr *a;
	struct nlmsghdr *nlh;
	struct msg m;
	ssize_t n;
	int rem;

	msg_start(&m, buf, sizeof(buf), GENL_ID_CTRL, NLM_F_REQUEST, 1);
	msg_genl(&m, CTRL_CMD_GETFAMILY, 1, 0);
	msg_attr(&m, CTRL_ATTR_FAMILY_NAME, XPS_BPF_GENL_NAME,
		 sizeof(XPS_BPF_GENL_NAME));
	if (send(fd, buf, msg_end(&m), 0) < 0)
		die("send CTRL_CMD_GETFAMILY");
	n = recv(fd, recv_buf, sizeof(recv_buf), 0);
	if (n < 0)
		die("recv CTRL_CMD_GETFAMILY");
	nlh = (struct nlmsghdr *)recv_buf;
	if (n < (ssize_t)NLMSG_HDRLEN || nlh->nlmsg_type == NLMSG_ERROR) {
		fprintf(stderr, "%s: family %s not found: is the module loaded?\n",
			prog_name, XPS_BPF_GENL_NAME);
		exit(1);
	}
	memset(fam, 0, sizeof(*fam));
	rem = (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (const void *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			memcpy(&fam->id, (const char *)a + NLA_HDRLEN, sizeof(fam->id));
		else if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GROUPS)
			parse_groups(a, fam);
	}
	if (!fam->id) {
		fprintf(stderr, "%s: no family id in the answer\n", prog_name);
		exit(1);
	}
}

/* A socket in the events group, so that the module builds its events. */
static int events_open(const struct family *fam)
{
	int fd = nl_open();

	if (fam->events_group &&
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &fam->events_group, sizeof(fam->events_group)))
		die("NETLINK_ADD_MEMBERSHIP");
	return fd;
}

/* Read what the events socket holds; return the number of events. */
static unsigned long events_drain(int fd, unsigned long *overruns)
{
	unsigned long events = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, recv_buf, sizeof(recv_buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			(*overruns)++;
			continue;
		}
		if (n <= 0)
			return events;
		events++;
	}
}

/* --- what requests point at ----------------------------------------------- */

/* File descriptors offered as XPS_BPF_A_PROG_FD. */
enum fd_kind {
	FD_PROG_A,		/* socket filters: the only valid ones */
	FD_PROG_B,
	FD_XDP,
	FD_KPROBE,
	FD_SCHED_CLS,
	FD_MAP,
	FD_FILE,
	FD_SOCKET,
	FD_CLOSED,
	FD_HUGE,
	FD_KINDS
};

/* Devices offered as XPS_BPF_A_IFINDEX. */
enum dev_kind {
	DEV_KEEP,
	DEV_SCRATCH,
	DEV_LO,			/* exists, never attached to */
	DEV_FOREIGN,
	DEV_UNKNOWN,
	DEV_KINDS
};

#define UNKNOWN_IFINDEXES 4

struct world {
	struct family fam;
	int fd[FD_KINDS];
	uint32_t prog_id[2];	/* of FD_PROG_A, FD_PROG_B */
	uint32_t ifindex[DEV_KINDS];
	uint32_t unknown[UNKNOWN_IFINDEXES];
	uint32_t keep_id;	/* program attached to KEEP */
	uint32_t scratch_id;	/* program attached to SCRATCH (model), 0: none */
};

static int load_prog(enum bpf_prog_type type, int ret)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	fd = bpf_prog_load(type, NULL, "GPL", insns, 2, NULL);
	if (fd < 0) {
		errno = -fd;
		die("bpf_prog_load");
	}
	return fd;
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		die("bpf_obj_get_info_by_fd");
	return info.id;
}

static void open_fds(struct world *w, int nl)
{
	int fd;

	w->fd[FD_PROG_A] = load_prog(BPF_PROG_TYPE_SOCKET_FILTER, 0);
	w->fd[FD_PROG_B] = load_prog(BPF_PROG_TYPE_SOCKET_FILTER, 1);
	w->fd[FD_XDP] = load_prog(BPF_PROG_TYPE_XDP, XDP_PASS);
	w->fd[FD_KPROBE] = load_prog(BPF_PROG_TYPE_KPROBE, 0);
	w->fd[FD_SCHED_CLS] = load_prog(BPF_PROG_TYPE_SCHED_CLS, 0);
	w->prog_id[0] = prog_id_of(w->fd[FD_PROG_A]);
	w->prog_id[1] = prog_id_of(w->fd[FD_PROG_B]);
	w->fd[FD_MAP] = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (w->fd[FD_MAP] < 0) {
		errno = -w->fd[FD_MAP];
		die("bpf_map_create");
	}
	w->fd[FD_FILE] = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (w->fd[FD_FILE] < 0)
		die("/proc/self/status");
	w->fd[FD_SOCKET] = nl;
	/* Opened last and closed: nothing takes its number afterwards. */
	fd = dup(nl);
	if (fd < 0)
		die("dup");
	close(fd);
	w->fd[FD_CLOSED] = fd;
	w->fd[FD_HUGE] = INT32_MAX;
}

static void close_fds(struct world *w)
{
	int k;

	for (k = FD_PROG_A; k <= FD_FILE; k++)
		close(w->fd[k]);
}

static uint32_t ifindex_of(const char *name)
{
	uint32_t ifindex = if_nametoindex(name);

	if (!ifindex) {
		fprintf(stderr, "%s: no device %s\n", prog_name, name);
		exit(2);
	}
	return ifindex;
}

static bool ifindex_here(uint32_t ifindex)
{
	char name[IF_NAMESIZE];

	return if_indextoname(ifindex, name) != NULL;
}

static void find_devices(struct world *w, const char *keep,
			 const char *scratch, const char *foreign)
{
	static const uint32_t candidates[] = {
		0x7fffffff, 0xffffffff, 65535, 4242, 999, 100, 77, 33, 17,
	};
	unsigned int i, n = 0;

	w->ifindex[DEV_KEEP] = ifindex_of(keep);
	w->ifindex[DEV_SCRATCH] = ifindex_of(scratch);
	w->ifindex[DEV_LO] = ifindex_of("lo");
	w->ifindex[DEV_FOREIGN] = (uint32_t)strtoul(foreign, NULL, 0);
	if (!w->ifindex[DEV_FOREIGN] || ifindex_here(w->ifindex[DEV_FOREIGN])) {
		fprintf(stderr, "%s: ifindex %s exists here, or is 0\n",
			prog_name, foreign);
		exit(2);
	}
	for (i = 0; i < ARRAY_SIZE(candidates) &&
	     n < UNKNOWN_IFINDEXES; i++)
		if (!ifindex_here(candidates[i]) &&
		    candidates[i] != w->ifindex[DEV_FOREIGN])
			w->unknown[n++] = candidates[i];
	while (n < UNKNOWN_IFINDEXES)
		w->unknown[n++] = 0x7fffffff;
	w->ifindex[DEV_UNKNOWN] = w->unknown[0];
}

/* --- sending and receiving ------------------------------------------------ */

struct req {
	uint32_t seq;
	size_t off, len;	/* where it is in the batch buffer */
	bool get, dump;
	bool refuse;		/* the model's prediction */
	bool answered;
	unsigned int answers;
	unsigned int replies;	/* data messages before the answer */
	int error;
	char msg[200];		/* extended ACK message */
	int miss_type;		/* missing attribute the kernel names, or -1 */
};

struct stats {
	unsigned long requests, batches, answers, acks, replies, events;
	unsigned long event_overruns;
	unsigned long no_answer, extra_answers, stray;
	unsigned long malformed_accepted, wellformed_refused, wrong_replies;
	unsigned long by_errno[160];
	unsigned long by_errno_other;
};

static uint32_t next_seq = 1000;

/*
 * The extended ACK of an error message, or of the end of a dump, from
 * @off: its message and missing attribute.
 */
static void parse_ext_ack(struct req *r, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;
	int rem;

	r->msg[0] = '\0';
	r->miss_type = -1;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	rem = (int)nlh->nlmsg_len - (int)off;
	for (a = (const void *)((const char *)nlh + off);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(r->msg, sizeof(r->msg), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
		else if (a->nla_type == NLMSGERR_ATTR_MISS_TYPE)
			memcpy(&r->miss_type, (const char *)a + NLA_HDRLEN,
			       sizeof(uint32_t));
	}
}

static struct req *req_by_seq(struct req *reqs, unsigned int n, uint32_t seq)
{
	if (!n || seq < reqs[0].seq || seq - reqs[0].seq >= n)
		return NULL;
	return &reqs[seq - reqs[0].seq];
}

/* Account for one message received. */
static void take_message(struct req *reqs, unsigned int n,
			 const struct nlmsghdr *nlh, struct stats *st)
{
	struct req *r = req_by_seq(reqs, n, nlh->nlmsg_seq);
	const struct nlmsgerr *e;
	size_t off;
	int err;

	if (!r) {
		st->stray++;
		fprintf(stderr, "%s: answer to no request: seq %u type %u\n",
			prog_name, nlh->nlmsg_seq, nlh->nlmsg_type);
		return;
	}
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		e = NLMSG_DATA(nlh);
		err = -e->error;
		off = NLMSG_HDRLEN + sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
		parse_ext_ack(r, nlh, off);
		break;
	case NLMSG_DONE:
		memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
		err = -err;
		parse_ext_ack(r, nlh, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int)));
		break;
	default:
		/* A reply of GET, or a part of a dump. */
		if (r->answered)
			st->extra_answers++;
		r->replies++;
		st->replies++;
		return;
	}
	r->answers++;
	if (r->answered) {
		st->extra_answers++;
		fprintf(stderr, "%s: request seq %u answered twice\n",
			prog_name, r->seq);
		return;
	}
	r->answered = true;
	r->error = err;
	st->answers++;
	if (!err)
		st->acks++;
	else if (err > 0 && err < (int)ARRAY_SIZE(st->by_errno))
		st->by_errno[err]++;
	else
		st->by_errno_other++;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static unsigned int unanswered(const struct req *reqs, unsigned int n)
{
	unsigned int i, left = 0;

	for (i = 0; i < n; i++)
		left += !reqs[i].answered;
	return left;
}

/*
 * Send @len bytes holding the @n requests, and collect their answers until
 * all came or the timeout passed. Return false when the socket failed.
 */
static bool exchange(int fd, const uint8_t *buf, size_t len, struct req *reqs,
		     unsigned int n, struct stats *st)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long deadline = now_ms() + timeout_ms;
	const struct nlmsghdr *nlh;
	ssize_t got;
	int left;

	if (send(fd, buf, len, 0) != (ssize_t)len) {
		fprintf(stderr, "%s: send: %s\n", prog_name, strerror(errno));
		return false;
	}
	st->batches++;
	while (unanswered(reqs, n)) {
		left = (int)(deadline - now_ms());
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			break;
		got = recv(fd, recv_buf, sizeof(recv_buf), MSG_TRUNC);
		if (got < 0) {
			/* ENOBUFS: answers were dropped. */
			fprintf(stderr, "%s: recv: %s\n", prog_name, strerror(errno));
			return false;
		}
		if (got > (ssize_t)sizeof(recv_buf)) {
			fprintf(stderr, "%s: a message of %zd bytes was truncated\n",
				prog_name, got);
			return false;
		}
		for (nlh = (const void *)recv_buf; NLMSG_OK(nlh, got);
		     nlh = NLMSG_NEXT(nlh, got))
			take_message(reqs, n, nlh, st);
	}
	st->no_answer += unanswered(reqs, n);
	return true;
}

/* --- the model of the module ---------------------------------------------- */

/* What a random request holds, as the kernel will read it. */
struct model {
	bool bad;		/* malformed: refused whatever the state */
	uint8_t cmd;
	bool dump;
	bool has_ifindex, has_fd, has_flags, has_expected;
	uint32_t ifindex, flags, expected;
	int fd_kind;		/* -1: a value that is no fd of ours */
};

/* The program attached to @ifindex, 0 for none; -1 if not in this netns. */
static long attached(const struct world *w, uint32_t ifindex)
{
	if (ifindex == w->ifindex[DEV_KEEP])
		return w->keep_id;
	if (ifindex == w->ifindex[DEV_SCRATCH])
		return w->scratch_id;
	return ifindex_here(ifindex) ? 0 : -1;
}

static bool valid_prog(const struct model *md)
{
	return md->fd_kind == FD_PROG_A || md->fd_kind == FD_PROG_B;
}

/* Does XPS_BPF_A_EXPECTED_PROG_ID, if any, match @cur? */
static bool expected_ok(const struct model *md, long cur)
{
	return !md->has_expected || md->expected == (uint32_t)cur;
}

/*
 * Predict whether the module accepts the request, and whether it changes
 * a device (*changes). On acceptance of a change to SCRATCH, *new_id is
 * the program it then holds.
 */
static bool model_accepts(const struct world *w, const struct model *md,
			  bool *changes, uint32_t *new_id)
{
	long cur;

	*changes = false;
	if (md->bad)
		return false;
	/* A dump given an ifindex is about that device only, as a get. */
	if (md->cmd == XPS_BPF_CMD_GET)
		return md->has_ifindex ? attached(w, md->ifindex) >= 0 : md->dump;
	if (!md->has_ifindex)
		return false;
	if (md->cmd == XPS_BPF_CMD_ATTACH) {
		if (!md->has_fd || !valid_prog(md))
			return false;
		cur = attached(w, md->ifindex);
		if (cur < 0 || !expected_ok(md, cur))
			return false;
		if (cur && !md->has_expected &&
		    !(md->has_flags && (md->flags & XPS_BPF_F_REPLACE)))
			return false;
		*changes = true;
		*new_id = w->prog_id[md->fd_kind == FD_PROG_B];
		return true;
	}
	/* XPS_BPF_CMD_DETACH */
	cur = attached(w, md->ifindex);
	if (cur <= 0 || !expected_ok(md, cur))
		return false;
	*changes = true;
	*new_id = 0;
	return true;
}

/* --- random requests ------------------------------------------------------ */

static bool in_policy(uint8_t cmd, uint16_t type)
{
	switch (cmd) {
	case XPS_BPF_CMD_ATTACH:
		return type == XPS_BPF_A_IFINDEX || type == XPS_BPF_A_PROG_FD ||
		       type == XPS_BPF_A_FLAGS || type == XPS_BPF_A_EXPECTED_PROG_ID;
	case XPS_BPF_CMD_DETACH:
		return type == XPS_BPF_A_IFINDEX || type == XPS_BPF_A_EXPECTED_PROG_ID;
	case XPS_BPF_CMD_GET:
		return type == XPS_BPF_A_IFINDEX;
	}
	return false;
}

static uint32_t random_ifindex(const struct world *w, uint8_t cmd)
{
	switch (below(12)) {
	case 0: return w->unknown[below(UNKNOWN_IFINDEXES)];
	case 1: return w->ifindex[DEV_FOREIGN];
	case 2: return w->ifindex[DEV_LO];
	case 3: case 4: case 5: return w->ifindex[DEV_KEEP];
	}
	return cmd == XPS_BPF_CMD_GET && chance(20) ?
	       rnd() : w->ifindex[DEV_SCRATCH];
}

static uint32_t random_expected(const struct world *w)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return w->keep_id;
	case 2: return w->keep_id + 1;
	case 3: return rnd();
	}
	return w->prog_id[below(2)];
}

static uint32_t random_flags(void)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return rnd();
	case 2: return 1U << below(32);
	case 3: return XPS_BPF_F_WRAP | (below(2) ? XPS_BPF_F_REPLACE : 0);
	}
	return XPS_BPF_F_REPLACE;
}

/* A value for attribute @type of the policy, recorded in @md. */
static uint32_t good_value(const struct world *w, struct model *md,
			   uint16_t type)
{
	uint32_t v;
	int kind;

	switch (type) {
	case XPS_BPF_A_IFINDEX:
		v = random_ifindex(w, md->cmd);
		if (!v)
			v = w->ifindex[DEV_SCRATCH];
		md->has_ifindex = true;
		md->ifindex = v;
		return v;
	case XPS_BPF_A_PROG_FD:
		kind = chance(50) ? (int)below(2) : (int)below(FD_KINDS);
		md->has_fd = true;
		md->fd_kind = kind;
		return (uint32_t)w->fd[kind];
	case XPS_BPF_A_FLAGS:
		v = random_flags();
		md->has_flags = true;
		md->flags = v;
		/* The policy's mask refuses unknown bits. */
		if (v & ~(uint32_t)XPS_BPF_F_MASK)
			md->bad = true;
		return v;
	default: /* XPS_BPF_A_EXPECTED_PROG_ID */
		v = random_expected(w);
		md->has_expected = true;
		md->expected = v;
		return v;
	}
}

/* A u32 attribute of the policy, perhaps spoilt. */
static void put_policy_attr(struct msg *m, const struct world *w,
			    struct model *md, uint16_t type)
{
	uint8_t data[8];
	uint32_t v, len;

	switch (below(12)) {
	case 0: /* wrong length: 0 to 8 bytes, not 4 */
		memset(data, 0xff, sizeof(data));
		len = below(8);
		msg_attr(m, type, data, len < 4 ? len : len + 1);
		md->bad = true;
		return;
	case 1: /* NLA_F_NESTED on a scalar */
		v = good_value(w, md, type);
		msg_u32(m, type | NLA_F_NESTED, v);
		md->bad = true;
		return;
	case 2: /* out of the policy's range */
		if (type == XPS_BPF_A_IFINDEX) {
			msg_u32(m, type, 0);
			md->bad = true;
			return;
		}
		if (type == XPS_BPF_A_PROG_FD) {
			msg_u32(m, type, (uint32_t)-(int32_t)(1 + below(1000)));
			md->bad = true;
			return;
		}
		break;
	case 3: /* the byte order flag changes nothing to a u32 */
		v = good_value(w, md, type);
		msg_u32(m, type | NLA_F_NET_BYTEORDER, v);
		return;
	}
	msg_u32(m, type, good_value(w, md, type));
}

/* An attribute the command's policy does not have: always refused. */
static void put_foreign_attr(struct msg *m, uint8_t cmd, struct model *md)
{
	static uint8_t junk[4096];
	uint8_t nest[64];
	uint16_t type;
	size_t len, i;

	for (i = 0; i < sizeof(junk); i += 4)
		*(uint32_t *)(junk + i) = rnd();
	switch (below(4)) {
	case 0: /* unknown type, or type 0 */
		type = 0;
		if (chance(80))
			type = (uint16_t)(XPS_BPF_A_MAX + 1 +
					  below(NLA_TYPE_MAX - XPS_BPF_A_MAX));
		msg_attr(m, type, junk, below(64));
		break;
	case 1: /* nested garbage in the stats nest */
		len = below(sizeof(nest));
		memcpy(nest, junk, len);
		if (len >= NLA_HDRLEN && chance(50))
			((struct nlattr *)nest)->nla_len = (uint16_t)(NLA_HDRLEN + below(len));
		msg_attr(m, XPS_BPF_A_STATS | (chance(50) ? NLA_F_NESTED : 0),
			 nest, len);
		break;
	case 2: /* oversized */
		len = 256 + below(sizeof(junk) - 256);
		msg_attr(m, (uint16_t)(1 + below(XPS_BPF_A_MAX)), junk, len);
		break;
	default: /* a reply's attribute, or a string */
		do
			type = (uint16_t)(1 + below(XPS_BPF_A_MAX));
		while (in_policy(cmd, type));
		msg_attr(m, type, "vx0", chance(50) ? 4 : below(8));
		break;
	}
	md->bad = true;
}

/* Bytes after the last attribute that do not make an attribute. */
static void put_broken_tail(struct msg *m)
{
	struct nlattr nla = { .nla_type = XPS_BPF_A_IFINDEX };
	uint32_t zero = 0;

	switch (below(3)) {
	case 0: /* a truncated attribute header */
		msg_raw(m, &zero, 1 + below(NLA_HDRLEN - 1));
		break;
	case 1: /* a length beyond the message */
		nla.nla_len = (uint16_t)(NLA_HDRLEN + 8 + below(100));
		msg_raw(m, &nla, sizeof(nla));
		msg_raw(m, &zero, sizeof(zero));
		break;
	default: /* a length below the header's */
		nla.nla_len = (uint16_t)below(NLA_HDRLEN);
		msg_raw(m, &nla, sizeof(nla));
		msg_raw(m, &zero, sizeof(zero));
		break;
	}
}

static uint8_t random_cmd(void)
{
	switch (below(20)) {
	case 0: return XPS_BPF_CMD_UNSPEC;
	case 1: return XPS_BPF_CMD_EVENT;
	case 2: return (uint8_t)(XPS_BPF_CMD_MAX + 1 + below(255 - XPS_BPF_CMD_MAX));
	case 3: case 4: case 5: case 6: return XPS_BPF_CMD_GET;
	case 7: case 8: case 9: case 10: case 11: return XPS_BPF_CMD_DETACH;
	}
	return XPS_BPF_CMD_ATTACH;
}

/* nlmsg_flags: REQUEST and ACK always, sometimes a dump or junk. */
static uint16_t random_nlflags(struct model *md)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	uint16_t junk;

	if (chance(md->cmd == XPS_BPF_CMD_GET ? 30 : 3)) {
		flags |= NLM_F_DUMP;
		md->dump = true;
		/* Only GET dumps. */
		if (md->cmd != XPS_BPF_CMD_GET)
			md->bad = true;
	}
	if (chance(5))
		flags |= NLM_F_ECHO;
	if (chance(5)) {
		/* ROOT or MATCH alone, ATOMIC, and bits nobody defined. */
		junk = (uint16_t)(1U << (8 + below(8)));
		if (!(flags & junk)) {
			flags |= junk;
			md->bad = true;
		}
	}
	return flags;
}

/* One random request at @buf; return its length, 0 if it was not made. */
static size_t random_request(const struct world *w, uint8_t *buf, size_t cap,
			     uint32_t seq, struct model *md)
{
	uint16_t types[4], reserved = 0;
	unsigned int ntypes = 0, i, j;
	uint8_t short_hdr[GENL_HDRLEN];
	uint8_t shape;
	struct msg m;
	uint16_t t;

	memset(md, 0, sizeof(*md));
	md->fd_kind = -1;
	md->cmd = random_cmd();
	/* Other commands get the attributes of an attach. */
	shape = md->cmd;
	if (md->cmd < XPS_BPF_CMD_ATTACH || md->cmd > XPS_BPF_CMD_GET) {
		shape = XPS_BPF_CMD_ATTACH;
		md->bad = true;
	}
	short_hdr[0] = md->cmd;
	short_hdr[1] = XPS_BPF_GENL_VERSION;
	msg_start(&m, buf, cap, w->fam.id, random_nlflags(md), seq);
	if (chance(2)) {
		/* A genetlink header cut short. */
		msg_raw(&m, short_hdr, 1 + below(GENL_HDRLEN - 1));
		md->bad = true;
		return msg_end(&m);
	}
	if (chance(3)) {
		reserved = (uint16_t)(1 + below(0xffff));
		md->bad = true;
	}
	/* The version is not checked: any will do. */
	msg_genl(&m, md->cmd, chance(90) ? XPS_BPF_GENL_VERSION : (uint8_t)rnd(),
		 reserved);

	for (t = XPS_BPF_A_IFINDEX; t <= XPS_BPF_A_EXPECTED_PROG_ID; t++) {
		if (!in_policy(shape, t))
			continue;
		if (chance(t == XPS_BPF_A_IFINDEX || t == XPS_BPF_A_PROG_FD ?
			   (md->dump ? 20 : 92) : 35))
			types[ntypes++] = t;
	}
	/* In any order. */
	for (i = ntypes; i > 1; i--) {
		j = below(i);
		t = types[i - 1];
		types[i - 1] = types[j];
		types[j] = t;
	}
	for (i = 0; i < ntypes; i++) {
		put_policy_attr(&m, w, md, types[i]);
		/* Duplicates: the last one counts. */
		if (chance(8))
			put_policy_attr(&m, w, md, types[i]);
	}
	if (chance(8))
		put_foreign_attr(&m, shape, md);
	if (chance(3)) {
		put_broken_tail(&m);
		md->bad = true;
	}
	if (m.full)
		return 0;
	return msg_end(&m);
}

/* --- random mode ---------------------------------------------------------- */

static void show_request(const char *what, const struct req *r,
			 const uint8_t *buf)
{
	size_t i;

	fprintf(stderr, "%s: request seq %u %s: got %s \"%s\"; bytes:",
		prog_name, r->seq, what, errno_name(r->error), r->msg);
	for (i = 0; i < r->len && i < 256; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", buf[r->off + i]);
	fprintf(stderr, "\n");
}

/*
 * The data messages an answer must follow: one reply to a GET, at least
 * one part of a dump (KEEP has a program), none to anything else.
 */
static bool replies_ok(const struct req *r)
{
	if (r->error || !r->get)
		return !r->replies;
	return r->dump ? r->replies >= 1 : r->replies == 1;
}

/* Compare answers with the model once a batch is answered. */
static void judge(const struct req *reqs, unsigned int n, const uint8_t *buf,
		  struct stats *st)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct req *r = &reqs[i];

		if (!r->answered)
			continue;
		if (r->refuse && !r->error) {
			if (st->malformed_accepted++ < SHOW_MAX)
				show_request("to be refused was accepted", r, buf);
		} else if (!r->refuse && r->error) {
			if (st->wellformed_refused++ < SHOW_MAX)
				show_request("to be accepted was refused", r, buf);
		} else if (!replies_ok(r)) {
			if (st->wrong_replies++ < SHOW_MAX)
				show_request("had a wrong number of replies", r, buf);
		}
	}
}

static void print_summary(const struct stats *st, unsigned long ms)
{
	unsigned int e;

	printf("requests %lu in %lu batches, %lu.%03lu s\n", st->requests,
	       st->batches, ms / 1000, ms % 1000);
	printf("answers %lu: acks %lu, errors %lu; replies %lu; events %lu (overruns %lu)\n",
	       st->answers, st->acks, st->answers - st->acks, st->replies,
	       st->events, st->event_overruns);
	printf("errors:");
	for (e = 1; e < ARRAY_SIZE(st->by_errno); e++)
		if (st->by_errno[e])
			printf(" %s %lu", errno_name((int)e), st->by_errno[e]);
	if (st->by_errno_other)
		printf(" other %lu", st->by_errno_other);
	printf("\n");
	printf("no answer %lu, answered twice %lu, stray answers %lu, ",
	       st->no_answer, st->extra_answers, st->stray);
	printf("malformed accepted %lu, well-formed refused %lu, wrong replies %lu\n",
	       st->malformed_accepted, st->wellformed_refused, st->wrong_replies);
}

/*
 * Fill one batch: requests until BATCH_MAX, BATCH_BYTES, or a dump (a dump
 * is answered while we read; a second one would find the first running).
 */
static unsigned int fill_batch(struct world *w, uint8_t *buf, size_t *len,
			       struct req *reqs, unsigned long todo)
{
	unsigned int n = 0;
	struct model md;
	bool changes;
	uint32_t new_id = 0;
	size_t size;

	*len = 0;
	while (n < BATCH_MAX && n < todo && *len + REQ_MAX <= BATCH_BYTES) {
		struct req *r = &reqs[n];

		size = random_request(w, buf + *len, REQ_MAX, next_seq, &md);
		if (!size)
			continue;
		memset(r, 0, sizeof(*r));
		r->refuse = !model_accepts(w, &md, &changes, &new_id);
		/* Only SCRATCH may change. */
		if (!r->refuse && changes &&
		    md.ifindex != w->ifindex[DEV_SCRATCH])
			continue;
		if (!r->refuse && changes)
			w->scratch_id = new_id;
		r->seq = next_seq++;
		r->off = *len;
		r->len = size;
		r->get = md.cmd == XPS_BPF_CMD_GET;
		r->dump = md.dump;
		*len += size;
		n++;
		if (md.dump && !md.bad)
			break;
	}
	return n;
}

/* Leave SCRATCH as found: without a program. */
static bool scratch_detach(struct world *w, int nl, struct stats *st)
{
	uint8_t buf[64];
	struct req r = { .seq = next_seq++ };
	struct msg m;

	if (!w->scratch_id)
		return true;
	msg_start(&m, buf, sizeof(buf), w->fam.id, NLM_F_REQUEST | NLM_F_ACK,
		  r.seq);
	msg_genl(&m, XPS_BPF_CMD_DETACH, XPS_BPF_GENL_VERSION, 0);
	msg_u32(&m, XPS_BPF_A_IFINDEX, w->ifindex[DEV_SCRATCH]);
	msg_u32(&m, XPS_BPF_A_EXPECTED_PROG_ID, w->scratch_id);
	r.off = 0;
	r.len = msg_end(&m);
	if (!exchange(nl, buf, r.len, &r, 1, st))
		return false;
	judge(&r, 1, buf, st);
	st->requests++;
	w->scratch_id = 0;
	return true;
}

static int run_random(struct world *w, int nl, int ev, unsigned long count)
{
	static uint8_t buf[BATCH_BYTES];
	static struct req reqs[BATCH_MAX];
	struct stats st = {};
	unsigned long done = 0;
	long start = now_ms();
	unsigned int n;
	size_t len;
	bool broken = false;

	while (done < count && !broken) {
		n = fill_batch(w, buf, &len, reqs, count - done);
		broken = !exchange(nl, buf, len, reqs, n, &st);
		judge(reqs, n, buf, &st);
		st.requests += n;
		done += n;
		st.events += events_drain(ev, &st.event_overruns);
		if (st.no_answer) {
			fprintf(stderr, "%s: %u requests unanswered after %d ms\n",
				prog_name, unanswered(reqs, n), timeout_ms);
			break;
		}
	}
	if (!broken && !st.no_answer)
		broken = !scratch_detach(w, nl, &st);
	st.events += events_drain(ev, &st.event_overruns);
	print_summary(&st, (unsigned long)(now_ms() - start));
	if (broken)
		printf("the socket failed\n");
	return broken || st.no_answer || st.extra_answers || st.stray ||
	       st.malformed_accepted || st.wellformed_refused ||
	       st.wrong_replies;
}

/* --- cases mode ----------------------------------------------------------- */

struct cases {
	const struct world *w;
	int nl;
	uint8_t buf[REQ_MAX];
	struct msg m;
	bool failed;
};

static struct msg *begin_full(struct cases *c, uint8_t cmd, uint16_t nlflags,
			      uint8_t version, uint16_t reserved)
{
	msg_start(&c->m, c->buf, sizeof(c->buf), c->w->fam.id, nlflags,
		  next_seq);
	msg_genl(&c->m, cmd, version, reserved);
	return &c->m;
}

static struct msg *begin(struct cases *c, uint8_t cmd)
{
	return begin_full(c, cmd, NLM_F_REQUEST | NLM_F_ACK,
			  XPS_BPF_GENL_VERSION, 0);
}

static struct msg *begin_attach(struct cases *c, uint32_t ifindex, int fd)
{
	struct msg *m = begin(c, XPS_BPF_CMD_ATTACH);

	msg_u32(m, XPS_BPF_A_IFINDEX, ifindex);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)fd);
	return m;
}

static struct msg *begin_on(struct cases *c, uint8_t cmd, uint32_t ifindex)
{
	struct msg *m = begin(c, cmd);

	msg_u32(m, XPS_BPF_A_IFINDEX, ifindex);
	return m;
}

/* Send the message built, print "NAME ERRNO MESSAGE". */
static void send_case(struct cases *c, const char *name)
{
	struct stats st = {};
	struct req r = { .seq = next_seq++ };
	size_t len = msg_end(&c->m);

	if (c->m.full || !exchange(c->nl, c->buf, len, &r, 1, &st)) {
		printf("%s failed to send\n", name);
		c->failed = true;
		return;
	}
	if (!r.answered || st.extra_answers || st.stray) {
		printf("%s %s\n", name, r.answered ? "answered-twice" : "no-answer");
		c->failed = true;
		return;
	}
	printf("%s %s %s", name, errno_name(r.error), r.msg[0] ? r.msg : "-");
	if (r.miss_type >= 0)
		printf(" (missing attribute %d)", r.miss_type);
	if (r.replies)
		printf(" (replies %u)", r.replies);
	printf("\n");
	fflush(stdout);
}

static void header_cases(struct cases *c)
{
	const struct world *w = c->w;
	uint32_t keep = w->ifindex[DEV_KEEP];
	int fd = w->fd[FD_PROG_A];
	struct msg *m;
	uint8_t half[2] = { XPS_BPF_CMD_GET, XPS_BPF_GENL_VERSION };

	msg_start(&c->m, c->buf, sizeof(c->buf), w->fam.id,
		  NLM_F_REQUEST | NLM_F_ACK, next_seq);
	msg_raw(&c->m, half, sizeof(half));
	send_case(c, "genl-header-short");
	begin(c, XPS_BPF_CMD_UNSPEC);
	send_case(c, "command-unspec");
	begin_on(c, XPS_BPF_CMD_EVENT, keep);
	send_case(c, "command-event");
	begin_on(c, XPS_BPF_CMD_MAX + 1, keep);
	send_case(c, "command-unknown");
	begin_on(c, 255, keep);
	send_case(c, "command-255");
	m = begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK,
		       XPS_BPF_GENL_VERSION, 0x5a5a);
	msg_u32(m, XPS_BPF_A_IFINDEX, keep);
	send_case(c, "reserved-garbage");
	m = begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK, 0xff, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, keep);
	send_case(c, "version-garbage");
	m = begin_full(c, XPS_BPF_CMD_ATTACH,
		       NLM_F_REQUEST | NLM_F_ACK | NLM_F_ROOT,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, keep);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)fd);
	send_case(c, "nlflags-ambiguous");
	m = begin_full(c, XPS_BPF_CMD_ATTACH,
		       NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, keep);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)fd);
	send_case(c, "attach-dump");
	m = begin_full(c, XPS_BPF_CMD_DETACH,
		       NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, keep);
	send_case(c, "detach-dump");
	/* Not a request: acknowledged, never run. */
	m = begin_full(c, XPS_BPF_CMD_DETACH, NLM_F_ACK,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, keep);
	send_case(c, "detach-not-a-request");
}

static void attach_fd_cases(struct cases *c)
{
	static const struct {
		const char *name;
		enum fd_kind kind;
	} fds[] = {
		{ "attach-fd-closed", FD_CLOSED },
		{ "attach-fd-huge", FD_HUGE },
		{ "attach-fd-map", FD_MAP },
		{ "attach-fd-xdp", FD_XDP },
		{ "attach-fd-kprobe", FD_KPROBE },
		{ "attach-fd-tc", FD_SCHED_CLS },
		{ "attach-fd-file", FD_FILE },
		{ "attach-fd-socket", FD_SOCKET },
	};
	uint32_t scratch = c->w->ifindex[DEV_SCRATCH];
	unsigned int i;

	begin_attach(c, scratch, -1);
	send_case(c, "attach-fd-negative");
	for (i = 0; i < ARRAY_SIZE(fds); i++) {
		begin_attach(c, scratch, c->w->fd[fds[i].kind]);
		send_case(c, fds[i].name);
	}
}

static void attach_attr_cases(struct cases *c)
{
	const struct world *w = c->w;
	uint32_t scratch = w->ifindex[DEV_SCRATCH];
	int fd = w->fd[FD_PROG_A];
	static uint8_t big[4000];
	uint8_t nest[12] = { 8, 0, XPS_BPF_STATS_RUNS, 0, 1, 2, 3, 4, 200, 0, 9, 9 };
	struct nlattr nla = { .nla_type = XPS_BPF_A_FLAGS };
	uint64_t wide = scratch;
	struct msg *m;

	begin(c, XPS_BPF_CMD_ATTACH);
	send_case(c, "attach-no-attributes");
	m = begin(c, XPS_BPF_CMD_ATTACH);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)fd);
	send_case(c, "attach-no-ifindex");
	begin_on(c, XPS_BPF_CMD_ATTACH, scratch);
	send_case(c, "attach-no-fd");
	begin_attach(c, 0, fd);
	send_case(c, "attach-ifindex-zero");
	begin_attach(c, w->unknown[0], fd);
	send_case(c, "attach-ifindex-unknown");
	begin_attach(c, w->ifindex[DEV_FOREIGN], fd);
	send_case(c, "attach-ifindex-foreign");

	m = begin(c, XPS_BPF_CMD_ATTACH);
	msg_attr(m, XPS_BPF_A_IFINDEX, &scratch, 2);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)fd);
	send_case(c, "attach-ifindex-short");
	m = begin(c, XPS_BPF_CMD_ATTACH);
	msg_attr(m, XPS_BPF_A_IFINDEX, &wide, sizeof(wide));
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)fd);
	send_case(c, "attach-ifindex-long");
	m = begin(c, XPS_BPF_CMD_ATTACH);
	msg_attr(m, XPS_BPF_A_IFINDEX, NULL, 0);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)fd);
	send_case(c, "attach-ifindex-empty");
	m = begin_attach(c, scratch, fd);
	msg_u32(m, XPS_BPF_A_IFINDEX | NLA_F_NESTED, scratch);
	send_case(c, "attach-ifindex-nested");
	m = begin_attach(c, scratch, fd);
	/* The first bit above the known ones. */
	msg_u32(m, XPS_BPF_A_FLAGS, (uint32_t)XPS_BPF_F_MASK + 1);
	send_case(c, "attach-flags-unknown");
	m = begin_attach(c, scratch, fd);
	msg_u32(m, XPS_BPF_A_FLAGS, ~0U);
	send_case(c, "attach-flags-all-ones");

	m = begin_attach(c, scratch, fd);
	msg_u32(m, XPS_BPF_A_MAX + 1, 0);
	send_case(c, "attach-attr-unknown");
	m = begin_attach(c, scratch, fd);
	msg_u32(m, 0, 0);
	send_case(c, "attach-attr-type-zero");
	m = begin_attach(c, scratch, fd);
	memset(big, 0x41, sizeof(big));
	msg_attr(m, XPS_BPF_A_EXPECTED_PROG_ID, big, sizeof(big));
	send_case(c, "attach-attr-oversized");
	m = begin_attach(c, scratch, fd);
	msg_attr(m, XPS_BPF_A_IFNAME, "vx0", 4);
	send_case(c, "attach-attr-ifname");
	m = begin_attach(c, scratch, fd);
	msg_attr(m, XPS_BPF_A_STATS | NLA_F_NESTED, nest, sizeof(nest));
	send_case(c, "attach-stats-garbage");
	m = begin_attach(c, scratch, fd);
	msg_raw(m, &nla, 2);
	send_case(c, "attach-attr-header-truncated");
	m = begin_attach(c, scratch, fd);
	nla.nla_len = NLA_HDRLEN + 64;
	msg_raw(m, &nla, sizeof(nla));
	msg_raw(m, &wide, 4);
	send_case(c, "attach-attr-len-beyond");
	m = begin_attach(c, scratch, fd);
	nla.nla_len = 2;
	msg_raw(m, &nla, sizeof(nla));
	msg_raw(m, &wide, 4);
	send_case(c, "attach-attr-len-short");
	/* Of duplicates, the last one counts. */
	m = begin_attach(c, scratch, fd);
	msg_u32(m, XPS_BPF_A_IFINDEX, w->ifindex[DEV_FOREIGN]);
	send_case(c, "attach-ifindex-duplicate");
}

/* Requests on KEEP: each one must be refused. */
static void keep_cases(struct cases *c)
{
	const struct world *w = c->w;
	uint32_t keep = w->ifindex[DEV_KEEP];
	int fd = w->fd[FD_PROG_A];
	struct msg *m;

	begin_attach(c, keep, fd);
	send_case(c, "attach-keep");
	m = begin_attach(c, keep, fd);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, 0);
	send_case(c, "attach-keep-expected-none");
	m = begin_attach(c, keep, fd);
	msg_u32(m, XPS_BPF_A_FLAGS, XPS_BPF_F_REPLACE);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, w->keep_id + 1);
	send_case(c, "replace-keep-expected-wrong");
	m = begin_on(c, XPS_BPF_CMD_DETACH, keep);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, w->keep_id + 1);
	send_case(c, "detach-keep-expected-wrong");
	m = begin_on(c, XPS_BPF_CMD_DETACH, keep);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, 0);
	send_case(c, "detach-keep-expected-none");
}

/* Attach, replace and detach on SCRATCH, the paths that succeed. */
static void scratch_cases(struct cases *c)
{
	const struct world *w = c->w;
	uint32_t scratch = w->ifindex[DEV_SCRATCH];
	int a = w->fd[FD_PROG_A], b = w->fd[FD_PROG_B];
	struct msg *m;

	m = begin_attach(c, scratch, a);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, w->keep_id);
	send_case(c, "attach-scratch-expected-wrong");
	begin_attach(c, scratch, a);
	send_case(c, "attach-scratch");
	begin_attach(c, scratch, b);
	send_case(c, "attach-scratch-again");
	m = begin_attach(c, scratch, b);
	msg_u32(m, XPS_BPF_A_FLAGS, XPS_BPF_F_REPLACE);
	send_case(c, "replace-scratch");
	m = begin_attach(c, scratch, a);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, w->prog_id[1]);
	send_case(c, "replace-scratch-expected");
	m = begin_attach(c, scratch, b);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, w->prog_id[1]);
	send_case(c, "replace-scratch-expected-stale");
	m = begin_on(c, XPS_BPF_CMD_DETACH, scratch);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, w->prog_id[1]);
	send_case(c, "detach-scratch-expected-wrong");
	m = begin_on(c, XPS_BPF_CMD_DETACH, scratch);
	msg_u32(m, XPS_BPF_A_EXPECTED_PROG_ID, w->prog_id[0]);
	send_case(c, "detach-scratch");
	begin_on(c, XPS_BPF_CMD_DETACH, scratch);
	send_case(c, "detach-scratch-again");
}

static void detach_get_cases(struct cases *c)
{
	const struct world *w = c->w;
	uint32_t scratch = w->ifindex[DEV_SCRATCH], keep = w->ifindex[DEV_KEEP];
	uint8_t garbage[8] = { 4, 0, 1, 0, 0xff, 0xff, 0xff, 0xff };
	struct msg *m;

	begin(c, XPS_BPF_CMD_DETACH);
	send_case(c, "detach-no-ifindex");
	begin_on(c, XPS_BPF_CMD_DETACH, 0);
	send_case(c, "detach-ifindex-zero");
	begin_on(c, XPS_BPF_CMD_DETACH, w->unknown[0]);
	send_case(c, "detach-ifindex-unknown");
	begin_on(c, XPS_BPF_CMD_DETACH, w->ifindex[DEV_FOREIGN]);
	send_case(c, "detach-ifindex-foreign");
	m = begin_on(c, XPS_BPF_CMD_DETACH, scratch);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)w->fd[FD_PROG_A]);
	send_case(c, "detach-with-fd");
	m = begin_on(c, XPS_BPF_CMD_DETACH, scratch);
	msg_u32(m, XPS_BPF_A_FLAGS, XPS_BPF_F_REPLACE);
	send_case(c, "detach-with-flags");

	begin(c, XPS_BPF_CMD_GET);
	send_case(c, "get-no-ifindex");
	begin_on(c, XPS_BPF_CMD_GET, 0);
	send_case(c, "get-ifindex-zero");
	begin_on(c, XPS_BPF_CMD_GET, w->unknown[0]);
	send_case(c, "get-ifindex-unknown");
	begin_on(c, XPS_BPF_CMD_GET, w->ifindex[DEV_FOREIGN]);
	send_case(c, "get-ifindex-foreign");
	begin_on(c, XPS_BPF_CMD_GET, keep);
	send_case(c, "get-keep");
	m = begin_on(c, XPS_BPF_CMD_GET, keep);
	msg_u32(m, XPS_BPF_A_PROG_FD, (uint32_t)w->fd[FD_PROG_A]);
	send_case(c, "get-with-fd");

	begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		   XPS_BPF_GENL_VERSION, 0);
	send_case(c, "dump");
	m = begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, w->unknown[0]);
	send_case(c, "dump-ifindex-unknown");
	m = begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, w->ifindex[DEV_FOREIGN]);
	send_case(c, "dump-ifindex-foreign");
	m = begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, w->ifindex[DEV_SCRATCH]);
	send_case(c, "dump-ifindex-scratch");
	m = begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		       XPS_BPF_GENL_VERSION, 0);
	msg_u32(m, XPS_BPF_A_IFINDEX, 0);
	send_case(c, "dump-ifindex-zero");
	m = begin_full(c, XPS_BPF_CMD_GET, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
		       XPS_BPF_GENL_VERSION, 0);
	msg_attr(m, XPS_BPF_A_STATS | NLA_F_NESTED, garbage, sizeof(garbage));
	send_case(c, "dump-stats-garbage");
}

static int run_cases(const struct world *w, int nl)
{
	static struct cases c;

	c.w = w;
	c.nl = nl;
	header_cases(&c);
	attach_fd_cases(&c);
	attach_attr_cases(&c);
	keep_cases(&c);
	scratch_cases(&c);
	detach_get_cases(&c);
	return c.failed;
}

/* --- main ----------------------------------------------------------------- */

/* The id of the program attached to KEEP, through a GET of our own. */
static uint32_t keep_prog_id(struct world *w, int nl)
{
	uint8_t buf[128];
	struct msg m;
	const struct nlmsghdr *nlh;
	const struct nlattr *a;
	uint32_t id = 0;
	ssize_t got;
	int rem;

	msg_start(&m, buf, sizeof(buf), w->fam.id, NLM_F_REQUEST, next_seq++);
	msg_genl(&m, XPS_BPF_CMD_GET, XPS_BPF_GENL_VERSION, 0);
	msg_u32(&m, XPS_BPF_A_IFINDEX, w->ifindex[DEV_KEEP]);
	if (send(nl, buf, msg_end(&m), 0) < 0)
		die("send GET");
	got = recv(nl, recv_buf, sizeof(recv_buf), 0);
	if (got < 0)
		die("recv GET");
	nlh = (const void *)recv_buf;
	if (got < (ssize_t)NLMSG_HDRLEN || nlh->nlmsg_type != w->fam.id) {
		fprintf(stderr, "%s: GET of the kept device failed\n", prog_name);
		exit(1);
	}
	rem = (int)nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (const void *)((const char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	     rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == XPS_BPF_A_PROG_ID)
			memcpy(&id, (const char *)a + NLA_HDRLEN, sizeof(id));
	if (!id) {
		fprintf(stderr, "%s: no program attached to the kept device\n",
			prog_name);
		exit(2);
	}
	return id;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-n COUNT] [-t SECONDS] random KEEP SCRATCH FOREIGN_IFINDEX\n"
		"       %s [-t SECONDS] cases KEEP SCRATCH FOREIGN_IFINDEX\n",
		prog_name, prog_name);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long count = 100000;
	uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	static struct world w;
	bool random_mode;
	int opt, nl, ev, ret;

	while ((opt = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (opt) {
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 0);
			break;
		case 't':
			timeout_ms = atoi(optarg) * 1000;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4 || timeout_ms <= 0)
		usage();
	if (!strcmp(argv[optind], "random"))
		random_mode = true;
	else if (!strcmp(argv[optind], "cases"))
		random_mode = false;
	else
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	nl = nl_open();
	resolve_family(nl, &w.fam);
	find_devices(&w, argv[optind + 1], argv[optind + 2], argv[optind + 3]);
	/* Before open_fds(): its closed fd must stay closed. */
	ev = events_open(&w.fam);
	open_fds(&w, nl);
	w.keep_id = keep_prog_id(&w, nl);

	if (random_mode) {
		printf("seed %llu\n", (unsigned long long)seed);
		rng = seed;
		ret = run_random(&w, nl, ev, count);
	} else {
		ret = run_cases(&w, nl);
	}
	close_fds(&w);
	close(ev);
	close(nl);
	return ret ? 1 : 0;
}
