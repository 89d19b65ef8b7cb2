"""Two-dimensional classification figures: decision regions and data galleries."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
from matplotlib.colors import ListedColormap

from numdl.plot.figures import (lighten, new_figure, qualitative_colors, save_figure,
                                style_axes)
from numdl.utils.validation import check_array, check_labels


def _points_and_classes(Y, C, y_name: str = "Y", c_name: str = "C"):
    """Validate a 2-D point set ``Y (2, n)`` and labels; return ``(Y, classes, n_c)``.

    ``C`` is a probability / one-hot matrix ``(n_c, n)`` (classes are its
    column-wise argmax) or a 1-D array of ``n`` non-negative integer labels.
    """
    Y = check_array(Y, y_name, shape=(2, None))
    n = Y.shape[1]
    if n == 0:
        raise ValueError(f"{y_name}: expected at least one point (column), got shape {Y.shape}")
    C_arr = np.asarray(C)
    if C_arr.ndim == 1:
        classes = check_array(C_arr, c_name, shape=(n,))
        if np.any(classes < 0) or np.any(classes != np.rint(classes)):
            raise ValueError(f"{c_name}: 1-D labels must be non-negative integers")
        classes = classes.astype(int)
        return Y, classes, int(classes.max()) + 1
    C_arr = check_labels(C_arr, c_name, n=n)
    return Y, np.argmax(C_arr, axis=0), C_arr.shape[0]


def _grid(Y: np.ndarray, resolution: int, margin: float):
    """Regular grid over the bounding box of ``Y (2, n)`` enlarged by ``margin``.

    Each side of the box is extended by ``margin`` times the box's extent in
    that coordinate (by ``max(0.5, margin)`` where the extent is zero).

    Returns
    -------
    xs, ys : ndarray, shape (resolution,)
        Grid vectors in the first and second coordinate.
    points : ndarray, shape (2, resolution**2)
        All grid points; point ``i * resolution + j`` is ``(xs[j], ys[i])``, so
        values at ``points`` reshape (C order) to an image of shape
        ``(len(ys), len(xs))`` with rows along the second coordinate.
    """
    lo, hi = Y.min(axis=1), Y.max(axis=1)
    span = hi - lo
    pad = np.where(span > 0, margin * span, max(0.5, margin))
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo[0], hi[0], resolution)
    ys = np.linspace(lo[1], hi[1], resolution)
    g0, g1 = np.meshgrid(xs, ys)
    return xs, ys, np.vstack([g0.ravel(), g1.ravel()])


def _predicted_labels(predict: Callable, points: np.ndarray) -> np.ndarray:
    """Call ``predict(points)`` and return integer class labels of shape ``(m,)``.

    ``predict`` may return integer (or integral float, or boolean) labels of
    shape ``(m,)``, or class scores / probabilities of shape ``(n_c, m)`` with
    ``n_c >= 2``, reduced by the argmax over classes.
    """
    m = points.shape[1]
    out = np.asarray(predict(points))
    if out.ndim == 1 and out.shape[0] == m:
        if out.dtype == bool:
            return out.astype(int)
        if not np.issubdtype(out.dtype, np.number):
            raise ValueError(f"predict: expected numeric labels, got dtype {out.dtype}")
        labels = np.rint(out)
        if np.any(labels != out) or np.any(labels < 0):
            raise ValueError("predict: 1-D output must hold non-negative integer class labels; "
                             "return class probabilities as an (n_c, m) array instead")
        return labels.astype(int)
    if out.ndim == 2 and out.shape[1] == m and out.shape[0] >= 2:
        return np.argmax(out, axis=0)
    raise ValueError(f"predict: for {m} points expected labels of shape ({m},) or class "
                     f"probabilities of shape (n_c, {m}) with n_c >= 2, got shape {out.shape}")


def _decision_field(predict: Callable, Y: np.ndarray, resolution: int, margin: float):
    """Predicted class on a grid around ``Y``: ``(xs, ys, labels)`` with
    ``labels`` of shape ``(len(ys), len(xs))`` (row ``i`` is ``ys[i]``)."""
    xs, ys, points = _grid(Y, resolution, margin)
    labels = _predicted_labels(predict, points)
    return xs, ys, labels.reshape(len(ys), len(xs))


def _marker_size(n: int) -> float:
    return float(np.clip(3000.0 / n, 6.0, 40.0))


def plot_decision_regions(predict: Callable, Y, C, path, *, title: str | None = None,
                          resolution: int = 200, margin: float = 0.1):
    """Plot the decision regions of a 2-D classifier with the labelled points.

    The plane (the bounding box of ``Y`` enlarged by ``margin`` on each side) is
    colored by the predicted class in light colors; the points are drawn on top
    in the full color of their true class, and points the classifier gets
    wrong are crossed out. The legend title gives the accuracy on ``Y``.

    Parameters
    ----------
    predict : callable
        Maps points ``(2, m)`` to integer labels ``(m,)`` or to class
        probabilities (or scores) ``(n_c, m)``.
    Y : array_like, shape (2, n)
        Points, one per column.
    C : array_like, shape (n_c, n) or (n,)
        True labels: one-hot / probabilities (class = argmax of each column),
        or non-negative integer labels.
    path : str or os.PathLike
        PNG file to write (parents are created).
    title : str, optional
        Figure title; default "decision regions".
    resolution : int
        Grid points per coordinate (at least 2).
    margin : float
        Relative enlargement of the bounding box on each side (non-negative).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not callable(predict):
        raise ValueError(f"predict: expected a callable, got {type(predict).__name__}")
    Y, true, n_c = _points_and_classes(Y, C)
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"resolution: expected an integer >= 2, got {resolution!r}")
    if not np.isfinite(margin) or margin < 0:
        raise ValueError(f"margin: expected a non-negative number, got {margin!r}")

    xs, ys, field = _decision_field(predict, Y, int(resolution), float(margin))
    at_points = _predicted_labels(predict, Y)
    n_c = max(n_c, int(field.max()) + 1, int(at_points.max()) + 1)
    colors = qualitative_colors(n_c)

    fig = new_figure((6.8, 5.0))
    ax = fig.add_subplot()
    dx = (xs[-1] - xs[0]) / (len(xs) - 1)
    dy = (ys[-1] - ys[0]) / (len(ys) - 1)
    ax.imshow(field, origin="lower", interpolation="nearest", aspect="auto",
              extent=(xs[0] - dx / 2, xs[-1] + dx / 2, ys[0] - dy / 2, ys[-1] + dy / 2),
              cmap=ListedColormap(lighten(colors, 0.6)), vmin=-0.5, vmax=n_c - 0.5)
    size = _marker_size(Y.shape[1])
    for k in range(n_c):
        mask = true == k
        if mask.any():
            ax.scatter(Y[0, mask], Y[1, mask], s=size, color=colors[k], edgecolors="k",
                       linewidths=0.3, label=f"class {k}")
    wrong = at_points != true
    if wrong.any():
        ax.scatter(Y[0, wrong], Y[1, wrong], s=size * 1.5, marker="x", color="k",
                   linewidths=0.9, label=f"misclassified ({int(wrong.sum())})")
    accuracy = 1.0 - wrong.mean()
    ax.legend(title=f"accuracy {accuracy:.1%}", loc="upper left", bbox_to_anchor=(1.02, 1.0),
              frameon=False, fontsize="small", title_fontsize="small")
    ax.set_xlabel("$y_1$")
    ax.set_ylabel("$y_2$")
    ax.set_title(title if title is not None else "decision regions")
    return save_figure(fig, path)


