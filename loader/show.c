// SPDX-License-Identifier: GPL-2.0
/*
 * xpsctl show: what is attached, and with -s what it did.
 *
 *   show [DEV] [-s | stats]
 *
 * Output, one device per line in plain text:
 *
 *   IFNAME: prog id ID [name NAME] tag TAG queues N path PATH [wrap]
 *   IFNAME: no program queues N           (show DEV, nothing attached)
 *
 * "name" is left out when the program has none; "queues" is the device's
 * real tx queue count; PATH is where the program runs (pick-tx, replace or
 * after; xps-bpf(7), Drivers); "wrap" says that a return outside 0..n-1 is
 * taken modulo n, as tun does (attach ... wrap). With -s, indented lines
 * follow:
 *
 *       runs R steered S fallback F out_of_range O
 *       queue Q: PACKETS                   (one per queue that sent packets)
 *
 * JSON (-j, -p) is always an array, of zero or one element for show DEV:
 *
 *   [{"ifindex": 3, "ifname": "tap0", "tx_queues": 4,
 *     "prog": {"id": 42, "name": "steer", "tag": "0123456789abcdef"},
 *     "path": "replace", "wrap": false,
 *     "stats": {"runs": R, "steered": S, "fallback": F, "out_of_range": O,
 *               "queues": [{"queue": 0, "packets": P}, ...]}}]
 *
 * "prog" is null when nothing is attached, and "path" and "wrap" then absent; "stats"
 * appears only with -s.
 * Both forms come from dev_print(), field by field.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "genl.h"
#include "out.h"
#include "xpsctl.h"

void help_show(void)
{
	fprintf(stdout,
		"Usage: %s show [DEV] [-s | stats]\n"
		"\n"
		"Show the program of DEV, or of every device that has one.\n"
		"\n"
		"  dev DEV      the keyword is optional\n"
		"  -s, stats    add the counters: runs, steered, fallback,\n"
		"               out_of_range and packets per queue\n",
		PROG_NAME);
}

static const char *path_name(uint32_t path)
{
	static const char *const names[] = {
		[XPS_BPF_PATH_PICK_TX] = "pick-tx",
		[XPS_BPF_PATH_REPLACE] = "replace",
		[XPS_BPF_PATH_AFTER] = "after",
	};

	return path < sizeof(names) / sizeof(names[0]) && names[path] ?
		names[path] : "unknown";
}

void dev_print(const struct xps_dev *d, bool stats)
{
	size_t i;

	out_obj_begin(NULL);
	out_json_u64("ifindex", d->ifindex);
	out_str("ifname", "%s:", d->ifname);
	if (d->has_prog) {
		out_obj_begin("prog");
		out_u64("id", " prog id %" PRIu64, d->prog_id);
		if (*d->prog_name)
			out_str("name", " name %s", d->prog_name);
		else
			out_json_str("name", d->prog_name);
		if (d->has_tag) {
			char tag[2 * XPS_BPF_TAG_SIZE + 1];

			for (i = 0; i < XPS_BPF_TAG_SIZE; i++)
				snprintf(tag + 2 * i, 3, "%02x", d->prog_tag[i]);
			out_str("tag", " tag %s", tag);
		}
		out_obj_end();
	} else {
		out_null("prog", " no program");
	}
	if (d->has_tx_queues)
		out_u64("tx_queues", " queues %" PRIu64, d->tx_queues);
	if (d->path)
		out_str("path", " path %s", path_name(d->path));
	if (d->has_prog)
		out_flag("wrap", " wrap", d->wrap);
	out_plain("\n");

	if (stats && d->has_stats) {
		out_obj_begin("stats");
		out_u64("runs", "    runs %" PRIu64, d->runs);
		out_u64("steered", " steered %" PRIu64, d->steered);
		out_u64("fallback", " fallback %" PRIu64, d->fallback);
		out_u64("out_of_range", " out_of_range %" PRIu64 "\n",
			d->out_of_range);
		out_arr_begin("queues");
		for (i = 0; i < d->nr_queues; i++) {
			out_obj_begin(NULL);
			out_u64("queue", "    queue %" PRIu64 ":",
				d->queues[i].queue);
			out_u64("packets", " %" PRIu64 "\n",
				d->queues[i].packets);
			out_obj_end();
		}
		out_arr_end();
		out_obj_end();
	}
	out_obj_end();
}

void dev_free(struct xps_dev *d)
{
	free(d->queues);
	d->queues = NULL;
	d->nr_queues = 0;
}

struct dev_list {
	struct xps_dev *devs;
	size_t nr;
	size_t cap;
	uint32_t ifindex;	/* the one device asked for, or 0 */
};

