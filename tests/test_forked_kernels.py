"""A report kernel forked from its worker is the kernel its spec would have started, minus the imports."""

from __future__ import annotations

import json
import os
import sys

import nbformat
import pytest

from sote_analytics.report.render.forked import can_fork
from sote_analytics.report.render.kernels import WarmKernel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernels are forked on Linux only")

STATE = r"""
import asyncio, json, logging, os, signal, sys, warnings
try:
    asyncio.get_running_loop(); running = "a loop"  # ipykernel's own, in both
except RuntimeError:
    running = "none"
state = {
    "argv": sys.argv[1:2],
    "path": sys.path,
    "cwd": os.getcwd(),
    "filters": [(f[0], f[2].__name__, getattr(f[1], "pattern", f[1]), f[3]) for f in warnings.filters],
    "root_handlers": [type(h).__name__ for h in logging.getLogger().handlers],
    "root_level": logging.getLogger().level,
    "env": sorted(k for k in os.environ if k not in {"JPY_PARENT_PID"}),
    "parent_is_us": os.environ.get("JPY_PARENT_PID") == str(os.getppid()),
    "session_leader": os.getsid(0) == os.getpid(),
    "stdin_is_empty": os.read(0, 1) == b"",
    "sigterm": str(signal.getsignal(signal.SIGTERM)),
    "main": sys.modules["__main__"].__class__.__name__,
    "loop": running,
    "polls_parent": __import__("ipykernel.kernelapp").kernelapp.IPKernelApp.instance().parent_handle
                    == int(os.environ["JPY_PARENT_PID"]),
}
print(json.dumps(state))
print(json.dumps({"marker": "sote_fork_marker" in sys.modules, "pid": os.getpid()}))
"""


def _notebook(path):
    cell = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[cell("x = 1", metadata={"tags": ["parameters"]}), cell(STATE)])
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return path


def _run(kernel, nb, out):
    kernel.execute(nb, out, {"x": 2})
    text = nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"].splitlines()
    return json.loads(text[0]), json.loads(text[1])


def _in_worker(fn, *args):
    """Run ``fn(*args)`` in a fork of this process, as a report worker is one, and return what it returns.

    The kernels are forked from there, so this test process never imports ipykernel's application (which
    would then meet the widgets other tests leave behind at exit)."""
    import pickle
    import traceback

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = ("ok", fn(*args))
        except BaseException:
            out = ("error", traceback.format_exc())
        with os.fdopen(w, "wb") as f:
            pickle.dump(out, f)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        kind, value = pickle.load(f)
    os.waitpid(pid, 0)
    if kind == "error":
        pytest.fail(value)
    return value


def _forked_and_started(tmp_path):
    import logging
    import types
    import warnings

    sys.modules["sote_fork_marker"] = types.ModuleType("sote_fork_marker")  # only in this (worker) process
    nb = _notebook(tmp_path / "state.ipynb")
    logging.getLogger().addHandler(logging.StreamHandler())  # what a test runner or a worker configured
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither are this process's warning filters
        with WarmKernel(tmp_path, tmp_path / "forked.log", preload=("colorsys",), fork=True) as forked:
            f_state, f_info = _run(forked, nb, tmp_path / "f.ipynb")
            f_again, f_info2 = _run(forked, nb, tmp_path / "f2.ipynb")
            forked_pid = forked.pid
        with WarmKernel(tmp_path, tmp_path / "started.log", preload=("colorsys",), fork=False) as started:
            s_state, s_info = _run(started, nb, tmp_path / "s.ipynb")
    return {"f_state": f_state, "f_info": f_info, "f_again": f_again, "f_info2": f_info2, "forked_pid": forked_pid,
            "s_state": s_state, "s_info": s_info, "worker": os.getpid(), "colorsys": "colorsys" in sys.modules}


def test_a_forked_kernel_looks_like_a_started_one_and_has_the_preload(tmp_path, monkeypatch, capfd):
    from jupyter_client.kernelspec import KernelSpecManager

    assert can_fork(KernelSpecManager().get_kernel_spec("python3")), "the project's kernel spec is forkable"
    monkeypatch.setenv("SOTE_FORK_TEST", "1")  # the environment given to the kernel, not this process's at import
    got = _in_worker(_forked_and_started, tmp_path)
    f_state, s_state, f_info, s_info = got["f_state"], got["s_state"], got["f_info"], got["s_info"]
    assert f_state == s_state, {k: (f_state[k], s_state[k]) for k in f_state if f_state[k] != s_state[k]}
    assert f_state["parent_is_us"] and f_state["session_leader"] and f_state["stdin_is_empty"]
    assert f_state["polls_parent"]  # dies with its worker, as a started kernel does
    assert "kernel" not in capfd.readouterr().out  # the kernels print nothing on the run's console
    assert "SOTE_FORK_TEST" in f_state["env"]
    assert got["f_again"] == f_state and got["f_info2"]["pid"] == f_info["pid"] == got["forked_pid"]  # reused
    # a fork of the worker (what the worker had loaded is there), the started one is not
    assert f_info["marker"] and not s_info["marker"] and f_info["pid"] != got["worker"]
    assert got["colorsys"]  # the preload was imported in the worker, once, for every kernel forked


def _killed_and_replaced(tmp_path):
    import signal

    nb = _notebook(tmp_path / "state.ipynb")
    with WarmKernel(tmp_path, tmp_path / "k.log", preload=(), fork=True) as kernel:
        _, first = _run(kernel, nb, tmp_path / "a.ipynb")
        os.kill(first["pid"], signal.SIGKILL)
        _, second = _run(kernel, nb, tmp_path / "b.ipynb")
        starts = kernel.starts
    try:
        os.waitpid(first["pid"], os.WNOHANG)
        reaped = False
    except ChildProcessError:  # reaped: no zombie left behind
        reaped = True
    try:
        os.kill(second["pid"], 0)
        gone = False
    except ProcessLookupError:  # shut down with the WarmKernel
        gone = True
    return {"first": first["pid"], "second": second["pid"], "starts": starts, "reaped": reaped, "gone": gone}


def test_a_forked_kernel_that_dies_is_replaced_and_reaped(tmp_path):
    got = _in_worker(_killed_and_replaced, tmp_path)
    assert got["second"] != got["first"] and got["starts"] == 2
    assert got["reaped"] and got["gone"]


def test_a_kernel_spec_of_another_interpreter_is_started_not_forked():
    from types import SimpleNamespace

    ours = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert can_fork(SimpleNamespace(argv=ours, env={}))
    assert not can_fork(SimpleNamespace(argv=["/opt/other/bin/python", *ours[1:]], env={}))
    assert not can_fork(SimpleNamespace(argv=ours, env={"PYTHONPATH": "/x"}))  # the spec changes the process
    assert not can_fork(SimpleNamespace(argv=[*ours, "--matplotlib=inline"], env={}))
