"""Command line: ``sote-analytics``.

Network access happens only in ``reference fetch``; every other command reads
local files.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from . import boundary, config
from .i18n import LANGUAGES

app = typer.Typer(help="Järjestötieto: indicators and reports on sote associations.",
                  no_args_is_help=True, add_completion=False)
reference_app = typer.Typer(help="Reference geography: fetch from official services or check.",
                            no_args_is_help=True)
app.add_typer(reference_app, name="reference")

RefDir = Annotated[Path | None, typer.Option("--reference-dir", help=(
    f"Local reference folder (default ${config.REFERENCE_DIR_ENV}, then the download cache)."))]
Year = Annotated[int, typer.Option("--year", help="Municipality key year.")]


def _fail(message: str, code: int = 2) -> NoReturn:
    """Print a clear error and exit non-zero."""
    typer.secho(f"error: {boundary.one_line(message)}", fg="red", err=True)
    raise typer.Exit(code)


class _Checks:
    """The checks of :mod:`.boundary`, each ending in :func:`_fail` (one ``error:`` line, exit 2) instead of an
    exception, so that a command called from Python or typer's test runner fails the same way."""

    def __getattr__(self, name: str):
        fn = getattr(boundary, name)

        def call(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except boundary.UserInputError as exc:
                _fail(str(exc))

        return call


check = _Checks()

#: What this command printed about its input (``run`` records it, :mod:`.run_record`, and says it again
#: when nothing changed).
_SAID: list[list] = []


def _say(text: str, **style) -> None:
    """Print a line (click's styles, e.g. ``fg``) and remember it in :data:`_SAID`."""
    if style:
        typer.secho(text, **style)
    else:
        typer.echo(text)
    _SAID.append([text, style])


def _ref(year: int, reference_dir: Path | None):
    from .reference import ReferenceDataError, load_reference

    check.input_dir(reference_dir, "--reference-dir")
    try:
        return load_reference(year, reference_dir, config.default_paths().reference_cache)
    except ReferenceDataError as exc:
        _fail(f"{exc}")


@reference_app.command("fetch")
def reference_fetch(
    year: Year = config.DEFAULT_YEAR,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder")] = None,
    population_from: Annotated[int, typer.Option(help="First population year")] = config.POPULATION_FROM,
    only: Annotated[str | None, typer.Option(
        "--only", help="Comma-separated parts to (re)fetch: key,hierarchy,boundaries,population,mergers,age "
        "(age is optional); "
        "the others keep what an earlier fetch of the same year cached.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Write nothing: call each service once and compare the shape found with the "
        "shape the code expects.")] = False,
) -> None:
    """Download key, hierarchy, boundaries, population and mergers from the official services.

    Each part is cached on its own; a failed part is reported with what to do, and a
    partial cache is never used in place of a complete one.
    """
    from .reference.fetch import ALL_PARTS, check_services, fetch_reference, format_probes

    if check:
        probes = check_services(year)
        typer.echo(format_probes(probes))
        bad = [p.service for p in probes if not p.ok]
        if bad:
            _fail(f"{len(bad)} service(s) answered in a shape the code does not expect: {', '.join(bad)}", 1)
        typer.echo("All services answered in the expected shapes.")
        return
    parts = [p.strip() for p in only.split(",") if p.strip()] if only else None
    unknown = sorted(set(parts or []) - set(ALL_PARTS))
    if unknown:
        _fail(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(ALL_PARTS)}")
    cache = cache_dir or config.default_paths().reference_cache
    result = fetch_reference(year, cache, parts=parts, population_from=population_from)
    typer.echo(f"Reference data for {year} in {cache}:")
    typer.echo(result.summary())
    if not result.complete:
        raise typer.Exit(1)


@reference_app.command("check")
def reference_check(year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None) -> None:
    """Load the reference data and print a summary (fails if it cannot be reconciled)."""
    from .reference import area_levels

    ref = _ref(year, reference_dir)
    _ = ref.municipality_boundaries
    typer.echo(f"Reference folder: {ref.folder}")
    for lvl in area_levels():
        typer.echo(f"  {lvl.id:16s} {len(ref.areas(lvl.id)):4d} areas")
    typer.echo(f"  population {ref.population_year}: {int(ref.population.sum()):,}")
    for note in ref.notes:
        typer.echo(f"  note: {note}")


@app.command()
def demo(
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    seed: Annotated[int, typer.Option(help="Random seed")] = config.DEFAULT_SEED,
    out_dir: Annotated[Path | None, typer.Option(help="Output folder")] = None,
) -> None:
    """Generate the synthetic demo register and survey (data/raw/demo)."""
    check.at_least(seed, "--seed", 0)
    check.output_dir(out_dir, "--out-dir")
    from .pipeline import build_demo

    ref = _ref(year, reference_dir)
    files = build_demo(ref, out_dir or config.default_paths().demo, seed)
    typer.echo(f"Synthetic demo data written: {files.register}, {files.survey}")


@app.command()
def ingest(
    file: Annotated[Path, typer.Argument(help="Register file: CSV (any encoding/delimiter) or .xlsx")],
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: first)")] = None,
    mapping: Annotated[Path | None, typer.Option(help="YAML {header: canonical column}")] = None,
    out_dir: Annotated[Path | None, typer.Option(help="Output folder")] = None,
    keep_personal_data: Annotated[bool, typer.Option(
        help="Keep contact persons, e-mails and phones as extra_* columns (default: dropped)")] = False,
    language: Annotated[str, typer.Option(help="Language of the quality page: fi, sv or en")] = "fi",
    corrections: Annotated[Path | None, typer.Option(
        help="Your sector corrections (CSV/.xlsx: y-tunnus, rekisterinumero or nimi, and the sector)")] = None,
) -> None:
    """Read a register into the canonical form; write it, the quarantine and a quality report."""
    check.input_file(file, "FILE")
    check.input_file(mapping, "--mapping")
    check.input_file(corrections, "--corrections")
    check.choice(language, "--language", LANGUAGE_CHOICES)
    check.output_dir(out_dir, "--out-dir")
    from .errors import SoteAnalyticsError
    from .pipeline import read_register
    from .read.ingest import write_ingest

    ref = _ref(year, reference_dir)
    try:
        res = read_register(file, ref, sheet=sheet, mapping=mapping, keep_personal_data=keep_personal_data,
                            corrections=corrections)
    except SoteAnalyticsError as exc:
        _fail(f"{exc}")
    paths = write_ingest(res, out_dir or config.default_paths().processed / "ingest", language=language)
    _echo_reading(res, keep_personal_data)
    typer.echo(f"  quality report: {paths['quality_html']}")


