"""CIFAR-10 from its python (pickled) or binary batches, or downloaded into the cache."""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path, PurePosixPath

import numpy as np

from numdl.data.download import _check_timeout, default_cache_dir, fetch, file_sha256
from numdl.data.images import ImageData
from numdl.data.labels import one_hot

__all__ = ["load_cifar10", "CIFAR10_URL", "CIFAR10_SHA256", "CIFAR10_CLASSES"]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
"""SHA-256 digest of ``cifar-10-python.tar.gz``."""
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")

_PY_DIR = "cifar-10-batches-py"
_BIN_DIR = "cifar-10-batches-bin"
_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
_TEST = ("test_batch",)
_PIXELS = 3 * 32 * 32

# Globals a CIFAR batch pickle may refer to: numpy array reconstruction and bytes.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
}


class _BatchUnpickler(pickle.Unpickler):
    """Unpickler that refuses every global except those needed for numpy arrays."""

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")
        return super().find_class(module, name)


def _check_batch(path: Path, data, labels):
    data = np.asarray(data)
    labels = np.asarray(labels)
    if data.ndim != 2 or data.shape[1] != _PIXELS or not np.issubdtype(data.dtype, np.integer):
        raise ValueError(f"{path}: expected integer image data of shape (n, {_PIXELS}), got "
                         f"{data.dtype} array of shape {data.shape}")
    if data.size and (data.min() < 0 or data.max() > 255):
        raise ValueError(f"{path}: pixel values must lie in 0..255")
    if labels.ndim != 1 or labels.shape[0] != data.shape[0]:
        raise ValueError(f"{path}: expected {data.shape[0]} labels (one per image), got shape "
                         f"{labels.shape}")
    if labels.size and (not np.issubdtype(labels.dtype, np.integer)
                        or labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels must be integers 0..9")
    return data.astype(np.uint8, copy=False), labels.astype(np.intp)


def _read_python_batch(path: Path):
    with open(path, "rb") as f:
        try:
            batch = _BatchUnpickler(f, encoding="bytes").load()
        except Exception as err:  # a corrupt pickle can fail in many ways
            raise ValueError(f"{path}: not a readable CIFAR-10 batch ({type(err).__name__}: "
                             f"{err})") from err
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a pickled dict, got {type(batch).__name__}")
    found = {}
    for key in ("data", "labels"):
        for k in (key.encode(), key):
            if k in batch:
                found[key] = batch[k]
                break
        else:
            raise ValueError(f"{path}: batch dict has no key b'{key}'")
    return _check_batch(path, found["data"], found["labels"])


def _read_binary_batch(path: Path):
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % (_PIXELS + 1):
        raise ValueError(f"{path}: size {raw.size} bytes is not a multiple of the record size "
                         f"{_PIXELS + 1} (1 label byte + {_PIXELS} pixels)")
    records = raw.reshape(-1, _PIXELS + 1)
    return _check_batch(path, records[:, 1:], records[:, 0])


def _locate(base: Path):
    """Return ``(directory, reader, suffix)`` for the first complete set of batches."""
    names = _TRAIN + _TEST
    for directory in (base, base / _PY_DIR):
        if all((directory / n).is_file() for n in names):
            return directory, _read_python_batch, ""
    for directory in (base, base / _BIN_DIR):
        if all((directory / f"{n}.bin").is_file() for n in names):
            return directory, _read_binary_batch, ".bin"
    return None


def _safe_extract(archive: Path, dest: Path) -> None:
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for m in members:
                parts = PurePosixPath(m.name).parts
                if m.name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                    raise ValueError(f"{archive}: refusing to extract member {m.name!r} "
                                     f"(absolute path or '..')")
                if not (m.isfile() or m.isdir()):
                    raise ValueError(f"{archive}: refusing to extract member {m.name!r} "
                                     f"(not a regular file or directory)")
            if hasattr(tarfile, "data_filter"):
                tar.extractall(dest, members=members, filter="data")
            else:
                tar.extractall(dest, members=members)
    except (tarfile.TarError, EOFError) as err:
        raise ValueError(f"{archive}: corrupt tar archive ({err})") from err


def _to_images(data: np.ndarray) -> np.ndarray:
    # rows are (channel, row, column) in C order: (n, 3072) -> (3, 32, 32, n)
    images = np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(1, 2, 3, 0),
                                  dtype=np.float64)
    images /= 255.0
    return images


def _load(directory: Path, names, reader, suffix) -> ImageData:
    parts = [reader(directory / f"{n}{suffix}") for n in names]
    data = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    return ImageData(_to_images(data), one_hot(labels, 10))


def load_cifar10(root=None, *, download=False, cache_dir=None, timeout=30.0,
                 sha256=CIFAR10_SHA256, url=CIFAR10_URL):
    """Load CIFAR-10 (50,000 training and 10,000 test color images of 32x32 pixels).

    Reads the python batches ``data_batch_1`` ... ``data_batch_5`` and ``test_batch``
    (pickled dicts with ``b"data"``, ``(n, 3072)`` uint8 in channel, row, column
    order, and ``b"labels"``) from ``root`` or ``root/cifar-10-batches-py``; the
    binary batches (``data_batch_1.bin`` ..., in ``root`` or
    ``root/cifar-10-batches-bin``) are read as well. If ``root`` is None the
    directory is ``cache_dir/cifar10`` (default cache:
    :func:`numdl.data.default_cache_dir`).

    Pickles are read with an unpickler that only accepts numpy arrays, so a
    tampered file cannot run code.

    Parameters
    ----------
    root : str or path-like, optional
    download : bool
        If the batches are missing, download ``cifar-10-python.tar.gz`` into the
        directory, verify it and extract it there (members with absolute paths,
        ``..`` or links are refused).
    cache_dir : str or path-like, optional
    timeout : float
        Network timeout in seconds.
    sha256 : str or None
        Expected digest of the archive (None skips the check).
    url : str
        Where to download the archive from.

    Returns
    -------
    train, test : ImageData
        ``images`` of shape ``(3, 32, 32, n)`` (float64, ``pixel/255`` in ``[0, 1]``)
        and one-hot ``C`` of shape ``(10, n)``; class names in
        :data:`CIFAR10_CLASSES`.

    Raises
    ------
    FileNotFoundError
        If the batches are missing and ``download`` is False.
    ConnectionError
        If the download fails.
    ValueError
        If a batch or the archive is corrupt (the message names the file).
    """
    timeout = _check_timeout(timeout)
    if root is not None:
        base = Path(root).expanduser()
    else:
        base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        base = base / "cifar10"
    found = _locate(base)
    if found is None:
        if not download:
            raise FileNotFoundError(
                f"CIFAR-10 batches (data_batch_1..5, test_batch) not found in {base} or "
                f"{base / _PY_DIR}. Call load_cifar10(..., download=True) to download them, "
                f"or extract cifar-10-python.tar.gz from {CIFAR10_URL} into {base}")
        archive = base / "cifar-10-python.tar.gz"
        if not (archive.is_file() and sha256 is not None and file_sha256(archive) == sha256):
            fetch(url, archive, sha256=sha256, timeout=timeout)
        _safe_extract(archive, base)
        found = _locate(base)
        if found is None:
            raise ValueError(f"{archive}: the archive does not contain the CIFAR-10 batches")
    directory, reader, suffix = found
    return (_load(directory, _TRAIN, reader, suffix), _load(directory, _TEST, reader, suffix))
