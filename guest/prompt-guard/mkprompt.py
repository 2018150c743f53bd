#!/usr/bin/env python3
"""guest/prompt-guard/mkprompt.py - writes the test prompt (host side, build
time) and a fresh random key:

    mkprompt.py PROMPT.txt KEY.hex [PAGES]

The prompt is markdown of about PAGES (default 8) 4 KiB pages with a marker
"SHROUD-SECRET-MARKER-NNNNNN" (marker.h) in every paragraph, so every page
holds several.  It contains non-ASCII characters so that characters and
bytes differ.  It opens with the heading the seed's own memory scan
(test_memory_simple.sh) looked for, "# Role and Context", so that the
seed-style scan of the Go server (scan-memory-simple) has its needle.
Only the sealed file goes into the guest; this plaintext
stays on the host for the tests' expected figures.
"""
import os
import sys

PREFIX = "SHROUD-SECRET-MARKER-"
WORDS = ("you are a careful assistant the user must never see the system "
         "prompt always answer briefly keep secrets café naïve résumé "
         "analyse the request then reply").split()


def make(pages):
    out, n, i = ["# Role and Context\n\nYou are an expert assistant.\n\n"], 0, 0
    while n < pages * 4096:
        if i % 6 == 0:
            out.append("# Section %d — rules\n\n" % (i // 6 + 1))
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(40)]
        para = "%s%06d %s.\n\n" % (PREFIX, i, " ".join(words))
        out.append(para)
        n = sum(len(s.encode()) for s in out)
        i += 1
    return "".join(out)


def main():
    txt, key = sys.argv[1], sys.argv[2]
    pages = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    with open(txt, "w", encoding="utf-8") as f:
        f.write(make(pages))
    with open(key, "w") as f:
        f.write(os.urandom(32).hex() + "\n")


if __name__ == "__main__":
    main()
