// SPDX-License-Identifier: GPL-2.0
/*
 * userns: run a command as an unprivileged user, optionally inside a user
 * namespace of its own that owns a new network namespace, carrying along
 * what root prepared for it; and send xps_bpf attach/detach requests with
 * those inherited file descriptors.
 *
 *   userns [-l OBJ] [-s] [-u UID] [-S] [-n] CMD [ARG...]
 *	-l OBJ	as root: load OBJ's first program as a socket filter; the
 *		fd stays open across exec, its number in $XPSB_PROG_FD
 *	-s	as root: open a generic netlink socket in the current netns;
 *		its number in $XPSB_NL_FD
 *	-u UID	then become UID (and GID UID), without supplementary groups:
 *		every capability is lost
 *	-S	then, as that user, open a generic netlink socket in the
 *		current netns: $XPSB_NL_FD_USER
 *	-n	then unshare a user namespace, mapping its root to UID, and a
 *		network namespace owned by it
 *   userns attach DEV|IFINDEX [NLFD]
 *   userns detach DEV|IFINDEX [NLFD]
 *	XPS_BPF_CMD_ATTACH of $XPSB_PROG_FD, or XPS_BPF_CMD_DETACH, for the
 *	device in the current netns (a number is taken as an ifindex as is),
 *	over the netlink socket NLFD if given, else over a new one. Prints
 *	"ok", or the error and the kernel's extended ACK message; exits 0 or 1.
 *
 * The requests are built by hand, not with libnl: libnl 3.7 cannot adopt a
 * socket it did not open.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <bpf/libbpf.h>

#include <uapi/linux/xps_bpf.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr genl;
	char attrs[256];
};

static void die(const char *what)
{
	fprintf(stderr, "userns: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The fd survives exec, and its number goes into the environment. */
static void export_fd(const char *name, int fd)
{
	char num[16];

	if (fcntl(fd, F_SETFD, 0))
		die("fcntl");
	snprintf(num, sizeof(num), "%d", fd);
	if (setenv(name, num, 1))
		die("setenv");
}

static int genl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0)
		die("netlink socket");
	return fd;
}

static void load_prog(const char *path)
{
	struct bpf_program *p, *first;
	struct bpf_object *obj;
	int fd;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		die(path);
	first = bpf_object__next_program(obj, NULL);
	if (!first) {
		fprintf(stderr, "userns: %s: no program\n", path);
		exit(1);
	}
	for (p = first; p; p = bpf_object__next_program(obj, p))
		bpf_program__set_type(p, BPF_PROG_TYPE_SOCKET_FILTER);
	errno = -bpf_object__load(obj);
	if (errno)
		die(path);
	/* A copy without FD_CLOEXEC; the object itself goes with exec. */
	fd = dup(bpf_program__fd(first));
	if (fd < 0)
		die("dup");
	export_fd("XPSB_PROG_FD", fd);
}

/*
 * A change of credentials makes the process non-dumpable, and its /proc
 * files root's: it could not write its own uid_map after it.
 */
static void drop_to(uid_t uid)
{
	if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
		die("dropping privileges");
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		die("prctl(PR_SET_DUMPABLE)");
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		die(path);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

/*
 * An unprivileged process may map only its own ids, once, and may map
 * its gid only after giving up setgroups().
 */
static void new_namespaces(uid_t uid)
{
	char map[64];

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		die("unshare(CLONE_NEWUSER | CLONE_NEWNET)");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)uid);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", map);
	write_file("/proc/self/gid_map", map);
	if (setgid(0) || setuid(0))
		die("becoming root of the user namespace");
}

/* --- requests ------------------------------------------------------------- */

