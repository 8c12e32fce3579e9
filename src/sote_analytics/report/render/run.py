"""Run one report notebook with papermill and export it to HTML with nbconvert.

One report in a fresh kernel: :func:`render_report` (:func:`render_national` for a national
overview). Many reports on warm kernels, incrementally, with the folder's index and manifest:
:mod:`.publication` (``render_batch`` for one level, ``publish`` for several), which uses this
module's export (:func:`export_html`, :func:`write_report_html`) and results (:class:`ReportResult`).
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ...atomic import atomic_path, atomic_write_text, file_sha256
from ...errors import NotebookExecutionError, SoteAnalyticsError
from ...filenames import stem as report_stem
from ...i18n import t
from ...store import Store, StoreError
from .compat import report_exporter_class

ASSETS_DIR = "assets"
PLOTLY_JS = "plotly.min.js"


@dataclass
class ReportResult:
    level: str
    area: str
    html: str | None
    executed: str
    seconds: float
    error: str | None = None
    #: For an error raised inside the notebook: the exception's name, value and traceback (as papermill keeps them).
    error_name: str | None = None
    error_value: str | None = None
    traceback: list[str] | None = None


def _plotly_js_path() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / PLOTLY_JS


def install_assets(out_dir: Path) -> Path:
    """Copy plotly.js next to the reports; a missing or corrupt copy (hash differs) is replaced."""
    target = Path(out_dir) / ASSETS_DIR / PLOTLY_JS
    src = _plotly_js_path()
    if not target.exists() or file_sha256(target) != file_sha256(src):
        target.parent.mkdir(parents=True, exist_ok=True)
        _atomic_copy(src, target)
    return target


class BatchInputError(SoteAnalyticsError, RuntimeError):
    """The batch's shared inputs are missing or unreadable; nothing was rendered."""


