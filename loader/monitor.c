// SPDX-License-Identifier: GPL-2.0
/*
 * xpsctl monitor: print the attach, replace and detach events of the
 * caller's network namespace as they happen, as ip monitor does.
 *
 *   monitor [count N]
 *
 * Plain text, one line per event ("name" left out when the program has none,
 * "wrap" when the attachment takes returns modulo n, "(was ID)" for a
 * replace only):
 *
 *   attach vx0 prog id 12 name ret_const (user)
 *   replace vx0 prog id 13 name ret_const wrap (was 12) (user)
 *   detach vx0 prog id 13 name ret_const wrap (device gone)
 *
 * JSON (-j), one object per line:
 *
 *   {"event":"replace","reason":"user","ifindex":3,"ifname":"vx0",
 *    "prog":{"id":13,"name":"ret_const","tag":"0123456789abcdef"},
 *    "wrap":true,"old_prog_id":12}
 *
 * "old_prog_id" appears for a replace only. Each event is flushed as soon as
 * it is printed. SIGINT and SIGTERM end the monitor with status 0, as does
 * the Nth event with count N; the unload of the module ends it with an error,
 * after the events the unload caused.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <linux/genetlink.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "genl.h"
#include "out.h"
#include "xpsctl.h"

/* The generic netlink controller and the group where it announces families. */
#define CTRL_FAMILY_NAME	"nlctrl"
#define CTRL_GROUP_NOTIFY	"notify"

/* What genl_receive() returns once the monitor is done. */
enum { MONITOR_DONE = 1 };

void help_monitor(void)
{
	fprintf(stdout,
		"Usage: %s monitor [count N]\n"
		"\n"
		"Print each attach, replace and detach of this network namespace as it\n"
		"happens, until interrupted or until the module is unloaded.\n"
		"\n"
		"  count N   exit after N events\n"
		"\n"
		"Lines look like:\n"
		"  attach vx0 prog id 12 name ret_const (user)\n"
		"  replace vx0 prog id 13 name ret_const wrap (was 12) (user)\n"
		"  detach vx0 prog id 13 name ret_const wrap (device gone)\n"
		"With -j, one JSON object per event and line.\n",
		PROG_NAME);
}

static const char *const monitor_keywords[] = { "count", NULL };

/* Names by value of enum xps_bpf_event and enum xps_bpf_reason. */
static const char *const event_names[] = {
	[XPS_BPF_EVENT_ATTACH] = "attach",
	[XPS_BPF_EVENT_REPLACE] = "replace",
	[XPS_BPF_EVENT_DETACH] = "detach",
};

