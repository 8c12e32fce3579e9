"""Every report renders in fi, sv and en at every level from a small real-shaped register,
including areas with no accepted association (issue 19: 'report --language en crashes',
'the national overview crashes on a small register')."""

from __future__ import annotations

from pathlib import Path

import pytest

from sote_analytics.i18n import LANGUAGES, t

CORPUS = Path(__file__).parent / "data" / "real_shaped"


@pytest.mark.slow
def test_every_level_and_language_renders_with_empty_areas(ref, reference_dir, tmp_path):
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.report.national import load_national, ranking, title
    from sote_analytics.report.render.plan import load_config
    from sote_analytics.report.render.publication import publish

    processed = tmp_path / "p"
    build_indicators(CORPUS / "swedish_register.csv", ref, processed)  # Pohjanmaa only, plus two national orgs
    vaasa = ref.key.set_index("kunta_code").loc["905"]
    areas = {"koko_maa": ["SSS"], "yhteistyoalue": [str(vaasa["yhteistyoalue_code"])],
             "hyvinvointialue": ["17", "15"], "maakunta": [str(vaasa["maakunta_code"])],
             "seutukunta": [str(vaasa["seutukunta_code"])], "kunta": ["905", "091"]}
    cfg = load_config()
    cfg.areas = areas
    cfg.base_languages = list(LANGUAGES)
    cfg.swedish_status_codes = []
    res = publish(cfg, year=2025, processed_dir=processed, out_dir=tmp_path / "r", reference_dir=reference_dir,
                  workers=2)
    assert not res.failed, [(r["level"], r["area"], r["language"], r["error"]) for r in res.failed]
    built = {(r["level"], r["area"], r["language"]) for r in res.built}
    assert len(built) == sum(len(v) for v in areas.values()) * 3
    for lang in ("fi", "sv", "en"):
        word = t("associations", lang)  # "Yhdistyksiä", "Föreningar", "Associations"
        page = next((tmp_path / "r").glob(f"kunta_091{'' if lang == 'fi' else '_' + lang}.html")).read_text("utf-8")
        assert word in page and f'lang="{lang}"' in page
        assert "Traceback" not in page and "KeyError" not in page
    kunta = (tmp_path / "r" / "kunta_905.html").read_text("utf-8")  # a municipality report: peers, not a map
    assert t("sec_peers_title") in kunta and "Vaasa *" in kunta and t("has_local_association") in kunta
    for level in areas:  # the national overview of every level, in every language, on a tiny register
        for lang in LANGUAGES:
            ctx = load_national(level, 2025, lang, processed, reference_dir)
            assert title(ctx).data and ranking(ctx).data