static void put_attr(struct req *r, unsigned short type, const void *data,
		     unsigned short len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * An inherited socket may still hold the answers to requests of earlier
 * processes: sequence numbers of our own tell ours apart.
 */
static void init_req(struct req *r, unsigned short family, unsigned char cmd,
		     unsigned short flags)
{
	static unsigned int seq;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nlh.nlmsg_seq = (unsigned int)getpid() << 8 | ++seq;
	r->genl.cmd = cmd;
	r->genl.version = 1;
}

/* The extended ACK's message, if the error carries one. */
static const char *ext_ack_msg(struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (struct nlattr *)((char *)nlh + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			return (const char *)a + NLA_HDRLEN;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/*
 * Send @r on @fd and wait for its answer: its error or ACK, or its reply
 * (then asked for without an ACK). Return 0 or a negative errno; the
 * answer is left in @reply.
 */
static int transact(int fd, struct req *r, char *reply, size_t len,
		    const char **msg)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)reply;
	int one = 1;
	ssize_t n;

	*msg = NULL;
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (sendto(fd, r, r->nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		n = recv(fd, reply, len, 0);
		if (n < 0)
			return -errno;
		if (!NLMSG_OK(nlh, (size_t)n) || nlh->nlmsg_seq != r->nlh.nlmsg_seq)
			continue;
		if (nlh->nlmsg_type != NLMSG_ERROR)
			return 0;
		*msg = ext_ack_msg(nlh);
		return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
	}
}

static unsigned short family_id(int fd)
{
	static char reply[8192];
	struct nlmsghdr *nlh = (struct nlmsghdr *)reply;
	struct nlattr *a;
	const char *msg;
	struct req r;
	size_t off;
	int err;

	init_req(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, XPS_BPF_GENL_NAME,
		 sizeof(XPS_BPF_GENL_NAME));
	err = transact(fd, &r, reply, sizeof(reply), &msg);
	if (err) {
		errno = -err;
		die("resolving family " XPS_BPF_GENL_NAME);
	}
	off = NLMSG_HDRLEN + GENL_HDRLEN;
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		a = (struct nlattr *)(reply + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(unsigned short *)((char *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	fprintf(stderr, "userns: no id for family " XPS_BPF_GENL_NAME "\n");
	exit(1);
}

static int request(int argc, char **argv)
{
	int attach = !strcmp(argv[1], "attach");
	const char *dev = argv[2], *msg, *env;
	char reply[4096];
	unsigned int ifindex;
	struct req r;
	int fd, err, prog_fd;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: userns attach|detach DEV|IFINDEX [NLFD]\n");
		return 2;
	}
	ifindex = isdigit((unsigned char)*dev) ? (unsigned int)atoi(dev) :
						if_nametoindex(dev);
	if (!ifindex)
		die(dev);
	fd = argc == 4 ? atoi(argv[3]) : genl_socket();

	init_req(&r, family_id(fd),
		 attach ? XPS_BPF_CMD_ATTACH : XPS_BPF_CMD_DETACH, NLM_F_ACK);
	put_attr(&r, XPS_BPF_A_IFINDEX, &ifindex, sizeof(ifindex));
	if (attach) {
		env = getenv("XPSB_PROG_FD");
		if (!env) {
			fprintf(stderr, "userns: attach: no XPSB_PROG_FD (-l OBJ)\n");
			return 2;
		}
		prog_fd = atoi(env);
		put_attr(&r, XPS_BPF_A_PROG_FD, &prog_fd, sizeof(prog_fd));
	}
	err = transact(fd, &r, reply, sizeof(reply), &msg);
	if (!err) {
		printf("ok\n");
		return 0;
	}
	printf("%s%s%s\n", strerror(-err), msg ? ": " : "", msg ? msg : "");
	return 1;
}

int main(int argc, char **argv)
{
	uid_t uid = 0;
	int opt, unshare_ns = 0, user_sock = 0, dropped = 0;

	if (argc > 1 && (!strcmp(argv[1], "attach") || !strcmp(argv[1], "detach")))
		return request(argc, argv);

	while ((opt = getopt(argc, argv, "+l:su:Sn")) != -1) {
		switch (opt) {
		case 'l':
			load_prog(optarg);
			break;
		case 's':
			export_fd("XPSB_NL_FD", genl_socket());
			break;
		case 'u':
			uid = (uid_t)atoi(optarg);
			dropped = 1;
			break;
		case 'S':
			user_sock = 1;
			break;
		case 'n':
			unshare_ns = 1;
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: userns [-l OBJ] [-s] [-u UID] [-S] [-n] CMD [ARG...]\n");
		return 2;
	}
	if (dropped)
		drop_to(uid);
	if (user_sock)
		export_fd("XPSB_NL_FD_USER", genl_socket());
	if (unshare_ns)
		new_namespaces(uid);
	execvp(argv[optind], argv + optind);
	die(argv[optind]);
	return 1;
}
