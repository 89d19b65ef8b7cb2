"""MNIST from its four IDX files, found in a directory or downloaded into the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from numdl.data.download import _check_timeout, default_cache_dir, fetch
from numdl.data.idx import read_idx
from numdl.data.images import ImageData
from numdl.data.labels import one_hot

__all__ = ["load_mnist", "MNIST_FILES", "MNIST_SHA256", "MNIST_MIRRORS"]

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
"""Standard file names (without the ``.gz`` suffix)."""

MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
"""SHA-256 digests of the canonical gzip files."""

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
"""Base URLs tried in order by ``load_mnist(download=True)``."""


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _download(directory: Path, name: str, mirrors, sha256: dict, timeout: float) -> Path:
    gz = f"{name}.gz"
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + gz
        try:
            return fetch(url, directory / gz, sha256=sha256.get(gz), timeout=timeout)
        except ConnectionError as err:
            errors.append(str(err))
    raise ConnectionError(f"could not download MNIST file {gz} from any mirror; place the "
                          f"four MNIST files in {directory} by hand. Errors: " + " | ".join(errors))


def _load_part(images_path: Path, labels_path: Path) -> ImageData:
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"{images_path}: expected uint8 images of shape (n, h, w), got "
                         f"{images.dtype} array of shape {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(f"{labels_path}: expected uint8 labels of shape (n,), got "
                         f"{labels.dtype} array of shape {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{images_path} has {images.shape[0]} images but {labels_path} has "
                         f"{labels.shape[0]} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: labels must be digits 0..9, found {labels.max()}")
    # (n, h, w) -> (1, h, w, n), gray values in [0, 1]
    out = np.ascontiguousarray(images.transpose(1, 2, 0), dtype=np.float64)[None]
    out /= 255.0
    return ImageData(out, one_hot(labels, 10))


def load_mnist(root=None, *, download=False, cache_dir=None, timeout=30.0,
               sha256=None, mirrors=None):
    """Load MNIST (60,000 training and 10,000 test digits of 28x28 pixels).

    The files ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each plain or with
    ``.gz``) are read from ``root``, or, if ``root`` is None, from
    ``cache_dir/mnist`` (default cache: :func:`numdl.data.default_cache_dir`).

    Parameters
    ----------
    root : str or path-like, optional
        Directory holding the four files.
    download : bool
        Download missing files (gzip) into that directory, verifying SHA-256.
    cache_dir : str or path-like, optional
        Cache directory used when ``root`` is None.
    timeout : float
        Network timeout in seconds for each download.
    sha256 : dict, optional
        ``{file name: hex digest}`` replacing entries of :data:`MNIST_SHA256`
        (file names with ``.gz``; a digest ``None`` skips that check).
    mirrors : sequence of str, optional
        Base URLs to try instead of :data:`MNIST_MIRRORS`.

    Returns
    -------
    train, test : ImageData
        ``images`` of shape ``(1, 28, 28, n)`` (float64 gray values ``pixel/255`` in
        ``[0, 1]``) and one-hot ``C`` of shape ``(10, n)``.

    Raises
    ------
    FileNotFoundError
        If a file is missing and ``download`` is False.
    ConnectionError
        If a download fails.
    ValueError
        If a file is corrupt, image and label counts differ, or a label exceeds 9.
    """
    timeout = _check_timeout(timeout)
    if root is not None:
        directory = Path(root).expanduser()
    else:
        directory = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        directory = directory / "mnist"
    table = dict(MNIST_SHA256)
    if sha256 is not None:
        if not isinstance(sha256, dict):
            raise ValueError(f"sha256: expected a dict {{file name: hex digest}}, got "
                             f"{type(sha256).__name__}")
        table.update(sha256)
    mirrors = MNIST_MIRRORS if mirrors is None else tuple(mirrors)
    paths = {}
    for key, name in MNIST_FILES.items():
        path = _find(directory, name)
        if path is None:
            if not download:
                raise FileNotFoundError(
                    f"MNIST file {directory / name}[.gz] not found. Call load_mnist(..., "
                    f"download=True) to download it, or put the four files "
                    f"{', '.join(n + '.gz' for n in MNIST_FILES.values())} in {directory}")
            path = _download(directory, name, mirrors, table, timeout)
        paths[key] = path
    train = _load_part(paths["train_images"], paths["train_labels"])
    test = _load_part(paths["test_images"], paths["test_labels"])
    return train, test
