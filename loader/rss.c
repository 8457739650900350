// SPDX-License-Identifier: GPL-2.0
/*
 * xpsctl rss: show and set the maps of the rss program (progs/rss.bpf.c)
 * attached to a device, in the grammar of ethtool -x and ethtool -X.
 *
 *   rss DEV show
 *   rss DEV [equal N | weight W0 W1 ...] [hkey XX:XX:...] [hfunc-types T,...]
 *
 * The program is the one the kernel reports attached to DEV (XPS_BPF_CMD_GET,
 * its id); its maps are found by name among the program's own: rss_key,
 * rss_indir, rss_config (layouts in progs/rss.h).
 *
 * A write goes key, table, hash types, and only then enabled = 1, so that
 * the program never runs on half a configuration. When enabling, an all-zero
 * key is replaced by the default Microsoft key first, and hash types 0 by
 * all of them.
 *
 * show prints, as ethtool -x does:
 *
 *   TX flow hash indirection table for DEV with N TX queue(s):
 *       0:      0     1     2     3     0     1     2     3
 *       ...
 *   RSS hash key:
 *   6d:5a:56:...
 *   RSS hash types: ipv4 tcp4 udp4 ipv6 tcp6 udp6
 *   RSS enabled: on
 *
 * JSON: {"ifindex", "ifname", "tx_queues", "enabled": bool,
 *        "hash_types": ["ipv4", ...], "key": "6d:5a:...", "indir": [...]}
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "../progs/rss.h"
#include "out.h"
#include "xpsctl.h"

void help_rss(void)
{
	fprintf(stdout,
		"Usage: %s rss DEV show\n"
		"       %s rss DEV [equal N | weight W0 W1 ...] [hkey XX:XX:...]\n"
		"                  [hfunc-types TYPE,...]\n"
		"\n"
		"Show or set the Toeplitz key, indirection table and hash types of\n"
		"the rss program attached to DEV, as ethtool -x and -X do for a NIC.\n"
		"\n"
		"  dev DEV              the keyword is optional\n"
		"  show                 the table, key, hash types and state\n"
		"  equal N              table entry i -> queue i %% N (N <= tx queues)\n"
		"  weight W0 W1 ...     queue i gets 128*Wi/sum entries, consecutive\n"
		"                       (rounded, the largest fractions up, total 128)\n"
		"  hkey XX:XX:...       the 40-byte key\n"
		"  hfunc-types T,...    ipv4,tcp4,udp4,ipv6,tcp6,udp6 or all\n"
		"\n"
		"Any change enables the program (enabled = 1) after writing. If the\n"
		"key is then all zero, the default Microsoft key is written first; if\n"
		"no hash type is set, all of them are.\n",
		PROG_NAME, PROG_NAME);
}

static const uint8_t default_key[XPS_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Bits 0..5 of hash_types, in order. */
static const char *const hash_names[] = {
	"ipv4", "tcp4", "udp4", "ipv6", "tcp6", "udp6", NULL,
};

enum rss_table {
	TABLE_NONE,
	TABLE_EQUAL,
	TABLE_WEIGHT,
};

struct rss_req {
	bool show;
	enum rss_table table;
	uint32_t equal;
	uint32_t *weights;
	size_t nr_weights;
	bool has_key;
	uint8_t key[XPS_RSS_KEY_SIZE];
	bool has_types;
	uint32_t types;
};

struct rss_maps {
	int key_fd;
	int indir_fd;
	int config_fd;
	uint32_t indir_entries;
};

/* "6d:5a:...": exactly XPS_RSS_KEY_SIZE pairs of hex digits. */
static int parse_key(const char *s, uint8_t *key)
{
	size_t i;

	for (i = 0; i < XPS_RSS_KEY_SIZE; i++) {
		char byte[3] = { 0 };

		if (i && *s++ != ':')
			return -EINVAL;
		if (!s[0] || !s[1] || !strchr("0123456789abcdefABCDEF", s[0]) ||
		    !strchr("0123456789abcdefABCDEF", s[1]))
			return -EINVAL;
		byte[0] = s[0];
		byte[1] = s[1];
		key[i] = (uint8_t)strtoul(byte, NULL, 16);
		s += 2;
	}
	return *s ? -EINVAL : 0;
}

static int parse_types(const char *s, uint32_t *types)
{
	char *copy = strdup(s), *tok, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	*types = 0;
	if (!*s || s[strlen(s) - 1] == ',' || *s == ',' || strstr(s, ",,"))
		ret = -EINVAL;
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		int i;

		if (!strcmp(tok, "all")) {
			*types |= XPS_RSS_HASH_ALL;
			continue;
		}
		for (i = 0; hash_names[i]; i++)
			if (!strcmp(tok, hash_names[i]))
				break;
		if (!hash_names[i])
			ret = -EINVAL;
		else
			*types |= 1U << i;
	}
	free(copy);
	return ret;
}

