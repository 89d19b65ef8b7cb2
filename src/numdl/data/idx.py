"""Reading and writing IDX files (the MNIST format), plain or gzip-compressed.

Layout: two zero bytes, a type code byte, the number of dimensions ``d``, then
``d`` big-endian uint32 sizes, then the data in C order, big-endian.

=========  ===========
type code  data type
=========  ===========
0x08       uint8
0x09       int8
0x0B       int16
0x0C       int32
0x0D       float32
0x0E       float64
=========  ===========
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

__all__ = ["read_idx", "write_idx"]

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _TYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: Path) -> bytes:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{path}: corrupt or truncated gzip data ({err})") from err


def read_idx(path) -> np.ndarray:
    """Read an IDX file into an array.

    Parameters
    ----------
    path : str or path-like
        An IDX file, optionally gzip-compressed (recognized by its content, so the
        ``.gz`` suffix is not required).

    Returns
    -------
    ndarray
        Shape as stored in the header, native byte order, dtype given by the type
        code (uint8, int8, int16, int32, float32 or float64).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not valid IDX: wrong magic bytes, unknown type code, zero
        dimensions, truncated header or data, or extra bytes after the data; the
        message names the path.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need at least 4)")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (magic must start with two zero bytes, "
                         f"got {raw[:2].hex()})")
    code, ndim = raw[2], raw[3]
    if code not in _TYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{code:02X} (expected one of "
                         + ", ".join(f"0x{c:02X}" for c in _TYPES) + ")")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, need {header} "
                         f"for {ndim} dimensions)")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_TYPES[code])
    expected = header + dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    if len(raw) < expected:
        raise ValueError(f"{path}: truncated IDX data (shape {shape} of {dtype.newbyteorder('=')} "
                         f"needs {expected} bytes, file has {len(raw)})")
    if len(raw) > expected:
        raise ValueError(f"{path}: {len(raw) - expected} unexpected trailing bytes after the "
                         f"IDX data of shape {shape}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def write_idx(path, array) -> Path:
    """Write an array as an IDX file; gzip-compressed when ``path`` ends in ``.gz``.

    Parameters
    ----------
    path : str or path-like
    array : array_like
        At least 1-D, dtype uint8, int8, int16, int32, float32 or float64.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    arr = np.asarray(array)
    dtype = arr.dtype.newbyteorder("=")
    if dtype not in _CODES:
        raise ValueError(f"array: IDX stores uint8, int8, int16, int32, float32 or float64, "
                         f"got dtype {arr.dtype}")
    if arr.ndim == 0 or arr.ndim > 255:
        raise ValueError(f"array: IDX needs 1 to 255 dimensions, got shape {arr.shape}")
    if max(arr.shape) >= 2**32:
        raise ValueError(f"array: IDX sizes must fit in uint32, got shape {arr.shape}")
    header = bytes([0, 0, _CODES[dtype], arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(arr, dtype=dtype.newbyteorder(">")).tobytes()
    if path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
    return path
