// SPDX-License-Identifier: GPL-2.0
/*
 * Getting a program file descriptor from an object file, a pinned path or a
 * program id. The fd only has to live until the kernel took its own
 * reference during XPS_BPF_CMD_ATTACH.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <libelf.h>
#include <gelf.h>

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

/* Programs named in an error before "and N more": the line stays a line. */
#define LIST_MAX 8
/* Room for one name in that list. */
#define LIST_NAME_SIZE 48

/* "a (sec x), b (sec y)", for the errors that ask the user to choose. */
static char *list_programs(struct bpf_object *obj)
{
	char name[LIST_NAME_SIZE], sec[LIST_NAME_SIZE];
	struct bpf_program *p;
	unsigned int n = 0;
	char *list = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&list, &len);
	if (!f)
		return NULL;
	for (p = bpf_object__next_program(obj, NULL); p;
	     p = bpf_object__next_program(obj, p), n++) {
		if (n >= LIST_MAX)
			continue;
		fprintf(f, "%s%s (sec %s)", n ? ", " : "",
			elide(bpf_program__name(p), name, sizeof(name)),
			elide(bpf_program__section_name(p), sec, sizeof(sec)));
	}
	if (n > LIST_MAX)
		fprintf(f, " and %u more", n - LIST_MAX);
	if (fclose(f)) {
		free(list);
		return NULL;
	}
	return list;
}

static struct bpf_program *choose_program(struct bpf_object *obj,
					  const struct prog_source *src,
					  const char *path)
{
	struct bpf_program *p, *chosen = NULL;
	unsigned int total = 0, matches = 0;
	char want[ELIDE_SIZE];
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
		err_print("%s: no program in this object", path);
		return NULL;
	}
	list = list_programs(obj);
	if (src->section)
		elide(src->section, want, sizeof(want));
	else if (src->name)
		elide(src->name, want, sizeof(want));
	if (!matches && src->section)
		err_print("%s: no program in section %s; programs: %s",
			  path, want, list ? list : "?");
	else if (!matches && src->name)
		err_print("%s: no program named %s; programs: %s", path,
			  want, list ? list : "?");
	else if (src->section)
		err_print("%s: %u programs in section %s, choose one with prog: %s",
			  path, matches, want, list ? list : "?");
	else
		err_print("%s: %u programs, choose one with sec or prog: %s",
			  path, matches, list ? list : "?");
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
	char shown_dir[ELIDE_SIZE];
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
				  bpf_map__name(map),
				  elide(dir, shown_dir, sizeof(shown_dir)),
				  bpf_strerror(ret, buf, sizeof(buf)));
			unpin_maps(obj, dir);
			return ret;
		}
	}
	return 0;
}

/*
 * libbpf calls anything it cannot parse "BPF object format invalid", and a
 * directory "something wrong in libelf"; a FIFO would block it forever.
 * Name the usual mistakes before it tries.
 *
 * Return: 0 if @path may be a BPF object, else a negative errno with the
 * reason in @why.
 */
