"""``python -m segstat`` runs the command-line tool."""

from .cli import main

raise SystemExit(main())
