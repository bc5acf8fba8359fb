"""The ``segstat`` command line.

Each subcommand reads CSV (or Parquet with the ``parquet`` extra), writes its
result atomically and exits non-zero with a one-line message on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import SegstatError


def _cmd_demo(args: argparse.Namespace) -> int:
    from .datasets import population
    from .geography.registry import areas

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pop = population("kommun")
    names = areas("kommun", vintage=2018).set_index("code")["name"]
    pop["name"] = pop["kommun"].map(names)
    path = out / "population_kommun_2022.csv"
    tmp = path.with_suffix(".tmp")
    pop.to_csv(tmp, index=False)
    tmp.replace(path)
    print(f"segstat {__version__} demo on bundled SCB data")
    print(f"  areas: {len(areas('deso', vintage=2025))} DeSO 2025, {len(areas('regso', vintage=2025))} RegSO 2025")
    print(f"  population 2022-12-31: {int(pop['population'].sum()):,} in {len(pop)} kommuner -> {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segstat", description="Segregation-aware statistics for Swedish areas.")
    parser.add_argument("--version", action="version", version=f"segstat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the whole job on the bundled data",
                          description="Run the demo on the bundled data. Example: segstat demo --out segstat-demo")
    demo.add_argument("--out", default="segstat-demo", help="output folder (default: segstat-demo)")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``segstat`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SegstatError as exc:
        print(f"segstat {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
