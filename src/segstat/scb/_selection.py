"""Selections of a PxWebApi 2 table: validated, expanded, vintage-checked and split.

A resolved selection is a list of :class:`Pick` (one per variable that stays
in the result), each with explicit, de-duplicated value codes, so the number
of cells is known before anything is requested.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputTypeError, InputValueError, UnknownCodeError, VintageError
from ._jsonstat import Variable, code_vintage, normalise_code

#: (level, vintage) -> Statistikdatabasen's code list of the region variable
CODELISTS = {("deso", 2018): "vs_DeSO2018", ("regso", 2018): "vs_RegSO2020",
             ("deso", 2025): "vs_DeSO2025", ("regso", 2025): "vs_RegSO2025"}
_LEVEL_PATTERN = {"kommun": re.compile(r"^\d{4}$"), "lan": re.compile(r"^\d{2}$")}
_EXPR = re.compile(r"^(TOP|BOTTOM|FROM|TO|RANGE)\((.*)\)$", re.IGNORECASE)


@dataclass(frozen=True)
class Pick:
    """The value codes asked of one variable (``codelist`` None: the variable's own values)."""

    variable: str
    codes: tuple[str, ...]
    codelist: str | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"variableCode": self.variable, "valueCodes": list(self.codes)}
        if self.codelist:
            out["codelist"] = self.codelist
        return out


def cells(picks: Sequence[Pick]) -> int:
    return math.prod(len(p.codes) for p in picks)


def nearest(value: str, choices: Sequence[str]) -> str:
    """`` Did you mean 'x'?`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    if not close:
        low = {c.lower(): c for c in choices}
        close = difflib.get_close_matches(str(value).lower(), list(low), n=1, cutoff=0.6)
        close = [low[c] for c in close]
    return f" Did you mean {close[0]!r}?" if close else ""


def region_variable(variables: Sequence[Variable]) -> Variable | None:
    """The variable holding regions: the one offering DeSO/RegSO code lists, else one called Region."""
    for v in variables:
        if any(re.match(r"vs_(DeSO|RegSO)", c, re.IGNORECASE) for c, _ in v.codelists):
            return v
    return next((v for v in variables if v.id.lower() == "region"), None)


def _find_variable(name: str, variables: Sequence[Variable], table: str) -> Variable:
    for v in variables:
        if v.id == name:
            return v
    for v in variables:
        if name.lower() in (v.id.lower(), v.label.lower()):
            return v
    ids = [v.id for v in variables]
    raise InputValueError(f"table {table} has no variable {name!r}.{nearest(name, ids + [v.label for v in variables])}"
                          f" Its variables: {', '.join(ids)}.")


def _expand(spec: Any, var: Variable, codes: Sequence[str], table: str, prefer: int | None = None) -> list[str]:
    """Explicit, de-duplicated codes of one variable's selection (codes or expressions)."""
    if isinstance(spec, str):
        spec = [spec]
    if not isinstance(spec, (list, tuple)) or not all(isinstance(s, str) for s in spec):
        raise InputTypeError(f"selection[{var.id!r}]={spec!r} must be a code, an expression ('*', 'TOP(3)', "
                             f"'FROM(2020)', ...) or a list of them, as strings (codes keep their leading zeros).")
    by_plain: dict[str, str] = {}  # a code without suffix -> the table's code (of the preferred vintage)
    for c in codes:
        key = normalise_code(c)
        if key not in by_plain or (prefer is not None and code_vintage(c) == prefer):
            by_plain[key] = c
    out: list[str] = []
    for raw in spec:
        s = raw.strip()
        m = _EXPR.match(s)
        if s == "*":
            got = list(codes)
        elif m:
            got = _expression(m.group(1).upper(), [a.strip() for a in m.group(2).split(",")], var, codes, by_plain)
        elif "*" in s or "?" in s:
            got = [c for c in codes if fnmatch.fnmatchcase(c, s) or fnmatch.fnmatchcase(normalise_code(c), s)]
            if not got:
                raise UnknownCodeError(f"selection[{var.id!r}]: pattern {s!r} matches no value code of table {table}.")
        elif s in by_plain or s in codes:
            # 0114A0010 is a DeSO of both series: with vintage= given, the code of that series
            got = [by_plain[s] if (prefer is not None or s not in codes) and s in by_plain else s]
        else:
            plain = list(by_plain)
            raise UnknownCodeError(
                f"table {table} has no value {s!r} of variable {var.id!r} ({var.label}).{nearest(s, plain)} "
                f"See segstat.scb.metadata({table!r}).values for its {len(codes):,} codes.")
        out += got
    return list(dict.fromkeys(out))  # a duplicated code makes the service answer 500 with an empty body


