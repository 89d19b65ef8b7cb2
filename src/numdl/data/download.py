"""Downloading data files with a timeout and checksum verification, and the cache directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from numbers import Real
from pathlib import Path

__all__ = ["fetch", "default_cache_dir", "file_sha256"]

_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """Directory where downloaded data sets are kept.

    The environment variable ``NUMDL_DATA`` if set (and not empty), otherwise
    ``~/.cache/numdl``. The directory is not created here.
    """
    env = os.environ.get("NUMDL_DATA", "")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "numdl"


def file_sha256(path) -> str:
    """SHA-256 digest of a file, as lower-case hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_timeout(timeout) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, Real) or not 0 < timeout < float("inf"):
        raise ValueError(f"timeout: expected a finite number of seconds > 0, got {timeout!r}")
    return float(timeout)


def fetch(url: str, dest, *, sha256: str | None = None, timeout: float = 30.0) -> Path:
    """Download ``url`` to the file ``dest`` and verify its checksum.

    The data is streamed into a temporary file next to ``dest`` (hashing on the
    way), checked against ``sha256`` when given, and only then moved to ``dest``;
    on any failure the temporary file is removed and ``dest`` is left untouched.
    Every network operation has the ``timeout``, so this never hangs.

    Parameters
    ----------
    url : str
        Any URL ``urllib.request.urlopen`` understands (``https://``, ``file://``...).
    dest : str or path-like
        Target file; missing parent directories are created.
    sha256 : str, optional
        Expected SHA-256 digest (hex).
    timeout : float
        Seconds to wait for the connection and for each read.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    ConnectionError
        If the download fails (no network, HTTP error, timeout); the message names
        the URL and where to place the file by hand.
    ValueError
        If the checksum does not match, or an argument is invalid.
    """
    timeout = _check_timeout(timeout)
    if sha256 is not None and (not isinstance(sha256, str) or len(sha256) != 64):
        raise ValueError(f"sha256: expected a 64-character hex digest, got {sha256!r}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                for block in iter(lambda: resp.read(_CHUNK), b""):
                    digest.update(block)
                    out.write(block)
        except (urllib.error.URLError, OSError) as err:
            raise ConnectionError(
                f"could not download {url}: {err}. Without network access, obtain the "
                f"file elsewhere and place it by hand at {dest}") from err
        if sha256 is not None and digest.hexdigest() != sha256.lower():
            raise ValueError(f"sha256 mismatch for {url}: expected {sha256.lower()}, got "
                             f"{digest.hexdigest()}; the download was discarded")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest
