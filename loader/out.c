// SPDX-License-Identifier: GPL-2.0
/*
 * Output: plain text or JSON through the same calls (see out.h), and error
 * reporting in the form scripts rely on: "xpsctl: <verb> <dev>: <message>".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "out.h"
#include "xpsctl.h"

#define OUT_MAX_DEPTH 16

static struct {
	enum out_mode mode;
	int depth;
	/* Whether the container at each depth already holds an element. */
	bool nonempty[OUT_MAX_DEPTH];
	/* A top-level JSON value has been started: no error object after it. */
	bool started;
	const char *verb;
	const char *dev;
	const char *location;
	bool error_reported;
	bool holding;
	bool held;
	char last_error[1280];
	char held_error[1280];
} out;

void out_init(enum out_mode mode)
{
	out.mode = mode;
}

bool out_is_json(void)
{
	return out.mode != OUT_PLAIN;
}

static void json_indent(void)
{
	int i;

	if (out.mode != OUT_JSON_PRETTY)
		return;
	putchar('\n');
	for (i = 0; i < out.depth; i++)
		fputs("    ", stdout);
}

static void json_string(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Comma, indentation and key before a value in the current container. */
static void json_member(const char *key)
{
	if (out.depth > 0 && out.depth <= OUT_MAX_DEPTH) {
		if (out.nonempty[out.depth - 1])
			putchar(',');
		out.nonempty[out.depth - 1] = true;
		json_indent();
	}
	out.started = true;
	if (key) {
		json_string(key);
		fputs(out.mode == OUT_JSON_PRETTY ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, char c)
{
	if (!out_is_json())
		return;
	json_member(key);
	putchar(c);
	/* Deeper nesting than any reply has would be a bug: stay valid JSON. */
	if (out.depth < OUT_MAX_DEPTH)
		out.nonempty[out.depth] = false;
	out.depth++;
}

static void json_close(char c)
{
	bool nonempty;

	if (!out_is_json() || out.depth == 0)
		return;
	nonempty = out.depth <= OUT_MAX_DEPTH && out.nonempty[out.depth - 1];
	out.depth--;
	if (nonempty)
		json_indent();
	putchar(c);
	if (out.depth == 0)
		putchar('\n');
}

void out_obj_begin(const char *key)
{
	json_open(key, '{');
}

void out_obj_end(void)
{
	json_close('}');
}

void out_arr_begin(const char *key)
{
	json_open(key, '[');
}

void out_arr_end(void)
{
	json_close(']');
}

static void json_value(const char *key, enum out_type type, va_list ap)
{
	json_member(key);
	if (type == OUT_T_U64)
		printf("%llu", (unsigned long long)va_arg(ap, uint64_t));
	else
		json_string(va_arg(ap, const char *));
}

void out_field(const char *key, enum out_type type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (out_is_json())
		json_value(key, type, ap);
	else
		vprintf(fmt, ap);
	va_end(ap);
}

void out_json_only(const char *key, enum out_type type, ...)
{
	va_list ap;

	if (!out_is_json())
		return;
	va_start(ap, type);
	json_value(key, type, ap);
	va_end(ap);
}

void out_null(const char *key, const char *plain_text)
{
	if (out_is_json()) {
		json_member(key);
		fputs("null", stdout);
	} else {
		fputs(plain_text, stdout);
	}
}

void out_bool(const char *key, const char *fmt, bool val)
{
	if (out_is_json()) {
		json_member(key);
		fputs(val ? "true" : "false", stdout);
	} else {
		printf(fmt, val ? "on" : "off");
	}
}

void out_flag(const char *key, const char *plain_text, bool val)
{
	if (out_is_json()) {
		json_member(key);
		fputs(val ? "true" : "false", stdout);
	} else if (val) {
		fputs(plain_text, stdout);
	}
}

void out_plain(const char *fmt, ...)
{
	va_list ap;

	if (out_is_json())
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/*
 * A write error on stdout (full disk, closed pipe) must not turn into a
 * silent success for the script reading us.
 */
int out_finish(void)
{
	while (out.depth > 0)
		json_close('}');
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: error writing output\n", PROG_NAME);
		return -1;
	}
	return 0;
}

void err_context(const char *verb, const char *dev)
{
	out.verb = verb;
	out.dev = dev;
}

void err_location(const char *where)
{
	out.location = where;
}

const char *err_last(void)
{
	return out.last_error;
}

/**
 * elide() - @s, cut in its middle if it does not fit in @len bytes
 * @s: a string the user typed or a file holds: any length
 * @buf: where the cut copy goes
 * @len: size of @buf, at least 8
 *
 * Names and paths may be thousands of characters long; printed whole they
 * would push the reason after them out of the message. The head and the
 * longer tail stay (a path's file name is at its end), joined by "...".
 *
 * Return: @buf.
 */
const char *elide(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s), keep, head;

	if (n < len) {
		memcpy(buf, s, n + 1);
		return buf;
	}
	keep = len - sizeof("...");
	head = keep / 3;
	snprintf(buf, len, "%.*s...%s", (int)head, s, s + n - (keep - head));
	return buf;
}

/* A message cut by its buffer ends in "..." rather than mid-word. */
static void mark_cut(char *buf, size_t len, int n)
{
	if (n >= 0 && (size_t)n >= len)
		memcpy(buf + len - sizeof("..."), "...", sizeof("..."));
}

enum report_kind {
	REPORT_ERROR,
	REPORT_WARNING,
	REPORT_VERBOSE,
};

/* The error line on stderr, and as the JSON document when it may be one. */
static void emit_error(const char *line)
{
	fprintf(stderr, "%s: %s\n", PROG_NAME, line);

	/*
	 * Only the first error becomes the JSON document, and only if nothing
	 * else was printed: a second top-level value would make stdout
	 * invalid JSON.
	 */
	if (!out_is_json() || out.started || out.error_reported)
		return;
	out.error_reported = true;
	out_obj_begin(NULL);
	out_json_str("error", line);
	out_obj_end();
}

static void vreport(enum report_kind kind, const char *fmt, va_list ap)
{
	const char *prefix = kind == REPORT_WARNING ? "warning: " : "";
	char msg[1024];
	char where[ELIDE_SIZE + 2] = "";
	char line[sizeof(out.last_error)];

	mark_cut(msg, sizeof(msg), vsnprintf(msg, sizeof(msg), fmt, ap));
	if (out.location) {
		char loc[ELIDE_SIZE];

		snprintf(where, sizeof(where), "%s: ",
			 elide(out.location, loc, sizeof(loc)));
	}
	if (out.verb && out.dev) {
		char dev[ELIDE_SIZE];

		snprintf(line, sizeof(line), "%s %s: %s%s%s", out.verb,
			 elide(out.dev, dev, sizeof(dev)), where, prefix, msg);
	} else if (out.verb) {
		snprintf(line, sizeof(line), "%s: %s%s%s", out.verb, where,
			 prefix, msg);
	} else {
		snprintf(line, sizeof(line), "%s%s%s", where, prefix, msg);
	}

	/* Warnings and verbose notes stay on stderr. */
	if (kind != REPORT_ERROR) {
		fprintf(stderr, "%s: %s\n", PROG_NAME, line);
		return;
	}
	snprintf(out.last_error, sizeof(out.last_error), "%s", line);
	if (out.holding) {
		if (!out.held)
			snprintf(out.held_error, sizeof(out.held_error), "%s", line);
		out.held = true;
		return;
	}
	emit_error(line);
}

void err_hold(void)
{
	out.holding = true;
	out.held = false;
}

void err_release(bool report)
{
	out.holding = false;
	if (out.held && report)
		emit_error(out.held_error);
	else if (out.held)
		out.last_error[0] = '\0';
	out.held = false;
}

void err_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(REPORT_ERROR, fmt, ap);
	va_end(ap);
}

void warn_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(REPORT_WARNING, fmt, ap);
	va_end(ap);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(REPORT_ERROR, fmt, ap);
	va_end(ap);
	if (out.location)
		return EXIT_USAGE;
	if (out.verb)
		fprintf(stderr, "Try '%s %s help'.\n", PROG_NAME, out.verb);
	else
		fprintf(stderr, "Try '%s help'.\n", PROG_NAME);
	return EXIT_USAGE;
}

void verbose_print(const char *fmt, ...)
{
	va_list ap;

	if (!opts.verbose)
		return;
	va_start(ap, fmt);
	vreport(REPORT_VERBOSE, fmt, ap);
	va_end(ap);
}
