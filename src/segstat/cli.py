"""The ``segstat`` command line.

Subcommands read CSV (or Parquet with the ``parquet`` extra), write their
result atomically (a temporary file renamed into place), never over their
input, and exit with status 2 and a one-line message naming the fix on bad
input, or status 1 and a one-line message on an operating-system error (an
unreadable file, a read-only directory).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from typing import Any
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from ._version import __version__
from ._vintage import VINTAGE_ATTR
from .errors import SegstatError

#: column names that hold area or other codes, read as text whatever the values look like
_CODE_NAME = re.compile(r"deso|regso|kommun|(^|_)l[aä]n($|_|s?kod)|kod|code", re.IGNORECASE)


class CliError(SegstatError, ValueError):
    """A problem with the command-line input (file, columns)."""


def _read(path: str, a: argparse.Namespace | None = None) -> pd.DataFrame:
    """A CSV (or Parquet) file as a frame. CSV: the separator (``,`` or Excel's ``;``), the encoding (UTF-8, or
    Windows-1252 as Swedish Excel saves) and the decimal mark (``,`` with ``;``) are detected unless given;
    every column is read as text first, and a column becomes numeric only if every value is a number and none
    has a leading zero (codes such as 0114 stay text, whatever the column is called)."""
    p = Path(path)
    if not p.exists():
        raise CliError(f"input file {path!r} does not exist.")
    if p.is_dir():
        raise CliError(f"input {path!r} is a directory; give the CSV or Parquet file to read.")
    if p.suffix.lower() == ".parquet":
        from ._optional import import_optional

        import_optional("pyarrow", purpose="reading Parquet")
        return pd.read_parquet(p)
    head = p.read_bytes()[:65536]
    encoding = getattr(a, "encoding", None)
    if encoding is None:
        try:
            head.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError:
            encoding = "cp1252"  # Swedish Excel's "CSV (semikolonavgränsad)"
    first = head.decode(encoding, errors="replace").splitlines()[0] if head else ""
    sep = getattr(a, "sep", None) or (";" if first.count(";") > first.count(",") else ",")
    decimal = getattr(a, "decimal", None) or ("," if sep == ";" else ".")
    if a is not None:
        a.dialect = {"sep": sep, "decimal": decimal, "encoding": encoding}  # the output follows the input
    try:
        frame = pd.read_csv(p, sep=sep, encoding=encoding, dtype=str)
    except pd.errors.EmptyDataError as exc:
        raise CliError(f"input file {path!r} is empty.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, LookupError) as exc:
        raise CliError(f"input file {path!r} is not a readable CSV file ({str(exc).splitlines()[0]}); give "
                       f"--sep, --encoding or --decimal if it is not comma- or semicolon-separated UTF-8 or "
                       f"Windows-1252.") from exc
    for col in frame.columns:
        values = frame[col].dropna()
        if len(values) == 0 or _CODE_NAME.search(str(col)) or values.str.match(r"^\s*[+-]?0[0-9]").any():
            continue  # empty, a code column by its name (kommun 1480 has no zero to show it), or leading zeros
        text = frame[col].str.strip()
        if decimal != ".":
            text = text.str.replace(decimal, ".", regex=False)
        number = pd.to_numeric(text, errors="coerce")
        if number.notna().sum() == len(values):
            frame[col] = number
    return frame


def _same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file (also through links, or spelled differently)."""
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:
        pass
    return pa.resolve() == pb.resolve()


def _check_output(a: argparse.Namespace) -> None:
    """The output must not be the input (the result would replace the data it came from) nor a directory."""
    output, source = getattr(a, "output", None), getattr(a, "input", None)
    if output is None:
        return
    if source is not None and _same_file(source, output):
        raise CliError(f"output {output!r} is the input file; segstat never writes over its input. Give another "
                       f"output file name.")
    if Path(output).is_dir():
        raise CliError(f"output {output!r} is a directory; give a file name such as {str(Path(output) / 'result.csv')!r}.")


def _write(frame: pd.DataFrame, path: str, a: argparse.Namespace | None = None) -> None:
    """Write ``frame`` atomically in the input's CSV dialect (separator, decimal mark, encoding; UTF-8 with a byte
    order mark so that Excel reads å, ä and ö), with the file mode the umask gives a new file."""
    p = Path(path)
    if p.suffix.lower() not in (".csv", ".txt", ".parquet", ""):
        raise CliError(f"output {path!r}: segstat writes .csv or .parquet files (open a .csv in Excel); "
                       f"give one of those extensions.")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if p.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            d = dict(getattr(a, "dialect", None) or {})
            sep = getattr(a, "sep", None) or d.get("sep") or ","
            decimal = getattr(a, "decimal", None) or d.get("decimal") or ("," if sep == ";" else ".")
            encoding = getattr(a, "encoding", None) or d.get("encoding") or "utf-8-sig"
            if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
                encoding = "utf-8-sig"  # Excel needs the byte order mark to read UTF-8
            frame.to_csv(tmp, index=False, sep=sep, decimal=decimal, encoding=encoding)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a result file gets the usual mode
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _natural_key(value: Any) -> tuple:
    """'5-9 år' before '45-49 år': digit runs compare as numbers."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(value)))


def _ordered(data: pd.DataFrame, by: list[str], order: list[str] | None) -> pd.DataFrame:
    """Label columns of --by (not area codes) as ordered categories: in --order, else in natural order."""
    data = data.copy()
    placed = False
    for col in by:
        if col not in data or col in ("deso", "regso", "kommun", "lan") or pd.api.types.is_numeric_dtype(data[col]):
            continue
        present = sorted(set(data[col].dropna().astype(str)), key=_natural_key)
        categories = present
        if order is not None and set(order) & set(present):
            missing = [v for v in present if v not in order]
            if missing:
                raise CliError(f"--order {' '.join(order)}: column {col!r} also holds {', '.join(map(repr, missing[:5]))}; "
                               f"list every value of {col!r} in --order.")
            categories = [v for v in order if v in present]
            placed = True
        data[col] = pd.Categorical(data[col].astype("string").astype(object), categories=categories, ordered=True)
    if order is not None and not placed:
        raise CliError(f"--order {' '.join(order)}: no --by column holds these values; give the labels of one of "
                       f"{', '.join(map(repr, by))}.")
    return data


@contextlib.contextmanager
def _relayed_warnings(command: str) -> Iterator[None]:
    """Warnings raised inside the block, printed as one tidy line each on stderr (also when the block fails)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for w in caught:
                print(f"segstat {command}: warning: {w.message}", file=sys.stderr)


