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


def _write(frame: pd.DataFrame, path: str) -> None:
    """``frame`` written to ``path`` atomically: into a new temporary file beside it (created exclusively),
    then renamed into place, so a reader never sees half a file and a failure leaves the old file."""
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
            frame.to_csv(tmp, index=False)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    _write(full, a.output)
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
    _write(out, a.output)
    print(f"segstat classify: {len(out):,} rows -> {a.output}")
    return 0


def _cmd_protect(a: argparse.Namespace) -> int:
    from .disclosure.audit import audit
    from .disclosure.protect import protect
    from .disclosure.tabulate import tabulate

    data = _read(a.input, a)
    if any(col in ("deso", "regso", "kommun", "lan") for col in a.by):
        _need_vintage(a, data, "protect --by " + " ".join(a.by))
    table = tabulate(data, by=a.by, value=a.value, vintage=a.vintage)
    p = protect(table, min_count=a.min_count, p_percent=a.p_percent, protection=a.protection, method=a.method)
    report = audit(p)
    _write(p.to_frame(symbol=a.symbol), a.output)
    n = p.n_suppressed
    print(f"segstat protect: {len(p.status):,} cells, {n['primary']} primary and {n['secondary']} secondary "
          f"suppressed; audit {'passed' if report.safe else 'FAILED'} -> {a.output}")
    print(p.method_note(a.lang))
    return 0


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
    if a.measure == "rates":
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
    _write(out, a.output)
    print(f"segstat measure {a.measure}: {len(out)} row(s) -> {a.output}")
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


def _cmd_demo(a: argparse.Namespace) -> int:
    from .report import run_demo

    print(f"segstat {__version__} demo on bundled SCB data (synthetic register, real geography)")
    s = run_demo(a.out, n=a.n, rng=a.rng, quiet=a.quiet)
    print(f"Done: {s['placed']:,} of {s['records']:,} records placed; {s['cells']:,} cells published with "
          f"{s['primary']} primary and {s['secondary']} secondary suppressions; audit "
          f"{'passed' if s['audit_safe'] else 'FAILED'}.\nReport: {s['report']}")
    return 0


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples kept as written, and every option's default shown in --help."""