def _expression(op: str, args: list[str], var: Variable, codes: Sequence[str],
                by_plain: Mapping[str, str]) -> list[str]:
    def position(code: str) -> int:
        real = code if code in codes else by_plain.get(code)
        if real is None:
            raise UnknownCodeError(f"{op}({', '.join(args)}) of variable {var.id!r}: no value {code!r}."
                                   f"{nearest(code, list(by_plain))}")
        return list(codes).index(real)

    if op in ("TOP", "BOTTOM"):
        if not args[0].isdigit() or int(args[0]) < 1:
            raise InputValueError(f"{op}({args[0]}) of variable {var.id!r} needs a positive whole number.")
        n = int(args[0])
        return list(codes[-n:]) if op == "TOP" else list(codes[:n])  # the latest / first n, in table order
    if op == "FROM":
        return list(codes[position(args[0]):])
    if op == "TO":
        return list(codes[:position(args[0]) + 1])
    if len(args) != 2:
        raise InputValueError(f"RANGE of variable {var.id!r} takes two codes: RANGE(a, b).")
    return list(codes[position(args[0]):position(args[1]) + 1])


def resolve(
    table: str,
    variables: Sequence[Variable],
    selection: Mapping[str, Any] | None,
    *,
    codelist: str | Mapping[str, str] | None,
    level: str | None,
    vintage: int | None,
    codelist_codes: Callable[[str], list[str]],
) -> tuple[list[Pick], int | None]:
    """Explicit picks of every variable kept in the result, and the vintage of their region codes."""
    if selection is not None and not isinstance(selection, Mapping):
        raise InputTypeError(f"selection must be a dict {{variable: codes}}, got {type(selection).__name__}.")
    if vintage is not None and vintage not in (2018, 2025):
        raise VintageError(f"vintage={vintage!r}: use 2018 (DeSO 2018 / RegSO 2020) or 2025 (DeSO 2025 / RegSO 2025).")
    chosen: dict[str, Any] = {}
    for name, spec in (selection or {}).items():
        chosen[_find_variable(name, variables, table).id] = spec
    region = region_variable(variables)
    lists: dict[str, str] = {}
    if isinstance(codelist, str):
        if region is None:
            raise InputValueError(f"codelist={codelist!r}: table {table} has no region variable; pass "
                                  f"codelist={{variable: id}}.")
        lists[region.id] = codelist
    elif codelist is not None:
        lists = {_find_variable(k, variables, table).id: v for k, v in codelist.items()}
    if level is not None:
        level = level.lower()
        if level not in ("deso", "regso", "kommun", "lan"):
            hint = nearest(level, ["deso", "regso", "kommun", "lan"])
            raise InputValueError(f"level={level!r}: use 'deso', 'regso', 'kommun' or 'lan'.{hint}")
        if region is None:
            raise InputValueError(f"level={level!r}: table {table} has no region variable.")
        if level in ("deso", "regso"):
            if vintage is None:
                raise VintageError(f"level={level!r} needs vintage=2018 (DeSO 2018 / RegSO 2020) or vintage=2025 "
                                   f"(DeSO 2025 / RegSO 2025): SCB publishes both series.")
            lists.setdefault(region.id, CODELISTS[(level, vintage)])
    picks: list[Pick] = []
    eliminated: list[str] = []
    for var in variables:
        cl = lists.get(var.id)
        if cl is not None:
            offered = [c for c, _ in var.codelists]
            if cl not in offered:
                raise InputValueError(
                    f"table {table}: variable {var.id!r} has no code list {cl!r}.{nearest(cl, offered)} "
                    f"Its code lists: {', '.join(offered) or 'none'}.")
            codes: Sequence[str] = codelist_codes(cl)
        else:
            codes = var.codes
        spec = chosen.get(var.id, "*")
        if isinstance(spec, (list, tuple)) and len(spec) == 0:
            eliminated.append(var.id)
            continue
        got = _expand(spec, var, codes, table, vintage if var is region else None)
        if var is region and level in _LEVEL_PATTERN and cl is None:
            got = [c for c in got if _LEVEL_PATTERN[level].match(normalise_code(c))]
            if not got:
                raise InputValueError(f"level={level!r}: the region variable of table {table} has no {level} codes.")
        picks.append(Pick(var.id, tuple(got), cl))
    if region is not None and region.id in eliminated:
        raise InputValueError(
            f"selection[{region.id!r}] is empty: the service would silently answer without the region dimension "
            f"(summed over regions, or its default selection). Variables that would be eliminated: "
            f"{', '.join(eliminated)}. Give region codes, '*', or level=/vintage=.")
    for vid in eliminated:
        var = next(v for v in variables if v.id == vid)
        if not var.elimination:
            raise InputValueError(f"selection[{vid!r}] is empty but table {table} cannot eliminate {vid!r} "
                                  f"({var.label}); select at least one of its values.")
    return _by_vintage(picks, region, vintage, table)