def _need_vintage(a: argparse.Namespace, data: pd.DataFrame, command: str) -> None:
    """--vintage, unless the input carries it (a Parquet file written by segstat locate or classify); locate always
    needs it (its input holds coordinates, not codes)."""
    if a.vintage is None and (command == "locate" or VINTAGE_ATTR not in data.attrs):
        source = ("the boundaries to place the points in" if command == "locate" else
                  f"the area codes of {a.input!r} (a .parquet file written by segstat locate carries it, a CSV "
                  f"file does not)")
        raise CliError(f"{command}: give --vintage 2018 (DeSO 2018 / RegSO 2020) or --vintage 2025 (DeSO 2025 / "
                       f"RegSO 2025) for {source}; segstat never guesses the code series.")


def _cmd_locate(a: argparse.Namespace) -> int:
    from .geography.locate import locate

    data = _read(a.input, a)
    _need_vintage(a, data, "locate")
    crs = int(a.crs) if str(a.crs).isdigit() else a.crs
    with _relayed_warnings("locate"):
        out = locate(data, x=a.x, y=a.y, crs=crs, level=a.level, vintage=a.vintage, max_distance=a.max_distance)
    clash = [c for c in out.columns if c in data.columns]
    if clash:
        raise CliError(f"the input already has column(s) {', '.join(map(repr, clash))}, which locate writes; rename "
                       f"or drop them first (the output would hold two columns of the same name).")
    s = out.attrs["segstat_locate"]
    if s.n and not s.placed:
        raise CliError(f"none of the {s.n:,} rows was placed (see the warning above); check --crs, --x/--y and "
                       f"that the points lie in the boundaries' area. Nothing was written.")
    full = pd.concat([data, out], axis=1)
    full.attrs = {VINTAGE_ATTR: out.attrs[VINTAGE_ATTR]}  # a Parquet output carries the vintage to the next command
    _write(full, a.output, a)
    print(f"segstat locate: {s.placed:,} of {s.n:,} rows placed -> {a.output}")
    return 0


def _cmd_classify(a: argparse.Namespace) -> int:
    from .classify import attach_omradestyp
    from .socioeconomic import classify_areas, socioeconomic_index

    data = _read(a.input, a)
    if a.indicators:
        v1, v2, v3 = a.indicators
        idx = socioeconomic_index(data, low_economic_standard=v1, low_education=v2, assistance_or_unemployment=v3,
                                  unit=a.unit)
        res = classify_areas(idx, weights=data[a.weights] if a.weights else None)
        out = data.assign(socioeconomic_index=idx, omradestyp=res.types.astype(int))
        print(f"segstat classify: {res!r}")
    else:
        _need_vintage(a, data, "classify --regso")
        with _relayed_warnings("classify"):
            out = attach_omradestyp(data, regso=a.regso, year=a.year, vintage=a.vintage, labels=a.labels,
                                    errors=a.errors)
    _write(out, a.output, a)
    print(f"segstat classify: {len(out):,} rows -> {a.output}")
    return 0


def _cmd_protect(a: argparse.Namespace) -> int:
    from .disclosure.audit import audit
    from .disclosure.protect import protect
    from .disclosure.tabulate import tabulate

    data = _read(a.input, a)
    missing = [c for c in a.by if c not in data]
    if missing:
        raise CliError(f"--by {' '.join(a.by)}: the input has no column {', '.join(map(repr, missing))}; its columns "
                       f"are {', '.join(map(repr, data.columns))}.")
    unplaced = data[a.by].isna().any(axis=1)
    if unplaced.any():
        if not a.drop_unplaced:
            raise CliError(f"{int(unplaced.sum()):,} row(s) have no value in --by {' '.join(a.by)} (e.g. row "
                           f"{int(unplaced.to_numpy().argmax()) + 2} of the file; unplaced by segstat locate?); give "
                           f"--drop-unplaced to leave them out of the table, or fill them in.")
        print(f"segstat protect: {int(unplaced.sum()):,} row(s) without a value in --by {' '.join(a.by)} left out "
              f"(--drop-unplaced)", file=sys.stderr)
        attrs = dict(data.attrs)
        data = data[~unplaced]
        data.attrs = attrs
    if any(col in ("deso", "regso", "kommun", "lan") for col in a.by):
        _need_vintage(a, data, "protect --by " + " ".join(a.by))
    attrs = dict(data.attrs)
    data = _ordered(data, a.by, a.order)
    data.attrs = attrs
    table = tabulate(data, by=a.by, value=a.value, vintage=a.vintage)
    p = protect(table, min_count=a.min_count, p_percent=a.p_percent, protection=a.protection, method=a.method)
    report = audit(p)
    _write(p.to_frame(symbol=a.symbol), a.output, a)
    n = p.n_suppressed
    published = int((p.status == "published").sum())
    print(f"segstat protect: {published:,} of {len(p.status):,} cells published, {n['primary']:,} primary and "
          f"{n['secondary']:,} secondary suppressed; audit {'passed' if report.safe else 'FAILED'} -> {a.output}")
    print(p.method_note(a.lang))
    return 0


