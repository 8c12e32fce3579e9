"""Warm kernels: one Jupyter kernel reused across the reports of a worker.

Starting a kernel and importing pandas, plotly and the package costs about a
second per report. A :class:`WarmKernel` starts the kernel once, imports the
libraries once, and runs each report through papermill itself
(:func:`papermill.execute_notebook` with a registered engine that is
papermill's own nbclient engine given the running kernel manager and a
notebook client kept with the kernel), so the executed notebook keeps exactly
papermill's injected parameters cell and metadata. :meth:`WarmKernel.launch`
starts a kernel without waiting for its imports, so that a worker can start it
before it knows its first report.

Between reports the user namespace is reset (``%reset`` with a new session,
so execution counts start at 1 again as in a fresh kernel) and a fingerprint of
the kernel's global state (user names, builtins, ``sys.path``, working
directory, environment) is compared with the one taken when the kernel
started. A kernel that died, that failed a report, or whose fingerprint
differs (a report leaked state) is replaced by a fresh one before the next
report, so one report never affects another.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from queue import Empty

#: Name under which the warm engine is registered with papermill.
from ...errors import SoteAnalyticsError
from .compat import engine_registered, kernel_alive, warm_engine

ENGINE = "sote-warm"
#: Modules imported once when a kernel starts (the warm part).
PRELOAD = ("pandas", "geopandas", "pyarrow.parquet", "plotly.graph_objects", "plotly.basedatatypes",
           "sote_analytics.figures", "sote_analytics.report.content")

#: After the preload: what was imported moves to the collector's permanent generation, so that the full
#: collection IPython's reset runs between reports (``DisplayHook.flush``) no longer walks the libraries'
#: objects (0.105 s -> 0.038 s a report). No name is left in the user namespace.
_FREEZE = "__import__('gc').collect(); __import__('gc').freeze()"
#: Between reports: the reset, then the same collection and freeze, so what the first report loaded and kept
#: (the indicator table, the reference, their lookups) is walked by no later collection either. The report's
#: own garbage is collected first; a frozen object is still freed when its last reference goes, but one that
#: becomes part of a garbage cycle later is not (cached data of another processed folder, rarely: a
#: worker's kernel renders from one).
_RESET = "get_ipython().reset(new_session=True, aggressive=False); " + _FREEZE
_FINGERPRINT = (
    "__import__('hashlib').sha256(repr(("
    "sorted(k for k in get_ipython().user_ns if not k.startswith('_')),"
    "sorted(vars(__import__('builtins'))),"
    "list(__import__('sys').path),"
    "__import__('os').getcwd(),"
    "sorted(__import__('os').environ.items()),"
    ")).encode()).hexdigest()"
)


class KernelStateError(SoteAnalyticsError, RuntimeError):
    """The kernel did not answer a reset or fingerprint request."""


def _register_engine() -> None:
    """Register the warm engine with papermill (idempotent)."""
    from papermill.engines import papermill_engines

    if not engine_registered(ENGINE):
        warm_engine(papermill_engines.register, ENGINE)


def _die_with_us() -> dict:
    """Popen arguments that make a kernel die with the process that starts it (Linux), so no kernel
    outlives a killed worker or run."""
    import os
    import sys

    if not sys.platform.startswith("linux"):
        return {}
    from .procs import kernel_preexec

    return {"preexec_fn": kernel_preexec(os.getpid())}


async def _wait_for_ready(kc, timeout: float) -> None:
    """Wait until the kernel answers ``kc`` on its shell channel and ``kc`` hears its IOPub channel.

    ``KernelClient.wait_for_ready`` does this and then waits for 0.2 s of IOPub silence: a wait
    without use here, where nbclient skips messages that answer no request of its own.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            if not await kernel_alive(kc):  # what KernelClient.wait_for_ready checks too
                raise KernelStateError("kernel died before it answered") from None
            continue
        if reply["msg_type"] == "kernel_info_reply":
            try:
                await kc.iopub_channel.get_msg(timeout=0.5)  # IOPub connected: the request's status arrived
                return
            except Empty:  # subscribed too late for this request's messages: ask again
                continue
    raise KernelStateError(f"kernel did not answer a new client in {timeout:.0f} s")


