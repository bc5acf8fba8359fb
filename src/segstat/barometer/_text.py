"""Every text the barometer shows, in Swedish (the default) and English."""

from __future__ import annotations

from typing import Any

TYPE_LABELS = {
    "sv": {1: "1 Stora socioekonomiska utmaningar", 2: "2 Socioekonomiska utmaningar",
           3: "3 Blandade socioekonomiska förutsättningar", 4: "4 Goda socioekonomiska förutsättningar",
           5: "5 Mycket goda socioekonomiska förutsättningar"},
    "en": {1: "1 Major socioeconomic challenges", 2: "2 Socioeconomic challenges",
           3: "3 Mixed socioeconomic conditions", 4: "4 Good socioeconomic conditions",
           5: "5 Very good socioeconomic conditions"},
}

TEXT = {
    "sv": {
        "start": "Start", "map": "Karta", "kommuner": "Kommuner", "lan": "Län", "compare": "Jämförelse",
        "skip": "Hoppa till innehållet", "synthetic": "SYNTETISKA DATA: inga verkliga personer beskrivs.",
        "by_type": "{indicator} efter områdestyp", "over_time": "över tid",
        "gap": "Skillnad mellan områdestyp {dis} och {adv}",
        "gap_note": ("Skillnad ({measure}) = värdet i områdestyp {adv} minus värdet i områdestyp {dis}, "
                     "med {level} % konfidensintervall"),
        "unit": "Enhet", "source": "Källa", "interval": "{level} % konfidensintervall",
        "period": "Period", "type": "Områdestyp", "value": "Värde", "lower": "Nedre gräns", "upper": "Övre gräns",
        "events": "Antal", "population": "Befolkning", "code": "Kod", "name": "Namn", "estimate": "Skattning",
        "data_table": "Tabell med data bakom diagrammet", "download": "Ladda ned data (CSV)",
        "suppressed": "Undertryckt (..): för få personer för att redovisas",
        "map_types": "RegSO efter områdestyp ({year})", "map_value": "RegSO efter {indicator}, {period}",
        "map_kommun": "Kommuner efter {indicator}, {period}",
        "map_note": "Kartan visar RegSO med bundna eller nedladdade gränser; grå streckade områden är undertryckta.",
        "no_map": "Inga RegSO-gränser finns för detta område; tabellen visar alla RegSO.",
        "regso_per_type": "Antal RegSO per områdestyp", "pop_share": "Andel av befolkningen per områdestyp, {period}",
        "n_regso": "Antal RegSO", "share": "Andel (%)", "kommun_by_type": "{indicator} efter områdestyp, {period}",
        "segregation": "Segregationsindex", "seg_note": "{index} med {level} % konfidensintervall.",
        "comparison": "{name} jämfört med länet och riket", "all": "Hela området", "riket": "Hela området",
        "country_note": "'Hela området' är alla data som barometern bygger på.",
        "compare_title": "Kommuner jämförda med sitt län och hela området, {period}",
        "kommun_page": "{name} kommun", "lan_page": "{name} län", "effects": "Effekter",
        "kommuner_in_lan": "Kommuner i länet", "hover_value": "Värde", "missing": "..",
        "made_with": "Skapad med segstat {version}. Områdestyp, gränser och namn: SCB (CC0).",
        "protection": "Röjandeskydd", "text_alt": "Textbeskrivning",
        "alt_lines": "Linjediagram: {indicator} per områdestyp och period. Senaste period ({period}): {values}.",
        "alt_gap": "Diagram: skillnad mellan områdestyp {dis} och {adv} per period. Senaste period: {value}.",
        "alt_bars": "Stapeldiagram: {what}. {values}.",
        "alt_map": "Karta över {n} områden: {what}. Samma uppgifter finns i tabellen nedan.",
        "alt_compare": "Linjediagram: {name}, dess län och hela området per period. Senaste period: {values}.",
        "no_seg": "Inget segregationsindex är beräknat för denna kommun.",
        "kommun_total": "Kommunen", "lan_total": "Länet", "regso_list": "RegSO i kommunen",
    },
    "en": {
        "start": "Start", "map": "Map", "kommuner": "Municipalities", "lan": "Counties", "compare": "Comparison",
        "skip": "Skip to content", "synthetic": "SYNTHETIC DATA: no real persons are described.",
        "by_type": "{indicator} by områdestyp", "over_time": "over time",
        "gap": "Gap between områdestyp {dis} and {adv}",
        "gap_note": ("Difference ({measure}) = the value in områdestyp {adv} minus the value in områdestyp {dis}, "
                     "with {level} % confidence interval"),
        "unit": "Unit", "source": "Source", "interval": "{level} % confidence interval",
        "period": "Period", "type": "Områdestyp", "value": "Value", "lower": "Lower limit", "upper": "Upper limit",
        "events": "Count", "population": "Population", "code": "Code", "name": "Name", "estimate": "Estimate",
        "data_table": "Data table behind the chart", "download": "Download the data (CSV)",
        "suppressed": "Suppressed (..): too few persons to publish",
        "map_types": "RegSO by områdestyp ({year})", "map_value": "RegSO by {indicator}, {period}",
        "map_kommun": "Municipalities by {indicator}, {period}",
        "map_note": "The map shows RegSO with bundled or downloaded boundaries; grey hatched areas are suppressed.",
        "no_map": "No RegSO boundaries are available for this area; the table lists every RegSO.",
        "regso_per_type": "Number of RegSO per områdestyp", "pop_share": "Share of the population per områdestyp, {period}",
        "n_regso": "Number of RegSO", "share": "Share (%)", "kommun_by_type": "{indicator} by områdestyp, {period}",
        "segregation": "Segregation index", "seg_note": "{index} with {level} % confidence interval.",
        "comparison": "{name} compared with its county and the whole area", "all": "Whole area",
        "riket": "Whole area", "country_note": "'Whole area' is all the data the barometer is built from.",
        "compare_title": "Municipalities compared with their county and the whole area, {period}",
        "kommun_page": "{name} municipality", "lan_page": "{name} county", "effects": "Effects",
        "kommuner_in_lan": "Municipalities in the county", "hover_value": "Value", "missing": "..",
        "made_with": "Made with segstat {version}. Områdestyp, boundaries and names: Statistics Sweden (CC0).",
        "protection": "Disclosure control", "text_alt": "Text description",
        "alt_lines": "Line chart: {indicator} by områdestyp and period. Latest period ({period}): {values}.",
        "alt_gap": "Chart: gap between områdestyp {dis} and {adv} by period. Latest period: {value}.",
        "alt_bars": "Bar chart: {what}. {values}.",
        "alt_map": "Map of {n} areas: {what}. The same figures are in the table below.",
        "alt_compare": "Line chart: {name}, its county and the whole area by period. Latest period: {values}.",
        "no_seg": "No segregation index was computed for this municipality.",
        "kommun_total": "Municipality", "lan_total": "County", "regso_list": "RegSO in the municipality",
    },
}