def plot_point_sets(datasets, path, *, ncols: int = 3):
    """Plot a gallery of named 2-D data sets, one scatter plot each, colored by class.

    Parameters
    ----------
    datasets : dict of str to tuple (Y, C)
        ``Y`` of shape ``(2, n)``; ``C`` one-hot / probabilities ``(n_c, n)``
        or integer labels ``(n,)``.
    path : str or os.PathLike
        PNG file to write.
    ncols : int
        Panels per row (fewer if there are fewer data sets).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    if not isinstance(datasets, Mapping) or len(datasets) == 0:
        raise ValueError("datasets: expected a non-empty dict mapping names to (Y, C) pairs")
    if not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols: expected a positive integer, got {ncols!r}")
    checked = {}
    for name, pair in datasets.items():
        entry = f"datasets[{name!r}]"
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"{entry}: expected a pair (Y, C)")
        checked[str(name)] = _points_and_classes(pair[0], pair[1], f"{entry} Y", f"{entry} C")

    ncols = min(int(ncols), len(checked))
    nrows = math.ceil(len(checked) / ncols)
    fig = new_figure((3.3 * ncols, 3.2 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, (Y, classes, n_c)) in zip(axes, checked.items()):
        colors = qualitative_colors(n_c)
        ax.scatter(Y[0], Y[1], s=_marker_size(Y.shape[1]) / 2, c=colors[classes],
                   edgecolors="none")
        ax.set_title(f"{name}\n$n$ = {Y.shape[1]}, {n_c} classes", fontsize="medium")
        ax.set_aspect("equal", adjustable="datalim")
        ax.tick_params(labelsize="x-small")
        style_axes(ax)
    for ax in axes[len(checked):]:
        ax.set_visible(False)
    return save_figure(fig, path)
