// SPDX-License-Identifier: GPL-2.0
/*
 * xpsctl apply: attach the programs a configuration names to the devices
 * that exist, and leave alone the devices that run them already.
 *
 *   apply [FILE | DIR | -] [--dev IFNAME] [--dry-run]
 *
 * Without FILE, every *.conf of /etc/xps-bpf (conf.c reads them). A line is
 * what "xpsctl attach" takes, with a device glob, then optionally "rss" and
 * the settings "xpsctl rss DEV" takes:
 *
 *   GLOB [obj] OBJ [sec SECTION | prog NAME] [wrap] [pin DIR] [rss SETTINGS...]
 *   GLOB pinned PATH [wrap] [rss SETTINGS...]
 *
 * GLOB matches interface names as fnmatch(3) does. A device's line is the
 * first that matches it (files in lexical order, lines in order); a line
 * with an error still claims its devices, which then keep what they run.
 * In DIR, %i is the device name and %% a '%'; a glob that pins needs %i,
 * as each device gets maps of its own.
 *
 * For each device a line matches: if it runs the line's program already
 * (the same tag and name; for a pinned program, the same id) under the
 * line's rule (wrap or not), nothing is done. Otherwise the object is loaded, the rss settings are written into
 * its maps, the maps pinned, and the program attached in one request that
 * expects the program attached until then (0: none), so that a concurrent
 * change is never overwritten; when the change that won is the same
 * program (the boot's apply and udev's for the same device), that is no
 * error. A failed line or device makes the exit status 1; the others are
 * applied all the same.
 *
 * One line per device a line matched, in the form of monitor's events:
 *
 *   attach IFNAME prog id ID [name NAME] [wrap] (FILE:LINE)
 *   replace IFNAME prog id ID [name NAME] [wrap] (was OLD_ID) (FILE:LINE)
 *   unchanged IFNAME prog id ID [name NAME] [wrap] (FILE:LINE)
 *
 * --dry-run loads the programs (to check them and compare them) and
 * attaches, pins and writes nothing: "prog id ID" is left out of attach and
 * replace. JSON: an array of {"action", "ifindex", "ifname", "prog": {["id"],
 * "name", "tag"}, "wrap", ["old_prog_id"], "file", "line"}, and of
 * {"action": "error", ["ifname"], ["file", "line"], "error"} per failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/file.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "attach.h"
#include "conf.h"
#include "genl.h"
#include "out.h"
#include "prog.h"
#include "xpsctl.h"

void help_apply(void)
{
	fprintf(stdout,
		"Usage: %s apply [FILE | DIR | -] [--dev IFNAME] [--dry-run]\n"
		"\n"
		"Attach the programs a configuration names to the devices that exist;\n"
		"a device that runs its program already is left alone. Without FILE,\n"
		"every *.conf of %s, in lexical order. One attachment per line:\n"
		"\n"
		"  GLOB OBJ [sec SECTION | prog NAME] [wrap] [pin DIR] [rss SETTINGS...]\n"
		"  GLOB pinned PATH [wrap] [rss SETTINGS...]\n"
		"\n"
		"  GLOB            interface names, as fnmatch(3): tap*, eth0, vnet[0-9]\n"
		"  OBJ ..., pinned as for attach; in DIR, %%i is the device name\n"
		"  rss SETTINGS    as for rss DEV (equal N | weight W0 W1 ..., hkey,\n"
		"                  hfunc-types), written before the program runs\n"
		"  # ...           a comment; a line ending in \\ goes on on the next\n"
		"\n"
		"The first line that matches a device is its line.\n"
		"\n"
		"  --dev IFNAME    only this device (what the udev rule runs)\n"
		"  --dry-run       check and compare, print what would change, change\n"
		"                  nothing\n",
		PROG_NAME, CONF_DIR);
}

/* One line of the configuration, as apply reads it. */
struct rule {
	const struct conf_line *line;
	/* The line was read without an error: it may be applied. */
	bool valid;
	struct attach_args a;
	struct rss_req *rss;
	/* The program the line loads, once it was: what its devices run. */
	bool known;
	uint32_t id;
	uint8_t tag[XPS_BPF_TAG_SIZE];
	char name[BPF_OBJ_NAME_LEN];
};

static struct {
	bool dry_run;
	unsigned int failures;
	/* -1 not asked yet, 0 absent, 1 loaded. */
	int module;
} apply;