static const char *const rss_keywords[] = {
	"show", "equal", "weight", "hkey", "hfunc-types", NULL,
};

enum { KW_SHOW, KW_EQUAL, KW_WEIGHT, KW_HKEY, KW_TYPES };

static int parse_args(int argc, char **argv, int i, struct rss_req *r)
{
	if (i >= argc)
		return usage_error("missing action (show, equal, weight, hkey, hfunc-types)");
	while (i < argc) {
		const char *word = argv[i++];
		int kw = match_keyword(word, rss_keywords);

		if (kw == -2)
			return usage_error("ambiguous keyword '%s'", word);
		if (kw < 0)
			return usage_error("unknown argument '%s'", word);
		if (kw == KW_SHOW) {
			r->show = true;
			continue;
		}
		if (kw == KW_WEIGHT) {
			uint64_t sum = 0;

			if (r->table != TABLE_NONE)
				return usage_error("equal and weight exclude each other");
			r->table = TABLE_WEIGHT;
			r->weights = calloc((size_t)argc, sizeof(*r->weights));
			if (!r->weights) {
				err_print("%s", strerror(ENOMEM));
				return EXIT_FAIL;
			}
			/* Weights run up to the next word that is no number. */
			while (i < argc && !parse_u32(argv[i], &r->weights[r->nr_weights])) {
				sum += r->weights[r->nr_weights++];
				i++;
			}
			if (!r->nr_weights)
				return usage_error("weight needs at least one weight");
			if (!sum)
				return usage_error("at least one weight must be non-zero");
			continue;
		}
		if (i >= argc)
			return usage_error("%s needs an argument", rss_keywords[kw]);
		word = argv[i++];
		switch (kw) {
		case KW_EQUAL:
			if (r->table != TABLE_NONE)
				return usage_error("equal and weight exclude each other");
			r->table = TABLE_EQUAL;
			if (parse_u32(word, &r->equal) || !r->equal)
				return usage_error("invalid queue count '%s'", word);
			break;
		case KW_HKEY:
			if (parse_key(word, r->key))
				return usage_error("invalid key '%s' (want %d bytes XX:XX:...)",
						   word, XPS_RSS_KEY_SIZE);
			r->has_key = true;
			break;
		default: /* KW_TYPES */
			if (parse_types(word, &r->types))
				return usage_error("invalid hash types '%s' (want %s)", word,
						   "ipv4,tcp4,udp4,ipv6,tcp6,udp6 or all");
			r->has_types = true;
			break;
		}
	}
	if (r->show && (r->table != TABLE_NONE || r->has_key || r->has_types))
		return usage_error("show takes no other argument");
	return EXIT_OK;
}

static void maps_close(struct rss_maps *m)
{
	if (m->key_fd >= 0)
		close(m->key_fd);
	if (m->indir_fd >= 0)
		close(m->indir_fd);
	if (m->config_fd >= 0)
		close(m->config_fd);
	m->key_fd = m->indir_fd = m->config_fd = -1;
}

/* Keep @fd as *@slot when @info is the map @name with the layout wanted. */
static int take_map(int fd, const struct bpf_map_info *info, const char *name,
		    uint32_t value_size, uint32_t min_entries, int *slot)
{
	if (strcmp(info->name, name))
		return 0;
	if (info->value_size != value_size || info->key_size != sizeof(uint32_t) ||
	    info->max_entries < min_entries) {
		err_print("map %s (id %u) has an unexpected layout", name, info->id);
		return -EINVAL;
	}
	if (*slot >= 0)
		close(*slot);
	*slot = fd;
	return 1;
}

/*
 * The maps of the program @prog_fd by name; @prog_id and @what ("the
 * attached program") name it in messages.
 */
