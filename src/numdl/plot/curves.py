"""Line figures: convergence histories, generic curves, singular values, histograms."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from numdl.plot.figures import (check_named_series, log_safe, new_figure, note,
                                qualitative_colors, save_figure, style_axes)
from numdl.utils.validation import check_array

_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*")
_LINESTYLES = ("-", "--", "-.", ":")


def _line_style(i: int, n_lines: int, n_points: int, markers: bool) -> dict:
    """Color, line style and marker of line ``i``: color cycles fastest, then
    the line style; markers only on short curves (or on request)."""
    colors = qualitative_colors(min(n_lines, 10))
    style = {"color": colors[i % 10], "linestyle": _LINESTYLES[(i // 10) % len(_LINESTYLES)],
             "linewidth": 1.6}
    if markers:
        style.update(marker=_MARKERS[i % len(_MARKERS)], markersize=4 if n_points <= 40 else 2.5,
                     markevery=max(1, n_points // 40))
    return style


def _apply_log(ax, axis: str, arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Switch ``axis`` ("x" or "y") of ``ax`` to log scale if the data allow it
    (see :func:`numdl.plot.figures.log_safe`), noting any clipping or fallback."""
    arrays, use_log, floor = log_safe(arrays)
    if use_log:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")
        if floor is not None:
            note(ax, f"{axis} values <= 0 shown at {floor:.3g}")
    else:
        note(ax, f"no positive {axis} values: linear {axis} axis")
    return arrays


def _finish(ax, title, xlabel, ylabel, n_lines: int) -> None:
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend(fontsize="small", frameon=False, ncols=1 if n_lines <= 8 else 2)
    style_axes(ax)


def plot_convergence(histories, path, *, xlabel: str = "iteration", ylabel: str = "objective",
                     logy: bool = True, title: str | None = None, x=None):
    """Plot convergence histories, one line per named method.

    Parameters
    ----------
    histories : dict of str to array_like
        Values per iteration (e.g. objective, residual or gradient norm). NaN
        and inf are allowed (a diverging run) and show as gaps.
    path : str or os.PathLike
        PNG file to write.
    xlabel, ylabel, title : str
        Axis labels and optional title.
    logy : bool
        Logarithmic y axis. Values ``<= 0`` are then clipped to the smallest
        positive value of all histories (noted in the figure); if no value is
        positive the axis stays linear (also noted).
    x : dict of str to array_like, optional
        x-values per name (e.g. cumulative work units or time), each as long as
        its history; names missing here use the iteration index ``0, 1, ...``.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    hist = check_named_series(histories, "histories")
    xs = {}
    if x is not None:
        if not isinstance(x, Mapping):
            raise ValueError(f"x: expected a dict of x-values per name, got {type(x).__name__}")
        unknown = sorted(set(map(str, x)) - set(hist))
        if unknown:
            raise ValueError(f"x: names {unknown} are not in histories {sorted(hist)}")
        xs = check_named_series(x, "x")
    for name, values in hist.items():
        if name not in xs:
            xs[name] = np.arange(values.size, dtype=float)
        elif xs[name].size != values.size:
            raise ValueError(f"x[{name!r}]: expected {values.size} values (one per history "
                             f"entry), got {xs[name].size}")

    fig = new_figure((6.4, 4.4))
    ax = fig.add_subplot()
    ys = list(hist.values())
    if logy:
        ys = _apply_log(ax, "y", ys)
    for i, (name, y) in enumerate(zip(hist, ys)):
        ax.plot(xs[name], y, label=name, **_line_style(i, len(hist), y.size, y.size <= 40))
    _finish(ax, title, xlabel, ylabel, len(hist))
    return save_figure(fig, path)


def plot_curves(x, curves, path, *, xlabel: str, ylabel: str, title: str | None = None,
                logx: bool = False, logy: bool = False, markers: bool = True):
    """Plot named curves over common (or per-curve) x-values.

    For example training and validation error against the polynomial degree,
    accuracy against network width, or an L-curve (solution norm against
    residual norm, ``logx=logy=True``).

    Parameters
    ----------
    x : array_like, shape (m,), or dict of str to array_like
        Shared x-values, or x-values per curve name.
    curves : dict of str to array_like
        y-values per name, each as long as its x-values.
    path : str or os.PathLike
        PNG file to write.
    xlabel, ylabel, title : str
        Axis labels and optional title.
    logx, logy : bool
        Logarithmic axes; values ``<= 0`` are clipped to the smallest positive
        value (or the axis stays linear if none is positive), as noted in the
        figure.
    markers : bool
        Mark the data points.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    ys = check_named_series(curves, "curves")
    if isinstance(x, Mapping):
        xs = check_named_series(x, "x")
        missing = sorted(set(ys) - set(xs))
        if missing:
            raise ValueError(f"x: no x-values for curves {missing}")
    else:
        shared = check_array(x, "x", ndim=1, finite=False)
        xs = {name: shared for name in ys}
    for name, y in ys.items():
        if xs[name].size != y.size:
            where = f"x[{name!r}]" if isinstance(x, Mapping) else "x"
            raise ValueError(f"{where}: expected {y.size} values to match curves[{name!r}], "
                             f"got {xs[name].size}")

    fig = new_figure((6.4, 4.4))
    ax = fig.add_subplot()
    names = list(ys)
    x_list, y_list = [xs[name] for name in names], [ys[name] for name in names]
    if logx:
        x_list = _apply_log(ax, "x", x_list)
    if logy:
        y_list = _apply_log(ax, "y", y_list)
    for i, (name, xv, yv) in enumerate(zip(names, x_list, y_list)):
        ax.plot(xv, yv, label=name, **_line_style(i, len(names), yv.size, markers))
    _finish(ax, title, xlabel, ylabel, len(names))
    return save_figure(fig, path)


