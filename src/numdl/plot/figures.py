"""Figure creation, the shared look, and saving to PNG without pyplot.

Every figure of :mod:`numdl.plot` is a :class:`matplotlib.figure.Figure` built
with the object-oriented API: no pyplot state, no windows, nothing blocks.
``Figure.savefig`` renders through the Agg canvas, so no backend is selected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from numdl.utils.validation import check_array

DPI = 120
"""Resolution of saved figures, dots per inch."""


def save_figure(fig: Figure, path, *, dpi: int = DPI) -> Path:
    """Save ``fig`` as a PNG file, creating parent directories.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save. It is not modified or closed.
    path : str or os.PathLike
        Target file. A name without suffix gets ``.png``; any other suffix
        than ``.png`` is rejected.
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If ``fig`` is not a Figure, ``path`` has a non-PNG suffix or names a
        directory.
    OSError
        If the directory cannot be created or the file cannot be written; the
        message names the path.
    """
    if not isinstance(fig, Figure):
        raise ValueError(f"fig: expected a matplotlib.figure.Figure, got {type(fig).__name__}")
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"path: {str(path)!r} is a directory, expected a file name")
    if path.suffix == "":
        path = path.with_suffix(".png")
    elif path.suffix.lower() != ".png":
        raise ValueError(f"path: expected a .png file name, got {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"path: {str(path)!r} is a directory, expected a file name")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, format="png", facecolor="white")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OSError(f"path: cannot write figure to {str(path)!r}: {reason}") from exc
    return path


def new_figure(figsize=(6.4, 4.8), *, layout: str | None = "constrained") -> Figure:
    """Return a fresh white figure (not registered with pyplot)."""
    return Figure(figsize=figsize, layout=layout, facecolor="white")


def style_axes(ax, *, grid: bool = True) -> None:
    """Apply the common look: light grid behind the data, no top/right spines."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    if grid:
        ax.grid(True, which="major", alpha=0.3, linewidth=0.6)
        ax.set_axisbelow(True)


def qualitative_colors(n: int) -> np.ndarray:
    """Return ``n`` distinguishable RGBA colors, shape ``(n, 4)``.

    Uses the colorblind-friendly "tab10" for up to 10 classes, "tab20" for up
    to 20 and evenly spaced "turbo" colors beyond.
    """
    if n <= 10:
        return colormaps["tab10"](np.arange(n))
    if n <= 20:
        return colormaps["tab20"](np.arange(n))
    return colormaps["turbo"](np.linspace(0.0, 1.0, n))


def lighten(colors, amount: float = 0.6) -> np.ndarray:
    """Blend RGBA ``colors`` toward white by ``amount`` in ``[0, 1]`` (alpha kept)."""
    colors = np.array(colors, dtype=float, copy=True)
    colors[..., :3] = colors[..., :3] + amount * (1.0 - colors[..., :3])
    return colors


def check_named_series(series, name: str, *, finite: bool = False) -> dict[str, np.ndarray]:
    """Validate a non-empty mapping ``name -> 1-D array`` with non-empty arrays.

    Multi-dimensional arrays are flattened. Errors name the entry,
    e.g. ``histories['sgd']``.
    """
    if not isinstance(series, Mapping):
        raise ValueError(f"{name}: expected a dict mapping names to arrays, "
                         f"got {type(series).__name__}")
    if len(series) == 0:
        raise ValueError(f"{name}: expected at least one entry, got an empty dict")
    out = {}
    for key, values in series.items():
        entry = f"{name}[{key!r}]"
        arr = check_array(values, entry, finite=finite).ravel()
        if arr.size == 0:
            raise ValueError(f"{entry}: expected a non-empty array")
        out[str(key)] = arr
    return out


def log_safe(arrays: list[np.ndarray]) -> tuple[list[np.ndarray], bool, float | None]:
    """Prepare arrays for a logarithmic axis.

    Returns ``(arrays, use_log, floor)``. If every finite value is positive the
    arrays are returned unchanged with ``use_log=True``. If some finite values
    are positive and others are not, values ``<= 0`` are clipped to the smallest
    positive value ``floor``. If no finite value is positive, a log axis is
    impossible: ``use_log=False`` (linear fallback). NaN stays NaN (a gap).
    """
    values = np.concatenate([a.ravel() for a in arrays])
    values = values[np.isfinite(values)]
    positive = values[values > 0]
    if positive.size == 0:
        return arrays, False, None
    if positive.size == values.size:
        return arrays, True, None
    floor = float(positive.min())
    return [np.where(a <= 0, floor, a) for a in arrays], True, floor


def note(ax, text: str) -> None:
    """Write a small grey note in the lower-left corner of ``ax``."""
    ax.text(0.01, 0.01, text, transform=ax.transAxes, fontsize="x-small", color="0.35",
            ha="left", va="bottom")
