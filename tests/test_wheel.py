"""The installed package, not the checkout: a wheel in a fresh virtualenv runs the real-data main job
from an empty folder, with the embedded reference snapshot (no network, no environment variable)."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_runs_the_main_job_from_an_empty_folder(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(dist), str(ROOT)], check=True, capture_output=True, text=True)
    wheel = next(dist.glob("sote_analytics-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("sote_analytics/notebooks/regional_report.ipynb", "sote_analytics/notebooks/national_overview.ipynb",
                   "sote_analytics/templates/sote/index.html.j2", "sote_analytics/templates/pages/index.html.j2",
                   "sote_analytics/data/i18n.yaml", "sote_analytics/data/conditions.csv"):
        assert needed in names, needed
    assert any(n.startswith("sote_analytics/data/reference_snapshot/") for n in names)
    assert not [n for n in names if n.endswith(".pyc")]  # `make bytecode` writes them beside the sources
    # a fresh virtualenv; the dependencies come from this environment's site-packages through a .pth
    # line (a plain path: the editable install's finder of this checkout is not activated)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    target = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip())
    (target / "_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, text=True)
    work = tmp_path / "empty"
    work.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "real_shaped" / "swedish_register.csv", work / "rekisteri.csv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOTE_", "PYTHONPATH"))}
    env["PATH"] = f"{venv / 'bin'}:{env.get('PATH', '')}"
    where = subprocess.run([str(py), "-c", "import sote_analytics; print(sote_analytics.__file__)"], cwd=work,
                           env=env, check=True, capture_output=True, text=True).stdout
    assert str(target) in where and str(ROOT) not in where  # the wheel's copy, not the checkout
    kernel_dir = tmp_path / "kernels"
    subprocess.run([str(py), "-m", "ipykernel", "install", "--prefix", str(kernel_dir), "--name", "python3"],
                   check=True, capture_output=True, text=True, env=env)
    # nbconvert's base templates are data files of the environment that holds the dependencies
    env["JUPYTER_PATH"] = os.pathsep.join([str(kernel_dir / "share" / "jupyter"),
                                           str(Path(sys.prefix) / "share" / "jupyter")])
    r = subprocess.run([str(py), "-m", "sote_analytics.cli", "run", "rekisteri.csv", "--level", "hyvinvointialue",
                        "--language", "sv", "--workers", "2"], cwd=work, env=env, capture_output=True, text=True,
                       timeout=1200)
    assert r.returncode == 0, r.stdout + r.stderr
    out = work / "sote-output" / "reports"
    page = (out / "hyvinvointialue_17_sv.html").read_text("utf-8")
    assert "Plotly.newPlot" in page and "Vasa Hjärtförening rf" in page
    assert (out / "index_sv.html").exists() and (out / "excel" / "hyvinvointialue_17_sv.xlsx").exists()
