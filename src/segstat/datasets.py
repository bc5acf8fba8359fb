"""Bundled SCB tables and generated example data.

``population()`` gives Sweden's population on 2022-12-31 (SCB, CC0) per DeSO
2018 aggregated to any level of the 2018/2020 series. The provenance of every
bundled table is in :func:`info`; :func:`verify` checks their checksums.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from ._data import load_table, registry, table_info, verify
from ._validation import check_choice, check_level, check_scalar
from ._typing import RNGLike
from .errors import InputTypeError, InputValueError, VintageError
from .geography.codes import LEVELS
from ._vintage import carry_vintage, require_vintage
from .geography.registry import _hierarchy

__all__ = ["age_bands", "info", "population", "synthetic_register", "verify"]

#: the five-year age bands of SCB's DeSO population table, youngest first
_AGE_BANDS = ("0-4 år", "5-9 år", "10-14 år", "15-19 år", "20-24 år", "25-29 år", "30-34 år", "35-39 år",
              "40-44 år", "45-49 år", "50-54 år", "55-59 år", "60-64 år", "65-69 år", "70-74 år", "75-79 år", "80-år")
_BACKGROUND = ("swedish", "foreign")
#: highest education of persons 25-64 (SCB's levels, lowest first) and the bundled table's column of each
_EDUCATION = {"förgymnasial": "middle_school", "gymnasial": "gymnasium",
              "eftergymnasial <3 år": "post_gymnasium_less_than_3", "eftergymnasial 3+ år": "post_gymnasium_more_than_3",
              "uppgift saknas": "education_missing"}


def age_bands() -> pd.CategoricalDtype:
    """The 17 five-year age bands of SCB's population tables as an ordered categorical dtype."""
    return pd.CategoricalDtype(list(_AGE_BANDS), ordered=True)


def info() -> pd.DataFrame:
    """Provenance of every bundled table: file, source, date, vintage, licence, rows, sha256.

    Examples
    --------
    >>> import segstat
    >>> segstat.datasets.info().loc["deso2018_age", ["rows", "licence"]].tolist()
    [5984, 'CC0-1.0']
    """
    return pd.DataFrame(registry()["tables"]).T.rename_axis("table")


