"""Image batches ``(c, h, w, n)`` with their labels, and the image <-> feature reshapes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["ImageData", "flatten_images", "unflatten_images"]


class ImageData(NamedTuple):
    """A labelled batch of images.

    Attributes
    ----------
    images : ndarray, shape (c, h, w, n)
        Channels, height, width, examples (batch axis last).
    C : ndarray, shape (n_c, n)
        One-hot labels, one column per image.
    """

    images: np.ndarray
    C: np.ndarray


def flatten_images(images) -> np.ndarray:
    """Turn an image batch into a feature matrix, one image per column.

    ``Y = images.reshape(c*h*w, n)`` (C order), so feature ``(k*h + i)*w + j`` of
    column ``l`` is pixel ``images[k, i, j, l]``: channel-major, then row, then column.

    Parameters
    ----------
    images : array_like, shape (c, h, w, n)

    Returns
    -------
    Y : ndarray, shape (c*h*w, n)
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images: expected a 4-D array (c, h, w, n), got shape {images.shape}")
    c, h, w, n = images.shape
    return images.reshape(c * h * w, n)


def unflatten_images(Y, image_shape) -> np.ndarray:
    """Inverse of :func:`flatten_images`: ``Y (c*h*w, n) -> images (c, h, w, n)``.

    Parameters
    ----------
    Y : array_like, shape (c*h*w, n)
    image_shape : tuple of int
        ``(c, h, w)``, or ``(h, w)`` for a single channel.
    """
    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(f"Y: expected a 2-D array (c*h*w, n), got shape {Y.shape}")
    shape = tuple(int(s) for s in image_shape)
    if len(shape) == 2:
        shape = (1, *shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"image_shape: expected (c, h, w) or (h, w) of positive ints, "
                         f"got {image_shape}")
    if shape[0] * shape[1] * shape[2] != Y.shape[0]:
        raise ValueError(f"image_shape: {shape} has {np.prod(shape)} pixels but Y has "
                         f"{Y.shape[0]} rows")
    return Y.reshape(*shape, Y.shape[1])