static void dev_list_reset(void *arg)
{
	struct dev_list *l = arg;
	size_t i;

	for (i = 0; i < l->nr; i++)
		dev_free(&l->devs[i]);
	l->nr = 0;
}

static void dev_list_free(struct dev_list *l)
{
	dev_list_reset(l);
	free(l->devs);
	l->devs = NULL;
	l->cap = 0;
}

/*
 * No maxlen on strings: a longer name from a newer kernel is truncated for
 * display rather than rejected. Unknown attributes are ignored for the same
 * reason: newer kernels may add some.
 */
static struct nla_policy dev_policy[XPS_BPF_A_MAX + 1] = {
	[XPS_BPF_A_IFINDEX] = { .type = NLA_U32 },
	[XPS_BPF_A_IFNAME] = { .type = NLA_STRING },
	[XPS_BPF_A_TX_QUEUES] = { .type = NLA_U32 },
	[XPS_BPF_A_PROG_ID] = { .type = NLA_U32 },
	[XPS_BPF_A_PROG_NAME] = { .type = NLA_STRING },
	[XPS_BPF_A_PROG_TAG] = { .minlen = XPS_BPF_TAG_SIZE },
	[XPS_BPF_A_STATS] = { .type = NLA_NESTED },
	[XPS_BPF_A_PATH] = { .type = NLA_U32 },
	[XPS_BPF_A_FLAGS] = { .type = NLA_U32 },
};

static struct nla_policy stats_policy[XPS_BPF_STATS_MAX + 1] = {
	[XPS_BPF_STATS_RUNS] = { .type = NLA_U64 },
	[XPS_BPF_STATS_STEERED] = { .type = NLA_U64 },
	[XPS_BPF_STATS_FALLBACK] = { .type = NLA_U64 },
	[XPS_BPF_STATS_OUT_OF_RANGE] = { .type = NLA_U64 },
	[XPS_BPF_STATS_QUEUES] = { .type = NLA_NESTED },
};

static struct nla_policy queue_policy[XPS_BPF_QUEUE_MAX + 1] = {
	[XPS_BPF_QUEUE_INDEX] = { .type = NLA_U32 },
	[XPS_BPF_QUEUE_PACKETS] = { .type = NLA_U64 },
};

static uint64_t get_u64(struct nlattr *attr)
{
	return attr ? nla_get_u64(attr) : 0;
}

static int cmp_queue(const void *a, const void *b)
{
	const struct xps_queue_stat *qa = a, *qb = b;

	return (qa->queue > qb->queue) - (qa->queue < qb->queue);
}