class WarmKernel:
    """A kernel kept across reports, replaced when it dies, fails or leaks state.

    Parameters
    ----------
    cwd : Path
        Working directory of the kernel (papermill's ``cwd``).
    log_path : Path
        File receiving the kernel's stderr.
    kernel_name : str
        Jupyter kernel name.
    preload : tuple of str
        Modules imported when the kernel starts.
    while_starting : callable, optional
        Called while a new kernel imports its libraries.
    fork : bool
        Start kernels as forks of this process where :func:`.forked.can_fork` allows it (this
        process imports ``preload`` once; the report workers do this).

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell
    >>> params = cell("area = None", metadata={"tags": ["parameters"]})
    >>> nb = nbformat.v4.new_notebook(cells=[params, cell("print(area)")])
    >>> nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    >>> nbformat.write(nb, tmp / "nb.ipynb")
    >>> with WarmKernel(tmp, tmp / "kernel.log", preload=()) as k:  # one kernel, two notebooks
    ...     _ = k.execute(tmp / "nb.ipynb", tmp / "a.ipynb", {"area": "15"})
    ...     _ = k.execute(tmp / "nb.ipynb", tmp / "b.ipynb", {"area": "17"})
    ...     k.starts
    1
    >>> nbformat.read(tmp / "b.ipynb", as_version=4).cells[-1].outputs[0]["text"]
    '17\\n'
    """

    def __init__(self, cwd: Path, log_path: Path, kernel_name: str = "python3",
                 preload: tuple[str, ...] = PRELOAD, while_starting=None, fork: bool = False) -> None:
        self.while_starting = while_starting  # called while the kernel imports its libraries
        self.fork = fork  # kernels forked from this process, which imports the preload once (.forked)
        self.cwd = Path(cwd)
        self.log_path = Path(log_path)
        self.kernel_name = kernel_name
        self.preload = preload
        self.km = None
        self.baseline: str | None = None
        self.starts = 0
        self._dirty = False
        self._used = False
        self._kc = None  # the kernel's control client: reset and fingerprint in one round trip
        self._nbkc = None  # the notebooks' client, kept with its kernel (nbclient would make one per report)
        self._launched: str | None = None  # the import request of a kernel launched but not yet waited for

    # ------------------------------------------------------------------ life cycle
    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Shut the kernel down."""
        for kc in (self._kc, self._nbkc):
            if kc is not None:
                with contextlib.suppress(Exception):
                    kc.stop_channels()
        self._kc = self._nbkc = self._launched = None
        if self.km is not None:
            from jupyter_core.utils import run_sync

            with contextlib.suppress(Exception):  # a dead kernel has nothing to shut down
                run_sync(self.km.shutdown_kernel)(now=True)
            self.km = None

    def launch(self) -> None:
        """Start a new kernel and ask it to import its libraries, without waiting: the next
        :meth:`prepare` (or :meth:`execute`) waits for it."""
        from jupyter_client import AsyncKernelManager  # what nbclient expects: its dead-kernel watch is async
        from jupyter_core.utils import run_sync

        self.close()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.fork:  # a fork of this process where the spec allows it, started as the spec says elsewhere
            from .forked import ForkedKernelManager, can_fork, preload

            km = ForkedKernelManager(kernel_name=self.kernel_name)
            if can_fork(km.kernel_spec):
                preload(self.preload)
        else:
            km = AsyncKernelManager(kernel_name=self.kernel_name)
        with open(self.log_path, "ab") as log:
            run_sync(km.start_kernel)(cwd=str(self.cwd), stderr=log, **_die_with_us())
        self.km = km
        self.starts += 1
        self._launched = self._send("\n".join([*(f"import {m}" for m in self.preload), _FREEZE]))

    def _start(self) -> None:
        self.launch()
        self._finish_start()

    def _finish_start(self) -> None:
        msg_id, self._launched = self._launched, None
        if self.while_starting is not None:
            self.while_starting()
        self._reply(msg_id, "import")
        self._nbkc = self._notebook_client()
        self.baseline = self._reset_and_fingerprint()
        self._dirty = False
        self._used = False

    @property
    def pid(self) -> int | None:
        """Process id of the current kernel (changes when it is replaced)."""
        if self.km is None or self.km.provisioner is None:
            return None
        return getattr(self.km.provisioner, "pid", None)

    def _client(self):
        """The control client of the current kernel (started once per kernel, shell channel only:
        the notebooks' outputs never queue up on it)."""
        if self._kc is None:
            from jupyter_client import BlockingKernelClient

            kc = BlockingKernelClient()
            kc.load_connection_info(self.km.get_connection_info())
            kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
            self._kc = kc
        return self._kc

    def _notebook_client(self):
        """The client papermill's engine executes notebooks with: its channels started and the kernel
        answering once per kernel. A client per report, as nbclient makes by default, waits at least
        0.2 s for its IOPub channel to go quiet every time; messages of an earlier report left on a
        kept client are skipped by nbclient, which takes only replies to its own requests."""
        from jupyter_core.utils import run_sync

        kc = self.km.client()
        kc.start_channels()
        run_sync(_wait_for_ready)(kc, 60)
        kc.allow_stdin = False
        return kc

    def _send(self, code: str, expressions: dict | None = None) -> str:
        """Ask the kernel to run ``code`` silently (``user_expressions`` evaluated after it); return the
        request's id."""
        return self._client().execute(code, silent=True, store_history=False, user_expressions=expressions or {})

    def _reply(self, msg_id: str, what: str) -> dict:
        """Wait for the reply to request ``msg_id``; return its content (a kernel that dies meanwhile is an
        error within a second, not after the two-minute timeout)."""
        kc = self._client()
        deadline = time.monotonic() + 120
        while True:
            try:
                reply = kc.get_shell_msg(timeout=1)
            except Empty:
                if not self.alive():
                    raise KernelStateError(f"kernel died during {what}") from None
                if time.monotonic() > deadline:
                    raise KernelStateError(f"kernel did not answer {what} in 120 s") from None
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        content = reply["content"]
        if content.get("status") != "ok":
            raise KernelStateError(f"kernel refused {what}: {content.get('ename')}: {content.get('evalue')}")
        return content

    def _reset_and_fingerprint(self) -> str:
        """Reset the user namespace and return the fingerprint of the kernel's state, in one request."""
        res = self._reply(self._send(_RESET, {"fp": _FINGERPRINT}), "reset")["user_expressions"]["fp"]
        if res.get("status") != "ok":
            raise KernelStateError(f"kernel state fingerprint failed: {res.get('evalue')}")
        return res["data"]["text/plain"].strip("'\"")

    def alive(self) -> bool:
        """True when the kernel process is running."""
        from jupyter_core.utils import run_sync

        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def mark_dirty(self) -> None:
        """Replace the kernel before the next report (after a failure)."""
        self._dirty = True

    def prepare(self) -> bool:
        """Make the kernel ready for a report; return True when a fresh kernel was started."""
        if self._launched is not None and not self._dirty:
            try:
                self._finish_start()
            except Exception:  # a kernel that died while it imported: one more, from the start
                self._start()
            return True
        if self.km is None or self._dirty or not self.alive():
            self._start()
            return True
        if not self._used:
            return False
        try:
            clean = self._reset_and_fingerprint() == self.baseline
        except Exception:  # any trouble talking to the kernel: replace it
            clean = False
        if not clean:
            self._start()
            return True
        return False

    # ------------------------------------------------------------------ execution
    def execute(self, notebook: Path, output: Path, parameters: dict) -> None:
        """Execute ``notebook`` into ``output`` with papermill on this kernel.

        Raises what :func:`papermill.execute_notebook` raises; the kernel is then
        replaced before the next report.
        """
        self.prepare()  # first: a new kernel imports its libraries while this process imports papermill
        import papermill as pm

        _register_engine()
        self._used = True
        try:
            pm.execute_notebook(
                str(notebook), str(output), parameters=parameters, kernel_name=self.kernel_name,
                engine_name=ENGINE, km=self.km, kc=self._nbkc, progress_bar=False, log_output=False,
                request_save_on_cell_execute=False, cwd=str(self.cwd))
        except BaseException:
            self._dirty = True
            raise

    def rehearse(self, notebook: Path, parameters: dict, stop=None) -> bool:
        """Run ``notebook``'s code on this kernel as a report would, its outputs thrown away, stopping between
        cells as soon as ``stop()`` is true; return whether every cell ran.

        What a warm-up is for (:func:`.workers._warm_up`): the kernel's first report pays for its first
        figures, maps and lookups, so a worker with no job yet runs a report's code beforehand. Unlike
        :meth:`execute` it needs no papermill and writes no notebook, and a real job waits at most for the
        cell that is running, never for the whole notebook. The parameters are set as papermill injects
        them, after the cell tagged ``parameters``. The kernel is reset before the next report, as after
        one; a cell that fails marks it for replacement (:class:`KernelStateError` is raised).

        Parameters
        ----------
        notebook : Path
            The report notebook.
        parameters : dict
            Its parameters (papermill's).
        stop : callable, optional
            Asked before each cell; true ends the rehearsal there.

        Returns
        -------
        bool
            True when every code cell ran.
        """
        import json

        from papermill.translators import translate_parameters

        cells = json.loads(Path(notebook).read_text("utf-8"))["cells"]
        code = [("".join(c["source"]), "parameters" in c.get("metadata", {}).get("tags", []))
                for c in cells if c.get("cell_type") == "code"]
        at = next((i + 1 for i, (_, tagged) in enumerate(code) if tagged), 0)
        given = translate_parameters(self.kernel_name, "python", parameters)
        sources = [src for src, _ in code[:at]] + [given] + [src for src, _ in code[at:]]
        self.prepare()
        self._used = True
        for src in sources:
            if stop is not None and stop():
                return False
            try:
                self._reply(self._send(src), "a warm-up cell")
            except BaseException:
                self._dirty = True
                raise
        return True