static int find_maps_of(int prog_fd, uint32_t prog_id, const char *what,
			struct rss_maps *m)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info), *ids = NULL, nr, i;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	nr = info.nr_map_ids;
	if (!ret && nr) {
		ids = calloc(nr, sizeof(*ids));
		if (!ids) {
			err_print("%s", strerror(ENOMEM));
			return -ENOMEM;
		}
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		info.nr_map_ids = nr;
		info.map_ids = (uint64_t)(uintptr_t)ids;
		ret = bpf_obj_get_info_by_fd(prog_fd, &info, &len);
		if (info.nr_map_ids < nr)
			nr = info.nr_map_ids;
	}
	if (ret) {
		free(ids);
		err_print("program id %u: %s", prog_id, strerror(-ret));
		return ret;
	}

	for (i = 0; i < nr; i++) {
		struct bpf_map_info mi;
		uint32_t mlen = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0) {
			ret = -errno;
			err_print("map id %u: %s", ids[i], strerror(errno));
			break;
		}
		memset(&mi, 0, sizeof(mi));
		ret = bpf_obj_get_info_by_fd(fd, &mi, &mlen);
		if (ret) {
			err_print("map id %u: %s", ids[i], strerror(-ret));
			close(fd);
			break;
		}
		ret = take_map(fd, &mi, "rss_key", sizeof(struct xps_rss_key), 1,
			       &m->key_fd);
		if (!ret)
			ret = take_map(fd, &mi, "rss_indir", sizeof(uint32_t), 1,
				       &m->indir_fd);
		if (ret > 0 && fd == m->indir_fd)
			m->indir_entries = mi.max_entries;
		if (!ret)
			ret = take_map(fd, &mi, "rss_config",
				       sizeof(struct xps_rss_config), 1, &m->config_fd);
		if (ret <= 0)
			close(fd);
		if (ret < 0)
			break;
		ret = 0;
	}
	free(ids);
	if (ret)
		return ret;
	if (m->indir_fd < 0) {
		err_print("%s is not rss (no rss_indir map)", what);
		return -ENOENT;
	}
	if (m->key_fd < 0 || m->config_fd < 0) {
		err_print("%s has no %s map", what,
			  m->key_fd < 0 ? "rss_key" : "rss_config");
		return -ENOENT;
	}
	if (m->indir_entries > XPS_RSS_INDIR_SIZE)
		m->indir_entries = XPS_RSS_INDIR_SIZE;
	return 0;
}

/* The maps of the program attached to @d. */
static int find_maps(const struct xps_dev *d, struct rss_maps *m)
{
	int prog_fd, ret;

	prog_fd = bpf_prog_get_fd_by_id(d->prog_id);
	if (prog_fd < 0) {
		ret = -errno;
		err_print("program id %u: %s", d->prog_id, strerror(-ret));
		return ret;
	}
	ret = find_maps_of(prog_fd, d->prog_id, "the attached program", m);
	close(prog_fd);
	return ret;
}

static int map_read(int fd, const char *name, uint32_t idx, void *val)
{
	if (bpf_map_lookup_elem(fd, &idx, val)) {
		err_print("reading %s[%u]: %s", name, idx, strerror(errno));
		return -errno;
	}
	return 0;
}

static int map_write(int fd, const char *name, uint32_t idx, const void *val)
{
	if (bpf_map_update_elem(fd, &idx, val, BPF_ANY)) {
		err_print("writing %s[%u]: %s", name, idx, strerror(errno));
		return -errno;
	}
	return 0;
}

/*
 * Queue i gets 128 * Wi / sum entries: the integer part, plus one for the
 * queues with the largest fractions (the lower queue first on a tie) until
 * the total is 128, so each count is the share rounded up or down. Entries
 * go to queue 0 first, then 1, and so on, consecutive.
 */
static void fill_weights(const struct rss_req *r, uint32_t *table, uint32_t size)
{
	uint64_t sum = 0, *rem;
	uint32_t *count, total = 0, pos = 0;
	size_t i;

	rem = calloc(r->nr_weights, sizeof(*rem));
	count = calloc(r->nr_weights, sizeof(*count));
	for (i = 0; i < r->nr_weights; i++)
		sum += r->weights[i];
	for (i = 0; i < r->nr_weights && rem && count; i++) {
		count[i] = (uint32_t)((uint64_t)size * r->weights[i] / sum);
		rem[i] = (uint64_t)size * r->weights[i] % sum;
		total += count[i];
	}
	while (total < size && rem && count) {
		size_t best = 0;

		for (i = 1; i < r->nr_weights; i++)
			if (rem[i] > rem[best])
				best = i;
		count[best]++;
		rem[best] = 0;
		total++;
	}
	for (i = 0; i < r->nr_weights && rem && count; i++) {
		uint32_t n;

		for (n = 0; n < count[i] && pos < size; n++)
			table[pos++] = (uint32_t)i;
	}
	/* Out of memory: queue 0 for everything rather than garbage. */
	while (pos < size)
		table[pos++] = 0;
	free(rem);
	free(count);
}

static bool key_is_zero(const uint8_t *key)
{
	size_t i;

	for (i = 0; i < XPS_RSS_KEY_SIZE; i++)
		if (key[i])
			return false;
	return true;
}

