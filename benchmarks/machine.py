"""What the numbers were measured on: cores, CPU model, load, and numpy's BLAS."""
import os
from statistics import median


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def load() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def numpy_blas() -> dict | None:
    """numpy's BLAS as threadpoolctl sees it (call before torch loads its own), or None."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    import numpy  # noqa: F401 - loads the BLAS that threadpoolctl then finds
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            return lib
    return None


def describe_blas(lib: dict | None) -> str:
    if lib is None:
        return "unknown (threadpoolctl is not installed)"
    return (f"{lib.get('internal_api')} {lib.get('version')}, kernel "
            f"{lib.get('architecture', '?')}, {lib.get('num_threads')} threads")


def openblas_overrides() -> str:
    """The per-machine OpenBLAS settings this process runs with (see the env notes)."""
    set_here = [f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
                if k in os.environ]
    return ", ".join(set_here) or "none"


def describe() -> list:
    """Report lines about this machine."""
    return [f"machine: {os.cpu_count()} cores (nproc), {cpu_model()}",
            f"load average (1, 5, 15 min): {load()}"]


def seconds(values) -> str:
    """'median (min-max)' of a list of timings."""
    return f"{median(values):.2f} ({min(values):.2f}-{max(values):.2f})"
