"""Defaults in one place: paths, environment variables, years and service URLs.

Every function of the package takes its paths as arguments; when a caller does
not give one, the default comes from here. Nothing here touches the disk or
the network: the values are computed when asked for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Environment variable naming a local folder of reference data
#: (the format of ``../shared/reference/``).
REFERENCE_DIR_ENV = "SOTE_REFERENCE_DIR"
#: Environment variable naming the project's data folder (default ``./data``).
DATA_DIR_ENV = "SOTE_DATA_DIR"
#: Environment variable naming the reports folder (default ``./reports``).
REPORTS_DIR_ENV = "SOTE_REPORTS_DIR"

#: The municipality key year used when none is given.
DEFAULT_YEAR = 2025
#: Seed of the synthetic demo register.
DEFAULT_SEED = 2025

#: Attribution shown in everything built from the reference data.
REFERENCE_ATTRIBUTION = "Lähde: Tilastokeskus, Maanmittauslaitos, THL (CC BY 4.0)"

#: Statistics Finland classification service (municipality lists, correspondences).
CLASSIFICATION_API = "https://data.stat.fi/api/classifications/v2"
#: Statistics Finland WFS (municipal boundaries 1:4.5 million, layer ``kunta4500k_<year>``).
WFS_URL = "https://geo.stat.fi/geoserver/wfs"
#: PxWeb table 11ra (key figures on population by region). Since 8 June 2026 the table
#: id is the short ``11ra.px``; the old ``statfin_vaerak_pxt_11ra.px`` answers HTTP 400.
PXWEB_POPULATION_URL = "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin/vaerak/11ra.px"
#: PxWeb table 11re (population by single year of age, sex and municipality), variable
#: codes of 8 June 2026 (``alue_23_20260101``, ``ikaryhma_10_20180101``, ...).
PXWEB_AGE_URL = "https://pxdata.stat.fi/PxWeb/api/v1/fi/StatFin/vaerak/11re.px"
#: THL Sotkanet REST API: a second, independent source of population (indicator 127).
SOTKANET_API = "https://sotkanet.fi/rest/1.1"
#: Sotkanet indicator "Väestö 31.12." (population on 31 Dec).
SOTKANET_POPULATION_INDICATOR = 127
#: PRH open data YTJ API v3 (only probed by ``reference fetch --check``).
YTJ_API = "https://avoindata.prh.fi/opendata-ytj-api/v3"
#: First year of the population series and of the mergers derived by ``reference fetch``.
POPULATION_FROM = 2015
MERGERS_FROM = 2014


@dataclass(frozen=True)
class Paths:
    """The folders a run reads and writes.

    Parameters
    ----------
    data : Path
        Project data folder; ``raw/`` below it is never modified in place
        except by explicit fetch and demo commands writing new files.
    reports : Path
        Where HTML reports go.

    Examples
    --------
    >>> p = Paths(Path("data"), Path("reports"))
    >>> p.processed
    PosixPath('data/processed')
    """

    data: Path
    reports: Path

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def processed(self) -> Path:
        return self.data / "processed"

    @property
    def reference_cache(self) -> Path:
        return self.raw / "reference"

    @property
    def demo(self) -> Path:
        return self.raw / "demo"


def default_paths() -> Paths:
    """Paths from the environment, else ``./data`` and ``./reports``."""
    return Paths(
        data=Path(os.environ.get(DATA_DIR_ENV, "data")),
        reports=Path(os.environ.get(REPORTS_DIR_ENV, "reports")),
    )


def reference_dir_from_env() -> Path | None:
    """The folder named by ``SOTE_REFERENCE_DIR``, or None."""
    value = os.environ.get(REFERENCE_DIR_ENV)
    return Path(value) if value else None


def embedded_reference_dir() -> Path:
    """Folder of the reference snapshot shipped inside the package (may be absent in a
    source checkout that has not run ``scripts/build_reference_snapshot.py``)."""
    from importlib import resources

    return Path(str(resources.files("sote_analytics").joinpath("data", "reference_snapshot")))

#: Arrow's allocator is chosen by this variable when Arrow first allocates (pandas' text columns are Arrow's).
ARROW_POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"
#: The allocator the package's own processes use on Linux: the command line, the report workers and
#: their kernels (they inherit the environment), the tests. pyarrow's default there, mimalloc, gives
#: memory back to the system so eagerly that a run faults it in again and again: ``indicators`` on a
#: three-row register took 3.4-5.3 s (1.0-2.5 s of it in the kernel) against 2.75-2.9 s with jemalloc.
ARROW_POOL = "jemalloc"


def prefer_arrow_pool(environ=None) -> str | None:
    """Set :data:`ARROW_POOL_ENV` to :data:`ARROW_POOL` unless it is set already (Linux only).

    Called first by the console script and by the test suite, before pandas is imported; a library
    user's own process is left as it is. Returns the allocator now asked for (None: Arrow's default).

    Examples
    --------
    >>> prefer_arrow_pool({}) in (ARROW_POOL, None)  # None where the wheels have no jemalloc
    True
    >>> prefer_arrow_pool({ARROW_POOL_ENV: "system"})  # the user's choice stands
    'system'
    """
    import sys

    own = environ is None
    environ = os.environ if own else environ
    if ARROW_POOL_ENV not in environ and sys.platform == "linux":  # the wheels for Linux carry jemalloc
        environ[ARROW_POOL_ENV] = ARROW_POOL
        if own and "pyarrow" in sys.modules:  # imported already (a test runner's plugin): switch it now
            pa = sys.modules["pyarrow"]
            try:
                pa.set_memory_pool(getattr(pa, f"{ARROW_POOL}_memory_pool")())
            except (AttributeError, NotImplementedError, pa.ArrowException):  # a build without it
                del environ[ARROW_POOL_ENV]
    return environ.get(ARROW_POOL_ENV)


#: The report's directory lists at most this many associations; a larger area (the country, the
#: largest collaborative area) says how many there are and where to find them, so its page stays
#: small and quick to render (a 10,000-row table made the country report 2.4 MB and 13 s).
DIRECTORY_MAX_ROWS = 3000

#: ``run`` renders a batch of at most this many reports on one worker unless ``--workers`` says otherwise:
#: its workers start while the parent still computes the indicators, and on two cores a second worker's
#: start (a kernel, papermill's and nbconvert's imports) cost more than rendering the second report after the
#: first (a one-county file changed by one association, two reports: 9.54 s with one worker, 10.23 s with
#: two, the means of four alternated runs each).
SMALL_RUN_REPORTS = 3


def load_yaml(text: str):
    """Parse YAML text safely, with libyaml's C loader when PyYAML has it.

    The pure-Python loader took 0.55 s for the text catalogue (``i18n.yaml``), once in
    every kernel and worker of a batch; the C loader builds the same objects.

    Examples
    --------
    >>> load_yaml("a: [1, 2]")
    {'a': [1, 2]}
    """
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