#: texts of the event-study chart of segstat.effect, by language and by what a period is ("år" or "period")
EFFECT_TEXT: dict[str, dict[str, Any]] = {
    "sv": {
        "year": {"title": "Effekt per år före och efter start", "x": "År från start (0 = första året med insats)",
                 "reference": "Året före start (referens)", "time": "år"},
        "period": {"title": "Effekt per period före och efter start",
                   "x": "Perioder från start (0 = första perioden med insats)",
                   "reference": "Perioden före start (referens)", "time": "period"},
        "ratio": "Kvot (1 = ingen effekt)", "ratio_unit": "kvot, 1 = ingen effekt",
        "difference": "Skillnad {unit} (0 = ingen effekt)", "difference_unit": "skillnad {unit}, 0 = ingen effekt",
        "before": "Före start", "after": "Efter start", "no_effect": "Ingen effekt", "start": "Start",
        "note": ("Skattat med segstat.effect: de områden där insatsen görs jämförs med jämförelseområden "
                 "(skillnad i skillnader). {reference} är satt till ingen effekt; skattningarna före start "
                 "visar om områdena utvecklades lika innan insatsen."),
        "alt": "Diagram: {title}, som {scale}. Före start: {before}. Efter start: {after}.",
        "event_time": "Tid från start", "std_error": "Medelfel", "p_value": "p-värde",
        "cells": "Antal celler (kohort × period)", "scale": "Skala",
        "reference": "referens", "to": "till",
    },
    "en": {
        "year": {"title": "Effect by year before and after the start",
                 "x": "Years from the start (0 = first year of the effort)",
                 "reference": "The year before the start (reference)", "time": "year"},
        "period": {"title": "Effect by period before and after the start",
                   "x": "Periods from the start (0 = first period of the effort)",
                   "reference": "The period before the start (reference)", "time": "period"},
        "ratio": "Rate ratio (1 = no effect)", "ratio_unit": "rate ratio, 1 = no effect",
        "difference": "Difference {unit} (0 = no effect)", "difference_unit": "difference {unit}, 0 = no effect",
        "before": "Before the start", "after": "After the start", "no_effect": "No effect", "start": "Start",
        "note": ("Estimated with segstat.effect: the areas with the effort are compared with comparison areas "
                 "(difference in differences). {reference} is fixed at no effect; the estimates before the start "
                 "show whether the areas developed alike before the effort."),
        "alt": "Chart: {title}, as {scale}. Before the start: {before}. After the start: {after}.",
        "event_time": "Time from the start", "std_error": "Standard error", "p_value": "p-value",
        "cells": "Cells (cohort × period)", "scale": "Scale",
        "reference": "reference", "to": "to",
    },
}


def fmt(value: object, lang: str, digits: int = 1) -> str:
    """A number as the page shows it: Swedish decimal comma and thin-space thousands, '..' for missing."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ".."
    if v != v:
        return ".."
    s = f"{v:,.{digits}f}"
    if lang == "sv":
        s = s.replace(",", "\u202f").replace(".", ",")
    return s.replace("-", "\u2212")


def type_label(k: Any, lang: str) -> str:
    """Områdestyp k with its label ('..' when missing)."""
    try:
        return TYPE_LABELS[lang].get(int(k), str(k))
    except (TypeError, ValueError):  # None, NaN or <NA>: a RegSO without an official type
        return ".."


def pct(site: dict) -> str:
    """The confidence level in per cent, as the page writes it."""
    return fmt(100 * site["cl"], site["lang"], 0 if float(100 * site["cl"]).is_integer() else 1)


def caption(site: dict, what: str) -> str:
    """A chart's caption: what it shows, its unit and its source."""
    t = TEXT[site["lang"]]
    return f"{what}. {t['unit']}: {site['unit']}. {t['source']}: {site['source']}."