def check_inputs(processed_dir: Path, out_dir: Path, notebook: Path | None = None) -> list[Path]:
    """Fail fast, before starting workers, on unreadable shared inputs or an unusable output folder.

    Takes the locks of the batch: the processed folder shared (no run may swap it while reports read
    it) and the output folder exclusive (a second batch into it fails with a clear message). Returns
    the locks taken now, for :func:`release_locks` at the end of the batch.
    """
    from ...atomic import FolderBusyError, acquire_lock

    if notebook is not None and not Path(notebook).is_file():
        raise BatchInputError(f"notebook {notebook}: no such file")
    store = Store(processed_dir)
    taken: list[Path] = []
    try:
        if store.path.is_dir() and acquire_lock(store.lock_file, f"the processed folder {store.path}", shared=True):
            taken.append(store.lock_file)
    except FolderBusyError as exc:
        raise BatchInputError(str(exc)) from None
    except OSError:  # a read-only processed folder: nobody can swap it either
        pass
    try:
        store.check()
    except StoreError as exc:
        release_locks(taken)
        raise BatchInputError(str(exc)) from None
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        release_locks(taken)
        raise BatchInputError(f"output folder {out} is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
        if acquire_lock(out / ".lock", f"the report folder {out}"):
            taken.append(out / ".lock")
    except FolderBusyError as exc:
        release_locks(taken)
        raise BatchInputError(str(exc)) from None
    except OSError as exc:
        release_locks(taken)
        raise BatchInputError(f"cannot write to the output folder {out}: {exc}") from None
    return taken


def release_locks(locks: list[Path]) -> None:
    """Release the locks :func:`check_inputs` took."""
    from ...atomic import release_lock

    for lock in locks:
        release_lock(lock)


def _atomic_copy(src: Path, dst: Path) -> None:
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


@functools.lru_cache(maxsize=8)
def _exporter(language: str):
    """The HTML exporter of one language, built once per process (its templates compile once;
    :func:`.compat.report_exporter_class`)."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    ReportExporter = report_exporter_class()  # noqa: N806 (a class)
    templates = resources.files("sote_analytics").joinpath("templates")
    exporter = ReportExporter(
        template_name="sote", extra_template_basedirs=[str(templates)],
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        language_code=language,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"parameters", "injected-parameters", "remove"},
                              enabled=True), enabled=True)
    return exporter


def export_html(executed_notebook: Path, language: str, self_contained: bool = True) -> str:
    """Export an executed notebook to HTML: no code, no prompts, no parameter cells, no stderr.

    With ``self_contained`` (the default) the page carries plotly.js itself (the
    basic bundle, gzip and base64, about 0.5 MB, decompressed by the browser), so
    a report forwarded as one file draws its charts offline. Otherwise plotly.js
    comes from ``assets/`` (shared-assets mode for web publishing), and a page
    opened without that folder says so instead of showing blank charts. The
    page's ``<title>`` is its first heading (report kind and area, in its language).
    """
    import re

    import nbformat

    nb = nbformat.read(executed_notebook, as_version=4)
    heading = None
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", [])
                               if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
            for o in cell["outputs"]:
                html_out = o.get("data", {}).get("text/html", "") if heading is None else ""
                m = re.search(r"<h1>(.*?)</h1>", "".join(html_out), re.S)
                if m:
                    import html as _html

                    heading = _html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
    if heading:
        nb.metadata["title"] = heading
    exporter = _exporter(language)
    res: dict[str, str] = {"skip_text": t("skip_to_content", language),
                           "charts_missing": t("charts_missing", language)}
    if self_contained:
        res["plotly_gz_b64"] = _plotly_gz_b64()
    else:
        res["plotly_src"] = f"{ASSETS_DIR}/{PLOTLY_JS}"
    body, _ = exporter.from_notebook_node(nb, resources=res)
    return body


PLOTLY_BASIC_GZ = "templates/sote/vendor/plotly-basic.min.js.gz"


def _plotly_version(head: str) -> str | None:
    import re

    m = re.search(r"plotly\.js(?: \([^)]*\))? v(\d+\.\d+\.\d+)", head)
    return m.group(1) if m else None


@functools.lru_cache(maxsize=1)
def _plotly_gz_b64() -> str:
    """plotly.js for embedding: the vendored basic bundle (scatter, bar) when it is the version the
    Python plotly package ships, else the full bundle; gzip-compressed and base64-encoded."""
    import base64
    import gzip

    full = _plotly_js_path()
    with open(full, encoding="utf-8") as fh:
        full_version = _plotly_version(fh.read(300))
    basic = resources.files("sote_analytics").joinpath(PLOTLY_BASIC_GZ)
    data = None
    if basic.is_file():
        raw = basic.read_bytes()
        if _plotly_version(gzip.decompress(raw)[:300].decode("utf-8", "replace")) == full_version:
            data = raw
    if data is None:  # fallback: the full bundle (about 1.9 MB encoded)
        data = gzip.compress(full.read_bytes(), compresslevel=9, mtime=0)
    return base64.b64encode(data).decode("ascii")


def default_notebook() -> Path:
    """The regional report notebook shipped with the package (``notebooks/reports/`` links to it)."""
    return Path(str(resources.files("sote_analytics").joinpath("notebooks/regional_report.ipynb")))


def national_notebook() -> Path:
    """The national overview notebook shipped with the package."""
    return Path(str(resources.files("sote_analytics").joinpath("notebooks/national_overview.ipynb")))


def render_notebook(notebook: Path, params: dict, stem: str, out_dir: Path, language: str = "fi",
                    self_contained: bool = False, level: str = "", area: str = "") -> ReportResult:
    """Execute ``notebook`` with papermill and write ``<stem>.html`` atomically.

    The executed notebook is kept in ``out_dir/_executed/`` for debugging. On
    failure no HTML is written and the error is returned (not raised).
    """
    import papermill as pm

    start = time.perf_counter()
    out_dir = Path(out_dir)
    executed = out_dir / "_executed" / f"{stem}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _stderr_to(executed.with_suffix(".log")):  # the kernel's own chatter, kept for debugging
            pm.execute_notebook(
                str(notebook), str(executed), parameters=params, kernel_name="python3",
                progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                cwd=str(Path.cwd()),
            )
        target = write_report_html(executed, out_dir / f"{stem}.html", language, self_contained)
        return ReportResult(level, str(area), str(target), str(executed), time.perf_counter() - start)
    except Exception as exc:  # one area's failure must not stop a batch
        return failed_result(level, str(area), executed, time.perf_counter() - start, exc)


def write_report_html(executed: Path, target: Path, language: str, self_contained: bool) -> Path:
    """Export an executed notebook and write it to ``target`` atomically."""
    atomic_write_text(target, export_html(executed, language, self_contained))
    return target


def failed_result(level: str, area: str, executed: Path, seconds: float, exc: Exception) -> ReportResult:
    """The result of a report that failed: an error raised inside the notebook keeps its name, value
    and traceback (as papermill records them); any other error is its type and last line."""
    err = notebook_error(exc)
    if err is not None:
        return ReportResult(level, area, None, str(executed), seconds, str(err), err.ename, err.evalue,
                            err.traceback)
    text = str(exc).strip()
    return ReportResult(level, area, None, str(executed), seconds,
                        f"{type(exc).__name__}: {text.splitlines()[-1] if text else ''}")


def notebook_error(exc: Exception) -> NotebookExecutionError | None:
    """papermill's execution error as the package's own, or None for any other exception."""
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(exc, PapermillExecutionError):
        return None
    return NotebookExecutionError(exc.ename, exc.evalue, exc.traceback, exc.exec_count)


@contextmanager
def _stderr_to(path: Path):
    """Point file descriptor 2 (inherited by the kernel process) at ``path`` for the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "ab") as log:
            os.dup2(log.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def report_params(level: str, area: str, year: int, language: str, processed_dir: Path,
                  reference_dir: Path | None) -> dict:
    """The papermill parameters of one regional report (the same for a cold or a warm kernel)."""
    return {
        "level": level, "area": str(area), "year": int(year), "language": language,
        "processed_dir": str(Path(processed_dir).resolve()),
        "reference_dir": str(Path(reference_dir).resolve()) if reference_dir else None,
    }


def national_params(level: str, year: int, language: str, processed_dir: Path, reference_dir: Path | None) -> dict:
    """The papermill parameters of the national overview of ``level``."""
    return {
        "level": level, "year": int(year), "language": language,
        "processed_dir": str(Path(processed_dir).resolve()),
        "reference_dir": str(Path(reference_dir).resolve()) if reference_dir else None,
    }


def render_report(
    level: str, area: str, *, year: int, processed_dir: Path, out_dir: Path,
    language: str = "fi", reference_dir: Path | None = None, notebook: Path | None = None,
    self_contained: bool = False,
) -> ReportResult:
    """Execute the regional report notebook for one area and write ``<level>_<area>.html``."""
    params = report_params(level, area, year, language, processed_dir, reference_dir)
    return render_notebook(Path(notebook) if notebook else default_notebook(), params,
                           report_stem(level, area, language), out_dir, language, self_contained, level, str(area))


def render_national(
    level: str, *, year: int, processed_dir: Path, out_dir: Path, language: str = "fi",
    reference_dir: Path | None = None, notebook: Path | None = None, self_contained: bool = False,
) -> ReportResult:
    """Execute the national overview notebook for ``level`` and write ``national_<level>.html``."""
    params = national_params(level, year, language, processed_dir, reference_dir)
    return render_notebook(Path(notebook) if notebook else national_notebook(), params,
                           report_stem(level, "national", language), out_dir, language, self_contained, level,
                           "national")
