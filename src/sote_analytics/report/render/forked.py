"""Kernels forked from a worker that has the report's libraries loaded.

A report kernel started as its kernel spec says (``python -m ipykernel_launcher``) spends
about 1.2 s of CPU importing pandas, geopandas, plotly and the package before its first
report, and every run starts one per worker. A report worker is itself a fork of the run's
process, which read the register with pandas already, so :class:`ForkedKernelManager`
starts the kernel as a fork of the worker instead: the worker imports what the kernel
would (once, :func:`preload`), and each kernel it forks finds the modules loaded and only
sets ipykernel up (about 0.1 s).

The child is made to look like the process the kernel spec would have started, as
``jupyter_client.launcher.launch_kernel`` starts it: a new session, the environment
jupyter_client prepared (``JPY_PARENT_PID`` included), the working directory, stdin from
``/dev/null``, stderr to the kernel's log, ``sys.argv`` and ``sys.path[0]`` as
``python -m ipykernel_launcher`` sets them (the interpreter is asked for its path once), the
interpreter's default warning filters with those the kernel's own libraries add on import, and an
unconfigured root logger (the worker's, or a test runner's, are not inherited). The
child leaves through ``os._exit``: it never runs the worker's exit handlers.

Forking is used only where it gives the same kernel: on Linux, in a process that asked for
it (the report workers do), for a kernel spec that runs this interpreter's
``ipykernel_launcher``. Anything else starts the kernel as its spec says.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import time
from pathlib import Path

from jupyter_client import AsyncKernelManager

#: Libraries whose warning filters are added when they are imported (IPython's completer adds one), as a
#: started kernel imports them too; a filter of any other category was set by the worker's process.
_KERNEL_LIBRARIES = frozenset({"IPython", "ipykernel", "jupyter_client", "traitlets", "zmq", "tornado", "comm"})
#: The warning filters of a CPython 3.11 release build at start-up, before ``-W`` options
#: (``Python/_warnings.c: init_filters``), oldest last as in ``warnings.filters``.
_DEFAULT_FILTERS = (
    ("default", None, DeprecationWarning, "__main__", 0),
    ("ignore", None, DeprecationWarning, None, 0),
    ("ignore", None, PendingDeprecationWarning, None, 0),
    ("ignore", None, ImportWarning, None, 0),
    ("ignore", None, ResourceWarning, None, 0),
)


def can_fork(kernel_spec) -> bool:
    """Whether a kernel of ``kernel_spec`` can be a fork of this process: Linux, and a spec that
    runs this interpreter's ``ipykernel_launcher`` with only a connection file.

    Parameters
    ----------
    kernel_spec : jupyter_client.kernelspec.KernelSpec
        The kernel's spec.

    Returns
    -------
    bool

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> can_fork(SimpleNamespace(argv=["/usr/bin/R", "--slave"], env={}))
    False
    """
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    argv = list(getattr(kernel_spec, "argv", None) or [])
    if len(argv) < 3 or getattr(kernel_spec, "env", None):
        return False
    try:
        same = Path(argv[0]).resolve() == Path(sys.executable).resolve()
    except OSError:
        return False
    rest = [a for a in argv[1:] if not a.startswith("-X")]
    return same and rest[:2] == ["-m", "ipykernel_launcher"] and rest[2:] == ["-f", "{connection_file}"]


def preload(modules: tuple[str, ...]) -> None:
    """Import ``modules`` and ipykernel's application in this process, so kernels forked from it
    start with them loaded.

    Parameters
    ----------
    modules : tuple of str
        Module names.

    Returns
    -------
    None

    Examples
    --------
    In a process of its own (a process that imports ipykernel's application is one that kernels are
    forked from, not the one a user works in):

    >>> import subprocess
    >>> code = ("import sys; from sote_analytics.report.render.forked import preload; "
    ...         "preload(('colorsys',)); print(all(m in sys.modules for m in ('colorsys', 'ipykernel.kernelapp')))")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    'True'
    """
    import importlib

    for name in (*modules, "ipykernel.kernelapp"):
        importlib.import_module(name)


class ForkedProcess:
    """The part of :class:`subprocess.Popen` that jupyter_client's provisioner uses, for a forked child.

    Parameters
    ----------
    pid : int
        The child's process id.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The exit code, or None while the child runs."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to end; return its exit code."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                import subprocess

                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the child (nothing once it has ended)."""
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        """SIGKILL."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM."""
        self.send_signal(signal.SIGTERM)