static int check_object_file(const char *path, char *why, size_t len)
{
	unsigned char ehdr[EI_NIDENT + 4];
	unsigned int machine;
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st)) {
		snprintf(why, len, "%s", strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s", strerror(EISDIR));
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, len, "not a regular file");
		return -EINVAL;
	}
	if (!st.st_size) {
		snprintf(why, len, "empty file");
		return -ENOEXEC;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "%s", strerror(errno));
		return -errno;
	}
	n = read(fd, ehdr, sizeof(ehdr));
	close(fd);
	if (n < (ssize_t)sizeof(ehdr) || memcmp(ehdr, ELFMAG, SELFMAG)) {
		snprintf(why, len, "not an ELF file");
		return -ENOEXEC;
	}
	/* e_machine follows e_ident and e_type in both ELF classes. */
	if (ehdr[EI_DATA] == ELFDATA2MSB)
		machine = (unsigned int)ehdr[EI_NIDENT + 2] << 8 | ehdr[EI_NIDENT + 3];
	else
		machine = (unsigned int)ehdr[EI_NIDENT + 3] << 8 | ehdr[EI_NIDENT + 2];
	if (machine != EM_BPF) {
		snprintf(why, len, "ELF file for machine %u, not BPF (%u)",
			 machine, EM_BPF);
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Whether @path has an ELF section "maps": map definitions in the format
 * libbpf read before 1.0 (struct bpf_map_def), which QEMU 7.2's RSS object
 * still uses. libbpf 1.x refuses such an object with a bare EOPNOTSUPP.
 */
static bool has_legacy_maps(const char *path)
{
	bool found = false;
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	size_t shstrndx;
	const char *name;
	Elf *elf;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			if (!gelf_getshdr(scn, &shdr))
				break;
			name = elf_strptr(elf, shstrndx, shdr.sh_name);
			found = name && !strcmp(name, "maps");
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/*
 * The first kfunc of xps_bpf the object calls, or NULL. libbpf has made
 * the extern functions of the object's BTF global by the time it is open:
 * they are told by name.
 */
static const char *xps_kfunc_called(struct bpf_object *obj)
{
	static const char *const kfuncs[] = {
		"xps_bpf_get_default_queue",
		"xps_bpf_get_queue_info",
		"xps_bpf_get_sock_info",
	};
	const struct btf *btf = bpf_object__btf(obj);
	size_t i;

	if (!btf)
		return NULL;
	for (i = 0; i < sizeof(kfuncs) / sizeof(kfuncs[0]); i++)
		if (btf__find_by_name_kind(btf, kfuncs[i], BTF_KIND_FUNC) > 0)
			return kfuncs[i];
	return NULL;
}

/*
 * Whether the running kernel lets socket filters call kfuncs: its BTF
 * has BTF_KFUNC_HOOK_SOCKET_FILTER (Linux 6.4 on, and any kernel that
 * took the change). Without that enum in its BTF, by its version.
 */
static bool kernel_has_kfunc_hook(const char *release)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	unsigned int major = 0, minor = 0;
	int verdict = -1;

	if (vmlinux) {
		__s32 id = btf__find_by_name_kind(vmlinux, "btf_kfunc_hook",
						  BTF_KIND_ENUM);

		if (id > 0) {
			const struct btf_type *t = btf__type_by_id(vmlinux, id);
			const struct btf_enum *e = btf_enum(t);
			__u16 i;

			verdict = 0;
			for (i = 0; i < btf_vlen(t); i++, e++)
				if (!strcmp(btf__name_by_offset(vmlinux, e->name_off),
					    "BTF_KFUNC_HOOK_SOCKET_FILTER"))
					verdict = 1;
		}
		btf__free(vmlinux);
	} else {
		/* No BTF, no kfunc at all. */
		return false;
	}
	if (verdict >= 0)
		return verdict;
	if (sscanf(release, "%u.%u", &major, &minor) != 2)
		return true;
	return major > 6 || (major == 6 && minor >= 4);
}

/*
 * libbpf says "not found in kernel or module BTFs" or the verifier "not
 * allowed" when an object calls the kfuncs of xps_bpf where they do not
 * exist: say why, and what would make them exist.
 *
 * Return: true if it said so.
 */
static bool explain_kfunc_failure(const char *kfunc, const char *path)
{
	char name[ELIDE_SIZE];
	struct utsname uts;

	if (!kfunc)
		return false;
	elide(kfunc, name, sizeof(name));
	if (uname(&uts))
		snprintf(uts.release, sizeof(uts.release), "?");
	if (!kernel_has_kfunc_hook(uts.release)) {
		err_print("%s: cannot load: it calls %s, a kfunc of xps_bpf, and socket-filter programs can call kfuncs from Linux 6.4 on; this kernel is %s",
			  path, name, uts.release);
		return true;
	}
	if (access("/sys/module/xps_bpf", F_OK)) {
		err_print("%s: cannot load: it calls %s, a kfunc of xps_bpf: xps_bpf module not loaded (modprobe xps_bpf)",
			  path, name);
		return true;
	}
	if (access("/sys/kernel/btf/xps_bpf", F_OK)) {
		err_print("%s: cannot load: it calls %s, a kfunc of xps_bpf, and the module has no BTF to offer it (built without pahole or the kernel's vmlinux)",
			  path, name);
		return true;
	}
	return false;
}

static int acquire_from_object(const struct prog_source *src,
			       struct prog_handle *h)
{
	char path[ELIDE_SIZE], name[ELIDE_SIZE], sec[ELIDE_SIZE];
	struct bpf_program *p, *chosen;
	const char *kfunc;
	char buf[128];
	int ret;

	elide(src->path, path, sizeof(path));
	ret = check_object_file(src->path, buf, sizeof(buf));
	if (ret) {
		err_print("%s: cannot open BPF object: %s", path, buf);
		return ret;
	}
	h->obj = bpf_object__open_file(src->path, NULL);
	if (!h->obj) {
		ret = -errno;
		if (has_legacy_maps(src->path)) {
			err_print("%s: cannot open BPF object: legacy map definitions (section \"maps\"), a format libbpf 1.0 dropped; rebuild it with maps in \".maps\", or load it with a loader that reads that format and attach what it loaded: pinned PATH or id ID",
				  path);
			return ret;
		}
		err_print("%s: cannot open BPF object: %s%s", path,
			  bpf_strerror(ret, buf, sizeof(buf)),
			  opts.verbose ? "" : " (-v shows libbpf's reason)");
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
			err_print("%s: program %s: %s", path,
				  elide(bpf_program__name(p), name, sizeof(name)),
				  bpf_strerror(ret, buf, sizeof(buf)));
			return ret;
		}
	}

	/* Choose before loading: a wrong choice should not cost a verification. */
	chosen = choose_program(h->obj, src, path);
	if (!chosen)
		return -ENOENT;

	/* Before the load, which may leave the object's BTF changed. */
	kfunc = xps_kfunc_called(h->obj);
	ret = bpf_object__load(h->obj);
	if (ret && explain_kfunc_failure(kfunc, path))
		return ret;
	if (ret) {
		err_print("%s: loading failed: %s%s", path,
			  bpf_strerror(ret, buf, sizeof(buf)),
			  opts.verbose ? "" : " (-v shows the verifier log)");
		return ret;
	}
	h->fd = bpf_program__fd(chosen);
	verbose_print("%s: loaded program %s (sec %s)", path,
		      elide(bpf_program__name(chosen), name, sizeof(name)),
		      elide(bpf_program__section_name(chosen), sec, sizeof(sec)));

	if (src->pin_dir)
		return prog_pin_maps(h, src->path, src->pin_dir);
	return 0;
}