/* Plain text says "device gone"; JSON values are identifiers. */
static const struct {
	const char *plain;
	const char *json;
} reason_names[] = {
	[XPS_BPF_REASON_USER] = { "user", "user" },
	[XPS_BPF_REASON_DEVICE_GONE] = { "device gone", "device_gone" },
	[XPS_BPF_REASON_NETNS_GONE] = { "netns gone", "netns_gone" },
	[XPS_BPF_REASON_UNLOAD] = { "unload", "unload" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct monitor {
	int family;		/* the xps_bpf family id */
	uint32_t count;		/* events to print, 0: no limit */
	uint32_t printed;
	bool unloaded;
};

/*
 * No maxlen on strings, unknown attributes ignored: what a newer kernel
 * sends more is left out rather than refused (see show.c).
 */
static struct nla_policy event_policy[XPS_BPF_A_MAX + 1] = {
	[XPS_BPF_A_IFINDEX] = { .type = NLA_U32 },
	[XPS_BPF_A_IFNAME] = { .type = NLA_STRING },
	[XPS_BPF_A_PROG_ID] = { .type = NLA_U32 },
	[XPS_BPF_A_PROG_NAME] = { .type = NLA_STRING },
	[XPS_BPF_A_PROG_TAG] = { .minlen = XPS_BPF_TAG_SIZE },
	[XPS_BPF_A_EVENT] = { .type = NLA_U32 },
	[XPS_BPF_A_REASON] = { .type = NLA_U32 },
	[XPS_BPF_A_OLD_PROG_ID] = { .type = NLA_U32 },
	[XPS_BPF_A_FLAGS] = { .type = NLA_U32 },
};

static struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
};

static void print_prog(struct nlattr **tb)
{
	char name[64] = "";

	if (!tb[XPS_BPF_A_PROG_ID]) {
		out_null("prog", " no program");
		return;
	}
	out_obj_begin("prog");
	out_u64("id", " prog id %" PRIu64, nla_get_u32(tb[XPS_BPF_A_PROG_ID]));
	if (tb[XPS_BPF_A_PROG_NAME])
		nla_strlcpy(name, tb[XPS_BPF_A_PROG_NAME], sizeof(name));
	if (*name)
		out_str("name", " name %s", name);
	else
		out_json_str("name", name);
	if (tb[XPS_BPF_A_PROG_TAG]) {
		const uint8_t *bytes = nla_data(tb[XPS_BPF_A_PROG_TAG]);
		char tag[2 * XPS_BPF_TAG_SIZE + 1];
		size_t i;

		for (i = 0; i < XPS_BPF_TAG_SIZE; i++)
			snprintf(tag + 2 * i, 3, "%02x", bytes[i]);
		out_json_str("tag", tag);
	}
	out_obj_end();
}

/* Return: 1 when printed, 0 when ignored, or a negative errno (reported). */
static int print_event(struct nlmsghdr *nlh)
{
	struct nlattr *tb[XPS_BPF_A_MAX + 1];
	char event_buf[24], reason_buf[24];
	const char *event, *reason_plain, *reason_json;
	char ifname[IF_NAMESIZE];
	uint32_t ev, why, ifindex;

	if (genlmsg_parse(nlh, 0, tb, XPS_BPF_A_MAX, event_policy) ||
	    !tb[XPS_BPF_A_EVENT] || !tb[XPS_BPF_A_IFINDEX]) {
		warn_print("malformed event from the kernel, ignored");
		return 0;
	}
	ev = nla_get_u32(tb[XPS_BPF_A_EVENT]);
	why = tb[XPS_BPF_A_REASON] ? nla_get_u32(tb[XPS_BPF_A_REASON]) : 0;
	ifindex = nla_get_u32(tb[XPS_BPF_A_IFINDEX]);

	/* Values this xpsctl does not know still print, as numbers. */
	if (ev < ARRAY_SIZE(event_names) && event_names[ev]) {
		event = event_names[ev];
	} else {
		snprintf(event_buf, sizeof(event_buf), "event%" PRIu32, ev);
		event = event_buf;
	}
	if (why < ARRAY_SIZE(reason_names) && reason_names[why].plain) {
		reason_plain = reason_names[why].plain;
		reason_json = reason_names[why].json;
	} else {
		snprintf(reason_buf, sizeof(reason_buf), "reason%" PRIu32, why);
		reason_plain = reason_buf;
		reason_json = reason_buf;
	}
	if (tb[XPS_BPF_A_IFNAME])
		nla_strlcpy(ifname, tb[XPS_BPF_A_IFNAME], sizeof(ifname));
	else
		snprintf(ifname, sizeof(ifname), "if%" PRIu32, ifindex);

	out_obj_begin(NULL);
	out_str("event", "%s", event);
	out_json_str("reason", reason_json);
	out_json_u64("ifindex", ifindex);
	out_str("ifname", " %s", ifname);
	print_prog(tb);
	if (tb[XPS_BPF_A_PROG_ID])
		out_flag("wrap", " wrap", tb[XPS_BPF_A_FLAGS] &&
			 (nla_get_u32(tb[XPS_BPF_A_FLAGS]) & XPS_BPF_F_WRAP));
	if (tb[XPS_BPF_A_OLD_PROG_ID])
		out_u64("old_prog_id", " (was %" PRIu64 ")",
			nla_get_u32(tb[XPS_BPF_A_OLD_PROG_ID]));
	out_plain(" (%s)\n", reason_plain);
	out_obj_end();

	/* A reader of a file or a pipe sees each event when it happens. */
	if (fflush(stdout) || ferror(stdout)) {
		err_print("error writing output");
		return -EIO;
	}
	return 1;
}

/* The controller's announcements: only the end of our family matters. */
static bool family_gone(struct nlmsghdr *nlh, int family)
{
	const struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (gh->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, ctrl_policy) ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return false;
	return nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == family;
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct genlmsghdr *gh = nlmsg_data(nlh);
	struct monitor *m = arg;
	int ret;

	if (!genlmsg_valid_hdr(nlh, 0))
		return 0;
	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		if (!family_gone(nlh, m->family))
			return 0;
		m->unloaded = true;
		return MONITOR_DONE;
	}
	if (nlh->nlmsg_type != m->family || gh->cmd != XPS_BPF_CMD_EVENT)
		return 0;
	ret = print_event(nlh);
	if (ret <= 0)
		return ret;
	m->printed++;
	return m->count && m->printed >= m->count ? MONITOR_DONE : 0;
}