static int parse_queues(struct xps_dev *d, struct nlattr *nest)
{
	struct nlattr *tb[XPS_BPF_QUEUE_MAX + 1];
	struct xps_queue_stat *queues;
	struct nlattr *entry;
	size_t count = 0;
	int rem;

	nla_for_each_nested(entry, nest, rem)
		count += nla_type(entry) == XPS_BPF_QUEUE;
	if (!count)
		return 0;
	/* A dump's later messages add to the queues of the first. */
	queues = realloc(d->queues, (d->nr_queues + count) * sizeof(*d->queues));
	if (!queues)
		return -ENOMEM;
	d->queues = queues;

	nla_for_each_nested(entry, nest, rem) {
		if (nla_type(entry) != XPS_BPF_QUEUE)
			continue;
		if (nla_parse_nested(tb, XPS_BPF_QUEUE_MAX, entry, queue_policy) ||
		    !tb[XPS_BPF_QUEUE_INDEX])
			return -EBADMSG;
		d->queues[d->nr_queues].queue = nla_get_u32(tb[XPS_BPF_QUEUE_INDEX]);
		d->queues[d->nr_queues].packets = get_u64(tb[XPS_BPF_QUEUE_PACKETS]);
		d->nr_queues++;
	}
	qsort(d->queues, d->nr_queues, sizeof(*d->queues), cmp_queue);
	return 0;
}

static int parse_stats(struct xps_dev *d, struct nlattr *nest, bool more)
{
	struct nlattr *tb[XPS_BPF_STATS_MAX + 1];

	if (nla_parse_nested(tb, XPS_BPF_STATS_MAX, nest, stats_policy))
		return -EBADMSG;
	if (more)
		goto queues;
	d->has_stats = true;
	d->runs = get_u64(tb[XPS_BPF_STATS_RUNS]);
	d->steered = get_u64(tb[XPS_BPF_STATS_STEERED]);
	d->fallback = get_u64(tb[XPS_BPF_STATS_FALLBACK]);
	d->out_of_range = get_u64(tb[XPS_BPF_STATS_OUT_OF_RANGE]);
queues:
	if (tb[XPS_BPF_STATS_QUEUES])
		return parse_queues(d, tb[XPS_BPF_STATS_QUEUES]);
	return 0;
}

/*
 * A device whose queue counters do not fit in one message of a dump comes
 * in several: the later ones hold only its index and more queues.
 */
static bool more_queues(struct nlattr **tb, const struct dev_list *l)
{
	return l->nr && !tb[XPS_BPF_A_IFNAME] && tb[XPS_BPF_A_STATS] &&
	       l->devs[l->nr - 1].ifindex == nla_get_u32(tb[XPS_BPF_A_IFINDEX]);
}

static int parse_dev(struct nlattr **tb, struct xps_dev *d)
{
	d->ifindex = nla_get_u32(tb[XPS_BPF_A_IFINDEX]);
	if (tb[XPS_BPF_A_IFNAME])
		nla_strlcpy(d->ifname, tb[XPS_BPF_A_IFNAME], sizeof(d->ifname));
	else if (!if_indextoname(d->ifindex, d->ifname))
		snprintf(d->ifname, sizeof(d->ifname), "if%u", d->ifindex);
	if (tb[XPS_BPF_A_TX_QUEUES]) {
		d->has_tx_queues = true;
		d->tx_queues = nla_get_u32(tb[XPS_BPF_A_TX_QUEUES]);
	}
	/* The program id is what says a program is attached. */
	if (tb[XPS_BPF_A_PROG_ID]) {
		d->has_prog = true;
		d->prog_id = nla_get_u32(tb[XPS_BPF_A_PROG_ID]);
		if (tb[XPS_BPF_A_PROG_NAME])
			nla_strlcpy(d->prog_name, tb[XPS_BPF_A_PROG_NAME],
				    sizeof(d->prog_name));
		if (tb[XPS_BPF_A_PATH])
			d->path = nla_get_u32(tb[XPS_BPF_A_PATH]);
		if (tb[XPS_BPF_A_FLAGS])
			d->wrap = nla_get_u32(tb[XPS_BPF_A_FLAGS]) & XPS_BPF_F_WRAP;
		if (tb[XPS_BPF_A_PROG_TAG]) {
			d->has_tag = true;
			memcpy(d->prog_tag, nla_data(tb[XPS_BPF_A_PROG_TAG]),
			       XPS_BPF_TAG_SIZE);
		}
	}
	if (tb[XPS_BPF_A_STATS])
		return parse_stats(d, tb[XPS_BPF_A_STATS], false);
	return 0;
}