def _smooth(data: pd.DataFrame, a: argparse.Namespace, given: dict[str, Any]) -> pd.DataFrame:
    """``segstat measure smooth``: smoothed rates, with ranks (``--top``) or as a table to publish (``--step``)."""
    from .targeting import protect_rates, rank_areas, smooth_rates

    neighbours: Any = a.neighbours
    if neighbours is not None and neighbours not in ("kommun", "queen", "rook"):
        neighbours = _read(neighbours, a)  # a file of (area, neighbour) pairs
    vintage = data.attrs.get(VINTAGE_ATTR, a.vintage)
    out = smooth_rates(data, events=a.events, population=a.population, area=a.area, method=a.method,
                       neighbours=neighbours, covariates=a.covariates, transform=a.transform, by=a.by, per=a.per,
                       vintage=vintage, **{k: v for k, v in given.items() if k == "confidence_level"})
    if a.step is not None:
        return protect_rates(out, step=a.step, min_count=a.min_count).to_frame()
    if a.top is not None:
        out = rank_areas(out, top=a.top, rng=a.rng, **{k: v for k, v in given.items() if k == "n_resamples"})
    return out


def _cmd_measure(a: argparse.Namespace) -> int:
    from .measures import disparity as disp_mod
    from .measures import inference, multigroup
    from .measures import rates as rates_mod
    from .measures import segregation as seg_mod

    data = _read(a.input, a)
    # interval options given on the command line; the rest keep each function's defaults
    given: dict[str, Any] = {k: v for k, v in (("confidence_level", a.confidence_level), ("n_resamples", a.n_resamples),
                                ("interval", a.interval)) if v is not None}
    ci: dict[str, Any] = {} if a.ci is None else {"ci": None if a.ci == "none" else a.ci}
    if a.measure == "smooth":
        out = _smooth(data, a, given)
    elif a.measure == "rates":
        out = rates_mod.rates(data, events=a.events, population=a.population, by=a.by, per=a.per, **ci, **given)
    elif a.measure == "disparity":
        order = a.order
        if order is None and a.subgroup in data:
            order = _omradestyp_order(data[a.subgroup])
        if order is not None and a.subgroup in data and pd.api.types.is_numeric_dtype(data[a.subgroup]):
            order = [pd.to_numeric(o) for o in order]
        out = disp_mod.disparity(data, events=a.events, population=a.population, subgroup=a.subgroup, rng=a.rng,
                                 per=a.per, regression=a.regression, by=a.by, order=order, **ci, **given)
    else:
        columns = ({"lowest": a.lowest, "highest": a.highest} if a.measure == "ojamlikhetsindex" else
                   {"groups": a.groups} if a.measure.startswith("multigroup_") else
                   {"group": a.group, "total": a.total})
        module = multigroup if a.measure.startswith("multigroup_") else seg_mod
        out = getattr(module, a.measure)(data, **columns, by=a.by, rng=a.rng, **ci, **given)
        if a.test:
            test = inference.segregation_test(data, **columns, index=a.measure, by=a.by, rng=a.rng,
                                              **({"n_resamples": a.n_resamples} if a.n_resamples else {}))
            keys = [] if a.by is None else [a.by] if isinstance(a.by, str) else list(a.by)
            if keys:
                out = out.merge(test[[*keys, "p_value"]], on=keys, how="left", validate="one_to_one")
            else:
                out["p_value"] = test["p_value"].to_numpy()
    _write(out, a.output, a)
    print(f"segstat measure {a.measure}: {len(out)} row(s) -> {a.output}")
    return 0


def _period_value(data: pd.DataFrame, period: str, value: str | None) -> Any:
    """A period given on the command line (text) as a value of the period column (a number if it is numeric)."""
    if value is None or period not in data or not pd.api.types.is_numeric_dtype(data[period]):
        return value
    number = pd.to_numeric(value, errors="coerce")
    if pd.isna(number):
        raise CliError(f"{value!r} is not a value of the numeric period column {period!r}.")
    return int(number) if float(number).is_integer() else float(number)


def _write_tables(result: Any, fields: Sequence[str], output: str, command: str) -> None:
    """The first table to ``output``, the others beside it as ``<stem>_<table><suffix>``."""
    p = Path(output)
    written = []
    for i, name in enumerate(fields):
        path = output if i == 0 else str(p.with_name(f"{p.stem}_{name}{p.suffix or '.csv'}"))
        _write(getattr(result, name), path)
        written.append(path)
    print(f"segstat {command}: {', '.join(written)}")


def _cmd_follow_up(a: argparse.Namespace) -> int:
    from .followup.panel import follow_up

    data = _read(a.input, a)
    with _relayed_warnings("follow-up"):
        r = follow_up(data, events=a.events, population=a.population, area=a.area, period=a.period, types=a.types,
                      baseline=_period_value(data, a.period, a.baseline), subgroup=a.subgroup, vintage=a.vintage,
                      confidence_level=a.confidence_level, per=a.per, noise_variance=a.noise_variance)
    _write_tables(r, ["rates", "gap", "gap_change", "decomposition", "counts"], a.output, "follow-up")
    return 0