def _echo_reading(res, keep_personal_data: bool = False) -> None:
    """What the console says about how a register was read: rows, columns, field problems, categories."""
    info = res.info
    how = f"{info.file_type}" + (f", {info.encoding}, delimiter {info.delimiter!r}" if info.encoding else
                                 f", sheet {info.sheet!r}" if info.sheet else "")
    name = Path(info.path).name
    _say(f"{name} ({how}, header on row {info.header_row}): {res.result.rows_in} rows read, "
               f"{len(res.register)} accepted, {len(res.quarantine)} quarantined")
    if info.origin:
        o = info.origin
        _say(f"  written by ingest from {o.get('file')}: {o.get('rows_in')} rows read, {o.get('accepted')} "
                   f"accepted, {o.get('quarantined')} quarantined")
    for note in getattr(info, "notes", []):  # sheet chosen, merged cells filled, formulas without values
        _say(f"  note: {note}")
    kept = [c for c in info.unmapped_columns if c not in info.personal_data_columns]
    if kept:
        _say(f"  columns kept as they are (extra_*): {', '.join(kept)}")
    if info.personal_data_columns:
        what = "kept as extra_* (--keep-personal-data)" if keep_personal_data else "dropped"
        _say(f"  personal data columns, {what}; never in reports: {', '.join(info.personal_data_columns)}")
    for header, target in info.coalesced_columns.items():
        _say(f"  column {header!r} filled the gaps of {target}")
    if info.suggested_columns:
        _say("  columns that look like known fields but were not read; to read them, put these lines in a "
                    "YAML file and pass it with --mapping:", fg="yellow")
        for header, target in info.suggested_columns.items():
            _say(f"    {header!r}: {target}")
    s = res.result.summary
    if s["field_problems_total"]:
        parts = ", ".join(f"{col} {sum(kinds.values())}" for col, kinds in s["field_problems"].items())
        _say(f"  {s['field_problems_total']} field values unreadable in {s['rows_with_field_problems']} "
                   f"associations (kept; the field is unknown for them): {parts}")
    reg = res.register
    if "source_category" in reg and reg["source_category"].notna().any():
        from .read.quality import category_summary

        c = category_summary(reg)
        unknown = ", ".join(list(c["unknown_values"])[:8])
        _say(f"  the file's own categories: given for {c['given_rows']} associations, a known category for "
                   f"{c['known_rows']}" + (f"; unknown (not used): {unknown}" if unknown else ""))
    if res.corrections:
        k = res.corrections
        _say(f"  corrections: {k['applied']} associations corrected from {k['rows']} rows; "
                   f"{len(k['unmatched'])} did not match any association, {len(k['invalid'])} named no sector"
                   + (": " + "; ".join((k["unmatched"] + k["invalid"])[:5]) if k["unmatched"] or k["invalid"] else ""))
    if "sector" in reg:
        from .taxonomy import UNCLASSIFIED

        n = int((reg["sector"].astype(str) == UNCLASSIFIED).sum())
        if n:
            _say(f"  {n} associations unclassified: not counted as sote; listed for review")


@app.command("ytj")
def ytj_enrich(
    register: Annotated[Path, typer.Argument(help="Canonical register (.parquet from ingest)")],
    cache_dir: Annotated[Path | None, typer.Option(help="YTJ answer cache")] = None,
    out: Annotated[Path | None, typer.Option(help="Output .parquet")] = None,
    per_minute: Annotated[float, typer.Option(help="Request rate ceiling")] = 250,
) -> None:
    """Enrich a register from PRH's YTJ open data (network; cached and resumable)."""
    check.parquet_file(register, "REGISTER")
    check.output_file(out, "--out")
    check.output_dir(cache_dir, "--cache-dir")
    check.at_least(per_minute, "--per-minute", 1)
    import pandas as pd

    from .sources.ytj import YTJClient, YTJUnavailableError, enrich

    reg = pd.read_parquet(register)
    client = YTJClient(cache_dir or config.default_paths().raw / "ytj", per_minute=per_minute)
    try:
        enriched = enrich(reg, client, progress=True)
    except YTJUnavailableError as exc:
        _fail(f"{exc}")
    target = out or register.with_name(register.stem + ".ytj.parquet")
    enriched.to_parquet(target, index=False)
    typer.echo(f"{client.requests_made} YTJ requests; written {target}")


