/* app/image/fit_check.c — a uImage.FIT's whole FDT checked: /images, their data and hash nodes, /configurations; external data's hashes at the end (pure) */
#include "fit_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fwimage_bytes.h"

enum { R_OTHER = 0, R_ROOT, R_IMAGES, R_IMAGE, R_HASH, R_CONFS, R_CONF };
#define NONE UINT32_MAX

static const char *const algo_names[PAYLOAD_FIT_ALGOS] = { "crc32", "md5", "sha1", "sha256" };

/* The properties of a configuration that name images (U-Boot's FIT_*_PROP of a configuration node). */
static const char *const refs[] = { "kernel", "fdt", "ramdisk", "loadables", "firmware", "fpga", "setup",
				    "standalone" };

const char *payload_fit_algo_name(enum payload_fit_algo a)
{
	return (unsigned)a < PAYLOAD_FIT_ALGOS ? algo_names[a] : "?";
}

__attribute__((format(printf, 2, 3)))
static void fail(struct fit_check *f, const char *fmt, ...)
{
	va_list ap;

	f->state = FIT_ST_FAILED;
	f->err_at = f->totalsize - 1;   /* found once the whole FDT was there */
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

/* A name for a message: control bytes and quotes become '?', cut to 48 bytes. */
static const char *shown(const char *s, size_t len, char *buf, size_t n)
{
	size_t i = 0;

	for (; i < len && s[i] && i + 1 < n && i < 48; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '"' ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static const char *node_name(const struct fit_check *f, const struct fit_rec *r)
{
	return (const char *)f->arena + r->name;
}

/* A property's name from the strings block; NULL when its offset or terminator lies outside. */
static const char *prop_name(const struct fit_check *f, const struct fit_rec *r)
{
	if (r->name >= f->size_strings || !memchr(f->strings + r->name, 0, f->size_strings - r->name))
		return NULL;
	return (const char *)f->strings + r->name;
}

/* An inline value that is one NUL-terminated string (no NUL inside). */
static const char *string_value(const struct fit_check *f, const struct fit_rec *r)
{
	const char *v = (const char *)f->arena + r->val;

	if (r->where != FIT_VAL_INLINE || !r->len || v[r->len - 1] || strlen(v) != r->len - 1)
		return NULL;
	return v;
}

/* A be32 cell as U-Boot reads it (an int: negative is invalid); -1 with the fault in why. */
static int64_t cell(struct fit_check *f, const struct fit_rec *r, const char *image, const char *what)
{
	char n[64];
	uint32_t v;

	if (r->where != FIT_VAL_INLINE || r->len != 4) {
		fail(f, "image %s: %s is %u bytes, not one 32-bit cell", shown(image, 64, n, sizeof(n)), what, r->len);
		return -1;
	}
	v = fwimage_get_be32(f->arena + r->val);
	if (v > INT32_MAX) {
		fail(f, "image %s: %s 0x%08x is negative (U-Boot refuses it)", shown(image, 64, n, sizeof(n)), what, v);
		return -1;
	}
	return v;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Compare a hash node's value with what was computed; false (and the fault) on a difference. */
static bool same(const struct fit_check *f, const struct fit_hash *h, const uint8_t got[FIT_DIGEST_BYTES], char *why,
		 size_t why_size)
{
	char want_hex[2 * FIT_DIGEST_BYTES + 1], got_hex[2 * FIT_DIGEST_BYTES + 1], a[64], b[64];
	const char *image = (const char *)f->arena + f->images[h->image].name;

	if (!memcmp(h->value, got, h->value_len))
		return true;
	hex(h->value, h->value_len, want_hex);
	hex(got, h->value_len, got_hex);
	snprintf(why, why_size, "image %s %s (%s): the FIT says %s, the data hashes to %s", shown(image, 64, a, sizeof(a)),
		 shown((const char *)f->arena + h->name, 64, b, sizeof(b)), algo_names[h->algo], want_hex, got_hex);
	return false;
}

/* A hash node's algo and value, once the node is closed. */
static void close_hash(struct fit_check *f, struct fit_hash *h, uint32_t algo_rec, uint32_t value_rec)
{
	const char *image = (const char *)f->arena + f->images[h->image].name, *algo;
	char a[64], b[64], c[64];
	const struct fit_rec *v = value_rec != NONE ? &f->rec[value_rec] : NULL;
	int id = -1;

	shown(image, 64, a, sizeof(a));
	shown((const char *)f->arena + h->name, 64, b, sizeof(b));
	if (algo_rec == NONE || !(algo = string_value(f, &f->rec[algo_rec]))) {
		fail(f, "image %s %s has no algo string", a, b);
		return;
	}
	for (int i = 0; i < PAYLOAD_FIT_ALGOS; i++)
		if (!strcmp(algo, algo_names[i]))
			id = i;
	if (id < 0) {
		fail(f, "image %s %s: hash algorithm \"%s\" is not one this check knows (crc32, md5, sha1, sha256)", a, b,
		     shown(algo, 64, c, sizeof(c)));
		return;
	}
	if (!v) {
		fail(f, "image %s %s (%s) has no value", a, b, algo_names[id]);
		return;
	}
	if (v->len != fit_digest_bytes[id] || v->where != FIT_VAL_INLINE) {
		fail(f, "image %s %s: a %s value is %u bytes, this one %u", a, b, algo_names[id], fit_digest_bytes[id],
		     v->len);
		return;
	}
	h->algo = (uint8_t)id;
	h->value_len = fit_digest_bytes[id];
	memcpy(h->value, f->arena + v->val, h->value_len);
	f->images[h->image].n_hashes++;
	f->algos |= 1u << id;
}

/* Pass 1: the nodes and properties of / , /images and their hash nodes, /configurations' default. */
static void collect(struct fit_check *f, bool *has_desc, bool *has_confs, uint32_t *default_rec)
{
	struct {
		uint8_t role;
		uint16_t index;
		uint32_t algo_rec, value_rec;
	} st[FIT_MAX_DEPTH + 1];
	unsigned d = 0;
	bool has_images = false;
	char n[64];

	for (uint32_t i = 0; i < f->n_rec && f->state != FIT_ST_FAILED; i++) {
		const struct fit_rec *r = &f->rec[i];
		uint8_t parent = d ? st[d - 1].role : R_OTHER, role = R_OTHER;
		const char *name, *nm;

		if (r->kind == FIT_REC_END) {
			d--;
			if (st[d].role == R_HASH)
				close_hash(f, &f->hashes[st[d].index], st[d].algo_rec, st[d].value_rec);
			continue;
		}
		if (r->kind == FIT_REC_BEGIN) {
			nm = node_name(f, r);
			if (!d)
				role = R_ROOT;
			else if (parent == R_ROOT && !has_images && !strcmp(nm, "images"))
				role = R_IMAGES, has_images = true;
			else if (parent == R_ROOT && !*has_confs && !strcmp(nm, "configurations"))
				role = R_CONFS, *has_confs = true;
			else if (parent == R_IMAGES)
				role = R_IMAGE;
			else if (parent == R_IMAGE && !strncmp(nm, "hash", 4))
				role = R_HASH;
			st[d].role = role;
			st[d].algo_rec = st[d].value_rec = NONE;
			if (role == R_IMAGE) {
				if (r->len >= FIT_NAME_BYTES) {
					fail(f, "an image node name is longer than %d bytes (%s...)", FIT_NAME_BYTES - 1,
					     shown(nm, 64, n, sizeof(n)));
					return;
				}
				if (f->n_images == FIT_MAX_IMAGES) {
					fail(f, "the FIT has more than %d images", FIT_MAX_IMAGES);
					return;
				}
				st[d].index = (uint16_t)f->n_images;
				f->images[f->n_images++] = (struct fit_image){ .name = r->name, .data_rec = NONE,
									       .position = -1, .offset = -1, .size = -1 };
			} else if (role == R_HASH) {
				if (f->n_hashes == FIT_MAX_HASHES) {
					fail(f, "the FIT has more than %d hash nodes", FIT_MAX_HASHES);
					return;
				}
				st[d].index = (uint16_t)f->n_hashes;
				f->hashes[f->n_hashes++] = (struct fit_hash){ .image = st[d - 1].index, .name = r->name };
			}
			d++;
			continue;
		}
		if (!(name = prop_name(f, r))) {
			fail(f, "the property at struct offset %u has its name at offset %u, outside the strings block "
			     "(%u bytes)", r->at, r->name, f->size_strings);
			return;
		}
		role = st[d - 1].role;
		if (role == R_ROOT && !strcmp(name, "description")) {
			*has_desc = true;
		} else if (role == R_CONFS && !strcmp(name, "default")) {
			*default_rec = i;
		} else if (role == R_HASH && !strcmp(name, "algo")) {
			st[d - 1].algo_rec = i;
		} else if (role == R_HASH && !strcmp(name, "value")) {
			st[d - 1].value_rec = i;
		} else if (role == R_IMAGE) {
			struct fit_image *im = &f->images[st[d - 1].index];
			const char *image = (const char *)f->arena + im->name;

			if (!strcmp(name, "data"))
				im->data_rec = i;
			else if (!strcmp(name, "data-position"))
				im->position = cell(f, r, image, name);
			else if (!strcmp(name, "data-offset"))
				im->offset = cell(f, r, image, name);
			else if (!strcmp(name, "data-size"))
				im->size = cell(f, r, image, name);
		}
	}
	if (f->state != FIT_ST_FAILED && !has_images)
		fail(f, "the FIT has no /images node");
}

/* Is name one of the images? */
static bool is_image(const struct fit_check *f, const char *name)
{
	for (unsigned i = 0; i < f->n_images; i++)
		if (!strcmp((const char *)f->arena + f->images[i].name, name))
			return true;
	return false;
}

/* Pass 2: the configurations: default names one, each name they give is an image. */
static void configurations(struct fit_check *f, uint32_t default_rec)
{
	const char *def = default_rec != NONE ? string_value(f, &f->rec[default_rec]) : NULL;
	unsigned d = 0, confs = 0;
	bool def_found = false;
	uint8_t role[FIT_MAX_DEPTH + 1];
	uint32_t conf_rec = NONE;
	char a[64], b[64];

	if (!def) {
		fail(f, "/configurations has no default");
		return;
	}
	for (uint32_t i = 0; i < f->n_rec && f->state != FIT_ST_FAILED; i++) {
		const struct fit_rec *r = &f->rec[i];
		const char *name;

		if (r->kind == FIT_REC_END) {
			d--;
			continue;
		}
		if (r->kind == FIT_REC_BEGIN) {
			uint8_t parent = d ? role[d - 1] : R_OTHER;

			role[d] = !d ? R_ROOT : parent == R_ROOT && !strcmp(node_name(f, r), "configurations") &&
				  !confs ? R_CONFS : parent == R_CONFS ? R_CONF : R_OTHER;
			if (role[d] == R_CONFS)
				confs = 1;
			if (role[d] == R_CONF) {
				conf_rec = i;
				f->n_confs++;
				def_found = def_found || (r->len < FIT_NAME_BYTES && !strcmp(node_name(f, r), def));
			}
			d++;
			continue;
		}
		if (role[d - 1] != R_CONF || !(name = prop_name(f, r)))
			continue;
		for (size_t k = 0; k < sizeof(refs) / sizeof(refs[0]); k++) {
			const char *v = (const char *)f->arena + r->val, *end = v + r->len;

			if (strcmp(name, refs[k]))
				continue;
			if (r->where != FIT_VAL_INLINE || !r->len || end[-1]) {
				fail(f, "configuration %s: %s is not a list of names (%u bytes)",
				     shown(node_name(f, &f->rec[conf_rec]), 64, a, sizeof(a)), name, r->len);
				return;
			}
			for (; v < end; v += strlen(v) + 1) {
				if (!is_image(f, v)) {
					fail(f, "configuration %s: %s \"%s\" is not in /images",
					     shown(node_name(f, &f->rec[conf_rec]), 64, a, sizeof(a)), name,
					     shown(v, 64, b, sizeof(b)));
					return;
				}
			}
		}
	}
	if (!def_found)
		fail(f, "/configurations: the default \"%s\" is not one of its nodes", shown(def, 64, a, sizeof(a)));
}

/* Each image's data: embedded ones checked now, external ones become regions hashed as they stream by. */
static void images(struct fit_check *f)
{
	char why[FIT_WHY_BYTES], a[64];

	f->own_bytes = f->totalsize;
	if (!f->n_images) {
		fail(f, "the FIT's /images has no image");
		return;
	}
	for (unsigned i = 0; i < f->n_images && f->state != FIT_ST_FAILED; i++) {
		struct fit_image *im = &f->images[i];
		const char *name = shown((const char *)f->arena + im->name, 64, a, sizeof(a));
		struct fit_region *rg;
		uint64_t start;

		if (im->position >= 0 || im->offset >= 0) {
			if (im->size < 0) {
				fail(f, "image %s has %s but no data-size", name, im->position >= 0 ? "data-position" :
				     "data-offset");
				return;
			}
			start = im->position >= 0 ? (uint64_t)im->position
						  : (((uint64_t)f->totalsize + 3) & ~3ULL) + (uint64_t)im->offset;
			if (start < f->totalsize) {
				fail(f, "image %s: its data at byte %llu starts inside the FDT (totalsize %u)", name,
				     (unsigned long long)start, f->totalsize);
				return;
			}
			rg = &f->regions[f->n_regions++];
			rg->start_bytes = start;
			rg->size_bytes = (uint64_t)im->size;
			rg->done_bytes = 0;
			rg->image = (uint16_t)i;
			rg->algos = 0;
			for (unsigned h = 0; h < f->n_hashes; h++)
				if (f->hashes[h].image == i)
					rg->algos |= 1u << f->hashes[h].algo;
			fit_hashes_init(&rg->h, rg->algos);
			if (start + rg->size_bytes > f->own_bytes)
				f->own_bytes = start + rg->size_bytes;
			continue;
		}
		if (im->data_rec == NONE) {
			fail(f, "image %s has no data (neither data, data-offset nor data-position)", name);
			return;
		}
		for (unsigned h = 0; h < f->n_hashes; h++) {
			const struct fit_rec *r = &f->rec[im->data_rec];
			uint8_t got[FIT_DIGEST_BYTES];

			if (f->hashes[h].image != i)
				continue;
			if (r->where == FIT_VAL_BIG) {
				memcpy(got, f->big[r->big][f->hashes[h].algo], sizeof(got));
			} else if (r->where == FIT_VAL_INLINE) {
				struct fit_hashes x;

				fit_hashes_init(&x, 1u << f->hashes[h].algo);
				fit_hashes_update(&x, 1u << f->hashes[h].algo, f->arena + r->val, r->len);
				fit_hashes_digest(&x, f->hashes[h].algo, got);
			} else {
				fail(f, "image %s: its data (%u bytes) was not kept to be hashed", name, r->len);
				return;
			}
			if (!same(f, &f->hashes[h], got, why, sizeof(why))) {
				fail(f, "%s", why);
				return;
			}
		}
	}
}

void fit_check_resolve(struct fit_check *f)
{
	bool has_desc = false, has_confs = false;
	uint32_t default_rec = NONE;

	f->resolved = true;
	collect(f, &has_desc, &has_confs, &default_rec);
	if (f->state == FIT_ST_FAILED)
		return;
	if (!has_desc) {
		fail(f, "the FIT has no /description (U-Boot refuses such a FIT)");
		return;
	}
	if (!has_confs) {
		fail(f, "the FIT has no /configurations node");
		return;
	}
	configurations(f, default_rec);
	if (f->state != FIT_ST_FAILED)
		images(f);
}

__attribute__((format(printf, 3, 4)))
static int refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

int fit_check_finish(const struct fit_check *f, uint64_t end_bytes, struct payload_id *id, char *why, size_t why_size)
{
	char a[64];

	why[0] = '\0';
	if (f->state == FIT_ST_FAILED && f->err_at < end_bytes)
		return refuse(why, why_size, "%s", f->why);
	if (f->pos_bytes < sizeof(f->hdr) || end_bytes < sizeof(f->hdr))
		return refuse(why, why_size, "the FIT is cut short: %llu bytes, less than an FDT header",
			      (unsigned long long)(end_bytes < f->pos_bytes ? end_bytes : f->pos_bytes));
	if (!f->resolved || f->state == FIT_ST_FAILED || f->totalsize > end_bytes)
		return refuse(why, why_size, "the FIT is cut short: its FDT is %u bytes (totalsize), the payload %llu",
			      f->totalsize, (unsigned long long)end_bytes);
	for (unsigned i = 0; i < f->n_regions; i++) {
		const struct fit_region *r = &f->regions[i];
		const char *name = shown((const char *)f->arena + f->images[r->image].name, 64, a, sizeof(a));

		if (r->start_bytes + r->size_bytes > end_bytes || r->done_bytes != r->size_bytes)
			return refuse(why, why_size, "image %s: its data (%llu bytes at byte %llu) runs past the end of the "
				      "payload (%llu bytes)", name, (unsigned long long)r->size_bytes,
				      (unsigned long long)r->start_bytes, (unsigned long long)end_bytes);
	}
	for (unsigned h = 0; h < f->n_hashes; h++) {
		const struct fit_hash *x = &f->hashes[h];
		uint8_t got[FIT_DIGEST_BYTES];

		for (unsigned i = 0; i < f->n_regions; i++) {
			if (f->regions[i].image != x->image)
				continue;
			fit_hashes_digest(&f->regions[i].h, x->algo, got);
			if (!same(f, x, got, why, why_size))
				return -EBADMSG;
		}
	}
	id->own_bytes = f->own_bytes;
	id->fit_images = f->n_images;
	id->fit_hashes = f->n_hashes;
	id->fit_algos = f->algos;
	for (unsigned i = 0; i < f->n_images; i++)
		id->fit_unhashed += !f->images[i].n_hashes;
	id->walked = true;
	return 0;
}
