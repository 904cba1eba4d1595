/* app/common/json.h — the JSON failsafed reads and writes: fwtool's metadata, the recovery page's API (pure) */
#ifndef APP_JSON_H
#define APP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Reader: RFC 8259, strictly (no comments, single quotes, trailing commas,
 * NaN: what fwtool, jshn and our writer produce), one value, at most
 * JSON_MAX_DEPTH arrays and objects deep. Bytes from 0x80 on pass through
 * unchecked, as json-c's did. The document is a flat array of values in
 * text order; a value is named by its index (0: the top), -1 is "none", and
 * every accessor takes -1 and answers "none" again, so lookups chain
 * without checks: json_str(d, json_get(d, json_get(d, 0, "board"), "name")).
 * An object's members are key (a string) then value, side by side.
 */
#define JSON_MAX_DEPTH 32

enum json_type {
	JSON_NONE,                      /* index -1, or a key looked up that is not there */
	JSON_OBJECT,
	JSON_ARRAY,
	JSON_STRING,
	JSON_NUMBER,
	JSON_TRUE,
	JSON_FALSE,
	JSON_NULL,
	JSON_TYPE_COUNT
};

struct json_val {
	uint8_t type;                   /* enum json_type */
	uint32_t n;                     /* object: members; array: elements; string, number: bytes of its text */
	uint32_t next;                  /* index of the first value after this one and all it holds */
	uint32_t text;                  /* string, number: offset of its NUL-terminated text in the doc's strings */
};

struct json_doc {
	struct json_val *v;             /* v[0] is the top value */
	uint32_t n, cap;                /* values used, allocated */
	char *strings;                  /* decoded strings and numbers' text, each NUL-terminated */
	size_t used;                    /* bytes of strings filled */
	size_t end;                     /* after json_parse: offset after the value (error: where it stopped) */
	const char *error;              /* after a -EBADMSG: what is wrong at .end ("unexpected end", ...) */
};

/*
 * json_parse - parse the value at the start of @text (@len bytes; NULs are
 * errors, blanks around the value are skipped). Whatever follows the value
 * is left to the caller: d->end is where it stopped. Returns 0, -EBADMSG
 * (d->error, d->end say what and where), -ENOMEM, or -E2BIG (@len over
 * 1 GiB). The doc holds no pointer into @text; json_free() it in every case.
 */
int json_parse(struct json_doc *d, const char *text, size_t len);
void json_free(struct json_doc *d);

enum json_type json_type(const struct json_doc *d, int v);
/* Members of an object, elements of an array, bytes of a string (it may hold NULs); 0 for anything else. */
size_t json_len(const struct json_doc *d, int v);
/* The value of the last member named @key (a duplicate key overrides, as in json-c), or -1. */
int json_get(const struct json_doc *d, int obj, const char *key);
/* Element @i of an array, or -1. */
int json_at(const struct json_doc *d, int arr, size_t i);
/* A string's bytes, NUL-terminated (json_len() tells an inner NUL apart); NULL when @v is no string. */
const char *json_str(const struct json_doc *d, int v);
/* A string, or @def when @v is no string. */
const char *json_str_or(const struct json_doc *d, int v, const char *def);
/* A number's integer part (1.9 -> 1, 1e3 -> 1000 when it fits): true; false when @v is no number or too large. */
bool json_int(const struct json_doc *d, int v, int64_t *out);
/* true/false: true with *out set; false when @v is neither. */
bool json_bool(const struct json_doc *d, int v, bool *out);

/*
 * Writer: into a buffer that grows (malloc), as json-c's
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE wrote it: no
 * blanks, '"', '\\' and control bytes escaped, everything else as it is.
 * @key names the member inside an object and is NULL inside an array or
 * for the top value. Out of memory is remembered; json_out_take() reports it.
 */
struct json_out {
	char *p;
	size_t len, cap;
	bool oom;
	bool comma;                     /* the next value follows another one */
};

void json_open(struct json_out *o, const char *key, char bracket);   /* '{' or '[' */
void json_close(struct json_out *o, char bracket);                  /* '}' or ']' */
void json_put_str(struct json_out *o, const char *key, const char *s);     /* NULL: "" */
void json_put_strn(struct json_out *o, const char *key, const char *s, size_t n);
void json_put_int(struct json_out *o, const char *key, int64_t n);
void json_put_bool(struct json_out *o, const char *key, bool b);
void json_put_null(struct json_out *o, const char *key);
/* The text, NUL-terminated, malloc'd (the caller frees it), *len its length (may be NULL); NULL when out of memory. */
char *json_out_take(struct json_out *o, size_t *len);

#endif /* APP_JSON_H */