/*
 * mkdir -p @dir, 0700 as libbpf makes its pin directories. *@created_from
 * is the length of the path of the first directory created (0: none), so
 * that remove_dirs() takes away exactly what was made.
 */
static int make_dirs(const char *dir, size_t *created_from)
{
	char path[PATH_MAX];
	size_t len = strlen(dir), i;

	*created_from = 0;
	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) == 0) {
			if (!*created_from)
				*created_from = i;
		} else if (errno != EEXIST) {
			return -errno;
		}
		path[i] = dir[i];
	}
	return 0;
}

/* rmdir @dir and its parents, up to the one of @created_from bytes. */
static void remove_dirs(const char *dir, size_t created_from)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (!created_from || len >= sizeof(path))
		return;
	memcpy(path, dir, len + 1);
	while (len > 1 && path[len - 1] == '/')
		len--;
	while (len >= created_from) {
		path[len] = '\0';
		if (rmdir(path))
			return;
		while (len > 0 && path[len - 1] != '/')
			len--;
		while (len > 1 && path[len - 1] == '/')
			len--;
	}
}

/**
 * prog_pin_maps() - pin the maps of a loaded object in a directory
 * @h: a handle prog_acquire() filled from an object, without pin_dir
 * @path: the object file, for messages
 * @dir: where the pins go, as DIR/MAPNAME, made with its parents if need
 *	be; it must stay valid until prog_release()
 *
 * prog_release() removes the pins again, and the directories made for
 * them, unless it is told to keep them.
 *
 * Return: 0, or a negative errno after reporting the error.
 */
int prog_pin_maps(struct prog_handle *h, const char *path, const char *dir)
{
	char shown[ELIDE_SIZE];
	int ret;

	if (!h->obj)
		return -EINVAL;
	elide(path, shown, sizeof(shown));
	ret = make_dirs(dir, &h->created_from);
	if (ret) {
		char shown_dir[ELIDE_SIZE], buf[128];

		err_print("%s: making %s: %s", shown,
			  elide(dir, shown_dir, sizeof(shown_dir)),
			  bpf_strerror(ret, buf, sizeof(buf)));
		remove_dirs(dir, h->created_from);
		h->created_from = 0;
		return ret;
	}
	ret = pin_maps(h->obj, shown, dir);
	if (ret) {
		remove_dirs(dir, h->created_from);
		h->created_from = 0;
		return ret;
	}
	h->pinned_in = dir;
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
	h->created_from = 0;

	switch (src->kind) {
	case PROG_FROM_OBJECT:
		return acquire_from_object(src, h);
	case PROG_FROM_PINNED:
		h->fd = bpf_obj_get(src->path);
		if (h->fd < 0) {
			char path[ELIDE_SIZE];

			ret = -errno;
			err_print("%s: %s", elide(src->path, path, sizeof(path)),
				  strerror(-ret));
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
		remove_dirs(h->pinned_in, h->created_from);
	}
	if (h->obj)
		bpf_object__close(h->obj);
	else if (h->fd >= 0)
		close(h->fd);
	h->obj = NULL;
	h->fd = -1;
	h->pinned_in = NULL;
	h->created_from = 0;
}
