"""What an experiment gets: output folder, size switch, seed, progress, tables."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
from tqdm.auto import tqdm


def format_table(rows: list[dict], title: str | None = None) -> str:
    """Format a list of dicts (same keys) as an aligned text table."""
    if not rows:
        return title or ""
    keys = list(rows[0])

    def cell(v):
        if isinstance(v, (float, np.floating)):
            v = float(v)
            return f"{v:.4g}" if (v == 0 or 1e-3 <= abs(v) < 1e5 or not math.isfinite(v)) else f"{v:.3e}"
        return str(v)

    cells = [[cell(r.get(k, "")) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    line = "  ".join(k.rjust(w) for k, w in zip(keys, widths))
    out = [title] if title else []
    out += [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(out)


@dataclass
class Context:
    """Run-time context handed to an experiment.

    Attributes
    ----------
    out : Path
        Folder for figures (``figure_path``) and ``metrics.json``.
    quick : bool
        Shrink sizes so that the run takes seconds (used by the test suite).
    seed : int
        Seed of ``rng``; experiments draw all randomness from ``rng``.
    options : dict
        Values of the experiment's declared options.
    """

    out: Path
    quick: bool = False
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    echo: Callable[[str], None] = print
    figures: list[Path] = field(default_factory=list)

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)

    def size(self, full, quick):
        """``quick`` when running with ``--quick``, else ``full``."""
        return quick if self.quick else full

    def figure_path(self, name: str) -> Path:
        """Path of the PNG figure ``name`` in the output folder (recorded)."""
        path = self.out / (name if name.endswith(".png") else f"{name}.png")
        self.figures.append(path)
        return path

    def progress(self, iterable: Iterable | None = None, *, desc: str = "", total: int | None = None,
                 leave: bool = False):
        """A tqdm progress bar on stderr (hidden when stderr is not a terminal)."""
        return tqdm(iterable, desc=desc, total=total, leave=leave, file=sys.stderr,
                    disable=None, dynamic_ncols=True)

    def table(self, rows: list[dict], title: str | None = None) -> None:
        """Print a short result table."""
        self.echo(format_table(rows, title))