def population(
    level: str = "deso",
    *,
    by: Literal["age", "background", "education"] | None = None,
    vintage: int | None = None,
    year: int | None = None,
    source: Literal["bundled", "scb"] = "bundled",
) -> pd.DataFrame:
    """Sweden's population on 2022-12-31 by area, from SCB's DeSO 2018 tables.

    Parameters
    ----------
    level : {"deso", "regso", "kommun", "lan", "riket"}, default "deso"
        Level to aggregate to (RegSO means RegSO 2020).
    by : {None, "age", "background", "education"}, default None
        Also split by SCB's 17 five-year age bands (``age``, ordered
        categorical), by Swedish/foreign background (``background``:
        ``swedish``, ``foreign``) or by highest education (``education``,
        ordered: ``förgymnasial``, ``gymnasial``, ``eftergymnasial <3 år``,
        ``eftergymnasial 3+ år``, ``uppgift saknas``). The education split
        covers persons aged 25-64 only (SCB's table; 5,356,989 persons, the
        same as the 25-64 age bands). SCB publishes the splits separately, so
        they cannot be combined.
    vintage : {2018, 2020}
        Required (segstat never guesses the code series). The table exists for
        the DeSO 2018 / RegSO 2020 series only, so pass ``vintage=2018``; to use
        it with DeSO 2025 areas, move it with :func:`segstat.crosswalk`.
    year : int, optional
        Reference year. The bundled table is 2022 only; other years need
        ``source="scb"``.
    source : {"bundled", "scb"}, default "bundled"
        ``"scb"`` fetches the year from SCB's Statistikdatabasen (table TAB6574,
        cached, see :func:`segstat.scb.population`): ``by`` is then ``"age"``,
        ``"sex"`` or both, and ``vintage`` 2018 or 2025.

    Returns
    -------
    pandas.DataFrame
        Columns: the level's code column (named after the level), the ``by``
        column if asked, and ``population`` (int64). One row per area (and
        band), sorted; the vintage in ``attrs["segstat.vintage"]``.

    Examples
    --------
    >>> import segstat
    >>> int(segstat.population("riket", vintage=2018)["population"].sum())
    10521556
    >>> segstat.population("lan", vintage=2018).head(1).to_dict("records")
    [{'lan': '01', 'population': 2440027}]
    """
    check_choice("source", source, ("bundled", "scb"))
    if source == "scb":
        from .scb import population as scb_population

        if year is None:
            raise InputValueError("source='scb' needs year=, the reference year (31 December) to fetch.")
        return scb_population(level, year=year, by=by, vintage=vintage)
    if year not in (None, 2022):
        raise InputValueError(f"year={year!r}: the bundled population table is of 2022-12-31; pass source='scb' "
                              f"to fetch {year} from SCB's Statistikdatabasen.")
    level = check_level(level, (*LEVELS, "riket"))
    check_choice("by", by, (None, "age", "background", "education"))
    if require_vintage(vintage, "population()") != 2018:
        raise VintageError(
            f"vintage={vintage!r}: the bundled population table is on DeSO 2018 / RegSO 2020 codes. "
            f"Use vintage=2018 and move the counts to DeSO 2025 with segstat.crosswalk(..., weights=...)."
        )
    if by == "background":
        tab = load_table("deso2018_foreignborn")
        cols = list(_BACKGROUND)
    elif by == "education":
        tab = load_table("deso2018_education").rename(columns={v: k for k, v in _EDUCATION.items()})
        cols = list(_EDUCATION)
    else:
        tab = load_table("deso2018_age")
        cols = list(_AGE_BANDS) if by == "age" else ["total"]
    values = tab[cols].astype("int64")
    h = _hierarchy(2018).set_index("deso")
    keys = tab["deso"] if level == "deso" else (
        pd.Series("SE", index=tab.index) if level == "riket" else h[level].reindex(tab["deso"]).to_numpy())
    values.insert(0, level, np.asarray(keys))
    agg = values.groupby(level, sort=True)[cols].sum()
    if by is None:
        out = agg.rename(columns={"total": "population"}).reset_index()
    else:
        out = agg.rename_axis(columns=by).stack().rename("population").reset_index()
        dtype = {"age": age_bands(), "background": pd.CategoricalDtype(list(_BACKGROUND)),
                 "education": pd.CategoricalDtype(list(_EDUCATION), ordered=True)}[by]
        out[by] = out[by].astype(dtype)
        out = out.sort_values([level, by], ignore_index=True)
    out[level] = out[level].astype("string")
    out["population"] = out["population"].astype("int64")
    return carry_vintage(out, 2018)


# re-exported for convenience: ``segstat.datasets.verify()`` checks every bundled table
verify = verify
table_info = table_info