def plot_singular_values(values, path, *, title: str | None = None, normalize: bool = True):
    """Semilogy plot of singular values, sorted in decreasing order, per name.

    Parameters
    ----------
    values : dict of str to array_like
        Non-negative singular values per name (any order).
    path : str or os.PathLike
        PNG file to write.
    title : str, optional
        Figure title.
    normalize : bool
        Divide each set by its largest value (plots ``sigma_i / sigma_1``).

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    Zeros cannot be drawn on a log axis: values below ``eps * sigma_1`` (machine
    epsilon times the largest value of their set) are shown at that level and a
    note says so. A set of all zeros falls back to a linear axis.
    """
    sets = check_named_series(values, "values", finite=True)
    prepared = {}
    for name, s in sets.items():
        if np.any(s < 0):
            raise ValueError(f"values[{name!r}]: singular values must be non-negative")
        s = np.sort(s)[::-1]
        if normalize and s[0] > 0:
            s = s / s[0]
        prepared[name] = s
    floor = {name: np.finfo(float).eps * s[0] for name, s in prepared.items()}
    clipped = any(np.any(s < floor[name]) for name, s in prepared.items() if s[0] > 0)
    prepared = {name: np.maximum(s, floor[name]) if s[0] > 0 else s
                for name, s in prepared.items()}

    fig = new_figure((6.4, 4.4))
    ax = fig.add_subplot()
    if clipped:
        note(ax, r"values $< \epsilon\,\sigma_1$ shown at $\epsilon\,\sigma_1$ (machine epsilon)")
    names = list(prepared)
    curves = _apply_log(ax, "y", [prepared[name] for name in names])
    for i, (name, s) in enumerate(zip(names, curves)):
        ax.plot(np.arange(1, s.size + 1), s, label=name,
                **_line_style(i, len(names), s.size, s.size <= 60))
    ylabel = r"$\sigma_i / \sigma_1$" if normalize else r"$\sigma_i$"
    _finish(ax, title if title is not None else "singular values", "index $i$", ylabel,
            len(names))
    return save_figure(fig, path)


def plot_histograms(samples, path, *, bins: int = 50, title: str | None = None,
                    xlabel: str = "value", logy: bool = False, density: bool = False):
    """Overlaid histograms of named samples on shared bins.

    Parameters
    ----------
    samples : dict of str to array_like
        Samples per name (flattened; must be finite).
    path : str or os.PathLike
        PNG file to write.
    bins : int
        Number of bins, shared by all samples (over their joint range).
    title, xlabel : str
        Optional title and x-axis label.
    logy : bool
        Logarithmic count axis.
    density : bool
        Normalize each histogram to unit area (compare samples of different size).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    data = check_named_series(samples, "samples", finite=True)
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins: expected a positive integer, got {bins!r}")
    joined = np.concatenate(list(data.values()))
    lo, hi = float(joined.min()), float(joined.max())
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, int(bins) + 1)

    fig = new_figure((6.4, 4.4))
    ax = fig.add_subplot()
    colors = qualitative_colors(min(len(data), 10))
    for i, (name, v) in enumerate(data.items()):
        color = colors[i % 10]
        ax.hist(v, bins=edges, density=density, histtype="stepfilled", color=color, alpha=0.3)
        ax.hist(v, bins=edges, density=density, histtype="step", color=color, linewidth=1.4,
                label=name)
    if logy:
        ax.set_yscale("log")
    _finish(ax, title, xlabel, "density" if density else "count", len(data))
    return save_figure(fig, path)
