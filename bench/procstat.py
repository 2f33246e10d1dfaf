"""bench/procstat.py: what the memory benchmarks read of another process in /proc.

Imported by bench/idle_memory.py and bench/soak.py (run from any folder: Python puts a
script's own folder first on its path).
"""
import os


def rss_kib(pid):
    """The process's resident set (VmRSS of /proc/PID/status) in KiB, or -1 when absent."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def open_fds(pid):
    """How many descriptors the process has open."""
    return len(os.listdir(f"/proc/{pid}/fd"))