def _cmd_effect(a: argparse.Namespace) -> int:
    from .followup.effect import effect

    data = _read(a.input, a)
    with _relayed_warnings("effect"):
        r = effect(data, events=a.events, population=a.population, area=a.area, period=a.period, treated=a.treated,
                   start=_period_value(data, a.period, a.start), comparison=a.comparison, regression=a.regression,
                   baseline=_period_value(data, a.period, a.baseline), subgroup=a.subgroup, vintage=a.vintage,
                   confidence_level=a.confidence_level, per=a.per)
    _write_tables(r, ["event_study", "overall", "pretrend", "group_time", "counts"], a.output, "effect")
    return 0


def _omradestyp_order(column: pd.Series) -> list | None:
    """SCB's order of områdestyp values (1 .. 5, or the official Swedish or English labels), most disadvantaged
    first, when every value in the column is one of them; otherwise None (the groups stay unordered unless
    --order is given)."""
    from .classify import LABELS_EN, LABELS_SV

    present = set(column.dropna().tolist())
    for scale in ([1, 2, 3, 4, 5], [LABELS_SV[k] for k in range(1, 6)], [LABELS_EN[k] for k in range(1, 6)]):
        if present and present <= set(scale):
            return [v for v in scale if v in present]
    return None


#: keys of a report description (TOML or YAML): top level, and per section kind
_SPEC_TOP = {"title", "lang", "out", "note", "sources", "max_rows", "protect", "table", "rates", "disparity",
             "segregation", "frame"}
_SPEC_KEYS = {
    "protect": {"min_count", "p_percent", "protection", "method"},
    "table": {"title", "input", "by", "value", "vintage", "order", "drop_unplaced"},
    "rates": {"title", "input", "events", "population", "by", "per"},
    "disparity": {"title", "input", "events", "population", "subgroup", "order", "per"},
    "segregation": {"title", "input", "index", "group", "total", "groups", "by"},
    "frame": {"title", "input"},
}
_SPEC_EXAMPLE = """\
title = "Sjukpenning 2024"          # required; lang = "sv" (default) or "en"; out = "rapport"
sources = ["Försäkringskassan, 2025-03-01"]

[protect]                           # one protect() call over every [[table]]: protected together
min_count = 5

[[table]]
title = "Mottagare efter RegSO och åldersgrupp"
input = "mottagare.csv"             # relative to this file
by = ["regso", "age_group"]
vintage = 2025

[[rates]]
title = "Sjukpenning per 1 000 efter områdestyp"
input = "per_typ.csv"
events = "mottagare"
population = "befolkning"
by = "omradestyp"

[[disparity]]
title = "Skillnader mellan områdestyperna"
input = "per_typ.csv"
events = "mottagare"
population = "befolkning"
order = [1, 2, 3, 4, 5]

[[segregation]]
title = "Segregation efter kommun"
input = "deso.csv"
index = "dissimilarity"
group = "utlandsk_bakgrund"
total = "totalt"
by = "kommun"
"""


