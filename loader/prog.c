// SPDX-License-Identifier: GPL-2.0
/*
 * Getting a program file descriptor from an object file, a pinned path or a
 * program id. The fd only has to live until the kernel took its own
 * reference during XPS_BPF_CMD_ATTACH.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "out.h"
#include "prog.h"
#include "xpsctl.h"

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	(void)level;
	if (!opts.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* libbpf's default printer writes warnings to stderr: only -v may do that. */
void prog_setup_logging(void)
{
	libbpf_set_print(libbpf_log);
}

static const char *bpf_strerror(int err, char *buf, size_t len)
{
	if (libbpf_strerror(err, buf, len))
		snprintf(buf, len, "error %d", err);
	return buf;
}

static bool prog_matches(const struct bpf_program *p,
			 const struct prog_source *src)
{
	if (src->section)
		return !strcmp(bpf_program__section_name(p), src->section);
	if (src->name)
		return !strcmp(bpf_program__name(p), src->name);
	return true;
}

/* "a (sec x), b (sec y)", for the errors that ask the user to choose. */
static char *list_programs(struct bpf_object *obj)
{
	struct bpf_program *p;
	char *list = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&list, &len);
	if (!f)
		return NULL;
	for (p = bpf_object__next_program(obj, NULL); p;
	     p = bpf_object__next_program(obj, p))
		fprintf(f, "%s%s (sec %s)", ftell(f) ? ", " : "",
			bpf_program__name(p), bpf_program__section_name(p));
	if (fclose(f)) {
		free(list);
		return NULL;
	}
	return list;
}

static struct bpf_program *choose_program(struct bpf_object *obj,
					  const struct prog_source *src)
{
	struct bpf_program *p, *chosen = NULL;
	unsigned int total = 0, matches = 0;
	char *list;

	for (p = bpf_object__next_program(obj, NULL); p;
	     p = bpf_object__next_program(obj, p)) {
		total++;
		if (prog_matches(p, src)) {
			matches++;
			chosen = p;
		}
	}
	if (matches == 1)
		return chosen;

	if (!total) {
		err_print("%s: no program in this object", src->path);
		return NULL;
	}
	list = list_programs(obj);
	if (!matches && src->section)
		err_print("%s: no program in section %s; programs: %s",
			  src->path, src->section, list ? list : "?");
	else if (!matches && src->name)
		err_print("%s: no program named %s; programs: %s", src->path,
			  src->name, list ? list : "?");
	else if (src->section)
		err_print("%s: %u programs in section %s, choose one with prog: %s",
			  src->path, matches, src->section, list ? list : "?");
	else
		err_print("%s: %u programs, choose one with sec or prog: %s",
			  src->path, matches, list ? list : "?");
	free(list);
	return NULL;
}

/*
 * bpf_object__pin_maps() turns every '.' of the whole path into '_' (meant
 * for internal map names such as "obj.rodata"), which breaks directories
 * like /run/xps.d: here only the map name is sanitized.
 */
static int map_pin_path(const struct bpf_map *map, const char *dir,
			char *buf, size_t len)
{
	size_t dir_len = strlen(dir);
	int n;
	char *c;

	n = snprintf(buf, len, "%s/%s", dir, bpf_map__name(map));
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (c = buf + dir_len + 1; *c; c++)
		if (*c == '.')
			*c = '_';
	return 0;
}

/* Only what we pinned in @dir: pins the object itself asked for stay. */
static void unpin_maps(struct bpf_object *obj, const char *dir)
{
	struct bpf_map *map;
	char path[PATH_MAX];

	for (map = bpf_object__next_map(obj, NULL); map;
	     map = bpf_object__next_map(obj, map)) {
		const char *pinned = bpf_map__pin_path(map);

		if (!bpf_map__is_pinned(map) || !pinned ||
		    map_pin_path(map, dir, path, sizeof(path)) ||
		    strcmp(pinned, path))
			continue;
		(void)bpf_map__unpin(map, NULL);
	}
}

