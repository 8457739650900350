/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One output path for plain text and JSON.
 *
 * Every field is printed by a single call that names both its JSON key and
 * its plain-text format, so the two forms cannot drift apart: adding a field
 * to one adds it to the other. Objects and arrays only exist in JSON; in
 * plain mode their begin/end calls print nothing, and out_plain() carries the
 * separators (newlines, indentation) that only plain text needs.
 */
#ifndef XPSCTL_OUT_H
#define XPSCTL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum out_mode {
	OUT_PLAIN,
	OUT_JSON,
	OUT_JSON_PRETTY,
};

enum out_type {
	OUT_T_U64,
	OUT_T_STR,
};

void out_init(enum out_mode mode);
bool out_is_json(void);
int out_finish(void);

void out_obj_begin(const char *key);
void out_obj_end(void);
void out_arr_begin(const char *key);
void out_arr_end(void);

/*
 * The value travels as the variadic argument so that the compiler checks the
 * plain-text format against its type (PRIu64 for numbers, %s for strings).
 */
void out_field(const char *key, enum out_type type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void out_json_only(const char *key, enum out_type type, ...);
void out_null(const char *key, const char *plain_text);
/* A JSON boolean; in plain text @fmt gets "on" or "off" for its %s. */
void out_bool(const char *key, const char *fmt, bool val);
/* A JSON boolean; in plain text @plain_text when true, nothing when false. */
void out_flag(const char *key, const char *plain_text, bool val);
void out_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define out_u64(key, fmt, val) out_field(key, OUT_T_U64, fmt, (uint64_t)(val))
#define out_str(key, fmt, val) out_field(key, OUT_T_STR, fmt, (const char *)(val))
#define out_json_u64(key, val) out_json_only(key, OUT_T_U64, (uint64_t)(val))
#define out_json_str(key, val) out_json_only(key, OUT_T_STR, (const char *)(val))

/*
 * Room for a user's string (device, path, section or program name) in a
 * message; longer ones are cut in the middle by elide().
 */
#define ELIDE_SIZE 96
const char *elide(const char *s, char *buf, size_t len);

/* Errors: one line on stderr, and in JSON mode an {"error": ...} object. */
void err_context(const char *verb, const char *dev);
/*
 * Where in a file the verb is (apply: "FILE:LINE"), put before the message:
 * "xpsctl: VERB DEV: WHERE: MESSAGE"; NULL for none. Usage errors found in
 * a file give no "Try 'xpsctl VERB help'" hint: the command line was fine.
 */
void err_location(const char *where);
/*
 * err_hold() keeps the next errors from being printed, holding the first,
 * until err_release() prints it (@report) or drops it: for a step whose
 * failure may turn out to be none, such as a race lost to an apply that
 * attached the same program.
 */
void err_hold(void);
void err_release(bool report);
/* The line of the last error reported or held ("VERB DEV: MESSAGE"), or "". */
const char *err_last(void);
void err_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void verbose_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XPSCTL_OUT_H */
