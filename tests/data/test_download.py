import hashlib

import pytest

from numdl.data import default_cache_dir, fetch, file_sha256


def _source(tmp_path, content=b"numdl test payload\n" * 1000):
    src = tmp_path / "src" / "file.bin"
    src.parent.mkdir()
    src.write_bytes(content)
    return src, hashlib.sha256(content).hexdigest()


def test_fetch_file_url_with_checksum(tmp_path):
    src, digest = _source(tmp_path)
    dest = tmp_path / "out" / "sub" / "file.bin"
    out = fetch(src.as_uri(), dest, sha256=digest, timeout=5)
    assert out == dest
    assert dest.read_bytes() == src.read_bytes()
    assert file_sha256(dest) == digest
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file.bin"]


def test_fetch_checksum_mismatch_leaves_nothing(tmp_path):
    src, digest = _source(tmp_path)
    dest = tmp_path / "out" / "file.bin"
    with pytest.raises(ValueError, match="sha256 mismatch"):
        fetch(src.as_uri(), dest, sha256="0" * 64)
    assert list(dest.parent.iterdir()) == []


def test_fetch_mismatch_keeps_existing_file(tmp_path):
    src, _ = _source(tmp_path)
    dest = tmp_path / "file.bin"
    dest.write_bytes(b"old")
    with pytest.raises(ValueError):
        fetch(src.as_uri(), dest, sha256="f" * 64)
    assert dest.read_bytes() == b"old"


def test_fetch_unreachable_url(tmp_path):
    url = (tmp_path / "does-not-exist.bin").as_uri()
    dest = tmp_path / "out" / "x.bin"
    with pytest.raises(ConnectionError) as info:
        fetch(url, dest)
    msg = str(info.value)
    assert url in msg and str(dest) in msg and "by hand" in msg
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize("kwargs, match", [
    (dict(timeout=0), "timeout"),
    (dict(timeout=None), "timeout"),
    (dict(sha256="abc"), "sha256"),
])
def test_fetch_bad_arguments(tmp_path, kwargs, match):
    src, _ = _source(tmp_path)
    with pytest.raises(ValueError, match=match):
        fetch(src.as_uri(), tmp_path / "x", **kwargs)


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMDL_DATA", str(tmp_path / "cache"))
    assert default_cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("NUMDL_DATA")
    assert default_cache_dir().parts[-2:] == (".cache", "numdl")
