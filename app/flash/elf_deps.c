/* app/flash/elf_deps.c — an ELF file's interpreter, needed libraries and run path, from its program headers (pure) */
#include "elf_deps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The few ELF numbers read here (the ELF gABI; elf.h says the same). */
enum {
	EI_CLASS = 4, EI_DATA = 5, ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1, ELFDATA2MSB = 2,
	PT_DYNAMIC = 2, PT_INTERP = 3, PT_LOAD = 1,
	DT_NULL = 0, DT_NEEDED = 1, DT_STRTAB = 5, DT_RPATH = 15, DT_RUNPATH = 29,
};

struct reader {
	const uint8_t *buf;
	size_t len;
	bool big, wide;                 /* big-endian; ELF64 */
};

static uint64_t get(const struct reader *r, size_t off, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)r->buf[off + i] << (8 * (r->big ? bytes - 1 - i : i));
	return v;
}

static bool inside(const struct reader *r, uint64_t off, uint64_t n)
{
	return off <= r->len && n <= r->len - off;
}

/* A NUL-terminated string at off, within the file: copied, or false. */
static bool string_at(const struct reader *r, uint64_t off, char *out, size_t size)
{
	size_t n = 0;

	if (off >= r->len)
		return false;
	while (off + n < r->len && r->buf[off + n])
		n++;
	if (off + n == r->len)
		return false;
	snprintf(out, size, "%.*s", (int)n, (const char *)r->buf + off);
	return true;
}

struct phdr {
	uint32_t type;
	uint64_t offset, vaddr, filesz;
};

static void phdr_at(const struct reader *r, size_t at, struct phdr *p)
{
	p->type = (uint32_t)get(r, at, 4);
	if (r->wide) {
		p->offset = get(r, at + 8, 8);
		p->vaddr = get(r, at + 16, 8);
		p->filesz = get(r, at + 32, 8);
	} else {
		p->offset = get(r, at + 4, 4);
		p->vaddr = get(r, at + 8, 4);
		p->filesz = get(r, at + 16, 4);
	}
}

static int bad(char *why, size_t n, const char *what)
{
	snprintf(why, n, "malformed ELF file: %s", what);
	return -EINVAL;
}

/* The file offset of address vaddr, through the PT_LOAD segments; false when none maps it. */
static bool file_offset(const struct reader *r, size_t phoff, unsigned phnum, unsigned phentsize, uint64_t vaddr,
			uint64_t *off)
{
	for (unsigned i = 0; i < phnum; i++) {
		struct phdr p;

		phdr_at(r, phoff + (size_t)i * phentsize, &p);
		if (p.type == PT_LOAD && vaddr >= p.vaddr && vaddr - p.vaddr < p.filesz) {
			*off = p.offset + (vaddr - p.vaddr);
			return true;
		}
	}
	return false;
}

int elf_deps_parse(const uint8_t *buf, size_t len, struct elf_deps *out, char *why, size_t why_size)
{
	struct reader r = { .buf = buf, .len = len };
	uint64_t phoff, strtab = 0, strtab_off, dyn_off = 0, dyn_size = 0, name_off[ELF_DEPS_MAX_NEEDED];
	uint64_t runpath = 0;
	unsigned phnum, phentsize, n_names = 0, dsize;
	bool has_runpath = false;

	memset(out, 0, sizeof(*out));
	why[0] = '\0';
	if (len < 16 || memcmp(buf, "\x7f" "ELF", 4))
		return 0;
	out->is_elf = true;
	if ((buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64) ||
	    (buf[EI_DATA] != ELFDATA2LSB && buf[EI_DATA] != ELFDATA2MSB))
		return bad(why, why_size, "unknown class or byte order");
	r.wide = buf[EI_CLASS] == ELFCLASS64;
	r.big = buf[EI_DATA] == ELFDATA2MSB;
	if (!inside(&r, 0, r.wide ? 64 : 52))
		return bad(why, why_size, "the header is cut short");
	phoff = get(&r, r.wide ? 32 : 28, r.wide ? 8 : 4);
	phentsize = (unsigned)get(&r, r.wide ? 54 : 42, 2);
	phnum = (unsigned)get(&r, r.wide ? 56 : 44, 2);
	if (phnum && (phentsize < (r.wide ? 56u : 32u) || !inside(&r, phoff, (uint64_t)phnum * phentsize)))
		return bad(why, why_size, "the program headers lie outside the file");
	for (unsigned i = 0; i < phnum; i++) {
		struct phdr p;

		phdr_at(&r, (size_t)(phoff + (uint64_t)i * phentsize), &p);
		if (p.type == PT_INTERP) {
			if (!inside(&r, p.offset, p.filesz) || !p.filesz ||
			    !string_at(&r, p.offset, out->interp, sizeof(out->interp)))
				return bad(why, why_size, "PT_INTERP lies outside the file");
		} else if (p.type == PT_DYNAMIC) {
			if (!inside(&r, p.offset, p.filesz))
				return bad(why, why_size, "PT_DYNAMIC lies outside the file");
			dyn_off = p.offset;
			dyn_size = p.filesz;
			out->dynamic = true;
		}
	}
	if (!out->dynamic)
		return 0;
	dsize = r.wide ? 16 : 8;
	for (uint64_t at = dyn_off; at + dsize <= dyn_off + dyn_size; at += dsize) {
		uint64_t tag = get(&r, (size_t)at, dsize / 2), val = get(&r, (size_t)(at + dsize / 2), dsize / 2);

		if (tag == DT_NULL)
			break;
		if (tag == DT_STRTAB)
			strtab = val;
		else if (tag == DT_NEEDED && n_names < ELF_DEPS_MAX_NEEDED)
			name_off[n_names++] = val;
		else if (tag == DT_NEEDED) {
			snprintf(why, why_size, "needs more than %d libraries", ELF_DEPS_MAX_NEEDED);
			return -E2BIG;
		}
		else if (tag == DT_RUNPATH || (tag == DT_RPATH && !has_runpath)) {
			runpath = val;
			has_runpath = true;
		}
	}
	if (!n_names && !has_runpath)
		return 0;
	/* DT_STRTAB is an address: the PT_LOAD segment that holds it says where it is in the file */
	if (!file_offset(&r, (size_t)phoff, phnum, phentsize, strtab, &strtab_off))
		return bad(why, why_size, "DT_STRTAB is in no loaded segment");
	for (unsigned i = 0; i < n_names; i++) {
		if (name_off[i] > r.len || !string_at(&r, strtab_off + name_off[i], out->needed[i], sizeof(out->needed[i])))
			return bad(why, why_size, "a DT_NEEDED name lies outside the file");
		out->n_needed++;
	}
	if (has_runpath && (runpath > r.len || !string_at(&r, strtab_off + runpath, out->runpath, sizeof(out->runpath))))
		return bad(why, why_size, "DT_RUNPATH lies outside the file");
	return 0;
}

bool elf_deps_script(const uint8_t *buf, size_t len, char *out, size_t out_size)
{
	size_t i = 2, start;

	if (len < 3 || buf[0] != '#' || buf[1] != '!')
		return false;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	start = i;
	while (i < len && buf[i] && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' && buf[i] != '\r')
		i++;
	if (i == start)
		return false;
	snprintf(out, out_size, "%.*s", (int)(i - start), (const char *)buf + start);
	return true;
}
