/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration files of apply, read into lines of words; what the words
 * mean is apply's business (apply.c).
 */
#ifndef XPSCTL_CONF_H
#define XPSCTL_CONF_H

#include <stddef.h>

/* Where apply looks when it is given no file: every *.conf in it. */
#define CONF_DIR "/etc/xps-bpf"

struct conf_line {
	/* "FILE:LINE" of its first line, for messages. */
	char *where;
	const char *file;
	unsigned int lineno;
	int argc;
	char **argv;
	/* The words point into it. */
	char *text;
};

struct conf {
	struct conf_line *lines;
	size_t nr;
	size_t cap;
	/* The names of the files read, which the lines point to. */
	char **files;
	size_t nr_files;
	/* Called after an error about @file (and @line, when not 0) was reported. */
	void (*failed)(const char *file, unsigned int line);
};

int conf_read(struct conf *c, const char *path);
void conf_free(struct conf *c);

#endif /* XPSCTL_CONF_H */
