"""YTJ register benchmarks: the bulk file, and the post-office fan-out of the whole country.

1. A local bulk file of 250,000 companies (all forms; SYNTHETIC records in the v3 shape, ~15 %
   associations) generated in a child process first, so the peak memory printed is that of
   streaming and building alone. Goal (issue 13): under 60 s and under 1 GB peak.
2. The post-office fan-out (issue 27) for all 308 municipalities, in its own child process:
   a SYNTHETIC ``/post_codes`` list (every municipality 2-42 post offices by population, ~1,700 in all, Swedish
   names too for bilingual ones) and SYNTHETIC associations placed at those post offices are
   answered by an in-process fake of the service (no network, no sleeping), so the time is that
   of issuing and caching every query, parsing, filtering and building. Goal: the whole
   country's queries issued, answered and built in under 120 s and 1.5 GB peak from fixtures;
   the estimate at the service's real rate (250 queries a minute) is printed beside it.
Printed, not asserted.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "data"))
from common import measured, peak_rss_mb, reference, write_result


def generate(path: Path, n: int) -> None:
    from ytj_synthetic import synthetic_companies, write_bulk_zip

    write_bulk_zip(synthetic_companies(reference(), n), path)


def _synthetic_post_offices(ref, seed: int = 3) -> tuple[list[dict], list[dict], dict[str, list[tuple[str, str]]]]:
    """(fi list, sv list, municipality -> [(post code, fi name)]) of SYNTHETIC post offices."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pop = ref.areas("kunta").set_index("code")["population"]
    key = ref.key.set_index("kunta_code")
    fi, sv, by_mun = [], [], {}
    code = 10000
    for mun, row in key.iterrows():
        k = 2 + min(40, int(pop.get(mun, 0)) // 5000)  # ~1,700 post codes (Finland has ~3,000, ~1,500 names)
        bilingual = str(row.get("kielisuhde_code", "0")) not in ("0", "")
        offices = []
        for j in range(k):
            code += int(rng.integers(1, 4))
            name_fi = str(row["kunta_name_fi"]).upper() + ("" if j == 0 else f" {j}")
            name_sv = (str(row["kunta_name_sv"]).upper() + ("" if j == 0 else f" {j}")) if bilingual else name_fi
            pc = f"{code:05d}"
            fi.append({"postCode": pc, "city": name_fi, "active": True, "languageCode": "1", "municipalityCode": mun})
            sv.append({"postCode": pc, "city": name_sv, "active": True, "languageCode": "2" if bilingual else "1",
                       "municipalityCode": mun})
            offices.append((pc, name_fi, name_sv))
        by_mun[mun] = offices
    return fi, sv, by_mun


class _Answer:
    def __init__(self, status: int, body, url: str):
        import json

        self.status_code, self._body, self.url = status, body, url
        self.text = json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body

    def json(self):
        return self._body


class _FakeService:
    """``/post_codes`` and ``/companies?companyForm=&location=[&page=]`` answered in process."""

    def __init__(self, fi, sv, records):
        self.lists = {"fi": fi, "sv": sv}
        self.index: dict[tuple[str, str], list[dict]] = {}
        for c in records:
            form = {"6": "AYH", "18": "SÄÄ"}[c["companyForms"][0]["type"]]
            cities = {po["city"] for a in c["addresses"] for po in a["postOffices"]}
            for city in cities:
                self.index.setdefault((form, city), []).append(c)
        self.requests_made = self.throttled = 0

    def get(self, url: str, params: dict | None = None, headers=None, stream=False):
        self.requests_made += 1
        params = params or {}
        if url.endswith("/post_codes"):
            return _Answer(200, self.lists[params["lang"]], url)
        if url.endswith("/description"):
            return _Answer(404, "not here", url)
        items = self.index.get((params["companyForm"], params.get("location", "")), [])
        page = int(params.get("page", 1))
        if (page - 1) * 100 >= max(len(items), 1):
            page = 1
        return _Answer(200, {"totalResults": len(items), "companies": items[(page - 1) * 100: page * 100]}, url)


def fan_out(n: int) -> None:
    """The whole country's post-office fan-out from SYNTHETIC fixtures (run in a child process)."""
    import time

    from ytj_synthetic import synthetic_associations

    from sote_analytics.sources.ytj_register import build_ytj_register

    ref = reference()
    fi, sv, by_mun = _synthetic_post_offices(ref)
    import numpy as np

    rng = np.random.default_rng(5)
    records = synthetic_associations(ref, n, seed=9)
    for c in records:  # put each at one of its municipality's post offices, numeric form codes
        c["companyForms"][0]["type"] = {"AYH": "6", "SÄÄ": "18"}[c["companyForms"][0]["type"]]
        for a in c["addresses"]:
            po = a["postOffices"][0]
            offices = by_mun[po["municipalityCode"]]
            pc, name_fi, name_sv = offices[int(rng.integers(0, len(offices)))]
            a["postCode"] = pc
            a["postOffices"] = [{"city": name_fi, "languageCode": "1", "municipalityCode": po["municipalityCode"]}]
            if name_sv != name_fi:
                a["postOffices"].append({"city": name_sv, "languageCode": "2",
                                         "municipalityCode": po["municipalityCode"]})
    service = _FakeService(fi, sv, records)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        _reg, man = build_ytj_register(Path(tmp), ref, list(ref.key["kunta_code"]), http=service,  # type: ignore[arg-type]
                                      synthetic=True)
        secs = time.perf_counter() - t0
    f, c = man["fan_out"], man["counts"]
    names = len({o[1] for v in by_mun.values() for o in v} | {o[2] for v in by_mun.values() for o in v})
    print(f"ytj fan-out, whole country: {len(by_mun)} municipalities, {len(fi):,} post codes, {names:,} post office "
          f"names asked x 2 forms = {f['queries_issued']:,} queries, {service.requests_made:,} requests; "
          f"{secs:.1f} s (goal < 120 s), peak RSS {peak_rss_mb():,.0f} MB (goal < 1536 MB)")
    print(f"  {n:,} SYNTHETIC associations: {c['records_seen']:,} records answered, "
          f"{c['repeated_across_queries']:,} repeated across queries (Finnish + Swedish names), accepted "
          f"{c['accepted']:,}; at the service's 250 queries a minute the real fetch would take about "
          f"{service.requests_made / 250:,.0f} minutes")


def main(n: int = 250_000, n_fan_out: int = 100_000) -> None:
    from sote_analytics.sources.ytj_register import build_ytj_register

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bulk = Path(tmp) / "all_companies.zip"
        with measured("generate", times):
            subprocess.run([sys.executable, __file__, "--generate", str(bulk), str(n)], check=True)
        ref = reference()
        with measured("build", times):
            _reg, man = build_ytj_register(Path(tmp) / "cache", ref, bulk=bulk, synthetic=True)
        size = bulk.stat().st_size
    c = man["counts"]
    assert c["records_seen"] == n
    write_result("ytj", [
        f"ytj bulk {n:,} companies ({size / 1e6:,.0f} MB zip): stream + build {times['build']:.1f} s "
        f"(goal < 60 s), peak RSS {peak_rss_mb():,.0f} MB (goal < 1024 MB)",
        f"  associations/foundations {c['associations_and_foundations']:,}: accepted {c['accepted']:,}, "
        f"quarantined {c['quarantined']:,}, dissolved {c['by_status'].get('dissolved', 0):,}",
        f"  (generating the synthetic file took {times['generate']:.1f} s in a child process)",
        *subprocess.run([sys.executable, __file__, "--fan-out", str(n_fan_out)], check=True, capture_output=True,
                        text=True).stdout.splitlines(),
    ])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--generate":
        generate(Path(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--fan-out":
        fan_out(int(sys.argv[2]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 250_000)
