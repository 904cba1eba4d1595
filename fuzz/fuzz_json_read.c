/* fuzz/fuzz_json_read.c — libFuzzer target: bytes as JSON text (fwtool's metadata is untrusted), every value walked, written back and read again */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Value v written back; checks what the reader promises about it; returns the index after it. */
static uint32_t walk(const struct json_doc *d, int v, struct json_out *o, const char *key, unsigned depth)
{
	uint32_t next = d->v[v].next, k;
	int64_t n;
	bool b;

	check(depth <= JSON_MAX_DEPTH && next > (uint32_t)v && next <= d->n);
	switch (json_type(d, v)) {
	case JSON_OBJECT:
		json_open(o, key, '{');
		k = (uint32_t)v + 1;
		for (size_t m = 0; m < json_len(d, v); m++) {
			check(json_type(d, (int)k) == JSON_STRING && d->v[k].next == k + 1);
			/* The last member of that name is the one json_get finds, at or after this one. */
			check(json_get(d, v, json_str(d, (int)k)) >= (int)k + 1 || strlen(json_str(d, (int)k)) != json_len(d, (int)k));
			k = walk(d, (int)k + 1, o, json_str(d, (int)k), depth + 1);
		}
		check(k == next);
		json_close(o, '}');
		break;
	case JSON_ARRAY:
		json_open(o, key, '[');
		k = (uint32_t)v + 1;
		for (size_t i = 0; i < json_len(d, v); i++) {
			check(json_at(d, v, i) == (int)k);
			k = walk(d, (int)k, o, NULL, depth + 1);
		}
		check(k == next && json_at(d, v, json_len(d, v)) == -1);
		json_close(o, ']');
		break;
	case JSON_STRING:
		check(json_str(d, v)[json_len(d, v)] == '\0');
		json_put_strn(o, key, json_str(d, v), json_len(d, v));
		break;
	case JSON_NUMBER:
		if (json_int(d, v, &n))
			json_put_int(o, key, n);
		else
			json_put_null(o, key);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		check(json_bool(d, v, &b));
		json_put_bool(o, key, b);
		break;
	case JSON_NULL:
		json_put_null(o, key);
		break;
	default:
		check(false);
	}
	check(next == (uint32_t)v + 1 || json_type(d, v) == JSON_OBJECT || json_type(d, v) == JSON_ARRAY);
	return next;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees a read past the end. */
	char *text = malloc(size ? size : 1);
	struct json_doc d, again;
	struct json_out o = { 0 }, o2 = { 0 };
	char *out, *out2;
	size_t len, len2;
	int rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	rc = json_parse(&d, text, size);
	check(d.end <= size);
	if (rc) {
		check(d.error != NULL);
		json_free(&d);
		free(text);
		return 0;
	}
	check(d.n >= 1 && walk(&d, 0, &o, NULL, 0) == d.n);
	/* The lookups callers make, on whatever came. */
	json_str_or(&d, json_get(&d, json_get(&d, 0, "version"), "dist"), "");
	json_len(&d, json_get(&d, 0, "supported_devices"));
	out = json_out_take(&o, &len);
	if (out) {
		/* What the writer wrote reads back, and writes the same again. */
		check(json_parse(&again, out, len) == 0 && again.end == len);
		check(walk(&again, 0, &o2, NULL, 0) == again.n);
		out2 = json_out_take(&o2, &len2);
		check(!out2 || (len2 == len && !memcmp(out, out2, len)));
		free(out2);
		json_free(&again);
	}
	free(out);
	json_free(&d);
	free(text);
	return 0;
}
