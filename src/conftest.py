"""The namespace of the package's doctests: a reference geography and a tiny classified register.

``ref`` is :func:`sote_analytics.load_reference` (``$SOTE_REFERENCE_DIR`` when set, else the snapshot
embedded in the package: offline either way); ``REGISTER`` is a CSV of a dozen associations in
Central Finland written to a temporary folder; ``ind`` its indicators; ``register`` its classified rows;
``store`` a processed folder (:class:`sote_analytics.Store`) of it with the regions' indicators, the
directory and ``run.json``; ``tmp`` a temporary folder to write to.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sote_analytics import config

config.prefer_arrow_pool()  # the allocator the command line uses (tests/conftest.py does the same)

#: Never collect this file itself for doctests: src/ and tests/ each have a conftest.py, and two
#: modules named ``conftest`` collected by --doctest-modules clash ("import file mismatch").
collect_ignore = ["conftest.py"]

#: The doctests' register (PRH-style headers, as read by ``sa.read_register``).
TINY_REGISTER = """\
Yhdistyksen nimi,Rekisterinumero,Kotipaikka,Palkattu henkilöstö,Jäsenet,Tuottaa palveluja,Toiminta-alue
Jyväskylän Seudun Mielenterveysseura ry,200.001,Jyväskylä,2,120,kyllä,
Keuruun Eläkkeensaajat ry,200.002,Keuruu,0,150,ei,
Saarijärven Eläkkeensaajat ry,200.003,Saarijärvi,0,90,ei,
MLL:n Keuruun paikallisyhdistys ry,200.004,Keuruu,0,80,ei,
Jyväskylän Invalidit ry,200.005,Jyväskylä,1,60,ei,
Äänekosken Omaishoitajat ry,200.006,Äänekoski,0,40,kyllä,
Jämsän Sydänyhdistys ry,200.007,Jämsä,0,70,ei,
Laukaan Vanhustenhoidon Tuki ry,200.008,Laukaa,3,30,kyllä,
Kuopion Mielenterveysseura ry,200.009,Kuopio,1,100,kyllä,
Helsingin Nuorisoseura ry,200.010,Helsinki,0,50,ei,
Keski-Suomen Muistiyhdistys ry,200.011,Jyväskylä,4,300,kyllä,Keski-Suomi
Jyväskylän Ladut ry,200.012,Jyväskylä,0,500,ei,
"""


def doctest_globals(folder) -> dict:
    """The names the package's doctests use, with the register written to ``folder``.

    Also used by ``tests/test_doctests.py``, which runs the doctests of the documented modules.
    """
    import pandas as pd

    import sote_analytics as sa

    folder = Path(folder)
    ref = sa.load_reference(2025)
    path = folder / "register.csv"
    path.write_text(TINY_REGISTER, encoding="utf-8")
    res = sa.read_register(path, ref)
    ind = sa.compute_indicators(res.register, ref, "doctest register")
    # a processed folder of the register: the regions' indicators only (the whole table takes seconds to write)
    store = sa.Store(folder / "processed")
    store.save_indicators(dataclasses.replace(ind, table=ind.table[ind.table["area_level"] == "maakunta"]))
    store.write_directory(res.register)
    store.write_meta({"source": path.name, "synthetic": False})
    return {"pd": pd, "sa": sa, "ref": ref, "REGISTER": path, "register": res.register, "ind": ind,
            "tmp": folder, "store": store}


@pytest.fixture(scope="session")
def _doctest_data(tmp_path_factory):
    return doctest_globals(tmp_path_factory.mktemp("doctest"))


@pytest.fixture(autouse=True)
def _doctest_names(request, doctest_namespace):
    """Fill the doctest namespace only for doctests (ordinary tests do not build the register)."""
    if isinstance(request.node, pytest.DoctestItem) or type(request.node).__name__ == "DoctestItem":
        doctest_namespace.update(request.getfixturevalue("_doctest_data"))
