"""fuzz/corpus/elf_deps.py — seeds of fuzz_elf_deps: the programs the stage2 RAM root copies, and script lines.

Small ELF programs laid out as a linker lays them out (ELF64 and ELF32, either byte order), damaged ones, and `#!`
lines (fuzz/fuzz_elf_deps.c)."""
import struct


def elf(wide=True, big=False, interp=b"/lib/ld-musl-x86_64.so.1", needed=(b"libev.so.4", b"libc.so"),
        runpath=None, rpath=None, dynamic=True, strtab_mapped=True, cut=None, fix=None):
    """A small ELF program as a linker lays it out: PT_LOAD over the whole file, PT_INTERP, PT_DYNAMIC
    (DT_STRTAB as an address, DT_NEEDED, DT_RUNPATH/DT_RPATH), the strings last. fix(buf, layout) damages it."""
    e = ">" if big else "<"
    word, ehsize, phentsize = (8, 64, 56) if wide else (4, 52, 32)
    vaddr = 0x400000
    strings = bytearray(b"\0")
    offs = []
    for n in needed:
        offs.append(len(strings))
        strings += n + b"\0"
    rp_off = rpath_off = None
    if runpath is not None:
        rp_off = len(strings)
        strings += runpath + b"\0"
    if rpath is not None:
        rpath_off = len(strings)
        strings += rpath + b"\0"
    phdrs = [1] + ([3] if interp is not None else []) + ([2] if dynamic else [])
    phoff = ehsize
    interp_off = phoff + phentsize * len(phdrs)
    dyn_off = interp_off + (len(interp) + 1 if interp is not None else 0)
    dyn_off = (dyn_off + 7) & ~7
    dyn = []
    for o in offs:
        dyn.append((1, o))
    if rp_off is not None:
        dyn.append((29, rp_off))
    if rpath_off is not None:
        dyn.append((15, rpath_off))
    dyn.append((0, 0))
    dsize = 2 * word
    str_off = dyn_off + dsize * (len(dyn) + 1)
    total = str_off + len(strings)
    strtab_addr = vaddr + str_off if strtab_mapped else 0x7000000
    dyn.insert(0, (5, strtab_addr))
    fw = "Q" if wide else "I"
    buf = bytearray(total)
    buf[0:16] = b"\x7fELF" + bytes([2 if wide else 1, 2 if big else 1, 1]) + bytes(9)
    struct.pack_into(e + "HHI", buf, 16, 2, 62 if wide else 8, 1)
    if wide:
        struct.pack_into(e + "QQQIHHHHHH", buf, 24, vaddr, phoff, 0, 0, ehsize, phentsize, len(phdrs), 64, 0, 0)
    else:
        struct.pack_into(e + "IIIIHHHHHH", buf, 24, vaddr, phoff, 0, 0, ehsize, phentsize, len(phdrs), 40, 0, 0)
    for i, t in enumerate(phdrs):
        off, filesz = {1: (0, total), 3: (interp_off, len(interp or b"") + 1), 2: (dyn_off, dsize * len(dyn))}[t]
        at = phoff + i * phentsize
        if wide:
            struct.pack_into(e + "IIQQQQQQ", buf, at, t, 5, off, vaddr + off, vaddr + off, filesz, filesz, 8)
        else:
            struct.pack_into(e + "IIIIIIII", buf, at, t, off, vaddr + off, vaddr + off, filesz, filesz, 5, 4)
    if interp is not None:
        buf[interp_off:interp_off + len(interp)] = interp
    for i, (tag, val) in enumerate(dyn):
        struct.pack_into(e + fw + fw, buf, dyn_off + i * dsize, tag, val)
    buf[str_off:] = strings
    if fix:
        fix(buf, {"phoff": phoff, "interp": interp_off, "dyn": dyn_off, "str": str_off, "word": word, "e": e})
    return bytes(buf[:cut] if cut else buf)


def seeds():
    def interp_open(b, l):      # the interpreter's NUL overwritten: PT_INTERP runs into the next bytes
        b[l["interp"] + 23] = ord("x")

    def phoff_far(b, l):        # e_phoff past the end of the file
        struct.pack_into(l["e"] + ("Q" if l["word"] == 8 else "I"), b, 32 if l["word"] == 8 else 28, 1 << 40)

    def needed_far(b, l):       # the first DT_NEEDED's string offset far outside the file
        struct.pack_into(l["e"] + ("Q" if l["word"] == 8 else "I"), b, l["dyn"] + 3 * l["word"], 1 << 31)

    def dyn_huge(b, l):         # PT_DYNAMIC's p_filesz larger than the file (third program header)
        at = l["phoff"] + 2 * (56 if l["word"] == 8 else 32)
        struct.pack_into(l["e"] + ("Q" if l["word"] == 8 else "I"), b, at + (32 if l["word"] == 8 else 16), 1 << 30)

    def phentsize_small(b, l):  # e_phentsize below an entry's size
        struct.pack_into(l["e"] + "H", b, 54 if l["word"] == 8 else 42, 8)

    many = tuple(b"lib%d.so" % i for i in range(33))
    return {
        "x86_64-musl": elf(),
        "aarch64-glibc-runpath": elf(interp=b"/lib/ld-linux-aarch64.so.1", needed=(b"libmnl.so.0", b"libc.so.6"),
                                     runpath=b"$ORIGIN/../lib:/opt/lib"),
        "mips-be32": elf(wide=False, big=True, interp=b"/lib/ld-musl-mips-sf.so.1",
                         needed=(b"libc.so", b"libev.so.4", b"libmnl.so.0")),
        "arm-le32-rpath": elf(wide=False, interp=b"/lib/ld-linux-armhf.so.3", needed=(b"libc.so.6",), rpath=b"/usr/lib/x"),
        "ppc64-be-runpath-and-rpath": elf(big=True, runpath=b"/a", rpath=b"/b"),
        "static": elf(interp=None, dynamic=False),
        "static-pie": elf(interp=None, needed=()),
        "needed-33": elf(needed=many),
        "needed-32": elf(needed=many[:32]),
        "strtab-unmapped": elf(strtab_mapped=False),
        "interp-unterminated": elf(fix=interp_open, cut=None),
        "phoff-far": elf(fix=phoff_far),
        "needed-far": elf(fix=needed_far),
        "dynamic-huge": elf(fix=dyn_huge),
        "phentsize-small": elf(fix=phentsize_small),
        "header-cut": elf()[:40],
        "elf32-header-cut": elf(wide=False)[:50],
        "class-unknown": b"\x7fELF\x03\x01\x01" + bytes(60),
        "strings-cut": elf(runpath=b"/opt/lib")[:-4],
        "script-sh": b"#!/bin/sh -e\necho hi\n",
        "script-env": b"#!  /usr/bin/env python3\n",
        "script-empty": b"#!\n",
        "script-nul": b"#!\0/bin/sh\n",
        "text": b"not a program\n",
    }
