"""Image figures: montages of image batches and weight rows shown as images."""

from __future__ import annotations

import math

import numpy as np

from numdl.plot.figures import new_figure, save_figure
from numdl.utils.validation import check_array


def _as_image_list(images) -> tuple[np.ndarray, bool]:
    """Turn a batch ``(c, h, w, n)`` (c in {1, 3}) or ``(h, w, n)`` into
    ``(n, h, w)`` (gray) or ``(n, h, w, 3)`` (RGB); return it and ``is_rgb``."""
    images = check_array(images, "images")
    if images.ndim == 3:
        batch, rgb = np.moveaxis(images, 2, 0), False
    elif images.ndim == 4:
        c = images.shape[0]
        if c == 1:
            batch, rgb = np.moveaxis(images[0], 2, 0), False
        elif c == 3:
            batch, rgb = images.transpose(3, 1, 2, 0), True
        else:
            raise ValueError(f"images: expected 1 or 3 channels in a (c, h, w, n) batch, "
                             f"got c = {c} (shape {images.shape})")
    else:
        raise ValueError(f"images: expected a (c, h, w, n) or (h, w, n) array, "
                         f"got shape {images.shape}")
    if batch.shape[0] == 0 or batch.shape[1] == 0 or batch.shape[2] == 0:
        raise ValueError(f"images: expected at least one non-empty image, got shape {images.shape}")
    return batch, rgb


def _check_titles(titles, n: int, name: str) -> list[str] | None:
    if titles is None:
        return None
    titles = [str(t) for t in titles]
    if len(titles) != n:
        raise ValueError(f"{name}: expected {n} strings (one per image), got {len(titles)}")
    return titles


def _grid_shape(n: int, ncols) -> tuple[int, int]:
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    elif not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols: expected a positive integer, got {ncols!r}")
    ncols = min(int(ncols), n)
    return math.ceil(n / ncols), ncols


def plot_montage(images, path, *, labels=None, ncols: int | None = None,
                 title: str | None = None, cmap: str = "gray"):
    """Show a batch of images as a grid without ticks.

    Parameters
    ----------
    images : array_like, shape (c, h, w, n) with c in {1, 3}, or (h, w, n)
        Image batch, batch axis last. Intensities are min-max scaled over the
        whole batch (so the images stay comparable); RGB images are then
        clipped to ``[0, 1]`` and shown in color.
    path : str or os.PathLike
        PNG file to write.
    labels : sequence of str, optional
        One small title per image (e.g. true / predicted class).
    ncols : int, optional
        Images per row; default ``ceil(sqrt(n))``.
    title : str, optional
        Figure title.
    cmap : str
        Colormap for single-channel images.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    batch, rgb = _as_image_list(images)
    n = batch.shape[0]
    labels = _check_titles(labels, n, "labels")
    nrows, ncols = _grid_shape(n, ncols)
    lo, hi = float(batch.min()), float(batch.max())
    if rgb:
        batch = np.clip((batch - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(batch)

    cell = min(1.3, 13.0 / ncols)
    label_h = 0.25 if labels else 0.05
    title_h = 0.45 if title else 0.1
    width, height = ncols * (cell + 0.05) + 0.1, nrows * (cell + label_h) + title_h
    fig = new_figure((width, height), layout=None)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    fig.subplots_adjust(left=0.05 / width, right=1 - 0.05 / width, bottom=0.05 / height,
                        top=1 - title_h / height, wspace=0.05, hspace=label_h / cell)
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        if i >= n:
            continue
        if rgb:
            ax.imshow(batch[i], interpolation="nearest")
        else:
            ax.imshow(batch[i], cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1,
                      interpolation="nearest")
        if labels:
            ax.set_title(labels[i], fontsize="x-small", pad=2)
    if title:
        fig.suptitle(title, y=1 - 0.08 / height, va="top")
    return save_figure(fig, path)


def plot_weights_as_images(W, image_shape, path, *, titles=None, title: str | None = None):
    """Show each row of ``W`` as an image (e.g. learned class templates).

    Parameters
    ----------
    W : array_like, shape (k, h * w)
        One weight vector per row, without a bias column.
    image_shape : tuple of int (h, w)
        Each row is reshaped to ``(h, w)`` in C (row-major) order, i.e. as
        ``W[i].reshape(h, w)``; this matches images flattened with
        ``image.reshape(-1)`` (or a batch ``(h, w, n)`` reshaped to ``(h*w, n)``).
    path : str or os.PathLike
        PNG file to write.
    titles : sequence of str, optional
        One title per row; default the row index.
    title : str, optional
        Figure title.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    The diverging colormap "RdBu_r" is centered at 0 and shared by all images
    (limits ``+-max|W|``), with one colorbar, so signs and magnitudes compare.
    """
    W = check_array(W, "W", ndim=2)
    if (len(tuple(image_shape)) != 2
            or not all(isinstance(s, (int, np.integer)) and s > 0 for s in image_shape)):
        raise ValueError(f"image_shape: expected a pair of positive integers (h, w), "
                         f"got {image_shape!r}")
    h, w = (int(s) for s in image_shape)
    k = W.shape[0]
    if k == 0:
        raise ValueError(f"W: expected at least one row, got shape {W.shape}")
    if W.shape[1] != h * w:
        hint = " (drop the bias column first)" if W.shape[1] == h * w + 1 else ""
        raise ValueError(f"W: rows of length {W.shape[1]} do not match image_shape "
                         f"{(h, w)} = {h * w} pixels{hint}")
    titles = _check_titles(titles, k, "titles") or [str(i) for i in range(k)]
    ncols = min(k, max(5, math.ceil(math.sqrt(k))))
    nrows = math.ceil(k / ncols)
    vmax = float(np.abs(W).max()) or 1.0

    cell = min(1.6, 12.0 / ncols)
    fig = new_figure((ncols * cell + 1.0, nrows * (cell + 0.3) + (0.5 if title else 0.1)))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < k:
            image = ax.imshow(W[i].reshape(h, w), cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                              interpolation="nearest")
            ax.set_title(titles[i], fontsize="small")
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)
