"""Image segmentation data: a seeded generator of shape images and a PNG folder loader.

Segmentation assigns a class to every pixel. An image batch is ``(c, h, w, n)`` and
its labels are integer class ids ``(h, w, n)`` (batch axis last, as everywhere in
numdl); :func:`labels_to_onehot` turns them into per-pixel one-hot labels
``(n_c, h, w, n)``, the image analogue of ``C (n_c, n)``. Used by the segmentation
experiment of lecture 15 (convolutional features + per-pixel softmax classifier).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import matplotlib.image as mpimg
import numpy as np
from PIL import Image

from numdl.data.labels import _check_int, one_hot
from numdl.utils.validation import as_generator

__all__ = [
    "SegmentationData",
    "SHAPE_CLASSES",
    "shapes_segmentation",
    "labels_to_onehot",
    "load_segmentation_folder",
    "save_segmentation_folder",
]

SHAPE_CLASSES = ("background", "disc", "rectangle", "triangle")
"""Class names of :func:`shapes_segmentation`; the class id is the index."""

_DISC, _RECTANGLE, _TRIANGLE = 1, 2, 3
_MAX_LABEL_ID = 2**16 - 1  # largest id a 16-bit label PNG can hold


class SegmentationData(NamedTuple):
    """A batch of images with one class label per pixel.

    Attributes
    ----------
    images : ndarray, shape (c, h, w, n)
        float64 intensities in ``[0, 1]``, batch axis last.
    labels : ndarray of int64, shape (h, w, n)
        Class id of every pixel, in ``{0, ..., n_classes - 1}``.
    n_classes : int
    class_names : tuple of str
        ``class_names[k]`` names class ``k``.
    """

    images: np.ndarray
    labels: np.ndarray
    n_classes: int
    class_names: tuple


# --------------------------------------------------------------------------------------
# Rasterizing shapes on the pixel grid. Coordinates are in pixels: pixel (i, j) is the
# unit square whose centre is (x, y) = (j + 1/2, i + 1/2); a pixel belongs to a shape
# when its centre does.
# --------------------------------------------------------------------------------------

def _pixel_centres(size: int):
    """Pixel-centre coordinates ``(x, y)``, each of shape ``(size, size)``."""
    i, j = np.mgrid[0:size, 0:size] + 0.5
    return j, i


def _disc_mask(x, y, centre, radius):
    """Pixels with ``(x - cx)² + (y - cy)² <= r²``."""
    return (x - centre[0]) ** 2 + (y - centre[1]) ** 2 <= radius**2


def _rectangle_mask(x, y, centre, half_width, half_height):
    """Pixels with ``|x - cx| <= half_width`` and ``|y - cy| <= half_height``."""
    return (np.abs(x - centre[0]) <= half_width) & (np.abs(y - centre[1]) <= half_height)


def _triangle_mask(x, y, vertices):
    """Pixels inside the triangle with counter-clockwise ``vertices`` (shape ``(3, 2)``).

    A point ``p`` is inside when it lies left of (or on) every directed edge ``a → b``,
    i.e. the cross product ``(b - a) × (p - a) >= 0`` for all three edges.
    """
    inside = np.ones(x.shape, dtype=bool)
    for a, b in zip(vertices, np.roll(vertices, -1, axis=0)):
        inside &= (b[0] - a[0]) * (y - a[1]) - (b[1] - a[1]) * (x - a[0]) >= 0
    return inside


def _random_shape_mask(rng, kind: int, x, y, size: int):
    """Mask of one random shape of class ``kind`` with centre in the middle 70 %."""
    centre = rng.uniform(0.15 * size, 0.85 * size, size=2)
    if kind == _DISC:
        return _disc_mask(x, y, centre, rng.uniform(0.1, 0.25) * size)
    if kind == _RECTANGLE:
        half_width, half_height = rng.uniform(0.1, 0.25, size=2) * size
        return _rectangle_mask(x, y, centre, half_width, half_height)
    # Triangle: three vertices on a circle, roughly 120 degrees apart, counter-clockwise
    # (angles increase and stay within one turn because the jitter is below 60 degrees).
    radius = rng.uniform(0.15, 0.3) * size
    angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi / 3 * np.arange(3) + rng.uniform(-0.4, 0.4, 3)
    vertices = centre + radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _triangle_mask(x, y, vertices)


def _check_n_shapes(n_shapes):
    try:
        lo, hi = n_shapes
    except (TypeError, ValueError):
        raise ValueError(f"n_shapes: expected a (min, max) pair of integers, got {n_shapes!r}") from None
    for v in (lo, hi):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"n_shapes: expected a (min, max) pair of integers, got {n_shapes!r}")
    if not 0 <= lo <= hi:
        raise ValueError(f"n_shapes: expected 0 <= min <= max, got {n_shapes!r}")
    return int(lo), int(hi)


def shapes_segmentation(n=64, size=32, *, n_shapes=(1, 4), noise=0.05, seed=None) -> SegmentationData:
    """Random RGB images of discs, rectangles and triangles with per-pixel labels.

    Each image has a smooth random background (class 0),

    ``b_c(x, y) = m_c + g_c (x - s/2)/s + h_c (y - s/2)/s + a_c sin(2π (f·(x, y))/s + φ_c)``

    per channel ``c`` (mean colour ``m_c ~ U[0.25, 0.75]``, small gradient and ripple),
    and ``k ~ U{min, ..., max}`` shapes of uniformly random class — disc (1),
    axis-aligned rectangle (2) or triangle (3) — with random position and size, each
    filled with one flat colour. Later shapes occlude earlier ones. Shape colours come
    from the same distribution for every class and differ from the background mean by
    0.2–0.5 in every channel, so shapes are visible but the class can only be told from
    the shape, not from the colour. Finally i.i.d. Gaussian noise ``N(0, noise²)`` is
    added and the result is clipped to ``[0, 1]``.

    Shapes are rasterized with boolean masks over the pixel grid: pixel ``(i, j)``
    belongs to a shape when its centre ``(j + ½, i + ½)`` does.

    Parameters
    ----------
    n : int
        Number of images, ``>= 1``.
    size : int
        Height and width in pixels, ``>= 8``.
    n_shapes : (int, int)
        Least and largest number of shapes per image, ``0 <= min <= max``.
    noise : float
        Standard deviation of the additive pixel noise, ``>= 0``.
    seed : int, numpy.random.Generator or None

    Returns
    -------
    SegmentationData
        ``images (3, size, size, n)`` float64 in ``[0, 1]``, ``labels (size, size, n)``
        int64, ``n_classes = 4``, ``class_names =`` :data:`SHAPE_CLASSES`.

    Examples
    --------
    >>> data = shapes_segmentation(8, 16, seed=0)
    >>> data.images.shape, data.labels.shape, data.n_classes
    ((3, 16, 16, 8), (16, 16, 8), 4)
    """
    n = _check_int(n, "n", minimum=1)
    size = _check_int(size, "size", minimum=8)
    lo, hi = _check_n_shapes(n_shapes)
    is_number = isinstance(noise, (int, float, np.integer, np.floating))
    if isinstance(noise, (bool, np.bool_)) or not is_number or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise: expected a finite number >= 0, got {noise!r}")
    rng = as_generator(seed)
    x, y = _pixel_centres(size)

    # Smooth backgrounds for all images at once: coefficients of shape (3, 1, 1, n).
    def coef(low, high):
        return rng.uniform(low, high, size=(3, 1, 1, n))

    mean = coef(0.25, 0.75)
    u, v = (x / size - 0.5)[None, :, :, None], (y / size - 0.5)[None, :, :, None]
    freq_x, freq_y, phase = coef(-2, 2), coef(-2, 2), coef(0, 2 * np.pi)
    images = (mean + coef(-0.2, 0.2) * u + coef(-0.2, 0.2) * v
              + coef(0, 0.05) * np.sin(2 * np.pi * (freq_x * u + freq_y * v) + phase))
    labels = np.zeros((size, size, n), dtype=np.int64)

    for l in range(n):
        for _ in range(rng.integers(lo, hi + 1)):
            kind = int(rng.integers(1, 4))
            mask = _random_shape_mask(rng, kind, x, y, size)
            # Offset of 0.2-0.5 per channel from the background mean, its sign chosen at
            # random but flipped where it would leave [0, 1] (never both: m in [.25, .75]).
            m = mean[:, 0, 0, l]
            offset = rng.uniform(0.2, 0.5, size=3) * rng.choice([-1.0, 1.0], size=3)
            offset = np.where((m + offset < 0) | (m + offset > 1), -offset, offset)
            images[:, mask, l] = (m + offset)[:, None]
            labels[mask, l] = kind

    if noise > 0:
        images += noise * rng.standard_normal(images.shape)
    np.clip(images, 0.0, 1.0, out=images)
    return SegmentationData(images, labels, len(SHAPE_CLASSES), SHAPE_CLASSES)


def labels_to_onehot(labels, n_classes, dtype=np.float64) -> np.ndarray:
    """Per-pixel one-hot labels: ``C[k, i, j, l] = 1`` if ``labels[i, j, l] == k``.

    The class axis comes first, as in ``C (n_c, n)``; summing over it gives 1 at
    every pixel.

    Parameters
    ----------
    labels : array_like of int, shape (h, w, n)
        Class ids in ``{0, ..., n_classes - 1}`` (any shape is accepted).
    n_classes : int
    dtype : dtype

    Returns
    -------
    C : ndarray, shape (n_classes, h, w, n)
    """
    n_classes = _check_int(n_classes, "n_classes", minimum=1)
    arr = np.asarray(labels)
    return one_hot(arr.reshape(-1), n_classes, dtype=dtype).reshape(n_classes, *arr.shape)


# --------------------------------------------------------------------------------------
# PNG folders
# --------------------------------------------------------------------------------------

def _png_files(folder: Path) -> dict:
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such directory")
    return {p.stem: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() == ".png"}


def _read_image(path: Path) -> np.ndarray:
    """An image PNG as floats in ``[0, 1]``, shape ``(h, w)`` (grey) or ``(h, w, 3)``."""
    try:
        arr = mpimg.imread(path, format="png")
    except Exception as err:  # Pillow signals corrupt files with many exception types
        raise ValueError(f"{path}: not a readable PNG image ({type(err).__name__}: {err})") from err
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        return np.asarray(arr[:, :, :3], dtype=np.float64)  # alpha is dropped
    if arr.ndim == 2:
        return np.asarray(arr, dtype=np.float64)
    raise ValueError(f"{path}: expected a grey, RGB or RGBA image, got an array of shape {arr.shape}")


def _read_label(path: Path) -> np.ndarray:
    """A single-channel label PNG as integer class ids, shape ``(h, w)``.

    Read with Pillow rather than :func:`matplotlib.image.imread`, which rescales to
    floats (by the bit depth) and expands palette images to colours: here an 8- or
    16-bit grey value, or a palette index, is the class id itself.
    """
    try:
        with Image.open(path) as im:
            im.load()
            mode = im.mode
            arr = np.array(im)
    except Exception as err:  # Pillow signals corrupt files with many exception types
        raise ValueError(f"{path}: not a readable PNG label image ({type(err).__name__}: {err})") from err
    if mode not in ("L", "P", "I", "I;16", "I;16B", "I;16L") or arr.ndim != 2:
        raise ValueError(f"{path}: expected a single-channel PNG of integer class ids (grey or "
                         f"palette), got mode {mode!r}; convert colour-coded labels to ids first")
    return arr.astype(np.int64)


def load_segmentation_folder(root, *, image_dir="images", label_dir="labels",
                             n_classes=None) -> SegmentationData:
    """Load a CamVid-style folder of image / label PNG pairs.

    The layout is ``root/image_dir/NAME.png`` (grey, RGB or RGBA) and
    ``root/label_dir/NAME.png`` (single channel, 8- or 16-bit grey or palette; the
    stored integer is the class id), matched by ``NAME`` and returned sorted by name.
    All images must have the same size. Alpha channels are dropped; grey images are
    repeated to 3 channels when the folder also holds colour images, and the batch
    has a single channel when all images are grey. Files not ending in ``.png`` are
    ignored.

    Parameters
    ----------
    root : str or path
    image_dir, label_dir : str
        Sub-folders of ``root`` holding the images and the labels.
    n_classes : int, optional
        Number of classes; every id must be below it. Default: largest id + 1.

    Returns
    -------
    SegmentationData
        ``images (c, h, w, n)`` float64 in ``[0, 1]`` with ``c`` in ``{1, 3}``,
        ``labels (h, w, n)`` int64, ``class_names = ("class 0", "class 1", ...)``.

    Raises
    ------
    FileNotFoundError
        If ``root`` or one of its sub-folders is missing.
    ValueError
        Naming the file: an image without a label or a label without an image, an
        unreadable PNG, a size that differs from its label or from the first image,
        a colour label image, an id ``>= n_classes``. Also when the folder has no PNGs.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory")
    if n_classes is not None:
        n_classes = _check_int(n_classes, "n_classes", minimum=1)
    image_files = _png_files(root / image_dir)
    label_files = _png_files(root / label_dir)
    for have, files, other in (("image", image_files, label_files),
                               ("label", label_files, image_files)):
        unmatched = sorted(set(files) - set(other))
        if unmatched:
            lack = "label" if have == "image" else "image"
            raise ValueError(f"{files[unmatched[0]]}: {have} has no matching {lack} "
                             f"({len(unmatched)} unmatched {have} file(s))")
    if not image_files:
        raise ValueError(f"{root / image_dir}: no PNG images found")

    images, labels = [], []
    for name in sorted(image_files):
        image, label = _read_image(image_files[name]), _read_label(label_files[name])
        if image.shape[:2] != label.shape:
            raise ValueError(f"{label_files[name]}: label size {label.shape} differs from the "
                             f"image size {image.shape[:2]} of {image_files[name]}")
        if images and image.shape[:2] != images[0].shape[:2]:
            raise ValueError(f"{image_files[name]}: size {image.shape[:2]} differs from "
                             f"{images[0].shape[:2]}, the size of the first image")
        if n_classes is not None and label.max() >= n_classes:
            raise ValueError(f"{label_files[name]}: class id {label.max()} is out of range "
                             f"for n_classes={n_classes}")
        images.append(image)
        labels.append(label)

    if all(im.ndim == 2 for im in images):
        batch = np.stack(images, axis=-1)[None]
    else:
        batch = np.stack([im if im.ndim == 3 else np.repeat(im[:, :, None], 3, axis=2)
                          for im in images], axis=-1).transpose(2, 0, 1, 3)
    label_batch = np.stack(labels, axis=-1)
    if n_classes is None:
        n_classes = int(label_batch.max()) + 1
    names = tuple(f"class {k}" for k in range(n_classes))
    return SegmentationData(np.ascontiguousarray(batch), label_batch, n_classes, names)