@functools.cache
def _started_path(executable: str, flags: tuple[str, ...], cwd: str, path_env: tuple) -> tuple[str, ...]:
    """``sys.path`` of a kernel started as ``executable flags -m ipykernel_launcher`` in ``cwd`` with the
    path variables ``path_env``: asked once of the interpreter (about 20 ms), as the launcher leaves it."""
    import json
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")} | dict(path_env)
    out = subprocess.run([executable, *flags, "-m", "sote_analytics.report.render.path_probe"], cwd=cwd, env=env,
                         capture_output=True, text=True, check=True).stdout
    path = json.loads(out)
    if path and (path[0] == "" or Path(path[0]) == Path(cwd)):  # what ipykernel_launcher removes
        path = path[1:]
    return tuple(path)


def _become_kernel(connection_file: str, cwd: str | None, env: dict, stderr, preexec,
                   path: tuple[str, ...]) -> None:
    """In the forked child: set the process up as ``launch_kernel`` would, then run ipykernel."""
    import asyncio
    import logging
    import warnings

    os.setsid()  # launch_kernel's start_new_session
    if preexec is not None:
        preexec()
    if cwd:
        os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if stderr is not None:
        os.dup2(stderr if isinstance(stderr, int) else stderr.fileno(), 2)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    # the worker forked inside its event loop: this process has none running
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop_policy(None)
    kept = [f for f in warnings.filters if getattr(f[2], "__module__", "").split(".")[0] in _KERNEL_LIBRARIES]
    warnings.resetwarnings()
    if sys.warnoptions:
        warnings._processoptions(sys.warnoptions)
    warnings.filters[len(warnings.filters):] = list(_DEFAULT_FILTERS)
    warnings.filters[:0] = kept
    warnings._filters_mutated()
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.setLevel(logging.WARNING)
    import ipykernel_launcher

    sys.argv = [ipykernel_launcher.__file__, "-f", connection_file]
    sys.path[:] = list(path)
    from ipykernel.kernelapp import IPKernelApp

    # traits that ipykernel reads from the environment when it is imported (in the worker, before these were set)
    IPKernelApp.launch_instance(argv=["-f", connection_file], parent_handle=int(env.get("JPY_PARENT_PID") or 0),
                                interrupt=int(env.get("JPY_INTERRUPT_EVENT") or 0))


class ForkedKernelManager(AsyncKernelManager):
    """An :class:`~jupyter_client.AsyncKernelManager` whose kernel is a fork of this process when
    :func:`can_fork` allows it (else started as its spec says).

    jupyter_client documents ``_launch_kernel`` as the method to override "to launch kernel
    subprocesses differently"; the provisioner keeps its part (ports, connection file, signals,
    shutdown) and is handed the forked child as its process.
    """

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        if not can_fork(self.kernel_spec):
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        prov = self.provisioner
        env = dict(kw.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())
        cwd = kw.get("cwd")
        stderr, preexec = kw.get("stderr"), kw.get("preexec_fn")
        flags = tuple(a for a in self.kernel_spec.argv[1:] if a.startswith("-X"))
        path = _started_path(sys.executable, flags, cwd or os.getcwd(),
                             tuple(sorted((k, v) for k, v in env.items() if k.startswith("PYTHON"))))
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            with contextlib.suppress(Exception):
                stream.flush()
        pid = os.fork()
        if pid == 0:  # the kernel
            code = 0
            try:
                _become_kernel(self.connection_file, cwd, env, stderr, preexec, path)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 0
            except BaseException:
                import traceback

                with contextlib.suppress(Exception):
                    traceback.print_exc()
                code = 1
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                    sys.stderr.flush()
                os._exit(code)
        prov.process = ForkedProcess(pid)
        prov.pid = pid
        prov.pgid = pid  # its own session
        prov.cwd = cwd or os.getcwd()
        self._reconcile_connection_info(prov.connection_info)
