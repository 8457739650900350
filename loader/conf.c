// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the configuration of apply: a file, every *.conf of a directory
 * in lexical (byte) order, or standard input ("-").
 *
 * One attachment per line. Words are separated by blanks; a word that
 * starts with '#' starts a comment, which runs to the end of the line; a
 * line that ends in '\' goes on on the next one. There is no quoting, as in
 * the files of modprobe.d: a word cannot hold a blank.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "out.h"
#include "xpsctl.h"

#define STDIN_NAME "<stdin>"

static void failed(struct conf *c, const char *file)
{
	if (c->failed)
		c->failed(file, 0);
}

/* Report @err about @file; the location is the file itself. */
static int file_error(struct conf *c, const char *file, int err)
{
	err_location(file);
	err_print("%s", strerror(err));
	err_location(NULL);
	failed(c, file);
	return -err;
}

static const char *keep_name(struct conf *c, const char *name)
{
	char **files = realloc(c->files, (c->nr_files + 1) * sizeof(*files));

	if (!files)
		return NULL;
	c->files = files;
	files[c->nr_files] = strdup(name);
	if (!files[c->nr_files])
		return NULL;
	return files[c->nr_files++];
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Cut @text into words in place; a comment ends them. */
static int split_words(struct conf_line *l)
{
	char *p = l->text;
	int cap = 0;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return 0;
		if (l->argc == cap) {
			char **argv;

			cap = cap ? 2 * cap : 8;
			argv = realloc(l->argv, (size_t)cap * sizeof(*argv));
			if (!argv)
				return -ENOMEM;
			l->argv = argv;
		}
		l->argv[l->argc++] = p;
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

/* Keep the logical line @text (taken over) if it holds any word. */
static int add_line(struct conf *c, const char *file, unsigned int lineno,
		    char *text)
{
	struct conf_line l = { .file = file, .lineno = lineno, .text = text };

	if (split_words(&l) || (l.argc &&
	    asprintf(&l.where, "%s:%u", file, lineno) < 0)) {
		free(l.argv);
		free(text);
		return -ENOMEM;
	}
	if (!l.argc) {
		free(text);
		return 0;
	}
	if (c->nr == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct conf_line *lines = realloc(c->lines, cap * sizeof(*lines));

		if (!lines) {
			free(l.where);
			free(l.argv);
			free(text);
			return -ENOMEM;
		}
		c->lines = lines;
		c->cap = cap;
	}
	c->lines[c->nr++] = l;
	return 0;
}

/* Append @add (@len bytes) to the line being gathered in *@text. */
static int gather(char **text, size_t *len, const char *add, size_t add_len)
{
	char *grown = realloc(*text, *len + add_len + 1);

	if (!grown)
		return -ENOMEM;
	memcpy(grown + *len, add, add_len);
	*len += add_len;
	grown[*len] = '\0';
	*text = grown;
	return 0;
}

static int read_stream(struct conf *c, FILE *f, const char *name)
{
	unsigned int lineno = 0, first = 0;
	const char *file = keep_name(c, name);
	char *buf = NULL, *text = NULL;
	size_t size = 0, len = 0;
	ssize_t n;
	int ret = 0;

	if (!file)
		return file_error(c, name, ENOMEM);
	errno = 0;
	while ((n = getline(&buf, &size, f)) >= 0) {
		bool more;

		lineno++;
		if (!text)
			first = lineno;
		if (n && buf[n - 1] == '\n')
			buf[--n] = '\0';
		more = n && buf[n - 1] == '\\';
		if (more)
			buf[n - 1] = ' ';
		ret = gather(&text, &len, buf, strlen(buf));
		if (ret)
			break;
		if (more)
			continue;
		ret = add_line(c, file, first, text);
		text = NULL;
		len = 0;
		if (ret)
			break;
	}
	if (!ret && ferror(f))
		ret = -(errno ? errno : EIO);
	/* A last line that asked for one more. */
	if (!ret && text) {
		ret = add_line(c, file, first, text);
		text = NULL;
	}
	free(text);
	free(buf);
	return ret ? file_error(c, file, -ret) : 0;
}

static int read_file(struct conf *c, const char *path)
{
	FILE *f;
	int ret;

	if (!strcmp(path, "-"))
		return read_stream(c, stdin, STDIN_NAME);
	f = fopen(path, "re");
	if (!f)
		return file_error(c, path, errno);
	ret = read_stream(c, f, path);
	fclose(f);
	return ret;
}

static int conf_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".conf");
}

/* Every *.conf of @dir, hidden files left out, in strcmp order. */
static int read_dir(struct conf *c, const char *dir, bool missing_ok)
{
	struct dirent **names;
	int n, i, errors = 0;

	/* No setlocale(): alphasort() compares as strcmp() does. */
	n = scandir(dir, &names, conf_name, alphasort);
	if (n < 0) {
		if (errno == ENOENT && missing_ok) {
			verbose_print("no %s: nothing to apply", dir);
			return 0;
		}
		return file_error(c, dir, errno);
	}
	for (i = 0; i < n; i++) {
		char *path;

		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
			errors += !!file_error(c, dir, ENOMEM);
		} else {
			errors += !!read_file(c, path);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return errors ? -EIO : 0;
}

/**
 * conf_read() - read the lines of a configuration
 * @c: where the lines go (zero it first, and set ->failed if wanted)
 * @path: a file, a directory (its *.conf), "-" for standard input, or
 *	NULL for CONF_DIR, which may be missing: then there is nothing to do
 *
 * A file that cannot be read is reported, and the others are read all
 * the same.
 *
 * Return: 0, or a negative errno when anything could not be read.
 */
int conf_read(struct conf *c, const char *path)
{
	struct stat st;

	if (!path)
		return read_dir(c, CONF_DIR, true);
	if (strcmp(path, "-") && !stat(path, &st) && S_ISDIR(st.st_mode))
		return read_dir(c, path, false);
	return read_file(c, path);
}

void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++) {
		free(c->lines[i].where);
		free(c->lines[i].argv);
		free(c->lines[i].text);
	}
	for (i = 0; i < c->nr_files; i++)
		free(c->files[i]);
	free(c->lines);
	free(c->files);
	memset(c, 0, sizeof(*c));
}
