"""A helper process dies with the process that started it: ingest's extraction workers and its vector writer."""

from __future__ import annotations

import os


def die_with_parent() -> bool:
    """Arm ``PR_SET_PDEATHSIG`` (Linux: SIGKILL when the parent exits); False when the parent is already gone
    (orphaned before the signal was armed)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, 9)     # PR_SET_PDEATHSIG = 1, SIGKILL = 9
    except (OSError, AttributeError):
        pass
    return os.getppid() != 1