static int parse_monitor(int argc, char **argv, struct monitor *m)
{
	int i = 0;

	while (i < argc) {
		const char *word = argv[i++];

		if (match_keyword(word, monitor_keywords) < 0)
			return usage_error("unknown argument '%s'", word);
		if (i >= argc)
			return usage_error("count needs a number");
		if (parse_u32(argv[i], &m->count) || !m->count)
			return usage_error("invalid count '%s'", argv[i]);
		i++;
	}
	return 0;
}

/*
 * SIGINT and SIGTERM are blocked and read from a descriptor, next to the
 * netlink socket: no handler, no race between a check and a wait.
 */
static int signals_open(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL)) {
		err_print("blocking signals: %s", strerror(errno));
		return -1;
	}
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		err_print("signalfd: %s", strerror(errno));
	return fd;
}

static int subscribe(struct xps_genl *g)
{
	int ctrl_group, events_group;

	/* Both ids before joining anything: see genl.h. */
	ctrl_group = genl_group(g, CTRL_FAMILY_NAME, CTRL_GROUP_NOTIFY);
	if (ctrl_group < 0)
		return ctrl_group;
	events_group = genl_group(g, XPS_BPF_GENL_NAME, XPS_BPF_MCGRP_EVENTS);
	if (events_group < 0)
		return events_group;
	if (genl_join(g, ctrl_group) || genl_join(g, events_group))
		return -EPROTO;
	return 0;
}

static int listen_events(struct xps_genl *g, int sig_fd, struct monitor *m)
{
	struct pollfd fds[2] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = nl_socket_get_fd(g->sk), .events = POLLIN },
	};
	int ret;

	for (;;) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err_print("poll: %s", strerror(errno));
			return EXIT_FAIL;
		}
		/* A signal is the user's way to stop: a clean end. */
		if (fds[0].revents)
			return EXIT_OK;
		if (!fds[1].revents)
			continue;
		ret = genl_receive(g, on_message, m);
		if (ret < 0)
			return EXIT_FAIL;
		if (ret == MONITOR_DONE)
			break;
	}
	if (m->unloaded) {
		err_print("the %s module was unloaded", XPS_BPF_GENL_NAME);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	struct xps_genl g;
	int sig_fd, ret;

	if (argc > 0 && is_help(argv[0])) {
		help_monitor();
		return EXIT_OK;
	}
	err_context("monitor", NULL);
	ret = parse_monitor(argc, argv, &m);
	if (ret)
		return ret;

	sig_fd = signals_open();
	if (sig_fd < 0)
		return EXIT_FAIL;
	if (genl_open(&g)) {
		close(sig_fd);
		return EXIT_FAIL;
	}
	m.family = g.family;
	if (subscribe(&g)) {
		ret = EXIT_FAIL;
	} else {
		verbose_print("listening for events of %s", XPS_BPF_GENL_NAME);
		ret = listen_events(&g, sig_fd, &m);
	}
	genl_close(&g);
	close(sig_fd);
	return ret;
}
