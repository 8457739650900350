// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink transport for xpsctl. See genl.h.
 *
 * libnl 3.7 knows nothing of extended ACKs: we enable NETLINK_EXT_ACK on
 * the socket ourselves and read the TLVs that follow struct nlmsgerr, so
 * that the kernel's own explanation ("a program is already attached") reaches
 * the user instead of a bare errno.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "genl.h"
#include "out.h"
#include "xpsctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* A dump that races with attach/detach on every try is a livelock: give up. */
#define DUMP_MAX_TRIES 16

struct transact {
	genl_reply_fn fn;
	void *arg;
	/* The request, to name the attribute an NLMSGERR_ATTR_OFFS points at. */
	struct nl_msg *request;
	int error;
	bool done;
	bool interrupted;
	char ext_msg[512];
};

static const char *const attr_names[XPS_BPF_A_MAX + 1] = {
	[XPS_BPF_A_IFINDEX] = "ifindex",
	[XPS_BPF_A_IFNAME] = "ifname",
	[XPS_BPF_A_PROG_FD] = "prog_fd",
	[XPS_BPF_A_FLAGS] = "flags",
	[XPS_BPF_A_EXPECTED_PROG_ID] = "expected_prog_id",
};

static void attr_name(int type, char *buf, size_t len)
{
	if (type > 0 && type <= XPS_BPF_A_MAX && attr_names[type])
		snprintf(buf, len, "%s", attr_names[type]);
	else
		snprintf(buf, len, "%d", type);
}

/*
 * Turn the extended ACK TLVs at @off in @nlh into one human line in
 * t->ext_msg: the kernel's message, and which attribute was bad or missing
 * when the kernel says so.
 */
static void parse_ext_ack(struct transact *t, struct nlmsghdr *nlh, size_t off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	char msg[256] = "";
	char name[32];

	t->ext_msg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return;

	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(msg, tb[NLMSGERR_ATTR_MSG], sizeof(msg));

	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= (int)sizeof(uint32_t)) {
		int type = (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);

		attr_name(type, name, sizeof(name));
		if (*msg)
			snprintf(t->ext_msg, sizeof(t->ext_msg),
				 "%s (missing attribute %s)", msg, name);
		else
			snprintf(t->ext_msg, sizeof(t->ext_msg),
				 "missing attribute %s", name);
		return;
	}

	if (tb[NLMSGERR_ATTR_OFFS] && t->request &&
	    nla_len(tb[NLMSGERR_ATTR_OFFS]) >= (int)sizeof(uint32_t)) {
		struct nlmsghdr *req = nlmsg_hdr(t->request);
		uint32_t offs = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);

		if (offs >= NLMSG_HDRLEN + GENL_HDRLEN &&
		    offs + NLA_HDRLEN <= req->nlmsg_len) {
			const struct nlattr *bad =
				(const struct nlattr *)((char *)req + offs);

			attr_name(nla_type(bad), name, sizeof(name));
			if (*msg)
				snprintf(t->ext_msg, sizeof(t->ext_msg),
					 "%s (attribute %s)", msg, name);
			else
				snprintf(t->ext_msg, sizeof(t->ext_msg),
					 "invalid attribute %s", name);
			return;
		}
	}
	snprintf(t->ext_msg, sizeof(t->ext_msg), "%s", msg);
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct transact *t = arg;
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	(void)nla;
	/* Without NETLINK_CAP_ACK the kernel echoes our request first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	parse_ext_ack(t, nlh, off);
	t->error = e->error < 0 ? e->error : -EPROTO;
	t->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct transact *t = arg;

	/* A success may still carry a warning from the kernel. */
	parse_ext_ack(t, nlh, NLMSG_HDRLEN + sizeof(struct nlmsgerr));
	if (*t->ext_msg)
		warn_print("%s", t->ext_msg);
	t->done = true;
	return NL_STOP;
}

/*
 * NLMSG_DONE carries the dump's final status as an int, then extended ACK
 * TLVs: a dump that fails half way reports its error only here.
 */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct transact *t = arg;
	int status = 0;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
		memcpy(&status, nlmsg_data(nlh), sizeof(status));
	parse_ext_ack(t, nlh, NLMSG_LENGTH(sizeof(int)));
	if (status < 0)
		t->error = status;
	else if (*t->ext_msg)
		warn_print("%s", t->ext_msg);
	t->done = true;
	return NL_STOP;
}

