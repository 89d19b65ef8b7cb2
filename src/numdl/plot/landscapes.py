"""Contour figures of functions on a 2-D grid (objective landscapes)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from numdl.plot.figures import new_figure, save_figure, style_axes
from numdl.utils.validation import check_array

_MARK_STYLES = (("*", "tab:red", 14), ("o", "white", 8), ("X", "tab:orange", 10),
                ("D", "tab:pink", 7), ("P", "tab:cyan", 10), ("s", "yellow", 7))


def _check_marks(marks) -> dict[str, np.ndarray]:
    """Validate ``marks``: name -> point ``(2,)`` or path ``(2, k)``; return ``(2, k)`` arrays."""
    if marks is None:
        return {}
    if not isinstance(marks, Mapping):
        raise ValueError(f"marks: expected a dict name -> (x, y), got {type(marks).__name__}")
    paths = {}
    for name, point in marks.items():
        P = check_array(point, f"marks[{name!r}]")
        if P.shape == (2,):
            P = P[:, None]
        if P.ndim != 2 or P.shape[0] != 2 or P.shape[1] == 0:
            raise ValueError(f"marks[{name!r}]: expected a point (2,) or a path (2, k), "
                             f"got shape {P.shape}")
        paths[str(name)] = P
    return paths


def plot_landscape(x, y, Z, path, *, levels=30, xlabel: str = "x", ylabel: str = "y",
                   zlabel: str = "objective", title: str | None = None, marks=None,
                   log: bool = False):
    """Filled contours with contour lines of ``Z`` on the grid ``x`` by ``y``.

    Parameters
    ----------
    x : array_like, shape (nx,)
        Grid vector of the first (horizontal) coordinate.
    y : array_like, shape (ny,)
        Grid vector of the second (vertical) coordinate.
    Z : array_like, shape (ny, nx)
        Values ``Z[i, j] = f(x[j], y[i])`` (as from ``numpy.meshgrid(x, y)``).
        NaN / inf entries are left blank; the rest must not be constant.
    path : str or os.PathLike
        PNG file to write.
    levels : int or array_like
        Number of contour levels, or the increasing levels themselves (in the
        plotted quantity, i.e. after the log transform when ``log``).
    xlabel, ylabel, zlabel : str
        Axis labels; ``zlabel`` labels the colorbar.
    title : str, optional
        Figure title.
    marks : dict of str to array_like, optional
        Points to mark, name -> ``(x, y)`` of shape ``(2,)``; a ``(2, k)`` array
        is drawn as a path of ``k`` points (e.g. optimizer iterates) with its
        last point emphasized.
    log : bool
        Contour ``log10(Z - min Z + delta)`` with ``delta = 1e-6 (max Z - min Z)``,
        which resolves the region near the minimum.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    x = check_array(x, "x", ndim=1)
    y = check_array(y, "y", ndim=1)
    if x.size < 2 or y.size < 2:
        raise ValueError(f"x, y: expected at least 2 grid values each, got {x.size} and {y.size}")
    Z = check_array(Z, "Z", shape=(y.size, x.size), finite=False)
    finite = np.isfinite(Z)
    if not finite.any():
        raise ValueError("Z: contains no finite value")
    zmin, zmax = float(Z[finite].min()), float(Z[finite].max())
    if zmax == zmin:
        raise ValueError(f"Z: constant ({zmin:.6g}) on the grid, nothing to contour")
    if log:
        delta = 1e-6 * (zmax - zmin)
        with np.errstate(invalid="ignore"):
            Z = np.log10(np.where(finite, Z - zmin, 0.0) + delta)
        zlabel = f"log10({zlabel} - min + δ)"
    Zm = np.ma.masked_where(~finite, Z)
    if not isinstance(levels, (int, np.integer)):
        levels = check_array(levels, "levels", ndim=1)
        if levels.size < 2 or np.any(np.diff(levels) <= 0):
            raise ValueError("levels: expected at least 2 increasing values")
    elif levels < 2:
        raise ValueError(f"levels: expected at least 2 levels, got {levels}")

    paths = _check_marks(marks)

    fig = new_figure((6.4, 5.0))
    ax = fig.add_subplot()
    filled = ax.contourf(x, y, Zm, levels=levels, cmap="viridis")
    ax.contour(x, y, Zm, levels=filled.levels, colors="k", linewidths=0.4, alpha=0.45)
    fig.colorbar(filled, ax=ax, label=zlabel)
    if paths:
        for i, (name, P) in enumerate(paths.items()):
            marker, color, size = _MARK_STYLES[i % len(_MARK_STYLES)]
            if P.shape[1] > 1:
                ax.plot(P[0], P[1], color=color, linewidth=1.2, marker=".", markersize=4,
                        markeredgecolor="k", markeredgewidth=0.3)
            ax.plot(P[0, -1], P[1, -1], linestyle="none", marker=marker, markersize=size,
                    color=color, markeredgecolor="k", markeredgewidth=0.8, label=name)
        ax.legend(fontsize="small", framealpha=0.85, loc="best")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    style_axes(ax, grid=False)
    return save_figure(fig, path)
