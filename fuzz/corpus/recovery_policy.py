"""fuzz/corpus/recovery_policy.py — seeds of fuzz_recovery_policy: the page's requests as byte pairs.

Each pair is one event (fuzz/fuzz_recovery_policy.c): a = type % 9 (recovery_policy.h's order, 8 = a request
the policy does not know), b = bit 0-1 connection, bits 2-3 image verdict % 3 (0 good, 1 forceable, 2 broken),
bit 4 has metadata, bit 5 force, bit 6 has sha256, bit 7 exit code (b & 3) - 1 instead of 0.
Seeds: the browser's happy paths of tests/test_recovery_http.py and tests/test_recovery_browser.py, and the
requests a hostile or confused client sends: a second upload, flash without an image or during a write, a
broken image forced, a forceable one without checksum, reset and reboot in the middle, requests after reboot."""

UPLOAD_BEGIN, UPLOAD_DONE, UPLOAD_ABORTED, FLASH, FIRSTBOOT, REBOOT, CHILD_EXIT, DISCARD, UNKNOWN = range(9)
GOOD, FORCEABLE, BROKEN = 0, 1, 2


def b(conn=0, image=GOOD, meta=True, force=False, sha=False, exit_code=None):
    """The event's second byte. An exit code (-1 killed, 0, 1, 2) takes bits 0-1, which are the connection
    otherwise: CHILD_EXIT has no connection."""
    v = image << 2 | int(meta) << 4 | int(force) << 5 | int(sha) << 6
    if exit_code is None:
        return v | conn & 3
    assert -1 <= exit_code <= 2
    return v | 0x80 | (exit_code + 1)


def ev(kind, **kw):
    return bytes([kind, b(**kw)])


def seq(*events):
    return b"".join(events)


def seeds():
    upload_good = seq(ev(UPLOAD_BEGIN), ev(UPLOAD_DONE))
    flash_ok = seq(ev(FLASH), ev(CHILD_EXIT))
    return {
        # the happy paths
        "upload-flash-reboot": seq(upload_good, flash_ok, ev(REBOOT), ev(CHILD_EXIT)),
        "upload-discard-upload-flash": seq(upload_good, ev(DISCARD), upload_good, flash_ok),
        "firstboot-then-flash": seq(ev(FIRSTBOOT), ev(CHILD_EXIT), upload_good, flash_ok),
        "forceable-forced-with-metadata": seq(ev(UPLOAD_BEGIN), ev(UPLOAD_DONE, image=FORCEABLE),
                                              ev(FLASH, force=True), ev(CHILD_EXIT)),
        "forceable-no-metadata-with-sha": seq(ev(UPLOAD_BEGIN), ev(UPLOAD_DONE, image=FORCEABLE, meta=False),
                                              ev(FLASH, force=True, sha=True), ev(CHILD_EXIT)),
        "flash-fails-then-again": seq(upload_good, ev(FLASH), ev(CHILD_EXIT, exit_code=1), ev(FLASH),
                                      ev(CHILD_EXIT, exit_code=-1), upload_good, flash_ok),
        "reset-while-staged": seq(upload_good, ev(FIRSTBOOT), ev(CHILD_EXIT, exit_code=2), flash_ok),
        # refusals a hostile or confused client provokes
        "flash-without-upload": seq(ev(FLASH), ev(FLASH, force=True, sha=True), ev(DISCARD)),
        "broken-forced": seq(ev(UPLOAD_BEGIN), ev(UPLOAD_DONE, image=BROKEN), ev(FLASH, force=True, sha=True)),
        "forceable-unforced": seq(ev(UPLOAD_BEGIN), ev(UPLOAD_DONE, image=FORCEABLE), ev(FLASH)),
        "forceable-no-metadata-no-sha": seq(ev(UPLOAD_BEGIN), ev(UPLOAD_DONE, image=FORCEABLE, meta=False),
                                            ev(FLASH, force=True)),
        "second-upload-while-receiving": seq(ev(UPLOAD_BEGIN, conn=1), ev(UPLOAD_BEGIN, conn=2),
                                             ev(UPLOAD_DONE, conn=2), ev(UPLOAD_DONE, conn=1), flash_ok),
        "abort-other-connection": seq(ev(UPLOAD_BEGIN, conn=1), ev(UPLOAD_ABORTED, conn=3),
                                      ev(UPLOAD_ABORTED, conn=1), ev(FLASH)),
        "upload-while-writing": seq(upload_good, ev(FLASH), ev(UPLOAD_BEGIN, conn=2), ev(FLASH),
                                    ev(DISCARD), ev(FIRSTBOOT), ev(REBOOT), ev(CHILD_EXIT)),
        "flash-while-receiving": seq(ev(UPLOAD_BEGIN), ev(FLASH, force=True, sha=True), ev(FIRSTBOOT),
                                     ev(REBOOT), ev(UPLOAD_ABORTED)),
        "reboot-then-anything": seq(ev(REBOOT), ev(CHILD_EXIT), ev(UPLOAD_BEGIN), upload_good, ev(FLASH),
                                    ev(FIRSTBOOT), ev(REBOOT)),
        "reboot-fails": seq(ev(REBOOT), ev(CHILD_EXIT, exit_code=1), upload_good, flash_ok),
        "done-twice": seq(upload_good, ev(UPLOAD_DONE), ev(UPLOAD_ABORTED), flash_ok, flash_ok),
        "unknown-requests": seq(ev(UNKNOWN), ev(UNKNOWN, conn=3, force=True), upload_good, ev(UNKNOWN), flash_ok),
        "every-type-every-bit": bytes(x for t in range(9) for x in (t, 0xff)),
        "odd-length": seq(upload_good, flash_ok) + bytes([FLASH]),
    }