static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;

	(void)msg;
	t->interrupted = true;
	/* Keep reading to NLMSG_DONE so that the socket is clean for a retry. */
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct transact *t = arg;
	int ret;

	if (!t->fn || t->error)
		return NL_OK;
	ret = t->fn(msg, t->arg);
	if (ret < 0) {
		/* Already reported by the parser: do not report it again. */
		t->error = ret;
		t->ext_msg[0] = '\0';
		t->fn = NULL;
	}
	return NL_OK;
}

static void report(const struct transact *t)
{
	if (*t->ext_msg)
		err_print("%s", t->ext_msg);
	else
		err_print("%s", strerror(-t->error));
}

int genl_open(struct xps_genl *g)
{
	int one = 1;
	int ret;

	g->family = -1;
	g->sk = nl_socket_alloc();
	if (!g->sk) {
		err_print("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = genl_connect(g->sk);
	if (ret < 0) {
		err_print("netlink: %s", nl_geterror(ret));
		genl_close(g);
		return -ECONNREFUSED;
	}
	/*
	 * Kernels before 4.12 lack these options; the requests still work,
	 * only the error messages are plainer, so failures are ignored.
	 */
	(void)setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_EXT_ACK,
			 &one, sizeof(one));
	(void)setsockopt(nl_socket_get_fd(g->sk), SOL_NETLINK, NETLINK_CAP_ACK,
			 &one, sizeof(one));

	g->family = genl_ctrl_resolve(g->sk, XPS_BPF_GENL_NAME);
	if (g->family < 0) {
		ret = g->family;
		genl_close(g);
		if (ret == -NLE_OBJ_NOTFOUND) {
			err_print("%s module not loaded (modprobe %s)",
				  XPS_BPF_GENL_NAME, XPS_BPF_GENL_NAME);
			return -ENOENT;
		}
		err_print("resolving netlink family %s: %s", XPS_BPF_GENL_NAME,
			  nl_geterror(ret));
		return -EPROTO;
	}
	return 0;
}

void genl_close(struct xps_genl *g)
{
	nl_socket_free(g->sk);
	g->sk = NULL;
}

struct nl_msg *genl_request(const struct xps_genl *g, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, g->family, 0, flags,
			 cmd, XPS_BPF_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Send @msg (consumed) and read replies until its ACK, error or DONE. */
static int run(struct xps_genl *g, struct nl_msg *msg, struct transact *t)
{
	struct nl_cb *cb;
	int ret;

	t->request = msg;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		t->error = -ENOMEM;
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, t);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, t);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, t);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, t);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, t);

	ret = nl_send_auto(g->sk, msg);
	if (ret < 0) {
		snprintf(t->ext_msg, sizeof(t->ext_msg), "netlink send: %s",
			 nl_geterror(ret));
		t->error = -EIO;
	}
	/* The callbacks end the exchange by setting t->done or t->error. */
	while (ret >= 0 && !t->error && !t->done)
		ret = nl_recvmsgs(g->sk, cb);
	if (ret < 0 && !t->error) {
		snprintf(t->ext_msg, sizeof(t->ext_msg), "netlink receive: %s",
			 nl_geterror(ret));
		t->error = -EIO;
	}
	nl_cb_put(cb);
	nlmsg_free(msg);
	t->request = NULL;
	return t->error;
}

/**
 * genl_transact() - send a request and wait for the kernel's answer
 * @g: open family handle
 * @msg: request built with genl_request(); consumed
 * @fn: called for each reply message, or NULL
 * @arg: passed to @fn
 *
 * Return: 0 once the kernel acknowledged, or a negative errno (reported).
 */
int genl_transact(struct xps_genl *g, struct nl_msg *msg, genl_reply_fn fn,
		  void *arg)
{
	struct transact t = { .fn = fn, .arg = arg };
	int ret;

	ret = run(g, msg, &t);
	/* A parser error was reported where it happened; t.fn is then NULL. */
	if (ret < 0 && (t.fn || !fn))
		report(&t);
	return ret;
}