/* A failure, already reported on stderr: JSON readers get it in the array. */
static void failed(const char *file, unsigned int line, const char *ifname)
{
	apply.failures++;
	if (!out_is_json())
		return;
	out_obj_begin(NULL);
	out_json_str("action", "error");
	if (ifname)
		out_json_str("ifname", ifname);
	if (file)
		out_json_str("file", file);
	if (line)
		out_json_u64("line", line);
	out_json_str("error", err_last());
	out_obj_end();
}

static void conf_failed(const char *file, unsigned int line)
{
	failed(file, line, NULL);
}

/* What stands for each device in DIR: %i, and %% for '%'. */
static int check_pin_dir(const char *dir, bool *per_dev)
{
	const char *p;

	*per_dev = false;
	for (p = strchr(dir, '%'); p; p = strchr(p + 2, '%')) {
		if (p[1] == 'i')
			*per_dev = true;
		else if (p[1] != '%')
			return usage_error("pin %s: unknown %%%c (%%i is the device name, %%%% a %%)",
					   dir, p[1] ? p[1] : ' ');
	}
	return 0;
}

/* @dir with %i replaced by @ifname and %% by %. */
static int expand_pin_dir(const char *dir, const char *ifname, char *buf,
			  size_t len)
{
	size_t n = 0;
	const char *p;

	for (p = dir; *p; p++) {
		const char *add = p;
		size_t add_len = 1;

		if (*p == '%' && p[1] == 'i') {
			add = ifname;
			add_len = strlen(ifname);
			p++;
		} else if (*p == '%' && p[1] == '%') {
			p++;
		}
		if (n + add_len >= len) {
			err_print("pin %s: path too long", dir);
			return -ENAMETOOLONG;
		}
		memcpy(buf + n, add, add_len);
		n += add_len;
	}
	buf[n] = '\0';
	return 0;
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/*
 * Read @r->line: the attach words up to "rss", then the rss settings.
 * Return: 0, or EXIT_USAGE or EXIT_FAIL after reporting the error.
 */
static int parse_rule(struct rule *r)
{
	const struct conf_line *l = r->line;
	bool per_dev;
	int rss_at, ret;

	ret = attach_parse(l->argc, l->argv, &r->a, NULL, "rss", &rss_at);
	if (ret)
		return ret;
	if (r->a.replace || r->a.has_expect)
		return usage_error("%s has no place in a configuration: apply replaces a program that differs",
				   r->a.replace ? "replace" : "expect");
	if (r->a.src.kind == PROG_FROM_ID)
		return usage_error("id has no place in a configuration: a program id does not outlive its program (pin it: pinned PATH)");
	if (r->a.src.pin_dir) {
		ret = check_pin_dir(r->a.src.pin_dir, &per_dev);
		if (ret)
			return ret;
		if (!per_dev && is_glob(r->a.dev))
			return usage_error("pin %s: each device of %s needs maps of its own: put %%i, the device name, in the directory",
					   r->a.src.pin_dir, r->a.dev);
	}
	if (rss_at < l->argc)
		return rss_parse(l->argc - rss_at - 1, l->argv + rss_at + 1,
				 &r->rss);
	return 0;
}

static void read_rules(const struct conf *c, struct rule *rules)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		struct rule *r = &rules[i];

		r->line = &c->lines[i];
		err_location(r->line->where);
		r->valid = !parse_rule(r);
		if (!r->valid)
			failed(r->line->file, r->line->lineno, NULL);
	}
	err_location(NULL);
}

/* The first line whose glob matches @ifname, or NULL. */
static struct rule *rule_for(struct rule *rules, size_t nr, const char *ifname)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (rules[i].a.dev && !fnmatch(rules[i].a.dev, ifname, 0))
			return &rules[i];
	return NULL;
}

/* @d runs the program of @r already, under its rule. */
static bool runs_rule(const struct rule *r, const struct xps_dev *d)
{
	if (!r->known || !d->has_prog || d->wrap != r->a.wrap)
		return false;
	if (r->a.src.kind == PROG_FROM_PINNED)
		return d->prog_id == r->id;
	return d->has_tag && !memcmp(d->prog_tag, r->tag, sizeof(r->tag)) &&
	       !strcmp(d->prog_name, r->name);
}

static int learn_prog(struct rule *r, int fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		int err = errno;

		err_print("reading the program's info: %s", strerror(err));
		return -err;
	}
	r->known = true;
	r->id = info.id;
	memcpy(r->tag, info.tag, sizeof(r->tag));
	snprintf(r->name, sizeof(r->name), "%s", info.name);
	return 0;
}