static int pin_maps(struct bpf_object *obj, const char *path,
		    const char *dir)
{
	struct bpf_map *map;
	char pin[PATH_MAX];
	char buf[128];

	for (map = bpf_object__next_map(obj, NULL); map;
	     map = bpf_object__next_map(obj, map)) {
		int ret = map_pin_path(map, dir, pin, sizeof(pin));

		if (!ret)
			ret = bpf_map__pin(map, pin);
		if (ret) {
			err_print("%s: pinning map %s in %s: %s", path,
				  bpf_map__name(map), dir,
				  bpf_strerror(ret, buf, sizeof(buf)));
			unpin_maps(obj, dir);
			return ret;
		}
	}
	return 0;
}

static int acquire_from_object(const struct prog_source *src,
			       struct prog_handle *h)
{
	struct bpf_program *p, *chosen;
	char buf[128];
	int ret;

	h->obj = bpf_object__open_file(src->path, NULL);
	if (!h->obj) {
		ret = -errno;
		err_print("%s: cannot open BPF object: %s", src->path,
			  bpf_strerror(ret, buf, sizeof(buf)));
		return ret;
	}

	/*
	 * The section name is the author's choice and tells libbpf nothing
	 * about the type: every program of the object is a socket filter for
	 * us, so tail-call targets in the same object load alongside.
	 */
	for (p = bpf_object__next_program(h->obj, NULL); p;
	     p = bpf_object__next_program(h->obj, p)) {
		ret = bpf_program__set_type(p, BPF_PROG_TYPE_SOCKET_FILTER);
		if (ret) {
			err_print("%s: program %s: %s", src->path,
				  bpf_program__name(p),
				  bpf_strerror(ret, buf, sizeof(buf)));
			return ret;
		}
	}

	/* Choose before loading: a wrong choice should not cost a verification. */
	chosen = choose_program(h->obj, src);
	if (!chosen)
		return -ENOENT;

	ret = bpf_object__load(h->obj);
	if (ret) {
		err_print("%s: loading failed: %s%s", src->path,
			  bpf_strerror(ret, buf, sizeof(buf)),
			  opts.verbose ? "" : " (-v shows the verifier log)");
		return ret;
	}
	h->fd = bpf_program__fd(chosen);
	verbose_print("%s: loaded program %s (sec %s)", src->path,
		      bpf_program__name(chosen),
		      bpf_program__section_name(chosen));

	if (src->pin_dir) {
		h->created_pin_dir = access(src->pin_dir, F_OK) != 0;
		ret = pin_maps(h->obj, src->path, src->pin_dir);
		if (ret) {
			if (h->created_pin_dir)
				(void)rmdir(src->pin_dir);
			return ret;
		}
		h->pinned_in = src->pin_dir;
	}
	return 0;
}

/**
 * prog_acquire() - get a file descriptor for the program to attach
 * @src: where the program comes from
 * @h: filled in; release with prog_release() whatever the result
 *
 * Return: 0, or a negative errno after reporting the error.
 */
int prog_acquire(const struct prog_source *src, struct prog_handle *h)
{
	int ret;

	h->obj = NULL;
	h->fd = -1;
	h->pinned_in = NULL;
	h->created_pin_dir = false;

	switch (src->kind) {
	case PROG_FROM_OBJECT:
		return acquire_from_object(src, h);
	case PROG_FROM_PINNED:
		h->fd = bpf_obj_get(src->path);
		if (h->fd < 0) {
			ret = -errno;
			err_print("%s: %s", src->path, strerror(-ret));
			return ret;
		}
		return 0;
	case PROG_FROM_ID:
		h->fd = bpf_prog_get_fd_by_id(src->id);
		if (h->fd < 0) {
			ret = -errno;
			err_print("program id %u: %s", src->id, strerror(-ret));
			return ret;
		}
		return 0;
	}
	return -EINVAL;
}

/*
 * The kernel holds its own reference to an attached program, so everything
 * here can go. Pinned maps stay unless the attach failed: then they would
 * only be litter pointing at a program nobody runs.
 */
void prog_release(struct prog_handle *h, bool keep_pins)
{
	if (h->pinned_in && !keep_pins) {
		unpin_maps(h->obj, h->pinned_in);
		if (h->created_pin_dir)
			(void)rmdir(h->pinned_in);
	}
	if (h->obj)
		bpf_object__close(h->obj);
	else if (h->fd >= 0)
		close(h->fd);
	h->obj = NULL;
	h->fd = -1;
	h->pinned_in = NULL;
}
