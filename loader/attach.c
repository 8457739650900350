// SPDX-License-Identifier: GPL-2.0
/*
 * xpsctl attach: load or find a program and hand it to the kernel.
 *
 *   attach DEV OBJ [sec SECTION | prog NAME] [wrap] [replace] [expect ID] [pin DIR]
 *   attach DEV pinned PATH [wrap] [replace] [expect ID]
 *   attach DEV id PROG_ID [wrap] [replace] [expect ID]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <netlink/attr.h>

#include "attach.h"
#include "genl.h"
#include "out.h"
#include "xpsctl.h"

void help_attach(void)
{
	fprintf(stdout,
		"Usage: %s attach DEV OBJ [sec SECTION | prog NAME] [wrap] [replace] [expect ID] [pin DIR]\n"
		"       %s attach DEV pinned PATH [wrap] [replace] [expect ID]\n"
		"       %s attach DEV id PROG_ID [wrap] [replace] [expect ID]\n"
		"\n"
		"Attach a program that picks the transmit queue of every packet DEV sends.\n"
		"Any section name works: every program of OBJ is loaded as a socket filter.\n"
		"\n"
		"  dev DEV, obj OBJ   the keywords are optional\n"
		"  sec SECTION        the program in this ELF section (several programs)\n"
		"  prog NAME          the program with this function name (several programs)\n"
		"  pinned PATH        a program pinned in bpffs\n"
		"  id PROG_ID         a program already loaded\n"
		"  wrap               tun's rule: a return outside 0..n-1 is taken modulo n\n"
		"                     (its low 16 bits), as with TUNSETSTEERINGEBPF\n"
		"  replace            replace the program attached now, if any (and its\n"
		"                     rule: wrap as this command says)\n"
		"  expect ID          replace only if program ID is attached (0: none)\n"
		"  pin DIR            pin the object's maps in DIR to update them live\n",
		PROG_NAME, PROG_NAME, PROG_NAME);
}

enum { KW_SEC, KW_PROG, KW_REPLACE, KW_EXPECT, KW_PIN, KW_WRAP };
static const char *const attach_keywords[] = {
	[KW_SEC] = "sec",
	[KW_PROG] = "prog",
	[KW_REPLACE] = "replace",
	[KW_EXPECT] = "expect",
	[KW_PIN] = "pin",
	[KW_WRAP] = "wrap",
	NULL,
};

/* The program source: exact keywords only, the rest is a file name. */
static int parse_source(int argc, char **argv, int *i, struct attach_args *a)
{
	const char *word;

	if (*i >= argc)
		return usage_error("missing object file (or pinned PATH, id PROG_ID)");
	word = argv[(*i)++];
	if (strcmp(word, "pinned") && strcmp(word, "id") && strcmp(word, "obj")) {
		a->src.kind = PROG_FROM_OBJECT;
		a->src.path = word;
		return 0;
	}
	if (*i >= argc)
		return usage_error("%s needs an argument", word);
	if (!strcmp(word, "id")) {
		a->src.kind = PROG_FROM_ID;
		if (parse_u32(argv[*i], &a->src.id) || !a->src.id)
			return usage_error("invalid program id '%s'", argv[*i]);
	} else {
		a->src.kind = strcmp(word, "obj") ? PROG_FROM_PINNED :
						    PROG_FROM_OBJECT;
		a->src.path = argv[*i];
	}
	(*i)++;
	return 0;
}

/**
 * attach_parse() - read [dev] DEV SOURCE [KEYWORD...] into @a
 * @argc: number of words
 * @argv: the words, after the verb
 * @a: filled in (zero it first)
 * @verb: set as the error context once DEV is known; NULL leaves it alone
 * @stop_word: a word that ends the attach words where a keyword would be
 *	(apply's "rss"), or NULL: then every word must be the grammar's
 * @stopped_at: with @stop_word, the index of that word, or @argc
 *
 * Return: 0, or EXIT_USAGE after reporting the error.
 */