/*
 * One line of output, as monitor prints an event. @d is the device as it
 * was; the program is @d's own for "unchanged", else the line's, whose id
 * means something only once attached.
 */
static void print_action(const char *action, const struct xps_dev *d,
			 const struct rule *r, bool attached)
{
	bool unchanged = !strcmp(action, "unchanged");
	const uint8_t *tag = unchanged ? d->prog_tag : r->tag;
	const char *name = unchanged ? d->prog_name : r->name;
	char hex[2 * XPS_BPF_TAG_SIZE + 1];
	size_t i;

	for (i = 0; i < XPS_BPF_TAG_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", tag[i]);
	out_obj_begin(NULL);
	out_str("action", "%s", action);
	out_json_u64("ifindex", d->ifindex);
	out_str("ifname", " %s", d->ifname);
	out_obj_begin("prog");
	if (unchanged || attached)
		out_u64("id", " prog id %" PRIu64, unchanged ? d->prog_id : r->id);
	if (*name)
		out_str("name", " name %s", name);
	else
		out_json_str("name", name);
	out_json_str("tag", hex);
	out_obj_end();
	out_flag("wrap", " wrap", unchanged ? d->wrap : r->a.wrap);
	if (!strcmp(action, "replace"))
		out_u64("old_prog_id", " (was %" PRIu64 ")", d->prog_id);
	out_str("file", " (%s", r->line->file);
	out_u64("line", ":%" PRIu64 ")\n", r->line->lineno);
	out_obj_end();
}

/* Whether the module answers; without it a dry run assumes no program. */
static bool module_ready(void)
{
	struct xps_genl g;

	if (apply.module >= 0)
		return apply.module;
	if (apply.dry_run)
		err_hold();
	apply.module = !genl_open(&g);
	if (apply.module)
		genl_close(&g);
	if (apply.dry_run) {
		err_release(false);
		if (!apply.module)
			verbose_print("xps_bpf not loaded: no device counts as running a program");
	}
	return apply.module;
}

/*
 * @ifname as the kernel describes it; without the module, in a dry run, as
 * a device with no program.
 */
static int dev_state(const char *ifname, struct xps_dev *d)
{
	uint32_t ifindex;

	if (module_ready())
		return dev_get(ifname, d);
	/* Reported once, by module_ready(). */
	if (!apply.dry_run)
		return -ENOENT;
	memset(d, 0, sizeof(*d));
	if (resolve_dev(ifname, &ifindex))
		return -ENODEV;
	d->ifindex = ifindex;
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	return 0;
}

/*
 * Attach the loaded program @fd to @d unless @d changed since it was read.
 * When another apply won the race with the same program, say "unchanged".
 */
static int attach_expecting(struct rule *r, const struct xps_dev *d, int fd,
			    bool *unchanged)
{
	struct attach_args x = { .replace = true, .has_expect = true,
				 .wrap = r->a.wrap };
	struct xps_dev now;
	int ret;

	x.expect = d->has_prog ? d->prog_id : 0;
	err_hold();
	ret = attach_send(&x, d->ifindex, fd);
	*unchanged = false;
	if (ret == -EEXIST && !dev_get(d->ifname, &now)) {
		if (runs_rule(r, &now)) {
			*unchanged = true;
			ret = 0;
			print_action("unchanged", &now, r, true);
		}
		dev_free(&now);
	}
	err_release(ret != 0);
	return ret;
}

static int apply_to(struct rule *r, const char *ifname)
{
	struct prog_source src = r->a.src;
	struct prog_handle h;
	struct xps_dev d;
	char pin[PATH_MAX];
	bool unchanged = false;
	int ret;

	if (dev_state(ifname, &d))
		return -1;
	if (runs_rule(r, &d)) {
		print_action("unchanged", &d, r, true);
		dev_free(&d);
		return 0;
	}

	/* Pinned only once it is sure to be attached. */
	src.pin_dir = NULL;
	ret = prog_acquire(&src, &h);
	if (!ret)
		ret = learn_prog(r, h.fd);
	if (!ret && runs_rule(r, &d)) {
		print_action("unchanged", &d, r, true);
		goto out;
	}
	if (!ret && r->rss)
		ret = rss_setup(&d, h.fd, r->rss, apply.dry_run);
	if (ret || apply.dry_run)
		goto out;
	if (r->a.src.pin_dir) {
		ret = expand_pin_dir(r->a.src.pin_dir, d.ifname, pin, sizeof(pin));
		if (!ret)
			ret = prog_pin_maps(&h, src.path, pin);
		if (ret)
			goto out;
	}
	ret = attach_expecting(r, &d, h.fd, &unchanged);
out:
	if (!ret && !unchanged && !runs_rule(r, &d))
		print_action(d.has_prog ? "replace" : "attach", &d, r,
			     !apply.dry_run);
	prog_release(&h, !ret && !unchanged);
	dev_free(&d);
	return ret;
}

/* The devices of the netns, by index, for apply without --dev. */
static struct if_nameindex *all_devices(size_t *nr)
{
	struct if_nameindex *devs = if_nameindex(), *p;

	*nr = 0;
	if (!devs) {
		err_print("listing devices: %s", strerror(errno));
		return NULL;
	}
	for (p = devs; p->if_index; p++)
		(*nr)++;
	return devs;
}

static int cmp_index(const void *a, const void *b)
{
	const struct if_nameindex *x = a, *y = b;

	return (x->if_index > y->if_index) - (x->if_index < y->if_index);
}

static void apply_device(struct rule *rules, size_t nr, const char *ifname)
{
	struct rule *r = rule_for(rules, nr, ifname);

	if (!r)
		return;
	err_context("apply", ifname);
	err_location(r->line->where);
	if (!r->valid)
		verbose_print("left alone: its line has an error");
	else if (apply_to(r, ifname))
		failed(r->line->file, r->line->lineno, ifname);
	err_location(NULL);
	err_context("apply", NULL);
}

/*
 * Two applies at once (the boot's, and udev's for a device that has just
 * appeared) take turns: the second finds the work of the first done rather
 * than racing it. Without /run, or a dry run: no lock.
 */
#define APPLY_LOCK "/run/xps-bpf.lock"

static int lock_apply(void)
{
	int fd = open(APPLY_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		verbose_print("%s: %s; not locked", APPLY_LOCK, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX)) {
		if (errno == EINTR)
			continue;
		verbose_print("%s: %s; not locked", APPLY_LOCK, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int parse_args(int argc, char **argv, const char **path,
		      const char **dev)
{
	bool options = true;
	int i;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (options && !strcmp(arg, "--")) {
			options = false;
		} else if (options && !strcmp(arg, "--dry-run")) {
			apply.dry_run = true;
		} else if (options && !strcmp(arg, "--dev")) {
			if (i + 1 >= argc || !*argv[i + 1])
				return usage_error("--dev needs a device");
			*dev = argv[++i];
		} else if (options && !strncmp(arg, "--dev=", 6) && arg[6]) {
			*dev = arg + 6;
		} else if (options && arg[0] == '-' && arg[1]) {
			return usage_error("unknown option '%s'", arg);
		} else if (*path) {
			return usage_error("unexpected argument '%s'", arg);
		} else {
			*path = arg;
		}
	}
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	struct conf c = { .failed = conf_failed };
	const char *path = NULL, *dev = NULL;
	struct if_nameindex *devs = NULL;
	struct rule *rules = NULL;
	size_t i, nr = 0;
	int ret, lock = -1;

	if (argc > 0 && is_help(argv[0])) {
		help_apply();
		return EXIT_OK;
	}
	err_context("apply", NULL);
	apply.module = -1;
	ret = parse_args(argc, argv, &path, &dev);
	if (ret)
		return ret;

	out_arr_begin(NULL);
	(void)conf_read(&c, path);
	if (c.nr) {
		rules = calloc(c.nr, sizeof(*rules));
		if (!rules) {
			err_print("%s", strerror(ENOMEM));
			failed(NULL, 0, NULL);
			goto out;
		}
		read_rules(&c, rules);
	}

	if ((dev ? rule_for(rules, c.nr, dev) != NULL : c.nr > 0) &&
	    !apply.dry_run)
		lock = lock_apply();
	if (dev) {
		apply_device(rules, c.nr, dev);
	} else if (rules) {
		devs = all_devices(&nr);
		if (!devs) {
			failed(NULL, 0, NULL);
			goto out;
		}
		qsort(devs, nr, sizeof(*devs), cmp_index);
		for (i = 0; i < nr; i++)
			apply_device(rules, c.nr, devs[i].if_name);
	}
out:
	if (lock >= 0)
		close(lock);
	out_arr_end();
	if (devs)
		if_freenameindex(devs);
	for (i = 0; rules && i < c.nr; i++)
		rss_req_free(rules[i].rss);
	free(rules);
	conf_free(&c);
	return apply.failures ? EXIT_FAIL : EXIT_OK;
}