register_app = typer.Typer(help="Registers from open data (network only in 'fetch').", no_args_is_help=True)
app.add_typer(register_app, name="register")


@register_app.command("fetch")
def register_fetch(
    source: Annotated[str, typer.Option(help="Open data source (only 'ytj')")] = "ytj",
    municipality: Annotated[list[str] | None, typer.Option("--municipality", help="Municipality code")] = None,
    all_: Annotated[bool, typer.Option("--all", help="The whole country")] = False,
    bulk: Annotated[Path | None, typer.Option(help="Local all_companies ZIP/JSON to read")] = None,
    bulk_download: Annotated[bool, typer.Option(help="Download and read /all_companies")] = False,
    out: Annotated[Path | None, typer.Option(help="Output path (.parquet and .csv are written)")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Answer cache")] = None,
    offline: Annotated[bool, typer.Option(help="Use the cache only")] = False,
    per_minute: Annotated[float, typer.Option(help="Request rate ceiling (service: 300/min shared)")] = 250,
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    by: Annotated[str, typer.Option(
        help="Search a municipality by each post office (post_office), post code (post_code) or, the old "
             "undercounting way, by its own names (municipality_name)")] = "post_office",
    max_results: Annotated[int, typer.Option(
        help="--all: split queries by registration date until each has at most this many results "
             "(0: no split)")] = 1000,
    base_url: Annotated[str | None, typer.Option(help="API base (default: PRH's YTJ v3)")] = None,
) -> None:
    """Fetch associations and foundations from PRH's YTJ open data into a canonical register."""
    check.input_file(bulk, "--bulk")
    check.output_file(out, "--out")
    check.output_dir(cache_dir, "--cache-dir")
    check.choice(by.replace("-", "_"), "--by", ("post_office", "post_code", "municipality_name"))
    check.at_least(max_results, "--max-results", 0)
    check.at_least(per_minute, "--per-minute", 1)
    from .sources.ytj import YTJ_URL, YTJUnavailableError
    from .sources.ytj_register import YTJFetchError, build_ytj_register, write_register

    if source != "ytj":
        _fail(f"unknown source {source!r} (available: ytj)")
    from .pipeline import apply_classification

    ref = _ref(year, reference_dir)
    cache = cache_dir or config.default_paths().raw / "ytj_register"
    try:
        reg, manifest = build_ytj_register(cache, ref, municipality, all_=all_, bulk=bulk,
                                           classify=lambda r: apply_classification(r, sector_given=False),
                                           download_bulk_file=bulk_download, offline=offline,
                                           progress=True, per_minute=per_minute, by=by.replace("-", "_"),
                                           max_results=max_results or None, base_url=base_url or YTJ_URL)
    except (YTJFetchError, YTJUnavailableError) as exc:
        _fail(f"{exc}")
    paths = write_register(reg, out or config.default_paths().processed / "ytj" / "register")
    c = manifest["counts"]
    typer.echo(f"YTJ: {c['accepted']} associations/foundations ({c['by_status'].get('dissolved', 0)} dissolved), "
               f"{c['quarantined']} quarantined; written {paths['parquet']} and {paths['csv']}")
    h, f = manifest["http"], manifest.get("fan_out") or {}
    typer.echo(f"  {h['requests']} requests ({h['pages_fetched']} pages fetched, {h['pages_from_cache']} from the "
               f"cache, {h['throttled']} throttled); {f.get('queries_issued', 0)} queries, "
               f"{c['records_seen']} records answered, {c['repeated_across_queries']} repeated across queries")
    typer.echo(f"  manifest: {cache / 'manifest.json'}")


resources_app = typer.Typer(help="Resources of associations from open data (network only in 'fetch').",
                            no_args_is_help=True)
app.add_typer(resources_app, name="resources")


@resources_app.command("fetch")
def resources_fetch(
    source: Annotated[str, typer.Option(help="Open data source (only 'stea')")] = "stea",
    first_id: Annotated[int, typer.Option(help="First STEA organisation id to ask")] = 1,
    last_id: Annotated[int, typer.Option(help="Last STEA organisation id to ask (bounded range)")] = 2500,
    out: Annotated[Path | None, typer.Option(help="Folder for stea_grants.csv and stea_organisations.csv")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Answer cache (resumable)")] = None,
    per_minute: Annotated[float, typer.Option(help="Request rate ceiling")] = 60,
    base_url: Annotated[str | None, typer.Option(help="API base (default: STEA's)")] = None,
) -> None:
    """Fetch STEA's grants by organisation (cached, resumable) into the `stea` input files."""
    check.at_least(first_id, "--first-id", 1)
    check.output_dir(out, "--out")
    check.output_dir(cache_dir, "--cache-dir")
    check.at_least(per_minute, "--per-minute", 1)
    from .sources.stea import STEA_URL, STEAFetchError, fetch_stea, write_stea

    if source != "stea":
        _fail(f"unknown source {source!r} (available: stea)")
    cache = cache_dir or config.default_paths().raw / "stea"
    try:
        man = fetch_stea(cache, first_id, last_id, base_url=base_url or STEA_URL, per_minute=per_minute,
                         progress=True)
    except STEAFetchError as exc:
        _fail(f"{exc}")
    paths = write_stea(cache, out or config.default_paths().processed / "stea")
    c = man["counts"]
    typer.echo(f"STEA ids {first_id}..{last_id}: {c['found']} organisations found, {c['absent']} absent, "
               f"{c['from_cache']} from the cache, {c['errors']} errors; {c['requests']} requests")
    typer.echo(f"  written {paths['grants']} and {paths['organisations']}")


@app.command()
def classify(
    file: Annotated[Path | None, typer.Argument(help="CSV with a name column (and purpose)")] = None,
    evaluate: Annotated[bool, typer.Option("--evaluate", help="Evaluate on the labelled sample")] = False,
    sample: Annotated[Path | None, typer.Option(help="Labelled sample CSV")] = None,
    out: Annotated[Path | None, typer.Option(help="Output CSV for FILE")] = None,
) -> None:
    """Classify names into sote sectors, or evaluate the rule set (precision, recall, F1)."""
    check.input_file(sample, "--sample")
    check.input_file(file, "FILE")
    check.output_file(out, "--out")
    import pandas as pd

    from .classify.classifier import classify as run_classify
    from .classify.evaluation import SampleError, default_sample_path, format_evaluation, read_sample
    from .classify.evaluation import evaluate as run_evaluate

    if evaluate:
        path = sample or default_sample_path()
        if not path.exists():
            _fail(f"labelled sample {path} not found (use --sample)")
        from .classify.evaluation import evaluate_sets, real_names_path

        real = real_names_path()
        try:
            labelled = read_sample(path)
        except SampleError as exc:
            _fail(str(exc))
        if sample is None and real.exists():  # the project sample, then each half of the real-names set
            typer.echo(evaluate_sets(labelled, pd.read_csv(real, dtype=str)))
        else:
            typer.echo(format_evaluation(run_evaluate(labelled)))
        return
    if file is None:
        _fail("give a FILE or --evaluate")
    from .read.ingest import IngestError, find_header, map_columns, read_rows
    from .read.validation import neutralize_formula

    try:  # the same reader as ingest: any encoding, delimiter, title rows, .xlsx
        rows, _ = read_rows(file)
        h = find_header(rows, {}, ("name",))
    except IngestError as exc:
        _fail(str(exc))
    header = [str(c) for c in rows[h]]
    found = {canonical: i for i, canonical in map_columns(header)[0].items()}
    width = max(len(header), *(len(r) for r in rows[h + 1:])) if len(rows) > h + 1 else len(header)
    header = header + [f"column_{j + 1}" for j in range(len(header), width)]
    body = [r + [""] * (width - len(r)) for r in rows[h + 1:] if any(str(c).strip() for c in r)]
    df = pd.DataFrame(body, columns=header, dtype="string")
    # only what is classified (name, purpose, the file's category) and the result: never the other
    # columns of the file, which may hold contact persons, e-mails and phones
    from .read.personal import redact_series

    kept = {c: df.iloc[:, found[c]] for c in ("name", "purpose", "category") if c in found}
    kept = {c: redact_series(v, names=c == "purpose")[0] for c, v in kept.items()}
    from .read.validation import redact_person_names

    kept["name"] = redact_person_names(kept["name"])[0].astype("string")  # a person's name is not an association
    result = run_classify(kept["name"], kept.get("purpose"), kept.get("category"))
    left = pd.DataFrame({header[found[c]]: v for c, v in kept.items()})
    result = result.rename(columns={c: f"{c}_result" for c in result.columns if c in left.columns})
    res = pd.concat([left, result], axis=1)
    target = out or config.default_paths().processed / "classify" / f"{file.stem}.classified.csv"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        res.astype("object").map(neutralize_formula).rename(columns=lambda c: neutralize_formula(str(c))).to_csv(
            target, index=False)
    except OSError as exc:
        _fail(f"cannot write {target}: {exc.strerror or exc}")
    typer.echo(f"{len(res)} names classified: {res['sector'].value_counts().to_dict()}; written {target}")


Within = Annotated[str | None, typer.Option(
    "--within", help="Only areas inside LEVEL:CODE[,CODE] (e.g. hyvinvointialue:15), of any level")]


def _areas_to_render(ref, level: str, scope: dict | None, within: str | None) -> list[str]:
    """:func:`.pipeline.areas_to_report`, a bad ``--within`` one error line."""
    from .indicators.scope import ScopeError
    from .pipeline import areas_to_report

    try:
        return areas_to_report(ref, level, scope, within)
    except ScopeError as exc:
        _fail(str(exc))


LANGUAGE_CHOICES = LANGUAGES

SurveyKind = Annotated[str, typer.Option(
    help="Who answered the survey: organisations (counts shown as such) or persons (cells below "
         "--survey-min-cell hidden)")]
SurveyMinCell = Annotated[int, typer.Option(min=1, help="Smallest survey cell shown where suppression applies")]


def _survey_kind(kind: str) -> str:
    if kind not in ("organisations", "persons"):
        _fail(f"--survey-kind must be organisations or persons, not {kind!r}")
    return kind


@app.command()
def indicators(
    register: Annotated[Path | None, typer.Option(help="Register CSV (default: the demo)")] = None,
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    out_dir: Annotated[Path | None, typer.Option(help="Processed folder")] = None,
    survey: Annotated[Path | None, typer.Option(
        help="Survey export: Webropol, Forms or any CSV/.xlsx (default: the demo's with the demo)")] = None,
    activity: Annotated[Path | None, typer.Option(help="Activity figures CSV by association_id")] = None,
    previous: Annotated[Path | None, typer.Option(help="An older register snapshot: adds net change")] = None,
    survey_kind: SurveyKind = "organisations", survey_min_cell: SurveyMinCell = 5,
) -> None:
    """Compute all indicators for all areas and save them to data/processed."""
    for opt, path in (("--register", register), ("--survey", survey), ("--activity", activity),
                      ("--previous", previous)):
        check.input_file(path, opt)
    check.output_dir(out_dir, "--out-dir")
    check.choice(survey_kind, "--survey-kind", ("organisations", "persons"))
    from .pipeline import build_indicators

    paths = config.default_paths()
    ref = _ref(year, reference_dir)
    reg = register or paths.demo / "register.csv"
    if not reg.exists():
        _fail(f"register {reg} not found (run `sote-analytics demo`?)")
    _begin_processed(out_dir or paths.processed)
    if survey is None and register is None and (paths.demo / "survey.csv").exists():
        survey = paths.demo / "survey.csv"
    res, ind = build_indicators(reg, ref, out_dir or paths.processed, survey, activity, previous,
                                survey_kind=_survey_kind(survey_kind), survey_k=survey_min_cell)
    typer.echo(f"{res.rows_in} rows read, {len(res.register)} accepted, "
               f"{len(res.quarantine)} quarantined; {len(ind.table)} indicator rows")


@app.command()
def report(
    level: Annotated[str, typer.Option(help="Area level")] = "hyvinvointialue",
    area: Annotated[list[str] | None, typer.Option(help="Area code (repeatable)")] = None,
    all_areas: Annotated[bool, typer.Option("--all", help="Every area of the level")] = False,
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    language: Annotated[str, typer.Option(help="fi, sv or en")] = "fi",
    workers: Annotated[int | None, typer.Option(help="Parallel workers (default: cores)")] = None,
    self_contained: Annotated[bool | None, typer.Option(
        "--self-contained/--shared-assets",
        help="Embed plotly.js in every file so a report works alone (the default, but for --all-levels), or "
             "share one assets/plotly.min.js (the default of --all-levels: 509 copies would be 268 MB)")] = None,
    keep_executed: Annotated[bool | None, typer.Option(
        "--keep-executed/--no-executed",
        help="Keep every executed notebook in _executed/ (default: only those of failed reports)")] = None,
    processed_dir: Annotated[Path | None, typer.Option()] = None,
    out_dir: Annotated[Path | None, typer.Option()] = None,
    notebook: Annotated[Path | None, typer.Option()] = None,
    all_levels: Annotated[bool, typer.Option(
        "--all-levels", help="The whole publication: every level and language (data/publication.yaml)")] = False,
    publication: Annotated[Path | None, typer.Option(help="Publication config (YAML); implies --all-levels")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild reports whose inputs are unchanged")] = False,
    within: Within = None,
) -> None:
    """Render HTML reports with papermill and nbconvert, plus index.html.

    ``--all`` renders the areas the register covers (``run.json``'s scope), limited by ``--within``."""
    check.choice(language, "--language", LANGUAGE_CHOICES)
    check.at_least(workers, "--workers", 1)
    check.input_file(notebook, "--notebook", suffixes=(".ipynb",))
    check.input_file(publication, "--publication", suffixes=(".yaml", ".yml"))
    check.output_dir(out_dir, "--out-dir")
    from .report.render.plan import PublicationConfigError, load_config
    from .report.render.publication import publish, render_batch
    from .report.render.run import BatchInputError

    if all_levels or publication:

        paths = config.default_paths()
        ref = _ref(year, reference_dir)
        try:
            res = publish(load_config(publication), year=year, processed_dir=processed_dir or paths.processed,
                          out_dir=out_dir or paths.reports, reference_dir=ref.folder, workers=workers,
                          force=force, notebook=notebook, self_contained=bool(self_contained),
                          keep_executed=keep_executed)
        except (PublicationConfigError, BatchInputError) as exc:
            _fail(f"{exc}")
        typer.echo(f"{len(res.built) - len(res.failed)} reports written, {len(res.skipped)} unchanged, "
                   f"{res.seconds:.1f} s; index: {', '.join(res.index.values())}")
        for r in res.failed:
            typer.secho(f"FAILED {r['stem']}: {r['error']} (executed notebook: {r['executed']})", fg="red", err=True)
        if res.failed:
            raise typer.Exit(1)
        return
    if not area and not all_areas:
        _fail("give --area CODE or --all")
    if language not in LANGUAGES:
        _fail("--language must be fi, sv or en")
    paths = config.default_paths()
    ref = _ref(year, reference_dir)
    try:
        valid = ref.areas(level)["code"].tolist()
    except ValueError as exc:
        _fail(str(exc))
    unknown = [a for a in (area or []) if a not in valid]
    if unknown and not all_areas:
        _fail(f"no {level} with code {', '.join(unknown)} in the {year} key; valid: {', '.join(valid)}")
    codes = list(area or [])
    if all_areas:
        from .store import Store

        codes = _areas_to_render(ref, level, Store(processed_dir or paths.processed).meta().get("scope"), within)
    elif within:
        inside = _areas_to_render(ref, level, None, within)
        codes = [c for c in codes if c in inside]
    if not codes:
        _fail(f"no {level} area to render: the register covers none inside --within {within}")
    try:
        batch = render_batch(
            level, year=year, processed_dir=processed_dir or paths.processed,
            out_dir=out_dir or paths.reports, language=language, reference_dir=ref.folder,
            areas=codes, workers=workers, notebook=notebook,
            self_contained=self_contained is not False, force=force, keep_executed=keep_executed,
        )
    except (ValueError, BatchInputError) as exc:
        _fail(f"{exc}")
    ok = len(batch.results) - len(batch.failed)
    typer.echo(f"{ok} reports written, {len(batch.skipped)} unchanged, index: {batch.index}")
    for r in batch.failed:
        typer.secho(f"FAILED {r.level} {r.area}: {r.error} (executed notebook: {r.executed})",
                    fg="red", err=True)
    if batch.failed:
        raise typer.Exit(1)


@app.command()
def export(
    level: Annotated[str, typer.Option(help="Area level")] = "hyvinvointialue",
    area: Annotated[list[str] | None, typer.Option(help="Area code (repeatable)")] = None,
    all_areas: Annotated[bool, typer.Option("--all", help="Every area of the level")] = False,
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    processed_dir: Annotated[Path | None, typer.Option()] = None,
    out_dir: Annotated[Path | None, typer.Option()] = None,
) -> None:
    """Write an Excel workbook per area (Finnish headers, data dictionary, sources)."""
    check.output_dir(out_dir, "--out-dir")
    from .export import write_workbook
    from .store import Store

    paths = config.default_paths()
    ref = _ref(year, reference_dir)
    store = Store(processed_dir or paths.processed)
    ind = store.load_indicators()
    synthetic = store.synthetic
    store_meta = store.meta()
    try:
        valid = ref.areas(level)["code"].tolist()
    except ValueError as exc:
        _fail(str(exc))
    # --all: the areas the register covers
    codes = _areas_to_render(ref, level, store_meta.get("scope"), None) if all_areas else (area or [])
    if not codes:
        _fail("give --area CODE or --all")
    unknown = [c for c in codes if c not in valid]
    if unknown:
        _fail(f"no {level} with code {', '.join(unknown)} in the {year} key; valid: {', '.join(valid)}")
    for code in codes:
        try:
            path = write_workbook(ind, ref, level, code, out_dir or paths.reports / "excel", synthetic,
                                  meta=store_meta)
        except (ValueError, KeyError) as exc:
            _fail(f"{level} {code}: {exc}")
        typer.echo(f"written {path}")
    if out_dir is None or Path(out_dir).name == "excel":  # the reports beside it link to their workbooks now
        from .report.render.folder_index import refresh_navigation

        refresh_navigation(Path(out_dir).parent if out_dir else paths.reports)


@app.command("run")
def run_register(
    register: Annotated[Path | None, typer.Argument(
        help="Your register: CSV, .xlsx or Parquet (raw or from ingest); omit with --source ytj")] = None,
    source: Annotated[str, typer.Option(help="file (your REGISTER) or ytj (PRH's open register, fetched "
                                             "before with `register fetch`, or --bulk)")] = "file",
    bulk: Annotated[Path | None, typer.Option(help="With --source ytj: a local all_companies ZIP/JSON")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="With --source ytj: the YTJ cache")] = None,
    survey: Annotated[Path | None, typer.Option(help="Survey export: Webropol, Forms or any CSV/.xlsx")] = None,
    survey_kind: SurveyKind = "organisations", survey_min_cell: SurveyMinCell = 5,
    activity: Annotated[Path | None, typer.Option(help="Activity figures CSV by association_id")] = None,
    level: Annotated[str, typer.Option(help="Area level of the reports")] = "hyvinvointialue",
    language: Annotated[str, typer.Option(help="fi, sv or en")] = "fi",
    out_dir: Annotated[Path, typer.Option(help="Output folder (processed/, reports/)")] = Path("sote-output"),
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    workers: Annotated[int | None, typer.Option(help="Parallel workers")] = None,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet name (default: the register-shaped one)")] = None,
    mapping: Annotated[Path | None, typer.Option(help="YAML {header in your file: canonical column}")] = None,
    corrections: Annotated[Path | None, typer.Option(
        help="Your sector corrections (CSV/.xlsx: y-tunnus, rekisterinumero or nimi, and the sector; the review "
             "workbook processed/tarkistettavat.xlsx filled in is one)")] = None,
    stea: Annotated[Path | None, typer.Option(
        help="STEA grants (stea_grants.csv of `resources fetch --source stea`): grant indicators by area")] = None,
    scope: Annotated[str | None, typer.Option(
        help="What your register covers, if not inferred: LEVEL:CODE[,CODE] (hyvinvointialue:15) or koko_maa")] = None,
    within: Within = None,
    area: Annotated[list[str] | None, typer.Option(help="Only this area of LEVEL (repeatable)")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild reports whose inputs are unchanged")] = False,
    keep_executed: Annotated[bool, typer.Option(
        "--keep-executed", help="Keep every executed notebook in reports/_executed/ (default: failed ones)")] = False,
) -> None:
    """The real-data main job: ingest, classify, indicators, the reports of the areas your register covers
    (limited by --area and --within), the national overview, the index and the Excel workbooks."""
    _check_run_options(register, source, bulk, cache_dir, survey, activity, language, out_dir, workers, mapping,
                       corrections, stea, survey_kind)
    from . import run_record

    _SAID.clear()
    _lock_run(out_dir)
    key = None
    if source == "file" and not force:  # the same run as the last complete one, with every output as it left them
        key = run_record.run_key(
            {"register": register, "survey": survey, "activity": activity, "mapping": mapping,
             "corrections": corrections, "stea": stea},
            {"level": level, "language": language, "areas": area, "within": within, "scope": scope, "sheet": sheet,
             "survey_kind": survey_kind, "survey_min_cell": survey_min_cell, "year": year,
             "keep_executed": keep_executed, "out_dir": str(out_dir.resolve())}, reference_dir)
        record = run_record.up_to_date(out_dir, key)
        if record is not None:
            for text, style in record.get("console", []):
                _say(text, **style)
            s = record.get("summary", {})
            typer.echo(f"nothing changed since the run of {record.get('written')} (the same files, options, reference "
                       f"and code; every output as that run left it): 0 reports written, {s.get('reports', 0)} "
                       f"unchanged, {s.get('workbooks', 0)} workbooks; index: {s.get('index', '')} (--force rebuilds)")
            return
    run_record.forget(out_dir)
    _begin_processed(out_dir / "processed")
    from .errors import SoteAnalyticsError
    from .indicators.scope import ScopeError, parse_areas
    from .pipeline import areas_to_report, run
    from .report.render.run import BatchInputError
    from .sources.ytj_register import YTJFetchError

    ref = _ref(year, reference_dir)
    try:  # checked before any work
        ref.areas(level)
        if scope:
            parse_areas(scope, ref)
        areas_to_report(ref, level, None, within, area)
    except (ValueError, ScopeError) as exc:
        _fail(str(exc))
    processed, reports = out_dir / "processed", out_dir / "reports"

    def said_areas(res, covered, codes) -> None:
        name = "YTJ" if source == "ytj" else register.name
        _say(f"{name}: {res.rows_in} rows read, {len(res.register)} accepted, "
                   f"{len(res.quarantine)} quarantined (reasons in {processed / 'quarantine.csv'})")
        if source == "file":
            _say(f"  field problems: {processed / 'field_problems.csv'}; to review and correct: "
                       f"{processed / 'tarkistettavat.xlsx'} (fill in the last column, pass it with --corrections)")
        _say(f"  the register covers: {covered.label(ref, 'en')} "
                   f"({'given' if covered.how == 'given' else 'inferred'}"
                   f"{'; --scope to change it' if covered.how != 'given' else ''}); {len(codes)} {level} reports")
        if not codes:
            _fail(f"no {level} area to report on: {name} covers none"
                  + (f" inside --within {within}" if within else "") + (f" among --area {', '.join(area)}"
                                                                        if area else ""))

    try:
        res = run(register, ref, processed_dir=processed, reports_dir=reports, source=source, level=level,
                  language=language, areas=area, within=within, survey=survey, activity=activity, sheet=sheet,
                  mapping=mapping, corrections=corrections, stea=stea, scope=scope,
                  survey_kind=_survey_kind(survey_kind), survey_k=survey_min_cell, cache_dir=cache_dir, bulk=bulk,
                  workers=workers, force=force, on_read=_echo_reading, on_areas=said_areas,
                  keep_executed=keep_executed or None)
    except YTJFetchError as exc:
        _fail(f"{exc} (fetch it first: `sote-analytics register fetch --source ytj --all`, or give --bulk)")
    except (BatchInputError, SoteAnalyticsError) as exc:
        _fail(str(exc))
    batch = res.reports
    typer.echo(f"{len(batch.results) - len(batch.failed)} reports written, {len(batch.skipped)} unchanged, "
               f"{len(res.workbooks)} workbooks; index: {batch.index}")
    for r in batch.failed:
        typer.secho(f"FAILED {r.level} {r.area}: {r.error}", fg="red", err=True)
    if batch.failed:
        raise typer.Exit(1)
    if key is not None:  # complete: the same command again does nothing until an input or an output changes
        run_record.write_record(out_dir, key, ref.folder, list(_SAID),
                                {"reports": len(batch.results) + len(batch.skipped), "workbooks": len(res.workbooks),
                                 "index": str(batch.index)})


def _check_run_options(register, source, bulk, cache_dir, survey, activity, language, out_dir, workers, mapping,
                       corrections, stea, survey_kind) -> None:
    """The boundary of ``run``: every path and option checked before any work."""
    check.choice(source, "--source", ("file", "ytj"))
    if source == "file":
        if register is None:
            _fail("give your REGISTER file, or --source ytj")
        check.input_file(register, "REGISTER")
    for opt, path in (("--bulk", bulk), ("--survey", survey), ("--activity", activity), ("--mapping", mapping),
                      ("--corrections", corrections), ("--stea", stea)):
        check.input_file(path, opt)
    check.choice(language, "--language", LANGUAGE_CHOICES)
    check.choice(survey_kind, "--survey-kind", ("organisations", "persons"))
    check.at_least(workers, "--workers", 1)
    check.output_dir(out_dir, "--out-dir")


def _begin_processed(processed: Path) -> None:
    """Open the processed folder's transaction (:meth:`.store.Store.begin`): written in a staging folder and
    swapped in with ``run.json`` last; a second run into the same folder fails with one line."""
    from .store import Store, StoreError

    store = Store(processed)
    try:
        store.begin()
    except StoreError as exc:
        _fail(str(exc))
    ctx = _current_context()
    if ctx is not None:  # a command that fails before run.json is written leaves the previous folder
        ctx.call_on_close(store.abort)


def _current_context():
    """The running command's click context, from click itself or the copy newer typer versions carry."""
    try:
        from typer._click.globals import get_current_context
    except ImportError:
        from click import get_current_context
    return get_current_context(silent=True)


def _lock_run(out_dir: Path) -> None:
    """The lock of a whole ``run`` into ``out_dir`` (held until the process ends)."""
    from .atomic import FolderBusyError, acquire_lock

    try:
        acquire_lock(out_dir.parent / f".{out_dir.name}.run.lock", f"the output folder {out_dir}")
    except FolderBusyError as exc:
        _fail(str(exc))


@app.command("run-demo")
def run_demo(
    year: Year = config.DEFAULT_YEAR, reference_dir: RefDir = None,
    workers: Annotated[int | None, typer.Option(help="Parallel workers")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild reports whose inputs are unchanged")] = False,
) -> None:
    """The main job: demo data -> indicators -> all wellbeing-area reports."""
    check.at_least(workers, "--workers", 1)
    from .pipeline import run_demo as demo_job
    from .report.render.run import BatchInputError

    paths = config.default_paths()
    ref = _ref(year, reference_dir)
    _begin_processed(paths.processed)
    try:
        res = demo_job(ref, demo_dir=paths.demo, processed_dir=paths.processed, reports_dir=paths.reports,
                       workers=workers, force=force)
    except BatchInputError as exc:
        _fail(str(exc))
    typer.echo(f"Synthetic demo data: {res.register.rows_in} rows; {len(res.indicators.table)} indicator rows")
    for batch in [res.reports, *res.extra]:
        typer.echo(f"{len(batch.results) - len(batch.failed)} reports written, {len(batch.skipped)} unchanged, "
                   f"index: {batch.index}")
    for path in res.workbooks:
        typer.echo(f"written {path}")
    for r in res.failed:
        typer.secho(f"FAILED {r.level} {r.area}: {r.error}", fg="red", err=True)
    if res.failed:
        raise typer.Exit(1)


def main() -> None:  # console script
    """Every error a user can cause ends in one line and exit status 2, never a traceback."""
    from .errors import SoteAnalyticsError

    config.prefer_arrow_pool()  # before pandas: this process and its report kernels
    try:
        code = app(prog_name="sote-analytics", standalone_mode=False)
        if isinstance(code, int) and code:  # click returns an Exit's status when not standalone
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SoteAnalyticsError as exc:
        typer.secho(f"error: {boundary.one_line(exc)}", fg="red", err=True)
        sys.exit(2)
    except OSError as exc:  # a full disk, a read-only folder, permissions: one line naming the file
        message = boundary.os_error_message(exc)
        if message is None:
            raise
        typer.secho(f"error: {message}", fg="red", err=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        typer.secho("interrupted", fg="red", err=True)
        sys.exit(130)
    except Exception as exc:
        if _is_usage_error(exc):  # a bad option or value: one line naming it, like every other error
            message = " ".join(str(exc.format_message()).split())
            typer.secho(f"error: {message} (see sote-analytics --help)", fg="red", err=True)
            sys.exit(2)
        raise
    finally:  # a command that failed half-way leaves the previous complete folder; its locks go
        from .atomic import release_all_locks

        store = sys.modules.get(f"{__package__}.store")
        if store is not None:  # only a command that used the processed folder can have a transaction open
            store.abort_open_transactions()
        release_all_locks()


def console() -> None:
    """The console script: :func:`main`, then the process ends at once, with main's exit status.

    Once a command has returned, everything it wrote is closed and its workers and kernels have ended; what
    is left is the interpreter's teardown of the libraries and data still in memory, 0.3-0.6 s after a run
    (``os._exit`` skips it, after the console's buffers are flushed). An exception main lets through (a bug)
    ends the process the usual way, with its traceback.
    """
    import contextlib
    import os

    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code or 0)


def _is_usage_error(exc: BaseException) -> bool:
    """Click's exceptions (bad option, bad value, missing argument), whether from click itself or the
    copy of click that newer typer versions carry (``typer._click``)."""
    import click

    kinds = tuple(k for k in (click.ClickException, getattr(typer, "TyperException", None)) if k is not None)
    return isinstance(exc, kinds) and hasattr(exc, "format_message")


if __name__ == "__main__":
    console()