def _by_vintage(picks: list[Pick], region: Variable | None, vintage: int | None,
                table: str) -> tuple[list[Pick], int | None]:
    """Keep one vintage's DeSO/RegSO codes: never two series in one result."""
    if region is None:
        return picks, None
    i = next(k for k, p in enumerate(picks) if p.variable == region.id) if any(
        p.variable == region.id for p in picks) else None
    if i is None:
        return picks, None
    found = {code_vintage(c) for c in picks[i].codes} - {None}
    if not found:
        return picks, None
    if vintage is None:
        if len(found) > 1:
            n = {v: sum(code_vintage(c) == v for c in picks[i].codes) for v in (2018, 2025)}
            raise VintageError(
                f"table {table}: the selection of {region.id!r} mixes DeSO 2018 / RegSO 2020 codes ({n[2018]:,}) and "
                f"DeSO 2025 / RegSO 2025 codes ({n[2025]:,}). Pass vintage=2018 or vintage=2025 (one call each) to "
                f"get one series; segstat never mixes the two in one result.")
        return picks, found.pop()
    other = 2018 if vintage == 2025 else 2025
    keep = tuple(c for c in picks[i].codes if code_vintage(c) != other)
    if other in found and len(keep) == 0:
        raise VintageError(f"table {table}: vintage={vintage} but every selected {region.id!r} code is of vintage "
                           f"{other} (DeSO/RegSO {other}).")
    picks[i] = Pick(picks[i].variable, keep, picks[i].codelist)
    return picks, vintage


def split(picks: Sequence[Pick], max_cells: int) -> list[list[Pick]]:
    """Requests of at most ``max_cells`` cells each, as few as the limit allows.

    The largest dimension is split first, into pieces of equal size; only if
    one code of it still leaves too many cells is the next largest split too.
    """
    total = cells(picks)
    if total <= max_cells:
        return [list(picks)]
    sizes = {p.variable: len(p.codes) for p in picks}
    chunk = dict(sizes)
    for var in sorted(sizes, key=lambda v: -sizes[v]):
        rest = math.prod(chunk[v] for v in chunk if v != var)
        fit = max_cells // rest if rest else sizes[var]
        if fit >= 1:
            k = math.ceil(sizes[var] / fit)
            chunk[var] = math.ceil(sizes[var] / k)
            break
        chunk[var] = 1
    else:  # pragma: no cover - a limit below one cell
        raise InputValueError(f"the service's maxDataCells={max_cells} is below one cell.")
    pieces: list[list[Pick]] = [[]]
    for p in picks:
        step = chunk[p.variable]
        parts = [p.codes[j:j + step] for j in range(0, len(p.codes), step)]
        pieces = [done + [Pick(p.variable, part, p.codelist)] for done in pieces for part in parts]
    return pieces
