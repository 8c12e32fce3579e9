"""Processes that die with their parent: a ``kill -9`` of a run takes its workers and their kernels with it."""

from __future__ import annotations

import os


def die_with_parent(parent_pid: int | None = None) -> bool:
    """Ask the kernel to kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``), so that a
    ``kill -9`` of a run takes its workers and their kernels with it. Returns False where unsupported.

    ``parent_pid``: the parent expected; when it is already gone (it died before this call), exit now.
    """
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
    return True


def kernel_preexec(parent_pid: int):
    """``preexec_fn`` of a kernel process: it dies with the worker that started it."""
    def preexec() -> None:
        die_with_parent(parent_pid)
    return preexec