def _check_keys(where: str, given: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        import difflib

        hints = [f"{k!r} (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(k, allowed, 1)) else repr(k)
                 for k in unknown]
        raise CliError(f"{where}: unknown key(s) {', '.join(hints)}; allowed: {', '.join(sorted(allowed))}.")


def _cmd_report(a: argparse.Namespace) -> int:
    from .disclosure.protect import protect
    from .disclosure.tabulate import tabulate
    from .measures import disparity as disp_mod
    from .measures import multigroup
    from .measures import rates as rates_mod
    from .measures import segregation as seg_mod
    from .publish import i18n
    from .publish.items import protected_items
    from .publish.report import report

    spec_path = Path(a.input)
    if not spec_path.exists():
        raise CliError(f"report description {a.input!r} does not exist.")
    from ._description import read_description

    spec = read_description(spec_path, what="report", error=CliError)
    _check_keys(a.input, spec, _SPEC_TOP)
    if "title" not in spec:
        raise CliError(f"{a.input}: give the report a title, e.g. title = \"Sjukpenning 2024\".")
    lang = i18n.check_lang(a.lang or spec.get("lang", "sv"))
    base = spec_path.parent
    out = a.out or spec.get("out") or str(base / "rapport")
    frames: dict[str, pd.DataFrame] = {}

    def data(section: str, k: int, entry: dict[str, Any]) -> pd.DataFrame:
        if "input" not in entry:
            raise CliError(f"{a.input}: [[{section}]] number {k + 1} has no input = \"file.csv\".")
        path = str(base / entry["input"])
        if path not in frames:
            frames[path] = _read(path)
        return frames[path]

    items: list[tuple[str, Any]] = []
    positions: dict[str, int] = {}
    tables, titles = [], []
    for section in spec:
        if section not in _SPEC_KEYS:
            continue
        entries = spec[section] if isinstance(spec[section], list) else [spec[section]]
        for k, entry in enumerate(entries):
            _check_keys(f"{a.input}: [{section}]" if section == "protect" else f"{a.input}: [[{section}]] {k + 1}",
                        entry, _SPEC_KEYS[section])
            if section == "protect":
                continue
            title = str(entry.get("title", f"{section} {k + 1}"))
            if section != "frame" and section != "table":
                cols = {key: entry[key] for key in entry if key not in ("title", "input", "index")}
            if section == "table":
                frame = data(section, k, entry)
                by = [entry["by"]] if isinstance(entry.get("by"), str) else list(entry.get("by", []))
                if not by:
                    raise CliError(f"{a.input}: [[table]] {k + 1} needs by = [\"column\", ...].")
                unplaced = frame[by].isna().any(axis=1)
                if unplaced.any():
                    if not entry.get("drop_unplaced"):
                        raise CliError(f"{a.input}: [[table]] {k + 1}: {int(unplaced.sum()):,} row(s) have no value "
                                       f"in {', '.join(by)}; add drop_unplaced = true to leave them out.")
                    frame = frame[~unplaced]
                    print(f"segstat report: [[table]] {k + 1}: {int(unplaced.sum()):,} row(s) without a value in "
                          f"{', '.join(by)} left out (drop_unplaced)", file=sys.stderr)
                frame = _ordered(frame, by, entry.get("order"))
                tables.append(tabulate(frame, by=by, value=entry.get("value"), vintage=entry.get("vintage")))
                titles.append(title)
                positions.setdefault("table", len(items))
                continue
            frame = data(section, k, entry)
            if section == "rates":
                result = rates_mod.rates(frame, **cols)
            elif section == "disparity":
                result = disp_mod.disparity(frame, **cols)
            elif section == "segregation":
                index = entry.get("index", "dissimilarity")
                module = multigroup if str(index).startswith("multigroup_") else seg_mod
                if index not in i18n.INDICES["en"] or index == "ojamlikhetsindex":
                    raise CliError(f"{a.input}: [[segregation]] {k + 1}: index = {index!r}; give one of "
                                   f"{', '.join(sorted(set(i18n.INDICES['en']) - {'ojamlikhetsindex'}))}.")
                result = getattr(module, index)(frame, **cols)
            else:
                result = frame
            items.append((title, result))
    if tables:
        opts = spec.get("protect", {})
        # every table of the report is protected together (the tables come from the same persons)
        protected = protect(tables, **opts)
        built = protected_items(protected, titles[0], lang)
        import dataclasses

        built = [dataclasses.replace(it, title=t, sheet=None) for it, t in zip(built, titles)]
        for offset, it in enumerate(built):
            items.insert(positions["table"] + offset, (it.title, it))
    with _relayed_warnings("report"):
        files = report(items, out=out, title=str(spec["title"]), lang=lang, note=spec.get("note"),
                       sources=list(spec.get("sources", [])), max_rows=a.max_rows or int(spec.get("max_rows", 40)))
    for f in (files.html, files.excel, *files.figures):
        if f is not None:
            os.chmod(f, 0o666 & ~_umask())
    print(f"segstat report: {len(items)} section(s) -> {files.html}" + (f", {files.excel}" if files.excel else ""))
    return 0


def _cmd_demo(a: argparse.Namespace) -> int:
    from .demo import run_demo

    print(f"segstat {__version__} demo on bundled SCB data (synthetic register, real geography)")
    s = run_demo(a.out, n=a.n, rng=a.rng, quiet=a.quiet, lang=a.lang)
    print(f"Done: {s['placed']:,} of {s['records']:,} records placed; {s['published']:,} of {s['cells']:,} cells "
          f"published ({s['primary']:,} primary and {s['secondary']:,} secondary suppressed, the tables protected "
          f"together); audit {'passed' if s['audit_safe'] else 'FAILED'}.\nReport: {s['report']}")
    if s.get("barometer"):
        b = s["barometer"]
        print(f"Barometer ({b['kommuner']} kommuner, {b['regso']} RegSO, {b['periods']} synthetic years, built in "
              f"{b['build_seconds']:.1f} s): {b['page']}")
    return 0


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Examples kept as written, and an option's default shown once in --help: added unless the help already
    says it (or there is none to show)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if ("default" not in text and action.option_strings and action.default not in (None, False, argparse.SUPPRESS)
                and action.nargs != 0):
            text += " (default: %(default)s)"
        return text


def _io_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sep", default=None, help="CSV separator of the input and the output (default: ',' or ';', "
                                               "detected from the input)")
    p.add_argument("--encoding", default=None, help="CSV encoding of the input and the output (default: UTF-8, "
                                                    "else Windows-1252, detected; UTF-8 is written with a byte order "
                                                    "mark for Excel)")
    p.add_argument("--decimal", default=None, help="decimal mark of the input and the output (default: ',' with ';' "
                                                   "separators, else '.')")



def _panel_options(p: Any, area_help: str) -> None:
    """The files and columns of `segstat follow-up` and `segstat effect` (one row per area and period)."""
    p.add_argument("input", help="input file: one row per area and period, CSV (as Excel saves it) or Parquet")
    p.add_argument("output", help="output file: .csv (in the input's CSV dialect) or .parquet; the other tables "
                                  "are written beside it")
    _io_options(p)
    p.add_argument("--events", required=True, help="column of event counts")
    p.add_argument("--population", required=True, help="column of population")
    p.add_argument("--area", required=True, help=area_help)
    p.add_argument("--period", required=True, help="column of the period (year)")


def _panel_settings(p: Any) -> None:
    """The code series, confidence level and rate unit shared by `segstat follow-up` and `segstat effect`."""
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="code series of the RegSO codes (needed with the bundled types)")
    p.add_argument("--confidence-level", type=float, default=0.95, help="confidence level of the intervals")
    p.add_argument("--per", type=float, default=1000, help="rates per this many persons")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segstat", description="Segregation-aware statistics for Swedish areas.")
    parser.add_argument("--version", action="version", version=f"segstat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    fmt = _HelpFormatter

    p = sub.add_parser("locate", help="place coordinates in DeSO/RegSO, kommun and län", formatter_class=fmt,
                       epilog="example: segstat locate people.csv placed.csv --x lon --y lat --crs EPSG:4326 --vintage 2025")
    p.add_argument("input", help="input file: CSV (as Excel saves it) or Parquet")
    p.add_argument("output", help="output file: .csv (in the input's CSV dialect) or .parquet")
    _io_options(p)
    p.add_argument("--x", default="x", help="column of x (easting; longitude for WGS84)")
    p.add_argument("--y", default="y", help="column of y (northing; latitude for WGS84)")
    p.add_argument("--crs", default="EPSG:3006", help="CRS of the coordinates")
    p.add_argument("--level", default="deso", choices=["deso", "regso"], help="finest area level to place in")
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="required: DeSO/RegSO vintage of the boundaries, 2018 (DeSO 2018 / RegSO 2020) or 2025 (the "
                        "bundled boundaries); a .parquet output carries it to classify and protect")
    p.add_argument("--max-distance", type=float, default=None, help="snap points this close (metres)")
    p.set_defaults(func=_cmd_locate)

    p = sub.add_parser("classify", help="attach official områdestyp, or compute index and types",
                       formatter_class=fmt,
                       epilog="examples:\n  segstat classify areas.csv typed.csv --regso regso --year 2023 --vintage 2018\n"
                              "  segstat classify ind.csv typed.csv --indicators v1 v2 v3 --unit percent")
    p.add_argument("input", help="input file: CSV (as Excel saves it) or Parquet")
    p.add_argument("output", help="output file: .csv (in the input's CSV dialect) or .parquet")
    _io_options(p)
    p.add_argument("--regso", default="regso", help="column of RegSO codes")
    p.add_argument("--year", type=int, default=2023, help="year of the official områdestyp")
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="vintage of the RegSO codes: 2018 (RegSO 2020) or 2025; required unless the input is a "
                        ".parquet file written by segstat locate (it carries the vintage)")
    p.add_argument("--labels", choices=["sv", "en"], default=None,
                   help="add a column with SCB's label of each områdestyp in this language")
    p.add_argument("--indicators", nargs=3, metavar=("V1", "V2", "V3"), help="indicator columns (compute types)")
    p.add_argument("--unit", choices=["percent", "proportion"], default=None,
                   help="unit of the indicator columns (required with --indicators)")
    p.add_argument("--weights", default=None, help="population column for weighted mean and SD")
    p.add_argument("--errors", choices=["raise", "coerce"], default="raise",
                   help="coerce: rows without an official type (unplaced, unknown codes) get an empty type")
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser("protect", help="tabulate and protect a table (suppression + audit)", formatter_class=fmt,
                       epilog="example: segstat protect people.csv table.csv --by regso age --vintage 2025 "
                              "--min-count 5")
    p.add_argument("input", help="input file: CSV (as Excel saves it) or Parquet")
    p.add_argument("output", help="output file: .csv (in the input's CSV dialect) or .parquet")
    _io_options(p)
    p.add_argument("--by", nargs="+", required=True, help="columns of the table (area columns first)")
    p.add_argument("--value", default=None, help="column to sum (a magnitude table); default: count persons")
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="vintage of the area columns' codes: 2018 (DeSO 2018 / RegSO 2020) or 2025; required for "
                        "area columns unless the input is a .parquet file that carries it")
    p.add_argument("--min-count", type=int, default=3,
                   help="cells with fewer persons are primary suppressed (3 as sdcTable and SSB's "
                        "GaussSuppression; many publications use 5)")
    p.add_argument("--p-percent", type=float, default=None,
                   help="p %% rule for magnitude tables (with --value): cells whose largest contribution the second "
                        "largest could estimate within p %% are primary suppressed")
    p.add_argument("--protection", type=float, default=None,
                   help="upper protection level of every primary cell (default: --min-count minus the cell's value)")
    p.add_argument("--method", choices=["auto", "cube", "lp", "greedy", "pruned"], default="auto",
                   help="secondary suppression method (auto chooses by table size)")
    p.add_argument("--symbol", default="..", help="written in place of a suppressed value")
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="language of the method note printed")
    p.add_argument("--order", nargs="+", default=None,
                   help="labels of a --by column in the order of the table (default: natural order, so '5-9 år' "
                        "comes before '45-49 år')")
    p.add_argument("--drop-unplaced", action="store_true",
                   help="leave out rows without a value in a --by column (e.g. records segstat locate could not "
                        "place), and say how many; without it such rows are an error")
    p.set_defaults(func=_cmd_protect)

    p = sub.add_parser("measure", help="rates, smoothed rates, disparity or segregation indices", formatter_class=fmt,
                       epilog="examples:\n  segstat measure disparity counts.csv out.csv --events cases "
                              "--population persons --subgroup omradestyp\n"
                              "  segstat measure dissimilarity deso.csv out.csv --group foreign --total total --by kommun\n"
                              "  segstat measure multigroup_entropy deso.csv out.csv --groups low mid high --by kommun "
                              "--test\n"
                              "  segstat measure ojamlikhetsindex deso.csv out.csv --lowest q1 --highest q5 --by kommun\n"
                              "  segstat measure smooth deso.csv out.csv --events cases --population persons --area deso "
                              "--method eb_local --neighbours kommun --top 10")
    p.add_argument("measure", choices=["rates", "smooth", "disparity", "dissimilarity", "gini", "entropy", "isolation",
                                       "exposure", "atkinson", "multigroup_entropy", "multigroup_dissimilarity",
                                       "ojamlikhetsindex"],
                   help="the measure: rates, disparity (HEAT's measures between subgroups) or a segregation index")
    p.add_argument("input", help="input file: CSV (as Excel saves it) or Parquet")
    p.add_argument("output", help="output file: .csv (in the input's CSV dialect) or .parquet")
    _io_options(p)
    p.add_argument("--events", help="rates, disparity: column of event counts")
    p.add_argument("--population", help="rates, disparity: column of population")
    p.add_argument("--subgroup", default="omradestyp",
                   help="disparity: column of the subgroup labels compared (default: omradestyp)")
    p.add_argument("--group", help="segregation indices: column of the group's counts")
    p.add_argument("--total", help="segregation indices: column of everyone's counts")
    p.add_argument("--by", nargs="+", default=None, help="one result per combination of these columns")
    p.add_argument("--per", type=float, default=1000, help="rates, disparity: rate per this many persons")
    p.add_argument("--regression", choices=["linear", "logistic", "poisson"], default="linear",
                   help="disparity: model of SII and RII on ridit rank")
    p.add_argument("--order", nargs="+", default=None,
                   help="disparity: subgroup labels from most disadvantaged to most advantaged (default: områdestyp "
                        "1-5 or their official labels are ordered by themselves; other subgroups are unordered)")
    p.add_argument("--groups", nargs="+", help="group count columns of a multigroup index")
    p.add_argument("--lowest", help="ojamlikhetsindex: persons in the lowest income quintile")
    p.add_argument("--highest", help="ojamlikhetsindex: persons in the highest income quintile")
    p.add_argument("--ci", choices=["analytic", "bootstrap", "simulation", "none"], default=None,
                   help="how intervals are obtained (rates: analytic; disparity: analytic or simulation; "
                        "segregation indices: bootstrap); default: the measure's own (none for segregation indices)")
    p.add_argument("--interval", choices=["exact-poisson", "exact-binomial", "wilson", "basic", "percentile"],
                   default=None, help="interval formula: rates exact-poisson/exact-binomial/wilson; bootstrap "
                                      "basic/percentile")
    p.add_argument("--confidence-level", type=float, default=None, help="confidence level of intervals (default: 0.95)")
    p.add_argument("--n-resamples", type=int, default=None,
                   help="bootstrap, permutation or simulation replicates (default: the measure's own)")
    p.add_argument("--test", action="store_true",
                   help="add the p-value of a permutation test against evenness (999 random allocations)")
    p.add_argument("--rng", type=int, default=1, help="seed of simulated or resampled intervals and tests")
    p.add_argument("--area", help="smooth: column of area codes")
    p.add_argument("--method", choices=["eb", "eb_local", "fay_herriot"], default="eb",
                   help="smooth: global or local empirical Bayes, or Fay-Herriot (default eb)")
    p.add_argument("--neighbours", default=None,
                   help="smooth, eb_local: kommun, queen, rook (bundled boundaries) or a CSV of (area, neighbour) pairs")
    p.add_argument("--covariates", nargs="+", default=None, help="smooth, fay_herriot: covariate columns")
    p.add_argument("--transform", choices=["arcsine", "log"], default="arcsine",
                   help="smooth, fay_herriot: scale of the model (default arcsine)")
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="smooth: code vintage of the bundled boundaries (2025)")
    p.add_argument("--top", type=int, default=None,
                   help="smooth: add ranks, rank intervals and the probability of being among the TOP highest")
    p.add_argument("--step", type=float, default=None,
                   help="smooth: write the table to publish instead, rates rounded to STEP and primary areas "
                        "that rounding would give away suppressed")
    p.add_argument("--min-count", type=int, default=3, help="smooth with --step: threshold of primary areas")
    p.set_defaults(func=_cmd_measure)

    p = sub.add_parser("follow-up", help="rates by områdestyp over time: fixed or yearly types, gap, decomposition",
                       formatter_class=fmt,
                       epilog="example: segstat follow-up panel.csv rates.csv --events cases --population persons "
                              "--area regso --period year --vintage 2018 --baseline 2022\n"
                              "writes rates.csv and rates_gap.csv, rates_gap_change.csv, rates_decomposition.csv, "
                              "rates_counts.csv")
    _panel_options(p, "column of area codes (RegSO for the bundled områdestyp)")
    p.add_argument("--types", choices=["baseline", "yearly"], default="baseline",
                   help="keep the baseline year's types, or each year's own")
    p.add_argument("--baseline", default=None, help="period whose types are kept (default: the first)")
    p.add_argument("--subgroup", default=None, help="column of each area's type per period (default: SCB's "
                                                    "official områdestyp of the bundled years)")
    _panel_settings(p)
    p.add_argument("--noise-variance", type=float, default=None,
                   help="variance of the cell-key noise on each row's population figure, when known (as given to "
                        "segstat.perturb); the intervals then include it")
    p.set_defaults(func=_cmd_follow_up)

    p = sub.add_parser("effect", help="effect of targeted work: difference-in-differences by områdestyp",
                       formatter_class=fmt,
                       epilog="example: segstat effect panel.csv effect.csv --events cases --population persons "
                              "--area regso --period year --treated insats --subgroup typ\n"
                              "writes effect.csv (event study) and effect_overall.csv, effect_pretrend.csv, "
                              "effect_group_time.csv, effect_counts.csv")
    _panel_options(p, "column of area codes")
    p.add_argument("--treated", required=True, help="0/1 column of the effort")
    p.add_argument("--start", default=None, help="common first period of the effort (default: from --treated)")
    p.add_argument("--comparison", choices=["same_type", "not_yet_treated", "never_treated"], default="same_type",
                   help="areas compared with: not yet treated of the same baseline type, any not yet treated, or "
                        "never treated")
    p.add_argument("--regression", choices=["poisson", "linear"], default="poisson",
                   help="rate ratio (poisson) or rate difference (linear)")
    p.add_argument("--baseline", default=None, help="period of the types compared (default: the first)")
    p.add_argument("--subgroup", default=None, help="column of each area's type per period")
    _panel_settings(p)
    p.set_defaults(func=_cmd_effect)

    p = sub.add_parser("demo", help="run the whole job on the bundled data", formatter_class=fmt,
                       epilog="example: segstat demo --out segstat-demo")
    p.add_argument("--out", default="segstat-demo", help="output folder")
    p.add_argument("--n", type=int, default=100_000, help="synthetic persons")
    p.add_argument("--rng", type=int, default=2025, help="seed of the synthetic persons")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--lang", choices=["sv", "en"], default="sv", help="language of the report")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("report", help="an HTML page, an Excel workbook and figures from a TOML (or YAML) description",
                       formatter_class=fmt, epilog="example: segstat report rapport.toml\n\nrapport.toml:\n"
                                                   + _SPEC_EXAMPLE)
    p.add_argument("input", help="the report's description: TOML, or YAML when it ends in .yaml/.yml "
                                     "(quote codes there); example below")
    p.add_argument("--out", default=None, help="output folder (default: out in the description, else 'rapport' "
                                               "beside it)")
    p.add_argument("--lang", choices=["sv", "en"], default=None,
                   help="language of the report (default: lang in the description, else sv)")
    p.add_argument("--max-rows", type=int, default=None,
                   help="rows of a table shown on the page (default: max_rows in the description, else 40)")
    p.set_defaults(func=_cmd_report)

    from .barometer._cli import add_parser as add_barometer_parser  # segstat barometer DESCRIPTION.toml

    add_barometer_parser(sub, fmt)
    from .scb._cli import add_parser as add_scb_parser  # segstat scb tables|metadata|get

    add_scb_parser(sub, fmt)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``segstat`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "measure", None) and args.measure in ("rates", "disparity", "smooth") and not (
            args.events and args.population):
        parser.error(f"measure {args.measure} needs --events and --population")
    measure = getattr(args, "measure", None)
    if measure and measure.startswith("multigroup_") and not args.groups:
        parser.error(f"measure {measure} needs --groups (two or more count columns)")
    if measure == "ojamlikhetsindex" and not (args.lowest and args.highest):
        parser.error("measure ojamlikhetsindex needs --lowest and --highest")
    if measure in ("dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson") and not args.total:
        parser.error(f"measure {measure} needs --group and --total")
    if measure in ("dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson") and not args.group:
        parser.error(f"measure {measure} needs --group and --total")
    if measure == "smooth" and not args.area:
        parser.error("measure smooth needs --area (the column of area codes)")
    if measure in ("rates", "disparity", "ojamlikhetsindex", "smooth") and args.test:
        parser.error(f"--test is not available for measure {measure}")
    if measure:
        # an option the measure does not use is an error, never silently ignored
        rate_options = {"events", "population", "per"}
        uses = {"rates": rate_options, "smooth": rate_options, "disparity": {"events", "population", "per", "subgroup",
                "regression", "order"}, "ojamlikhetsindex": {"lowest", "highest"}}.get(
            measure, {"groups"} if measure.startswith("multigroup_") else {"group", "total"})
        foreign = {"events", "population", "per", "regression", "order", "group", "total", "groups", "lowest",
                   "highest"} - uses
        defaults = {"per": 1000, "regression": "linear"}
        given = [k for k in sorted(foreign) if getattr(args, k) is not None and getattr(args, k) != defaults.get(k)]
        if given:
            hint = f"; to split the {measure} by a column give --by {args.group}" if "group" in given and args.group \
                else ""
            parser.error(f"measure {measure} does not use {', '.join('--' + k for k in given)}{hint}")
    try:
        _check_output(args)
        return int(args.func(args))
    except (SegstatError, KeyError, ValueError, TypeError, ImportError) as exc:
        message = str(exc).strip().strip('"').splitlines()[0] if str(exc) else type(exc).__name__
        print(f"segstat {args.command}: error: {_flag_form(message, vars(args))}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable input, read-only or full output directory ...: one line, exit 1
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"segstat {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


_KEYWORD = re.compile(r"\b([a-z][a-z_]*)=(\'[^\']*\'|\"[^\"]*\"|\[[^\]]*\]|\([^)]*\)|[^\s,;:)]+)")


def _flag_form(message: str, options: dict[str, Any]) -> str:
    """A library message in the spelling of the command line: ``errors='coerce'`` -> ``--errors coerce``,
    ``by=['a', 'b']`` -> ``--by a b`` (only for keywords that are options of the command)."""
    def flag(m: re.Match[str]) -> str:
        name, value = m.group(1), m.group(2)
        if name not in options or name in ("func", "command"):
            return m.group(0)
        if value[:1] in "[(":
            value = " ".join(v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip())
        else:
            value = value.strip("'\"")
        return f"--{name.replace('_', '-')} {value}"

    return _KEYWORD.sub(flag, message)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
