"""What every benchmark writes beside its numbers: the machine it ran on."""

from __future__ import annotations

import os
import platform
from typing import Any


def machine() -> dict[str, Any]:
    """The platform, Python, CPU count and load average (shared machines are noisy: compare
    numbers of one run, and see how loaded it was)."""
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "loadavg_at_end": os.getloadavg(),
    }