/*
 * Whether the table names only queues @d has now; if not, say so, as an
 * error (@strict) or a warning.
 */
static bool queues_fit(const struct xps_dev *d, const struct rss_req *r,
		       bool strict)
{
	char msg[128];

	if (!d->has_tx_queues)
		return true;
	if (r->table == TABLE_EQUAL && r->equal > d->tx_queues)
		snprintf(msg, sizeof(msg), "equal %u: the device has %u tx queue(s)",
			 r->equal, d->tx_queues);
	else if (r->table == TABLE_WEIGHT && r->nr_weights > d->tx_queues)
		snprintf(msg, sizeof(msg), "weight: %zu weights for %u tx queue(s)",
			 r->nr_weights, d->tx_queues);
	else
		return true;
	if (strict)
		err_print("%s", msg);
	else
		warn_print("%s; the others fall back until they exist", msg);
	return false;
}

/*
 * The key @r sets, or the one there, or the default key where that is all
 * zero; written with the tables the program hashes with, derived from it
 * again each time, so that they cannot disagree.
 */
static int write_key(const struct rss_maps *m, const struct rss_req *r)
{
	struct xps_rss_key *key = malloc(sizeof(*key));
	uint32_t zero = 0;
	int ret = -EIO;

	if (!key) {
		err_print("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (map_read(m->key_fd, "rss_key", zero, key))
		goto out;
	if (r->has_key)
		memcpy(key->bytes, r->key, sizeof(key->bytes));
	if (key_is_zero(key->bytes)) {
		memcpy(key->bytes, default_key, sizeof(key->bytes));
		verbose_print("key all zero: writing the default key");
	}
	xps_rss_derive(key);
	if (!map_write(m->key_fd, "rss_key", zero, key))
		ret = 0;
out:
	free(key);
	return ret;
}

static int rss_write(const struct rss_maps *m, const struct rss_req *r)
{
	struct xps_rss_config cfg, next;
	uint32_t zero = 0;

	if (map_read(m->config_fd, "rss_config", zero, &cfg))
		return -EIO;

	/* Key, table, types; enabled last. */
	if (write_key(m, r))
		return -EIO;
	next = cfg;
	if (r->table != TABLE_NONE) {
		uint32_t table[XPS_RSS_INDIR_SIZE], size = m->indir_entries, i;

		if (r->table == TABLE_EQUAL)
			for (i = 0; i < size; i++)
				table[i] = i % r->equal;
		else
			fill_weights(r, table, size);
		for (i = 0; i < size; i++)
			if (map_write(m->indir_fd, "rss_indir", i, &table[i]))
				return -EIO;
		next.indir_size = size;
	}
	if (r->has_types)
		next.hash_types = r->types;
	if (!next.hash_types) {
		verbose_print("no hash type set: setting all");
		next.hash_types = XPS_RSS_HASH_ALL;
	}
	if (!cfg.enabled) {
		next.enabled = 0;
		if (map_write(m->config_fd, "rss_config", zero, &next))
			return -EIO;
	}
	next.enabled = 1;
	if (map_write(m->config_fd, "rss_config", zero, &next))
		return -EIO;
	return 0;
}

static int rss_show(const struct xps_dev *d, const struct rss_maps *m)
{
	struct xps_rss_config cfg;
	struct xps_rss_key *key;
	char hex[3 * XPS_RSS_KEY_SIZE];
	uint32_t table[XPS_RSS_INDIR_SIZE], size, i, zero = 0;

	if (map_read(m->config_fd, "rss_config", zero, &cfg))
		return -EIO;
	/* The key, without the tables derived from it. */
	key = malloc(sizeof(*key));
	if (!key) {
		err_print("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (map_read(m->key_fd, "rss_key", zero, key)) {
		free(key);
		return -EIO;
	}
	for (i = 0; i < XPS_RSS_KEY_SIZE; i++)
		snprintf(hex + 3 * i, 4, "%02x%s", key->bytes[i],
			 i + 1 < XPS_RSS_KEY_SIZE ? ":" : "");
	free(key);
	size = cfg.indir_size;
	if (!size || size > m->indir_entries)
		size = m->indir_entries;
	/* All read before anything is printed: an error stays one line. */
	for (i = 0; i < size; i++)
		if (map_read(m->indir_fd, "rss_indir", i, &table[i]))
			return -EIO;

	out_obj_begin(NULL);
	out_json_u64("ifindex", d->ifindex);
	out_str("ifname", "TX flow hash indirection table for %s", d->ifname);
	if (d->has_tx_queues)
		out_u64("tx_queues", " with %" PRIu64 " TX queue(s)", d->tx_queues);
	out_plain(":\n");
	out_arr_begin("indir");
	for (i = 0; i < size; i++) {
		if (i % 8 == 0)
			out_plain("%5u: ", i);
		out_u64(NULL, " %5" PRIu64, table[i]);
		if (i % 8 == 7 || i + 1 == size)
			out_plain("\n");
	}
	out_arr_end();

	out_str("key", "RSS hash key:\n%s\n", hex);

	out_plain("RSS hash types:");
	out_arr_begin("hash_types");
	for (i = 0; hash_names[i]; i++)
		if (cfg.hash_types & (1U << i))
			out_str(NULL, " %s", hash_names[i]);
	out_arr_end();
	if (!(cfg.hash_types & XPS_RSS_HASH_ALL))
		out_plain(" none");
	out_plain("\n");
	out_bool("enabled", "RSS enabled: %s\n", cfg.enabled != 0);
	out_obj_end();
	return 0;
}

int cmd_rss(int argc, char **argv)
{
	struct rss_maps m = { .key_fd = -1, .indir_fd = -1, .config_fd = -1 };
	struct rss_req r;
	struct xps_dev d;
	const char *dev;
	int i = 0, ret;

	if (argc > 0 && is_help(argv[0])) {
		help_rss();
		return EXIT_OK;
	}
	memset(&r, 0, sizeof(r));
	err_context("rss", NULL);
	if (i < argc && !strcmp(argv[i], "dev"))
		i++;
	if (i >= argc)
		return usage_error("missing device");
	dev = argv[i++];
	err_context("rss", dev);
	ret = parse_args(argc, argv, i, &r);
	if (ret) {
		free(r.weights);
		return ret;
	}

	if (dev_get(dev, &d)) {
		free(r.weights);
		return EXIT_FAIL;
	}
	if (!d.has_prog) {
		err_print("no program attached");
		ret = -ENOENT;
	} else {
		ret = find_maps(&d, &m);
	}
	if (!ret && r.show)
		ret = rss_show(&d, &m);
	else if (!ret)
		ret = queues_fit(&d, &r, true) ? rss_write(&m, &r) : -EINVAL;
	if (!ret && !r.show) {
		/* JSON readers get a document even for a command that prints nothing. */
		out_obj_begin(NULL);
		out_json_u64("ifindex", d.ifindex);
		out_json_str("ifname", d.ifname);
		out_obj_end();
	}
	maps_close(&m);
	dev_free(&d);
	free(r.weights);
	return ret ? EXIT_FAIL : EXIT_OK;
}

/**
 * rss_parse() - read the words after "rss DEV" for apply
 * @argc: number of words
 * @argv: the words
 * @out: a new request, for rss_setup(); free it with rss_req_free()
 *
 * Only settings: "show" has no place in a configuration.
 *
 * Return: 0, or EXIT_USAGE or EXIT_FAIL after reporting the error.
 */
int rss_parse(int argc, char **argv, struct rss_req **out)
{
	struct rss_req *r = calloc(1, sizeof(*r));
	int ret;

	*out = NULL;
	if (!r) {
		err_print("%s", strerror(ENOMEM));
		return EXIT_FAIL;
	}
	ret = parse_args(argc, argv, 0, r);
	if (!ret && r->show)
		ret = usage_error("rss show has no place here: only settings");
	if (ret) {
		rss_req_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void rss_req_free(struct rss_req *r)
{
	if (!r)
		return;
	free(r->weights);
	free(r);
}

/**
 * rss_setup() - write @r into the maps of an rss program before it runs
 * @d: the device it is for; a table naming queues it does not have (yet:
 *	a tap gets its queues as they are opened) is only warned about
 * @prog_fd: the program, loaded and not attached yet
 * @r: what rss_parse() read
 * @dry_run: find and check the maps, write nothing
 *
 * Return: 0, or a negative errno after reporting the error.
 */
int rss_setup(const struct xps_dev *d, int prog_fd, const struct rss_req *r,
	      bool dry_run)
{
	struct rss_maps m = { .key_fd = -1, .indir_fd = -1, .config_fd = -1 };
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int ret;

	memset(&info, 0, sizeof(info));
	(void)bpf_obj_get_info_by_fd(prog_fd, &info, &len);
	ret = find_maps_of(prog_fd, info.id, "the program", &m);
	if (!ret)
		(void)queues_fit(d, r, false);
	if (!ret && !dry_run)
		ret = rss_write(&m, r);
	maps_close(&m);
	return ret;
}