int attach_parse(int argc, char **argv, struct attach_args *a,
		 const char *verb, const char *stop_word, int *stopped_at)
{
	int i = 0, ret;

	if (i < argc && !strcmp(argv[i], "dev"))
		i++;
	if (i >= argc)
		return usage_error("missing device");
	a->dev = argv[i++];
	if (verb)
		err_context(verb, a->dev);

	ret = parse_source(argc, argv, &i, a);
	if (ret)
		return ret;

	if (stopped_at)
		*stopped_at = argc;
	while (i < argc) {
		const char *word = argv[i++];
		int kw;

		if (stop_word && stopped_at && !strcmp(word, stop_word)) {
			*stopped_at = i - 1;
			break;
		}
		kw = match_keyword(word, attach_keywords);
		if (kw == -2)
			return usage_error("ambiguous keyword '%s'", word);
		if (kw < 0)
			return usage_error("unknown argument '%s'", word);
		if (kw == KW_REPLACE) {
			a->replace = true;
			continue;
		}
		if (kw == KW_WRAP) {
			a->wrap = true;
			continue;
		}
		if (i >= argc)
			return usage_error("%s needs an argument",
					   attach_keywords[kw]);
		switch (kw) {
		case KW_SEC:
			a->src.section = argv[i];
			break;
		case KW_PROG:
			a->src.name = argv[i];
			break;
		case KW_PIN:
			a->src.pin_dir = argv[i];
			break;
		case KW_EXPECT:
			if (parse_u32(argv[i], &a->expect))
				return usage_error("invalid program id '%s'",
						   argv[i]);
			a->has_expect = true;
			break;
		}
		i++;
	}

	if (a->src.section && a->src.name)
		return usage_error("sec and prog exclude each other");
	if (a->src.kind != PROG_FROM_OBJECT &&
	    (a->src.section || a->src.name || a->src.pin_dir))
		return usage_error("sec, prog and pin apply to an object file only");
	return 0;
}

/**
 * attach_send() - ask the kernel to attach the program @fd to @ifindex
 * @a: replace, wrap and expect; the rest is not looked at
 * @ifindex: the device
 * @fd: the program
 *
 * Return: 0, or a negative errno after reporting the error.
 */
int attach_send(const struct attach_args *a, uint32_t ifindex, int fd)
{
	struct xps_genl g;
	struct nl_msg *msg;
	uint32_t flags = 0;
	int ret;

	ret = genl_open(&g);
	if (ret)
		return ret;
	msg = genl_request(&g, XPS_BPF_CMD_ATTACH, 0);
	if (!msg) {
		genl_close(&g);
		err_print("%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	/*
	 * The UAPI says expect implies replace; saying it explicitly keeps
	 * the request meaningful on its own.
	 */
	if (a->replace || a->has_expect)
		flags |= XPS_BPF_F_REPLACE;
	if (a->wrap)
		flags |= XPS_BPF_F_WRAP;
	if (nla_put_u32(msg, XPS_BPF_A_IFINDEX, ifindex) ||
	    nla_put_s32(msg, XPS_BPF_A_PROG_FD, fd) ||
	    (flags && nla_put_u32(msg, XPS_BPF_A_FLAGS, flags)) ||
	    (a->has_expect &&
	     nla_put_u32(msg, XPS_BPF_A_EXPECTED_PROG_ID, a->expect))) {
		nlmsg_free(msg);
		genl_close(&g);
		err_print("%s", strerror(EMSGSIZE));
		return -EMSGSIZE;
	}
	ret = genl_transact(&g, msg, NULL, NULL);
	genl_close(&g);
	return ret;
}

/* Report what was attached, with the same printer as show. */
static void print_attached(const char *dev, uint32_t ifindex, bool wrap,
			   int fd)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	struct xps_dev d;

	memset(&d, 0, sizeof(d));
	d.ifindex = ifindex;
	d.wrap = wrap;
	snprintf(d.ifname, sizeof(d.ifname), "%s", dev);
	memset(&info, 0, sizeof(info));
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		d.has_prog = true;
		d.prog_id = info.id;
		snprintf(d.prog_name, sizeof(d.prog_name), "%s", info.name);
		d.has_tag = true;
		memcpy(d.prog_tag, info.tag, sizeof(d.prog_tag));
	}
	dev_print(&d, false);
}

int cmd_attach(int argc, char **argv)
{
	struct attach_args a;
	struct prog_handle h;
	uint32_t ifindex;
	int ret;

	if (argc > 0 && is_help(argv[0])) {
		help_attach();
		return EXIT_OK;
	}
	err_context("attach", NULL);
	memset(&a, 0, sizeof(a));
	ret = attach_parse(argc, argv, &a, "attach", NULL, NULL);
	if (ret)
		return ret;

	if (resolve_dev(a.dev, &ifindex))
		return EXIT_FAIL;

	/*
	 * Load before talking to the kernel module: object errors are the
	 * user's to fix whether or not the module is there.
	 */
	ret = prog_acquire(&a.src, &h);
	if (!ret)
		ret = attach_send(&a, ifindex, h.fd);
	if (!ret && (out_is_json() || opts.verbose))
		print_attached(a.dev, ifindex, a.wrap, h.fd);
	prog_release(&h, !ret);
	return ret ? EXIT_FAIL : EXIT_OK;
}
