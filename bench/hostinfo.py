"""hostinfo.py - what the benchmark scripts in bench/ say about the machine they ran on."""


def cpu_name():
    """The CPU model from /proc/cpuinfo."""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"
