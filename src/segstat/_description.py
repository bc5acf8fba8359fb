"""Reading a description file (``segstat report``, ``segstat barometer``): TOML, or YAML by its suffix.

YAML 1.1, which PyYAML reads, takes some unquoted words for other types: ``no``/``yes``/``on``/``off`` are
booleans and a code such as ``0120`` is an octal number (80). Keys and values that must stay text (codes,
language codes) are checked as text by the callers, so such a slip gives an error naming the key, never a
silently different value; the docs tell users to quote codes in YAML.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from .errors import SegstatError

__all__ = ["YAML_SUFFIXES", "read_description"]

#: suffixes read as YAML (anything else as TOML)
YAML_SUFFIXES = (".yaml", ".yml")


def read_description(path: Path, *, what: str, error: type[SegstatError]) -> dict[str, Any]:
    """The mapping in the TOML or YAML file ``path``; ``error`` (naming ``what`` the file describes) when the
    file is missing, unreadable, not valid TOML/YAML or not a mapping at its top."""
    if not path.is_file():
        raise error(f"the {what} description {str(path)!r} does not exist (or is a folder); give the path of a "
                    f".toml or .yaml file.")
    from ._optional import import_optional

    if path.suffix.lower() in YAML_SUFFIXES:
        kind, hint = "YAML", ""
        yaml = import_optional("yaml", purpose=f"reading the {what} description in YAML")
        load, invalid = yaml.safe_load, yaml.YAMLError
    else:
        kind, hint = "TOML", "; name a .yaml/.yml file for YAML"
        try:
            tomllib: Any = importlib.import_module("tomllib")
        except ImportError:  # pragma: no cover - Python 3.10
            tomllib = import_optional("tomli", purpose=f"reading the {what} description in TOML")
        load, invalid = tomllib.load, tomllib.TOMLDecodeError
    try:
        with path.open("rb") as f:
            data = load(f)
    except (invalid, UnicodeDecodeError) as exc:
        raise error(f"{str(path)!r} is not valid {kind} ({str(exc).splitlines()[0]}){hint}.") from None
    if not isinstance(data, dict):
        raise error(f"{str(path)!r} holds {type(data).__name__}, not a table of settings at its top; see the "
                    f"example in the {what} help ({kind}).")
    return dict(data)