def _io_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sep", default=None, help="CSV separator (default: ',' or ';', detected)")
    p.add_argument("--encoding", default=None, help="CSV encoding (default: UTF-8, else Windows-1252)")
    p.add_argument("--decimal", default=None, help="decimal mark (default: ',' with ';' separators, else '.')")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segstat", description="Segregation-aware statistics for Swedish areas.")
    parser.add_argument("--version", action="version", version=f"segstat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    fmt = _HelpFormatter

    p = sub.add_parser("locate", help="place coordinates in DeSO/RegSO, kommun and län", formatter_class=fmt,
                       epilog="example: segstat locate people.csv placed.csv --x lon --y lat --crs EPSG:4326 --vintage 2025")
    p.add_argument("input")
    p.add_argument("output")
    _io_options(p)
    p.add_argument("--x", default="x", help="column of x (easting; longitude for WGS84)")
    p.add_argument("--y", default="y", help="column of y (northing; latitude for WGS84)")
    p.add_argument("--crs", default="EPSG:3006", help="CRS of the coordinates (default EPSG:3006)")
    p.add_argument("--level", default="deso", choices=["deso", "regso"])
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="required: DeSO/RegSO vintage of the boundaries, 2018 (DeSO 2018 / RegSO 2020) or 2025 (the "
                        "bundled boundaries); a .parquet output carries it to classify and protect")
    p.add_argument("--max-distance", type=float, default=None, help="snap points this close (metres)")
    p.set_defaults(func=_cmd_locate)

    p = sub.add_parser("classify", help="attach official områdestyp, or compute index and types",
                       formatter_class=fmt,
                       epilog="examples:\n  segstat classify areas.csv typed.csv --regso regso --year 2023 --vintage 2018\n"
                              "  segstat classify ind.csv typed.csv --indicators v1 v2 v3 --unit percent")
    p.add_argument("input")
    p.add_argument("output")
    _io_options(p)
    p.add_argument("--regso", default="regso", help="column of RegSO codes")
    p.add_argument("--year", type=int, default=2023, help="year of the official områdestyp")
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="vintage of the RegSO codes: 2018 (RegSO 2020) or 2025; required unless the input is a "
                        ".parquet file written by segstat locate (it carries the vintage)")
    p.add_argument("--labels", choices=["sv", "en"], default=None)
    p.add_argument("--indicators", nargs=3, metavar=("V1", "V2", "V3"), help="indicator columns (compute types)")
    p.add_argument("--unit", choices=["percent", "proportion"], default=None)
    p.add_argument("--weights", default=None, help="population column for weighted mean and SD")
    p.add_argument("--errors", choices=["raise", "coerce"], default="raise",
                   help="coerce: rows without an official type (unplaced, unknown codes) get an empty type")
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser("protect", help="tabulate and protect a table (suppression + audit)", formatter_class=fmt,
                       epilog="example: segstat protect people.csv table.csv --by regso age --vintage 2025 "
                              "--min-count 5")
    p.add_argument("input")
    p.add_argument("output")
    _io_options(p)
    p.add_argument("--by", nargs="+", required=True, help="columns of the table (area columns first)")
    p.add_argument("--value", default=None, help="column to sum (a magnitude table); default: count persons")
    p.add_argument("--vintage", type=int, choices=[2018, 2020, 2025], default=None,
                   help="vintage of the area columns' codes: 2018 (DeSO 2018 / RegSO 2020) or 2025; required for "
                        "area columns unless the input is a .parquet file that carries it")
    p.add_argument("--min-count", type=int, default=3,
                   help="cells with fewer persons are primary suppressed (3 as sdcTable and SSB's "
                        "GaussSuppression; many publications use 5)")
    p.add_argument("--p-percent", type=float, default=None)
    p.add_argument("--protection", type=float, default=None,
                   help="upper protection level of every primary cell (default: min_count - value)")
    p.add_argument("--method", choices=["auto", "cube", "lp", "greedy", "pruned"], default="auto")
    p.add_argument("--symbol", default="..")
    p.add_argument("--lang", choices=["sv", "en"], default="sv")
    p.set_defaults(func=_cmd_protect)

    p = sub.add_parser("measure", help="rates, disparity or segregation indices", formatter_class=fmt,
                       epilog="examples:\n  segstat measure disparity counts.csv out.csv --events cases "
                              "--population persons --subgroup omradestyp\n"
                              "  segstat measure dissimilarity deso.csv out.csv --group foreign --total total --by kommun\n"
                              "  segstat measure multigroup_entropy deso.csv out.csv --groups low mid high --by kommun "
                              "--test\n"
                              "  segstat measure ojamlikhetsindex deso.csv out.csv --lowest q1 --highest q5 --by kommun")
    p.add_argument("measure", choices=["rates", "disparity", "dissimilarity", "gini", "entropy", "isolation",
                                       "exposure", "atkinson", "multigroup_entropy", "multigroup_dissimilarity",
                                       "ojamlikhetsindex"])
    p.add_argument("input")
    p.add_argument("output")
    _io_options(p)
    p.add_argument("--events", help="rates, disparity: column of event counts")
    p.add_argument("--population", help="rates, disparity: column of population")
    p.add_argument("--subgroup", default="omradestyp",
                   help="disparity: column of the subgroup labels compared (default: omradestyp)")
    p.add_argument("--group", help="segregation indices: column of the group's counts")
    p.add_argument("--total", help="segregation indices: column of everyone's counts")
    p.add_argument("--by", nargs="+", default=None, help="one result per combination of these columns")
    p.add_argument("--per", type=float, default=1000)
    p.add_argument("--regression", choices=["linear", "logistic", "poisson"], default="linear",
                   help="disparity: model of SII and RII on ridit rank (default linear)")
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
    p.add_argument("--confidence-level", type=float, default=None, help="confidence level (default 0.95)")
    p.add_argument("--n-resamples", type=int, default=None,
                   help="bootstrap, permutation or simulation replicates (default: the measure's own)")
    p.add_argument("--test", action="store_true",
                   help="add the p-value of a permutation test against evenness (999 random allocations)")
    p.add_argument("--rng", type=int, default=1, help="seed of simulated or resampled intervals and tests")
    p.set_defaults(func=_cmd_measure)

    p = sub.add_parser("demo", help="run the whole job on the bundled data", formatter_class=fmt,
                       epilog="example: segstat demo --out segstat-demo")
    p.add_argument("--out", default="segstat-demo", help="output folder (default: segstat-demo)")
    p.add_argument("--n", type=int, default=100_000, help="synthetic persons (default 100000)")
    p.add_argument("--rng", type=int, default=2025, help="seed of the synthetic persons")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_demo)

    from .scb._cli import add_parser as add_scb_parser  # segstat scb tables|metadata|get

    add_scb_parser(sub, fmt)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``segstat`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "measure", None) and args.measure in ("rates", "disparity") and not (args.events and args.population):
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
    if measure in ("rates", "disparity", "ojamlikhetsindex") and args.test:
        parser.error(f"--test is not available for measure {measure}")
    try:
        _check_output(args)
        return int(args.func(args))
    except (SegstatError, KeyError, ValueError, TypeError, ImportError) as exc:
        message = str(exc).strip().strip('"').splitlines()[0] if str(exc) else type(exc).__name__
        print(f"segstat {args.command}: error: {message}", file=sys.stderr)
        return 2
    except OSError as exc:  # unreadable input, read-only or full output directory ...: one line, exit 1
        where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"segstat {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
