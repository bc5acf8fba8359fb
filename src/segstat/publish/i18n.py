"""Every word a report shows, in Swedish (the default) and English.

One table per language with the same keys; :func:`text` looks a key up and fills its fields, so a key missing
in one language is a KeyError in the tests, never an English word in a Swedish report. Swedish follows SCB's
usage: "områdestyp", "RegSO", ".." for a suppressed value, "Källa: SCB", a space before "%" and as thousands
separator, decimal comma.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

Lang = Literal["sv", "en"]
LANGS: tuple[str, ...] = ("sv", "en")

STRINGS: dict[str, dict[str, str]] = {
    "sv": {
        "contents": "Innehåll",
        "made_with": "Framställd med segstat {version} den {date}.",
        "sources": "Källor",
        "source_scb": "Källa: SCB",
        "provenance": "Om uppgifterna",
        "protection": "Röjandeskydd",
        "no_sources": "Inga källor angivna i uppgifterna (attrs[\"segstat.provenance\"]).",
        "updated": "uppdaterad",
        "table_id": "tabell",
        "suppressed_legend": "'..' = uppgiften är undertryckt (röjandeskydd).",
        "primary": "primärt undertryckt",
        "secondary": "sekundärt undertryckt",
        "published": "publicerad",
        "shown_rows": "Tabellen har {n} rader; här visas {shown} ({what}). Hela tabellen finns i arbetsboken "
                      "{workbook}, bladet \"{sheet}\".",
        "shown_first": "de första",
        "shown_margins": "summorna för de översta nivåerna först",
        "cells_summary": "{cells} celler, varav {published} publicerade, {primary} primärt och {secondary} sekundärt "
                         "undertryckta.",
        "kept_published": "{n} celler som valts att hållas publicerade (till exempel kommunernas summor) har inte "
                          "undertryckts sekundärt.",
        "protected_together": "Tabellerna {tables} är skyddade tillsammans: ingen undertryckt cell i en av dem kan "
                              "räknas fram ur de publicerade cellerna i någon av dem.",
        "workbook": "Arbetsbok",
        "figure": "Diagram",
        "readme": "LÄSMIG",
        "readme_title": "Om arbetsboken",
        "readme_sheet": "Blad",
        "readme_content": "Innehåll",
        "rates_heading": "Antal per {per} invånare",
        "rate_unit": "per {per} invånare",
        "rates_note": "Antal händelser per {per} invånare med {level} % konfidensintervall ({interval}).",
        "rates_axis": "Antal per {per}",
        "disparity_note": "Skillnadsmått mellan grupperna i {subgroup}; jämförelsen står i kolumnen \"jämförelse\".",
        "segregation_note": "Segregationsindex med {level} % konfidensintervall där sådana är beräknade. 0 = "
                            "jämnt fördelad, 1 = helt åtskild.",
        "generic_note": "",
        "figure_rates_title": "{title}: antal per {per} med {level} % konfidensintervall",
        "figure_seg_title": "{title}: index med {level} % konfidensintervall",
        "compared_with": "{a} jämfört med {b}",
        "vs_overall": "{a} jämfört med genomsnittet",
        "abbreviations": "Förkortningar",
        "level_column": "nivå",
        "total": "Totalt",
        "typ": "typ {k}",
        "unit": "enhet",
        "comparison": "jämförelse",
        "suppressed_area": "Undertryckt (..)",
        "no_value": "Saknas",
        "omradestyp_map_title": "RegSO efter områdestyp {year} (SCB)",
        "inset": "Centrala {place}",
        "rate_map_title": "{what} per RegSO",
        "synthetic": "SYNTETISKA DATA: framtagna med segstat.datasets.synthetic_register, inga verkliga personer",
    },
    "en": {
        "contents": "Contents",
        "made_with": "Made with segstat {version} on {date}.",
        "sources": "Sources",
        "source_scb": "Source: Statistics Sweden (SCB)",
        "provenance": "About the data",
        "protection": "Disclosure control",
        "no_sources": "No sources given in the data (attrs[\"segstat.provenance\"]).",
        "updated": "updated",
        "table_id": "table",
        "suppressed_legend": "'..' = value suppressed (disclosure control).",
        "primary": "primary suppressed",
        "secondary": "secondary suppressed",
        "published": "published",
        "shown_rows": "The table has {n} rows; {shown} are shown here ({what}). The full table is in the workbook "
                      "{workbook}, sheet \"{sheet}\".",
        "shown_first": "the first ones",
        "shown_margins": "the totals of the top levels first",
        "cells_summary": "{cells} cells: {published} published, {primary} primary and {secondary} secondary "
                         "suppressed.",
        "kept_published": "{n} cells chosen to stay published (for example the kommun totals) were not secondary "
                          "suppressed.",
        "protected_together": "The tables {tables} are protected together: no suppressed cell of one can be derived "
                              "from the published cells of any of them.",
        "workbook": "Workbook",
        "figure": "Figure",
        "readme": "README",
        "readme_title": "About the workbook",
        "readme_sheet": "Sheet",
        "readme_content": "Content",
        "rates_heading": "Rate per {per} population",
        "rate_unit": "per {per} population",
        "rates_note": "Events per {per} population with {level} % confidence intervals ({interval}).",
        "rates_axis": "Rate per {per}",
        "disparity_note": "Summary measures of disparity between the groups of {subgroup}; the column "
                          "\"comparison\" states what is compared.",
        "segregation_note": "Segregation indices with {level} % confidence intervals where computed. 0 = evenly "
                            "spread, 1 = completely separated.",
        "generic_note": "",
        "figure_rates_title": "{title}: rate per {per} with {level} % confidence intervals",
        "figure_seg_title": "{title}: index with {level} % confidence intervals",
        "compared_with": "{a} compared with {b}",
        "vs_overall": "{a} compared with the overall rate",
        "abbreviations": "Abbreviations",
        "level_column": "level",
        "total": "Total",
        "typ": "type {k}",
        "unit": "unit",
        "comparison": "comparison",
        "suppressed_area": "Suppressed (..)",
        "no_value": "Missing",
        "omradestyp_map_title": "RegSO by områdestyp {year} (SCB)",
        "inset": "Central {place}",
        "rate_map_title": "{what} per RegSO",
        "synthetic": "SYNTHETIC DATA: generated by segstat.datasets.synthetic_register, not real persons",
    },
}

#: column headings (a column not listed keeps its own name)
COLUMNS: dict[str, dict[str, str]] = {
    "sv": {
        "count": "antal", "value": "värde", "status": "status", "rule": "regel", "level": "nivå", "table": "tabell",
        "events": "händelser", "population": "befolkning", "rate": "antal per {per}", "lower": "nedre gräns",
        "upper": "övre gräns", "method": "metod", "measure": "mått", "estimate": "skattning", "type": "typ av mått",
        "unit": "enhet", "comparison": "jämförelse", "note": "anmärkning", "n_areas": "antal områden",
        "omradestyp": "områdestyp", "kommun": "kommun", "lan": "län", "regso": "RegSO", "deso": "DeSO",
        "name": "namn", "p_value": "p-värde", "age_group": "åldersgrupp", "age": "ålder", "sex": "kön",
        "year": "år", "period": "period",
    },
    "en": {
        "count": "count", "value": "value", "status": "status", "rule": "rule", "level": "level", "table": "table",
        "events": "events", "population": "population", "rate": "rate per {per}", "lower": "lower limit",
        "upper": "upper limit", "method": "method", "measure": "measure", "estimate": "estimate",
        "type": "kind of measure", "unit": "unit", "comparison": "comparison", "note": "note",
        "n_areas": "areas", "omradestyp": "områdestyp", "kommun": "municipality", "lan": "county", "regso": "RegSO",
        "deso": "DeSO", "name": "name", "p_value": "p-value", "age_group": "age group", "age": "age", "sex": "sex",
        "year": "year", "period": "period",
    },
}

#: values of the status, level and unit columns as shown
VALUES: dict[str, dict[str, str]] = {
    "sv": {
        "published": "publicerad", "primary": "primär", "secondary": "sekundär", "min_count": "minsta antal",
        "dominance": "dominans", "p_percent": "p %-regel", "zero": "noll",
        "deso": "DeSO", "regso": "RegSO", "kommun": "kommun", "lan": "län", "total": "totalt", "Total": "Totalt",
        "absolute": "absolut", "relative": "relativt",
        "rate difference": "skillnad i antal per {per}", "ratio": "kvot", "percent": "procent", "rate": "antal per {per}",
        "x100": "gånger 100", "x1000": "gånger 1 000", "squared rate": "kvadrerad skillnad i antal per {per}",
        "delta method": "deltametoden", "delta method, log scale": "deltametoden, logaritmisk skala",
        "exact Poisson (Garwood)": "exakt Poisson (Garwood)", "point estimate": "punktskattning",
        "leaf": "innersta nivå", "riket": "riket", "undefined": "ej definierat",
        "needs ordered groups (pass order=)": "kräver ordnade grupper (ange order=)",
        "undefined for these data": "ej definierat för dessa uppgifter",
        "undefined: the fitted line falls below a rate of 0 within ranks 0-1; report SII":
            "ej definierat: den skattade linjen går under 0 inom rangerna 0–1; redovisa SII",
        "dissimilarity": "olikhetsindex", "gini": "Gini-index", "entropy": "entropiindex",
        "isolation": "isoleringsindex", "exposure": "exponeringsindex", "atkinson": "Atkinsons index",
    },
    "en": {
        "published": "published", "primary": "primary", "secondary": "secondary", "min_count": "minimum count",
        "dominance": "dominance", "p_percent": "p % rule", "zero": "zero",
        "deso": "DeSO", "regso": "RegSO", "kommun": "municipality", "lan": "county", "total": "total",
        "Total": "Total", "absolute": "absolute", "relative": "relative",
        "rate difference": "difference in rate per {per}", "ratio": "ratio", "percent": "percent",
        "rate": "rate per {per}", "x100": "times 100", "x1000": "times 1,000",
        "squared rate": "squared difference in rate per {per}", "leaf": "innermost level", "riket": "Sweden",
    },
}

#: what each abbreviated measure is (HEAT's names; WHO, Health Equity Assessment Toolkit, technical notes)
MEASURES: dict[str, dict[str, str]] = {
    "sv": {
        "D": "D, differens: skillnaden mellan två gruppers antal per invånare",
        "R": "R, kvot: kvoten mellan två gruppers antal per invånare",
        "PAR": "PAR, populationsattributabel risk: hur mycket totalen skulle ändras om alla hade referensgruppens nivå",
        "PAF": "PAF, populationsattributabel andel: PAR i procent av totalen",
        "SII": "SII, lutningsindex för ojämlikhet: skattad skillnad mellan den mest och den minst gynnade änden av "
               "rangordningen",
        "RII": "RII, relativt ojämlikhetsindex: skattad kvot mellan den mest och den minst gynnade änden",
        "ACI": "ACI, absolut koncentrationsindex: hur mycket händelserna samlas i de minst gynnade grupperna",
        "RCI": "RCI, relativt koncentrationsindex: ACI i förhållande till totalen, gånger 100",
        "BGV": "BGV, varians mellan grupper: befolkningsviktad kvadrerad avvikelse från totalen",
        "IDis": "IDis, disparitetsindex: genomsnittlig avvikelse från totalen, i procent",
        "TI": "TI, Theils index (gånger 1 000)",
        "MLD": "MLD, genomsnittlig logaritmisk avvikelse (gånger 1 000)",
        "MDB": "MDB, genomsnittlig avvikelse från den bästa gruppen",
        "MDM": "MDM, genomsnittlig avvikelse från totalen",
    },
    "en": {
        "D": "D, difference: the difference between two groups' rates",
        "R": "R, ratio: the ratio of two groups' rates",
        "PAR": "PAR, population attributable risk: how much the overall rate would change if everyone had the "
               "reference group's rate",
        "PAF": "PAF, population attributable fraction: PAR as a percentage of the overall rate",
        "SII": "SII, slope index of inequality: the fitted difference between the most and the least advantaged end "
               "of the ranking",
        "RII": "RII, relative index of inequality: the fitted ratio of the two ends",
        "ACI": "ACI, absolute concentration index: how far events concentrate in the least advantaged groups",
        "RCI": "RCI, relative concentration index: ACI relative to the overall rate, times 100",
        "BGV": "BGV, between-group variance: population-weighted squared deviation from the overall rate",
        "IDis": "IDis, index of disparity: mean deviation from the overall rate, in percent",
        "TI": "TI, Theil index (times 1,000)",
        "MLD": "MLD, mean log deviation (times 1,000)",
        "MDB": "MDB, mean difference from the best group",
        "MDM": "MDM, mean difference from the overall rate",
    },
}

#: segregation indices by the name of the function that made them
INDICES: dict[str, dict[str, str]] = {
    "sv": {"dissimilarity": "Segregationsindex (D, olikhetsindex)", "gini": "Gini-index",
           "entropy": "Entropiindex (H)", "isolation": "Isoleringsindex", "exposure": "Exponeringsindex",
           "atkinson": "Atkinsons index", "multigroup_entropy": "Entropiindex för flera grupper",
           "multigroup_dissimilarity": "Olikhetsindex för flera grupper", "ojamlikhetsindex": "Ojämlikhetsindex"},
    "en": {"dissimilarity": "Index of dissimilarity (D)", "gini": "Gini index", "entropy": "Entropy index (H)",
           "isolation": "Isolation index", "exposure": "Exposure index", "atkinson": "Atkinson index",
           "multigroup_entropy": "Multigroup entropy index", "multigroup_dissimilarity": "Multigroup dissimilarity "
           "index", "ojamlikhetsindex": "Inequality index (ojämlikhetsindex)"},
}


def check_lang(lang: Any) -> Lang:
    """``lang`` as given, or a clear error."""
    if lang not in LANGS:
        from ..errors import InputValueError

        raise InputValueError(f"lang={lang!r} is not a report language; give lang=\"sv\" (Swedish, the default) or "
                              f"lang=\"en\" (English).")
    return lang


def text(key: str, lang: Lang, **fields: Any) -> str:
    """The string ``key`` in ``lang`` with ``fields`` filled in (numbers formatted for the language)."""
    return STRINGS[lang][key].format(**{k: fmt_number(v, lang) if isinstance(v, (int, float)) and not
                                        isinstance(v, bool) else v for k, v in fields.items()})


def column(name: str, lang: Lang, per: float | None = None) -> str:
    """The heading of column ``name``."""
    name = str(name)
    if name.endswith("_level") and name not in COLUMNS[lang]:
        return f"{column(name[:-6], lang)}, {COLUMNS[lang]['level']}"
    return COLUMNS[lang].get(name, name).format(per=fmt_number(per or 1000, lang))


#: method descriptions the measures write, in Swedish (pattern, replacement)
_METHODS_SV: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^simulation \((\d+) Poisson draws, (percentile|basic)\)$"), r"simulering (\1 Poissondragningar, \2)"),
    (re.compile(r"^bootstrap \((\d+) binomial redraws of every area's group count, area totals kept, "
                r"(percentile|basic)\)$"), r"bootstrap (\1 binomiala omdragningar av varje områdes gruppantal, "
                                           r"områdenas totaler fasta, \2)"),
    (re.compile(r"^undefined: zero rate in group\(s\) (.+)$"), r"ej definierat: noll händelser i grupp(erna) \1"),
)


def value(v: Any, lang: Lang, per: float | None = None) -> Any:
    """A coded value (status, rule, level, unit, method) as shown; other values unchanged."""
    if isinstance(v, str) and v in VALUES[lang]:
        return VALUES[lang][v].format(per=fmt_number(per or 1000, lang))
    if isinstance(v, str) and lang == "sv":
        for pattern, sv in _METHODS_SV:
            if pattern.match(v):
                return pattern.sub(sv, v).replace("percentile", "percentil")
    return v


def fmt_number(x: Any, lang: Lang, decimals: int | None = None) -> str:
    """``x`` as text: a thin space as thousands separator and a decimal comma in Swedish ("1 264", "12,5")."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, float) and math.isnan(x):
        return ".."
    if decimals is None:
        decimals = 0 if float(x).is_integer() else 1 if abs(x) >= 10 else 3
    s = f"{x:,.{decimals}f}"
    if lang == "sv":
        s = s.replace(",", "\u00a0").replace(".", ",")
    return s
