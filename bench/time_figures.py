#!/usr/bin/env python3
"""Reads the report of `/usr/bin/time -v -o FILE` and prints one line:
WALL_SECONDS CPU_SECONDS PEAK_RSS_MB USER_SECONDS SYSTEM_SECONDS (shared by the bench scripts)."""
import re
import sys

text = open(sys.argv[1]).read()


def field(name):
    return re.search(re.escape(name) + r":\s*(.+)", text).group(1).strip()


user = float(field("User time (seconds)"))
system = float(field("System time (seconds)"))
parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss_mb = int(field("Maximum resident set size (kbytes)")) / 1024
print(f"{wall} {user + system} {rss_mb} {user} {system}")
