"""fuzz/corpus/fwimage.py — seeds of fuzz_fwimage: fuzz_seeds() of tests/fwimage_ref.py, the tests' independent
fwtool encoder (valid images, signed ones, and each way the reader must tell a damaged one apart)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests"))
import fwimage_ref  # noqa: E402


def seeds():
    return fwimage_ref.fuzz_seeds()
