"""Every use of papermill's, nbconvert's, jupyter_client's and jsonschema's internals, in one module, and the
check of plotly's that the report fragments use.

The warm kernels and the fast export lean on names these libraries do not promise to keep: the engine registry
of papermill, the private liveness check of jupyter_client's kernel client, the resources set-up and
validation hooks of nbconvert's exporters, and jsonschema's optional import of ``rfc3987_syntax``; the
report's figures are serialised with plotly's own base64 conversion (``_plotly_utils.utils``, in
:func:`.fragments.figure_dict`, a layer below this module). The versions they were written against are the
ranges in ``pyproject.toml`` (and the exact ones in ``constraints.txt``). :func:`check` verifies that each
name exists; each worker runs it while its kernel starts (the worker imports these libraries then anyway, so
the check costs the parent process nothing), and so do the tests: an incompatible upgrade fails every report
with one line naming the library, its version and the name, not deep inside a report.

Examples
--------
>>> check()  # the installed versions have every name used here
>>> sorted(TESTED)[:3]
['jupyter_client', 'nbclient', 'nbconvert']
"""

from __future__ import annotations

import functools
import importlib.metadata
import types
from collections.abc import Callable

from ...errors import SoteAnalyticsError

#: The libraries whose internals are used, and the major versions tested (pyproject's upper bounds).
TESTED: dict[str, str] = {"papermill": "2", "nbconvert": "7", "nbclient": "0", "jupyter_client": "8",
                          "nbformat": "5", "plotly": "7"}
#: What :func:`.fragments.figure_dict` takes from plotly's ``_plotly_utils.utils``.
PLOTLY_UTILS = ("is_homogeneous_array", "is_skipped_key", "to_typed_array_spec")


class IncompatibleLibraryError(SoteAnalyticsError, RuntimeError):
    """An installed library lacks an internal name the report runner uses (an untested version)."""


def _need(obj: object, name: str, library: str) -> None:
    if not hasattr(obj, name):
        version = importlib.metadata.version(library)
        owner = obj.__name__ if isinstance(obj, type | types.ModuleType) else type(obj).__name__
        raise IncompatibleLibraryError(
            f"{library} {version} has no {owner}.{name}, "
            f"which the report runner uses; install the tested versions: pip install -c constraints.txt -e .")


def check() -> None:
    """Verify that every internal name used here exists in the installed libraries.

    Raises
    ------
    IncompatibleLibraryError
        Naming the library, its version and the missing name.
    """
    from jupyter_client.asynchronous.client import AsyncKernelClient
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from papermill.engines import papermill_engines

    _need(papermill_engines, "_engines", "papermill")
    _need(AsyncKernelClient, "_async_is_alive", "jupyter_client")
    for name in ("_init_resources", "_validate_preprocessor", "_create_environment"):
        _need(HTMLExporter, name, "nbconvert")
    _need(TemplateExporter, "from_notebook_node", "nbconvert")
    import _plotly_utils.utils as plotly_utils

    for name in PLOTLY_UTILS:
        _need(plotly_utils, name, "plotly")


def engine_registered(name: str) -> bool:
    """Whether papermill's engine registry has ``name`` (it has no public lookup)."""
    from papermill.engines import papermill_engines

    return name in papermill_engines._engines


async def kernel_alive(kc) -> bool:
    """jupyter_client's own liveness check of a kernel client (what ``wait_for_ready`` checks)."""
    return await kc._async_is_alive()


def skip_iri_format_checker() -> None:
    """Leave out jsonschema's optional "iri" format checker in this process.

    nbformat imports jsonschema, whose format module imports ``rfc3987_syntax`` when it is
    installed (it is, through jupyter) and builds 38 Lark grammars at import: 1.4 s of CPU per
    worker, for a format that notebook validation never checks. jsonschema imports it under
    ``suppress(ImportError)``, so marking the module absent just leaves that checker out.
    """
    import sys

    if "rfc3987_syntax" not in sys.modules and "jsonschema" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


@functools.cache
def report_exporter_class() -> type:
    """nbconvert's ``HTMLExporter`` without the passes a report does not need.

    - No last pass of its ``from_notebook_node``, which re-parses the finished page with
      BeautifulSoup to add ``tabindex="0"`` to every output and a placeholder ``alt`` to images:
      the report's own markup carries its keyboard and text alternatives, and that pass took a
      quarter of the export time (2.4 s alone on the country report).
    - No validation of the whole notebook after each preprocessor (0.1 s a country report);
      papermill validated it when it wrote it.
    - Compiled templates cached on disk between processes (0.4 s per language and worker).
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to its call of TemplateExporter's
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        def _validate_preprocessor(self, nbc, preprocessor):
            """No validation of the whole notebook after each preprocessor."""

        def _create_environment(self):
            from jinja2 import FileSystemBytecodeCache

            env = super()._create_environment()
            env.bytecode_cache = FileSystemBytecodeCache()  # the user's temporary folder; keyed by source
            return env

    return ReportExporter


def warm_engine(register: Callable[[str, type], None], name: str) -> None:
    """Register with papermill (``register``: ``papermill_engines.register``) an nbclient engine that runs a
    notebook on a kernel that is already running (``km``, and its client ``kc``)."""
    from papermill.engines import NBClientEngine

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine on a kernel that is already running (``km``)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.engines import logger

            km, kc = kwargs.pop("km"), kwargs.pop("kc", None)
            client = PapermillNotebookClient(
                nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = kc  # after __init__, which sets it to None; nbclient makes one when it is None
            try:
                return client.execute()
            finally:  # the kernel and a client given with it stay; a client made for this notebook goes
                if client.kc is not None and client.kc is not kc:
                    client.kc.stop_channels()

    register(name, WarmEngine)
