"""Every public keyword has one meaning (scikit-learn's common-tests idea, applied to segstat's vocabulary).

The glossary is src/segstat/_glossary.py (rendered to docs/api/glossary.rst). A new public function or CLI
option is checked here without any change to this file; a keyword the glossary does not know, a default it
does not list, or a Literal choice outside its values fails, naming the function and the keyword.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import typing
from pathlib import Path

import pytest

import segstat
from segstat._glossary import GLOSSARY, REQUIRED, render
from segstat.cli import build_parser

#: (function, keyword) pairs that still differ from the settled vocabulary, each fixed in another branch of
#: issue 16 (vintage defaults: the vintage work; perturb's `variance`: the disclosure work). Remove an entry
#: when its branch lands: test_known_deviations_are_still_deviations says when.
KNOWN_DEVIATIONS: set[tuple[str, str]] = set()  # (function, keyword) pairs allowed to differ; keep empty


#: public subpackages whose own ``__all__`` holds functions users call (their result classes are not walked:
#: their fields are attributes users read, not keywords they pass)
SUBPACKAGES = ("datasets", "scb", "barometer", "publish", "targeting", "followup", "disclosure", "measures",
               "geography")


def _public_callables():
    for name in segstat.__all__:
        obj = getattr(segstat, name)
        if inspect.ismodule(obj) or not callable(obj):
            continue
        yield name, obj
    for package in SUBPACKAGES:
        module = importlib.import_module(f"segstat.{package}")
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if name in segstat.__all__ or inspect.ismodule(obj) or inspect.isclass(obj) or not callable(obj):
                continue
            yield name, obj


def _literal_values(annotation: object) -> set:
    """Values of the Literal types inside an annotation (``Literal["a"] | None`` gives {"a"})."""
    out: set = set()
    if typing.get_origin(annotation) is typing.Literal:
        return set(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        out |= _literal_values(arg)
    return out


def _problems(where: str, key: str, default: object, annotation: object) -> list[str]:
    term = GLOSSARY.get(key)
    if term is None:
        return [f"{where}: keyword {key!r} is not in the glossary (src/segstat/_glossary.py)"]
    out = []
    if term.functions and where not in term.functions:
        out.append(f"{where}: {key!r} belongs to {term.functions}; its meaning here needs its own word")
    if (where, key) in KNOWN_DEVIATIONS:
        return out
    if not any(default is d or (type(default) is type(d) and default == d) for d in term.defaults) and not (
            isinstance(default, (int, float)) and not isinstance(default, bool)
            and any(isinstance(d, (int, float)) and not isinstance(d, bool) and default == d for d in term.defaults)):
        out.append(f"{where}: {key}={default!r} is not a default the glossary lists ({term.defaults})")
    if default is not REQUIRED and default is not None and term.kinds and not isinstance(default, term.kinds):
        out.append(f"{where}: {key}={default!r} is not of the glossary's type {term.type_text}")
    if term.values is not None:
        extra = _literal_values(annotation) - set(term.values)
        if extra:
            out.append(f"{where}: {key} allows {sorted(extra)}, outside the glossary's {sorted(term.values)}")
    return out


def _signature_problems(name: str, obj) -> list[str]:
    sig = inspect.signature(obj)
    try:
        hints = typing.get_type_hints(obj.__init__ if inspect.isclass(obj) else obj)
    except (NameError, TypeError):  # a name imported only for type checkers: no Literal check
        hints = {}
    out = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        default = REQUIRED if p.default is p.empty else p.default
        out += _problems(name, p.name, default, hints.get(p.name))
    return out


def _cli_options():
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                for a in sub._actions:
                    if a.dest != "help" and not a.dest.endswith("_command"):  # sub-subcommand selectors
                        yield command, a


def test_every_public_keyword_is_in_the_glossary_with_its_meaning():
    problems = [p for name, obj in _public_callables() for p in _signature_problems(name, obj)]
    assert not problems, "\n".join(problems)


def test_every_cli_option_is_in_the_glossary_with_its_meaning():
    problems = []
    for command, a in _cli_options():
        term = GLOSSARY.get(a.dest)
        if term is None:
            problems.append(f"segstat {command}: option {a.dest!r} is not in the glossary")
            continue
        if term.functions and "cli" not in term.functions:
            problems.append(f"segstat {command}: {a.dest!r} belongs to {term.functions}")
        if term.values is not None and a.choices is not None:
            extra = set(a.choices) - set(term.values) - {"none"}  # "none" spells None on the command line
            # the measure names of `segstat measure` are not values of a keyword
            if extra and a.dest != "measure":
                problems.append(f"segstat {command}: --{a.dest} allows {sorted(extra)}, outside the glossary")
        if a.option_strings and not all(s.startswith("--") and "_" not in s for s in a.option_strings):
            problems.append(f"segstat {command}: {a.option_strings} is not --kebab-case")
    assert not problems, "\n".join(problems)


def test_the_check_fails_on_an_unknown_keyword_an_old_default_and_an_old_choice():
    # the walker itself: the names and values issue 16 retired are caught, each with the function named
    def old(data, *, level: float = 0.95, n_boot: int = 999,
            ci: typing.Literal["exact", "wilson"] | None = "exact"):  # pragma: no cover - never called
        pass

    found = _signature_problems("old", old)
    assert any("'n_boot' is not in the glossary" in p for p in found)
    assert any("level=0.95 is not a default" in p for p in found)
    assert any("ci allows ['exact', 'wilson']" in p for p in found)
    assert any("ci='exact' is not a default" in p for p in found)
    # a word that belongs to another function
    assert any("belongs to" in p for p in _problems("rates", "null", "permutation", None))


def test_known_deviations_are_still_deviations():
    # an entry whose function now follows the glossary is stale: remove it from KNOWN_DEVIATIONS
    stale = []
    callables = dict(_public_callables())
    for where, key in sorted(KNOWN_DEVIATIONS):
        if where not in callables:
            continue
        p = inspect.signature(callables[where]).parameters.get(key)
        if p is None:
            stale.append((where, key))
            continue
        default = REQUIRED if p.default is p.empty else p.default
        if default in GLOSSARY[key].defaults:
            stale.append((where, key))
    assert not stale, f"remove from KNOWN_DEVIATIONS: {stale}"


def test_docs_page_is_the_rendered_glossary():
    page = Path(__file__).resolve().parents[1] / "docs" / "api" / "glossary.rst"
    assert page.read_text(encoding="utf-8") == render(), \
        "regenerate: python -m segstat._glossary > docs/api/glossary.rst"


@pytest.mark.parametrize("key", ["confidence_level", "n_resamples", "subgroup", "interval", "rng", "n_jobs"])
def test_settled_words_are_used(key):
    # every settled word of issue 16 appears in some public signature (the glossary is not a wish list)
    assert any(key in inspect.signature(obj).parameters for _, obj in _public_callables())


def test_glossary_values_of_ci_and_interval_are_the_type_aliases():
    from segstat._typing import CIMethod, Interval

    assert GLOSSARY["ci"].values == set(typing.get_args(CIMethod))
    assert GLOSSARY["interval"].values == set(typing.get_args(Interval))