def save_segmentation_folder(data, root) -> Path:
    """Write a batch as a folder that :func:`load_segmentation_folder` reads back.

    Image ``l`` goes to ``root/images/NNNNN.png`` (8-bit grey or RGB, intensities
    rounded to multiples of 1/255) and its labels to ``root/labels/NNNNN.png`` (8-bit
    grey, or 16-bit when an id exceeds 255). Existing files of the same name are
    overwritten.

    Parameters
    ----------
    data : SegmentationData or (images, labels, ...)
        ``images (c, h, w, n)`` in ``[0, 1]`` with ``c`` in ``{1, 3}``; ``labels
        (h, w, n)`` integer ids in ``{0, ..., 65535}``.
    root : str or path
        Created if missing.

    Returns
    -------
    Path
        ``root``.
    """
    images, labels = np.asarray(data[0]), np.asarray(data[1])
    if images.ndim != 4 or images.shape[0] not in (1, 3):
        raise ValueError(f"images: expected shape (c, h, w, n) with c in {{1, 3}}, got {images.shape}")
    if not np.issubdtype(images.dtype, np.number) or not np.all(np.isfinite(images)) \
            or images.min() < 0 or images.max() > 1:
        raise ValueError("images: expected finite values in [0, 1]")
    if labels.shape != images.shape[1:]:
        raise ValueError(f"labels: expected shape {images.shape[1:]} to match images, got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > _MAX_LABEL_ID:
        raise ValueError(f"labels: expected integer class ids in 0..{_MAX_LABEL_ID}")

    root = Path(root)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "labels").mkdir(parents=True, exist_ok=True)
    n = images.shape[-1]
    width = max(5, len(str(n - 1)))
    pixels = np.rint(images * 255).astype(np.uint8)
    label_dtype = np.uint8 if labels.max() <= 255 else np.uint16
    for l in range(n):
        name = f"{l:0{width}d}.png"
        image = pixels[0, :, :, l] if pixels.shape[0] == 1 else pixels[:, :, :, l].transpose(1, 2, 0)
        Image.fromarray(np.ascontiguousarray(image)).save(root / "images" / name, format="PNG")
        Image.fromarray(labels[:, :, l].astype(label_dtype)).save(root / "labels" / name, format="PNG")
    return root