static int on_dev(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[XPS_BPF_A_MAX + 1];
	struct dev_list *l = arg;
	struct xps_dev *d;
	int ret;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, XPS_BPF_A_MAX, dev_policy) ||
	    !tb[XPS_BPF_A_IFINDEX]) {
		err_print("malformed reply from the kernel");
		return -EBADMSG;
	}
	/* A module older than the dump's filter sends every device. */
	if (l->ifindex && nla_get_u32(tb[XPS_BPF_A_IFINDEX]) != l->ifindex)
		return 0;
	if (more_queues(tb, l)) {
		ret = parse_stats(&l->devs[l->nr - 1], tb[XPS_BPF_A_STATS], true);
		goto out;
	}
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct xps_dev *devs = realloc(l->devs, cap * sizeof(*devs));

		if (!devs) {
			err_print("%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		l->devs = devs;
		l->cap = cap;
	}
	d = &l->devs[l->nr];
	memset(d, 0, sizeof(*d));
	ret = parse_dev(tb, d);
	if (ret)
		dev_free(d);
	else
		l->nr++;
out:
	if (ret)
		err_print("%s", ret == -ENOMEM ? strerror(ENOMEM) :
			  "malformed reply from the kernel");
	return ret;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct xps_dev *da = a, *db = b;

	return (da->ifindex > db->ifindex) - (da->ifindex < db->ifindex);
}

/*
 * A device is asked for with a dump too, filtered by its index: its queue
 * counters may need more than one message (a get's single reply would
 * overflow the socket's buffer with a few thousand of them).
 */
static int query(const char *dev, struct dev_list *l)
{
	uint32_t ifindex = 0;
	struct xps_genl g;
	int ret;

	if (dev && resolve_dev(dev, &ifindex))
		return -ENODEV;
	if (genl_open(&g))
		return -ENOENT;
	l->ifindex = ifindex;
	ret = genl_dump(&g, XPS_BPF_CMD_GET, ifindex, on_dev, dev_list_reset, l);
	genl_close(&g);
	return ret;
}

/*
 * One device by name, for the verbs that act on what is attached (rss):
 * 0, or a negative errno already reported. dev_free() @d afterwards.
 */
int dev_get(const char *name, struct xps_dev *d)
{
	struct dev_list l = { 0 };
	int ret;

	memset(d, 0, sizeof(*d));
	ret = query(name, &l);
	if (!ret && !l.nr) {
		err_print("no reply from the kernel");
		ret = -EBADMSG;
	}
	if (!ret) {
		*d = l.devs[0];
		l.devs[0].queues = NULL;
		l.devs[0].nr_queues = 0;
	}
	dev_list_free(&l);
	return ret;
}

int cmd_show(int argc, char **argv)
{
	struct dev_list l = { 0 };
	const char *dev = NULL;
	bool stats = opts.stats;
	int a, ret;

	if (argc > 0 && is_help(argv[0])) {
		help_show();
		return EXIT_OK;
	}
	err_context("show", NULL);
	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "-s") || !strcmp(argv[a], "--stats")) {
			stats = true;
			continue;
		}
		/*
		 * A device name is free text that may look like the prefix
		 * of a keyword: only exact keywords are taken here.
		 */
		if (!strcmp(argv[a], "stats")) {
			stats = true;
			continue;
		}
		if (!strcmp(argv[a], "dev") && a + 1 < argc)
			a++;
		if (dev)
			return usage_error("unexpected argument '%s'", argv[a]);
		dev = argv[a];
		err_context("show", dev);
	}

	ret = query(dev, &l);
	if (!ret) {
		size_t i;

		qsort(l.devs, l.nr, sizeof(*l.devs), cmp_dev);
		out_arr_begin(NULL);
		for (i = 0; i < l.nr; i++)
			dev_print(&l.devs[i], stats);
		out_arr_end();
	}
	dev_list_free(&l);
	return ret ? EXIT_FAIL : EXIT_OK;
}