/**
 * genl_dump() - dump every object of @cmd, consistently
 * @g: open family handle
 * @cmd: the command whose dumpit to run
 * @ifindex: when not 0, only the device of that index
 * @fn: called for each reply message
 * @reset: called before a retry to drop what an interrupted dump gathered
 * @arg: passed to @fn and @reset
 *
 * The kernel sets NLM_F_DUMP_INTR when the set of attachments changed while
 * the dump was being built; the result may then miss or repeat a device, so
 * the whole dump is run again.
 *
 * Return: 0 or a negative errno (reported).
 */
int genl_dump(struct xps_genl *g, uint8_t cmd, uint32_t ifindex,
	      genl_reply_fn fn, genl_reset_fn reset, void *arg)
{
	int tries;

	for (tries = 0; tries < DUMP_MAX_TRIES; tries++) {
		struct transact t = { .fn = fn, .arg = arg };
		struct nl_msg *msg;
		int ret;

		if (tries)
			reset(arg);
		msg = genl_request(g, cmd, NLM_F_DUMP);
		if (msg && ifindex &&
		    nla_put_u32(msg, XPS_BPF_A_IFINDEX, ifindex)) {
			nlmsg_free(msg);
			msg = NULL;
		}
		if (!msg) {
			err_print("%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		ret = run(g, msg, &t);
		if (ret < 0) {
			if (t.fn)
				report(&t);
			return ret;
		}
		if (!t.interrupted)
			return 0;
		verbose_print("dump interrupted by a concurrent change, retrying");
	}
	err_print("the attachments kept changing during the dump, giving up");
	return -EAGAIN;
}

/**
 * genl_group() - the id of a multicast group
 * @g: open family handle
 * @family: the name of the family that owns the group
 * @group: the name of the group
 *
 * Return: the group id, or a negative errno (reported).
 */
int genl_group(struct xps_genl *g, const char *family, const char *group)
{
	int ret = genl_ctrl_resolve_grp(g->sk, family, group);

	if (ret < 0) {
		err_print("resolving multicast group %s of %s: %s", group,
			  family, nl_geterror(ret));
		return -EPROTO;
	}
	return ret;
}

/**
 * genl_join() - receive the notifications of a multicast group
 * @g: open family handle
 * @group: the group id, from genl_group()
 *
 * Return: 0 or a negative errno (reported).
 */
int genl_join(struct xps_genl *g, int group)
{
	int ret;

	ret = nl_socket_add_membership(g->sk, group);
	if (!ret)
		ret = nl_socket_set_nonblocking(g->sk);
	if (ret < 0) {
		err_print("joining multicast group %d: %s", group,
			  nl_geterror(ret));
		return -EPROTO;
	}
	return 0;
}

struct receive {
	genl_reply_fn fn;
	void *arg;
	int ret;
};

static int on_notification(struct nl_msg *msg, void *arg)
{
	struct receive *r = arg;

	r->ret = r->fn(msg, r->arg);
	return r->ret ? NL_STOP : NL_OK;
}

/* Notifications carry no sequence number of ours. */
static int no_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/**
 * genl_receive() - handle the notifications queued on a joined socket
 * @g: open family handle, with a group joined
 * @fn: called for each message
 * @arg: passed to @fn
 *
 * Notifications the kernel dropped because the socket's buffer was full are
 * reported as a warning, and reading goes on.
 *
 * Return: 0, what @fn returned when not 0, or a negative errno (reported).
 */
int genl_receive(struct xps_genl *g, genl_reply_fn fn, void *arg)
{
	struct receive r = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		err_print("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_notification, &r);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
	ret = nl_recvmsgs(g->sk, cb);
	/* libnl turns ENOBUFS into NLE_NOMEM: errno still tells them apart. */
	if (ret == -NLE_NOMEM && errno == ENOBUFS) {
		warn_print("receive buffer full, notifications were lost");
		ret = 0;
	}
	nl_cb_put(cb);
	if (r.ret)
		return r.ret;
	if (ret == -NLE_AGAIN)
		return 0;
	if (ret < 0) {
		err_print("netlink receive: %s", nl_geterror(ret));
		return -EIO;
	}
	return 0;
}