def synthetic_register(n: int = 200_000, *, rng: RNGLike = 2025) -> pd.DataFrame:
    """A **synthetic** agency register on real geography: persons in Göteborgsregionen.

    Nothing here describes real people. Coordinates are drawn uniformly inside
    SCB's real DeSO 2025 polygons of Göteborgsregionen's 13 kommuner, in
    proportion to the real DeSO population (2022-12-31); age follows the real
    five-year age structure of the person's DeSO; sex is 50/50 (SCB's DeSO
    tables bundled here are not split by sex). The outcome
    ``sickness_benefit`` (receives sickness benefit, ages 16-64) has a
    probability that rises with age and is higher in RegSO with weaker
    socioeconomic conditions (SCB's official områdestyp 2023).

    DeSO 2025 codes that also existed in 2018 take their own 2022
    population; new codes (areas split in 2025) share the mean population of
    the unchanged DeSO in their RegSO, and the age structure of their kommun.

    Parameters
    ----------
    n : int, default 200,000
    rng : int, Generator or None, default 2025
        Randomness of the draws (the same int gives the same register).

    Returns
    -------
    pandas.DataFrame
        ``pid``, ``x``, ``y`` (SWEREF 99 TM), ``sex``, ``age``, ``age_band``,
        ``sickness_benefit`` (0/1) and ``benefit_sek`` (0 for non-recipients).

    Examples
    --------
    >>> import segstat
    >>> reg = segstat.datasets.synthetic_register(1000, rng=1)
    >>> len(reg), sorted(reg.columns)[:3]
    (1000, ['age', 'age_band', 'benefit_sek'])
    """
    import shapely

    from .classify import MOVED_2025_WARNING, omradestyp
    from .geography.boundaries import boundaries

    check_scalar("n", n, "int", low=1, must="a positive integer")
    if isinstance(rng, (bool, np.bool_)) or not (rng is None
                                                 or isinstance(rng, (int, np.integer, np.random.Generator))):
        raise InputTypeError(f"rng={rng!r} must be an int, a numpy Generator or None.")
    rng = np.random.default_rng(rng)
    b = boundaries("deso", vintage=2025)
    frame = b.to_frame()
    pop18 = population("deso", vintage=2018).set_index("deso")["population"]
    pop = frame["deso"].astype(str).map(pop18)
    regso_mean = pop.groupby(frame["regso"]).transform("mean")
    weight = pop.fillna(regso_mean).fillna(pop.mean()).to_numpy(float)
    per_deso = rng.multinomial(n, weight / weight.sum())

    xs, ys, owner = [], [], []
    for i, (poly, k) in enumerate(zip(b.polygons, per_deso)):
        if k == 0:
            continue
        x0, y0, x1, y1 = shapely.bounds(poly)
        got_x, got_y = np.empty(0), np.empty(0)
        while len(got_x) < k:
            m = max(64, 3 * (k - len(got_x)))
            cx, cy = rng.uniform(x0, x1, m), rng.uniform(y0, y1, m)
            inside = shapely.contains_xy(poly, cx, cy)
            got_x, got_y = np.r_[got_x, cx[inside]], np.r_[got_y, cy[inside]]
        xs.append(got_x[:k])
        ys.append(got_y[:k])
        owner.append(np.full(k, i))
    owner_a = np.concatenate(owner)
    x, y = np.concatenate(xs), np.concatenate(ys)

    ages = population("deso", by="age", vintage=2018).pivot(index="deso", columns="age", values="population")
    kommun_ages = population("kommun", by="age", vintage=2018).pivot(index="kommun", columns="age", values="population")
    bands = list(_AGE_BANDS)
    dist = np.vstack([ages.loc[c, bands].to_numpy(float) if c in ages.index
                      else kommun_ages.loc[c[:4], bands].to_numpy(float) for c in b.codes])
    dist = dist / dist.sum(axis=1, keepdims=True)
    u = rng.random(len(owner_a))
    band = (u[:, None] > np.cumsum(dist[owner_a], axis=1)).sum(axis=1).clip(0, 16)
    lower = np.array([int(s.split("-")[0]) for s in bands])
    width = np.r_[np.full(16, 5), 20]
    age = lower[band] + rng.integers(0, width[band])

    with warnings.catch_warnings():  # synthetic outcomes only need a type per area, caveat or not
        warnings.filterwarnings("ignore", message=MOVED_2025_WARNING)
        typ = omradestyp(frame["regso"], year=2023, vintage=2025).astype(int).to_numpy()[owner_a]
    logit = -3.3 + 0.045 * (age - 40) + np.array([0, 0.9, 0.6, 0.3, 0.0, -0.3])[typ]
    p = np.where((age >= 16) & (age <= 64), 1 / (1 + np.exp(-logit)), 0.0)
    benefit = (rng.random(len(p)) < p).astype(np.int8)
    sek = np.where(benefit == 1, np.round(rng.lognormal(11.0, 0.5, len(p)), -2), 0.0)
    order = rng.permutation(len(x))
    out = pd.DataFrame({
        "pid": rng.permutation(10 * n)[:n] + 1_000_000,
        "x": x[order], "y": y[order],
        "sex": rng.choice(np.array(["kvinna", "man"]), n),
        "age": age[order].astype(np.int16),
        "age_band": pd.Categorical(np.array(bands)[band[order]], categories=bands, ordered=True),
        "sickness_benefit": benefit[order], "benefit_sek": sek[order],
    })
    out.attrs["segstat_synthetic"] = "SYNTHETIC register generated by segstat.datasets.synthetic_register"
    return out
