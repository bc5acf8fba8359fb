"""The area registry: every DeSO, RegSO, kommun and län code of both vintages.

Two code series exist:

* **2018**: DeSO 2018 (5,984 areas) with RegSO 2020 (3,363), SCB's series for
  reference years up to 2023. RegSO 2020 is built from DeSO 2018, so
  ``vintage=2020`` is accepted as a synonym of ``vintage=2018``.
* **2025**: DeSO 2025 (6,160) with RegSO 2025 (3,363), valid from 2025-01-01
  and used by SCB from reference year 2024.

Kommun (290) and län (21) codes are the same in both series.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._data import load_table
from .._validation import check_choice, check_level, close_matches, examples
from ..errors import CodeError, CoercedWarning, InputValueError, UnknownCodeError, VintageError
from .._vintage import carry_vintage, check_vintage, require_vintage, resolve_vintage
from .codes import LEVELS, PATTERNS, _as_series, _padded, detect_level, malformed_note, normalize_codes

def vintage_label(level: str, vintage: int) -> str:
    """Human-readable name of a level in a series, e.g. ``'RegSO 2020'``."""
    names = {"deso": "DeSO", "regso": "RegSO", "kommun": "kommun", "lan": "län"}
    if level == "regso":
        return f"RegSO {2020 if vintage == 2018 else 2025}"
    if level == "deso":
        return f"DeSO {vintage}"
    return names[level]


@functools.lru_cache(maxsize=None)
def _hierarchy(vintage: int) -> pd.DataFrame:
    """One row per DeSO of the series: deso, regso, regso_name, kommun, lan."""
    if vintage == 2018:
        key = load_table("deso2018_regso2020").rename(
            columns={"DeSO_2018": "deso", "RegSOkod_2020": "regso", "RegSO_2020": "regso_name", "Kommun": "kommun"}
        )
    else:
        key = load_table("deso2025_regso2025").rename(
            columns={"desokod": "deso", "regsokod": "regso", "regsonamn": "regso_name", "kommunkod": "kommun"}
        )
    key = key[["deso", "regso", "regso_name", "kommun"]].copy()
    kl = _kommuner()
    key["lan"] = key["kommun"].map(kl["lan"])
    for col in ("deso", "regso", "kommun", "lan"):
        key[col] = key[col].astype("string")
    return key.sort_values("deso", ignore_index=True)


@functools.lru_cache(maxsize=None)
def _kommuner() -> pd.DataFrame:
    kl = load_table("kommun_lan")
    return pd.DataFrame(
        {"name": kl["municipality_name_short"].to_numpy(), "lan": kl["county_code"].to_numpy()},
        index=pd.Index(kl["municipality_code"], name="kommun"),
    )


@functools.lru_cache(maxsize=None)
def _areas(level: str, vintage: int) -> pd.DataFrame:
    h = _hierarchy(vintage)
    if level == "deso":
        out = pd.DataFrame({"code": h["deso"], "name": pd.array([pd.NA] * len(h), dtype="string"),
                            "regso": h["regso"], "kommun": h["kommun"], "lan": h["lan"]})
    elif level == "regso":
        r = h.drop_duplicates("regso").sort_values("regso", ignore_index=True)
        out = pd.DataFrame({"code": r["regso"], "name": r["regso_name"].astype("string"),
                            "kommun": r["kommun"], "lan": r["lan"]})
    elif level == "kommun":
        k = _kommuner()
        out = pd.DataFrame({"code": k.index.astype("string"), "name": k["name"].astype("string").array,
                            "lan": k["lan"].astype("string").array})
    else:
        lan = load_table("lan")
        out = pd.DataFrame({"code": lan["county_code"].astype("string"),
                            "name": lan["county_name"].astype("string")})
    return out.sort_values("code", ignore_index=True)


def areas(level: str, *, vintage: int | None = None) -> pd.DataFrame:
    """All areas of a level in a vintage, with their parents.

    Parameters
    ----------
    level : {"deso", "regso", "kommun", "lan"}
    vintage : {2018, 2020, 2025}
        Required: 2018 is the DeSO 2018 / RegSO 2020 series (``2020`` means the
        same series); 2025 is DeSO 2025 / RegSO 2025. Kommun and län are the
        same in both.

    Returns
    -------
    pandas.DataFrame
        One row per area, sorted by code: ``code``, ``name`` (SCB's name;
        ``<NA>`` for DeSO, which SCB does not name) and the parent codes
        ``regso``, ``kommun``, ``lan`` where they exist. All codes are ``string``.
        The vintage is in ``attrs["segstat.vintage"]``.

    Examples
    --------
    >>> import segstat
    >>> len(segstat.areas("regso", vintage=2025)), len(segstat.areas("deso", vintage=2018))
    (3363, 5984)
    >>> segstat.areas("kommun", vintage=2025).iloc[0].tolist()
    ['0114', 'Upplands Väsby', '01']
    """
    level = check_level(level, LEVELS)
    v = require_vintage(vintage, f"areas({level!r})")
    return carry_vintage(_areas(level, v).copy(), v)


def _known(level: str, vintage: int) -> pd.Index:
    return pd.Index(_areas(level, vintage)["code"].astype(str))


def _unknown_error(level: str, vintage: int, unknown: list[str], given: list[str]) -> Exception:
    other = 2025 if vintage == 2018 else 2018
    other_codes = set(_known(level, other))
    in_other = [c for c in unknown if c in other_codes]
    only_here = [c for c in given if c not in other_codes and c not in set(unknown)]
    if in_other and only_here:
        return VintageError(
            f"the codes mix vintages: {examples(in_other, 3)} exist only in {vintage_label(level, other)}, "
            f"{examples(only_here, 3)} only in {vintage_label(level, vintage)}. Bring all data to one vintage "
            f"with segstat.crosswalk() first."
        )
    if in_other and len(in_other) == len(unknown):
        return VintageError(
            f"{len(unknown)} code(s) are not {vintage_label(level, vintage)} codes but exist in "
            f"{vintage_label(level, other)}: {examples(unknown)}. Pass vintage={other}, or move the data "
            f"between vintages with segstat.crosswalk()."
        )
    known = _known(level, vintage)
    hints = []
    for c in unknown[:5]:
        m = close_matches(c, known[known.str.startswith(c[:4])] if len(c) >= 4 else known, n=2)
        hints.append(f"{c!r}" + (f" (close: {', '.join(m)})" if m else ""))
    return UnknownCodeError(
        f"{len(unknown)} code(s) do not exist in {vintage_label(level, vintage)}: {', '.join(hints)}"
        f"{' ...' if len(unknown) > 5 else ''}. Check the codes, or pass errors='coerce' to get <NA> for them."
    )


def validate_codes(codes: pd.Series, level: str, vintage: int, *,
                   errors: Literal["raise", "coerce"] = "raise") -> pd.Series:
    """Normalise ``codes`` of ``level`` and check they exist in the series ``vintage``.

    Unknown codes raise (listing them with close matches) or, with
    ``errors="coerce"``, become ``<NA>`` with a :class:`CoercedWarning`.
    """
    norm = normalize_codes(codes, level, errors=errors)
    if errors == "coerce":
        n_bad, shown = malformed_note(codes, level)
        if n_bad:
            warnings.warn(f"{n_bad} value(s) are not {level} codes and were set to <NA> (e.g. {shown}).",
                          CoercedWarning, stacklevel=3)
    known = _known(level, vintage)
    present = norm.notna().to_numpy()
    is_known = np.zeros(len(norm), dtype=bool)
    is_known[present] = known.get_indexer(pd.Index(norm[present].astype(str))) >= 0
    unknown_mask = present & ~is_known
    if unknown_mask.any():
        unknown = pd.unique(norm[unknown_mask].astype(str)).tolist()
        if errors == "raise":
            raise _unknown_error(level, vintage, unknown, pd.unique(norm[present].astype(str)).tolist())
        warnings.warn(
            f"{int(unknown_mask.sum())} {vintage_label(level, vintage)} code(s) were not found and set to <NA> "
            f"(e.g. {examples(unknown, 3)}).",
            CoercedWarning,
            stacklevel=3,
        )
        norm = norm.mask(pd.Series(unknown_mask, index=norm.index))
    return norm


def to_level(
    codes: Any,
    level: str,
    *,
    vintage: int | None = None,
    errors: Literal["raise", "coerce"] = "raise",
) -> pd.Series:
    """Map area codes to a coarser level: DeSO -> RegSO/kommun/län, RegSO -> kommun/län, kommun -> län.

    Parameters
    ----------
    codes : list, array or Series of str
        Codes of one level (detected from the pattern); Statistikdatabasen
        suffixes are stripped.
    level : {"regso", "kommun", "lan", "deso"}
        Target level; the same level as the input returns the validated codes.
    vintage : {2018, 2020, 2025}, optional
        Series the codes belong to (2020 = the DeSO 2018 / RegSO 2020 series).
        ``None`` takes it from ``codes.attrs["segstat.vintage"]`` (set by
        :func:`segstat.locate` and the other functions that make codes);
        without it, an error asks for it. A stated vintage that contradicts
        the carried one is a :class:`~segstat.errors.VintageError`.
    errors : {"raise", "coerce"}, default "raise"
        Unknown codes raise :class:`~segstat.errors.UnknownCodeError` listing
        them with close matches; ``"coerce"`` gives ``<NA>`` and a
        :class:`~segstat.errors.CoercedWarning` with the count.

    Returns
    -------
    pandas.Series
        ``string`` dtype, aligned with the input (same index for a Series),
        carrying the vintage in ``attrs["segstat.vintage"]``.

    Examples
    --------
    >>> import segstat
    >>> segstat.to_level(["0114C1061"], "regso", vintage=2025).tolist()
    ['0114R006']
    >>> segstat.to_level(["0114R006", "1480R001"], "lan", vintage=2025).tolist()
    ['01', '14']
    """
    target = check_level(level, LEVELS)
    check_choice("errors", errors, ("raise", "coerce"))
    v = resolve_vintage(vintage, codes, "to_level()")
    s = _as_series(codes)
    if len(s) == 0:
        raise InputValueError("codes is empty; pass at least one code.")
    stripped = s.astype("string").str.strip().str.upper().str.replace(r"_(?:DESO|REGSO)\d{4}$", "", regex=True)
    try:
        source = detect_level(stripped)
    except CodeError:
        if errors == "coerce":  # the one level that some codes have; the others become <NA> with a warning
            present = stripped.dropna().astype(str)
            levels = [lvl for lvl in LEVELS if present.str.match(PATTERNS[lvl].pattern).any()]
            if len(levels) == 1:
                source = levels[0]
            elif not levels:
                warnings.warn(f"none of the {len(s)} value(s) is an area code (e.g. {examples(s.tolist(), 3)}); "
                              f"all are <NA>.", CoercedWarning, stacklevel=2)
                return pd.Series(pd.NA, index=s.index, dtype="string", name=s.name)
            else:
                raise
        else:
            source = None
    if source is None:
        # integers and codes that lost their leading zero: show the padded fix
        given = [v for v in s.tolist() if not pd.isna(v)]
        for lvl in ("deso", "regso", "lan", "kommun"):
            if given and all(_padded(v, lvl) is not None for v in given):
                normalize_codes(s, lvl)  # raises CodeError naming the padded codes
        detect_level(stripped)  # raises the CodeError naming the codes
        raise AssertionError("unreachable: detect_level raised")  # pragma: no cover
    order = LEVELS.index
    if order(target) < order(source):
        raise InputValueError(
            f"cannot map {source} codes down to {target}: {target} is finer than {source}. "
            f"to_level only aggregates (deso -> regso -> kommun -> lan)."
        )
    norm = validate_codes(s, source, v, errors=errors)
    if target == source:
        return carry_vintage(norm, v)
    if source == "deso":
        table = _hierarchy(v).set_index("deso")[target]
    elif source == "regso":
        table = _hierarchy(v).drop_duplicates("regso").set_index("regso")[target]
    else:  # kommun -> lan
        table = _kommuner()["lan"]
    out = pd.Series(table.reindex(norm.astype(object).where(norm.notna(), None)).to_numpy(),
                    index=norm.index, dtype="string", name=target)
    return carry_vintage(out, v)


def parents(codes: pd.Series, level: str, vintage: int) -> pd.DataFrame:
    """Parent codes of already validated ``codes``: a frame with one column per coarser level."""
    v = check_vintage(vintage)
    out = {level: codes.astype("string")}
    for parent in LEVELS[LEVELS.index(level) + 1:]:
        if level == "deso":
            table = _hierarchy(v).set_index("deso")[parent]
        elif level == "regso":
            table = _hierarchy(v).drop_duplicates("regso").set_index("regso")[parent]
        else:
            table = _kommuner()["lan"]
        keys = codes.astype(object).where(codes.notna(), None)
        out[parent] = pd.Series(table.reindex(keys).to_numpy(), index=codes.index, dtype="string")
    return pd.DataFrame(out, index=codes.index)


def area_hierarchy(level: str, vintage: int, *, codes: Any = None) -> pd.DataFrame:
    """SCB's area hierarchy above ``level`` as data: one row per area with its parent.

    Parameters
    ----------
    level : {"deso", "regso", "kommun", "lan"}
        The finest level (the leaves).
    vintage : {2018, 2025}
        DeSO/RegSO code vintage.
    codes : sequence of str, optional
        Codes of ``level`` a table is about (validated; an unknown code raises
        :class:`~segstat.errors.UnknownCodeError`). The leaves are then every
        area of the kommuner those codes lie in (for ``level="lan"``: the län
        given), so an area nobody lives in is still a leaf. Without ``codes``:
        the whole country.

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``level`` and ``parent`` (``<NA>`` for the top
        areas, which lie directly under the whole), leaves first in code
        order, then their parents level by level. ``attrs["segstat.vintage"]``
        holds the vintage and ``attrs["segstat.top_level"]`` the level name of
        the whole: ``"riket"`` when the hierarchy reaches the country, else
        ``"total"`` (a selection of län).

    Examples
    --------
    >>> from segstat.geography.registry import area_hierarchy
    >>> h = area_hierarchy("kommun", 2025, codes=["1480"])
    >>> h.to_dict("records")
    [{'code': '1480', 'level': 'kommun', 'parent': '14'}, {'code': '14', 'level': 'lan', 'parent': None}]
    """
    level = check_level(level)
    v = check_vintage(vintage)
    table = _areas(level, v)
    if codes is None:
        rows = table
    else:
        given = validate_codes(pd.Series(list(codes), dtype="string"), level, v)
        if level == "lan":
            rows = table[table["code"].isin(set(given))]
        else:
            kommuner = set(given.str[:4])
            key = table["code"] if level == "kommun" else table["kommun"]
            rows = table[key.isin(kommuner)]
    leaves = sorted(rows["code"].astype(str))
    chain = list(LEVELS[LEVELS.index(level) + 1:])
    codes_out, levels_out, parents_out = [], [], []
    rows = rows.set_index(rows["code"].astype(str))
    seen: set[str] = set()
    for child_level, parent_level in zip([level, *chain], [*chain, None]):
        if child_level == level:
            frame = rows.loc[leaves]
            children = leaves
        else:
            frame = rows.drop_duplicates(child_level).set_index(rows.drop_duplicates(child_level)[child_level]
                                                                .astype(str))
            children = sorted(c for c in frame.index if c not in seen)
        for c in children:
            seen.add(c)
            codes_out.append(c)
            levels_out.append(child_level)
            parents_out.append(str(frame.loc[c, parent_level]) if parent_level is not None else pd.NA)
    out = pd.DataFrame({"code": pd.array(codes_out, dtype="string"), "level": levels_out,
                        "parent": pd.array(parents_out, dtype="string")})
    out.attrs["segstat.vintage"] = v
    out.attrs["segstat.top_level"] = "riket" if level != "lan" or len(leaves) == 21 else "total"
    return out
