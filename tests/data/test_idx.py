import gzip

import numpy as np
import pytest

from numdl.data import read_idx, write_idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    rng = np.random.default_rng(0)
    arr = (rng.standard_normal((3, 4, 5)) * 100).astype(dtype)
    path = write_idx(tmp_path / f"a.idx{suffix}", arr)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    assert out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out, arr)
    if suffix:
        assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_header_layout(tmp_path):
    arr = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16)
    raw = write_idx(tmp_path / "b.idx", arr).read_bytes()
    assert raw[:4] == bytes([0, 0, 0x0B, 2])
    assert raw[4:12] == bytes([0, 0, 0, 2, 0, 0, 0, 3])
    assert raw[12:14] == bytes([0, 1])  # big-endian 1
    assert len(raw) == 12 + 6 * 2


def test_gz_detected_by_content(tmp_path):
    arr = np.arange(10, dtype=np.uint8)
    plain = write_idx(tmp_path / "c.idx", arr).read_bytes()
    (tmp_path / "noext").write_bytes(gzip.compress(plain))
    np.testing.assert_array_equal(read_idx(tmp_path / "noext"), arr)


def test_1d_and_big_endian_input(tmp_path):
    arr = np.arange(7, dtype=">i4")
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "d.idx", arr)), np.arange(7))


def _valid(tmp_path):
    arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    return write_idx(tmp_path / "v.idx", arr).read_bytes()


@pytest.mark.parametrize("mutate, match", [
    (lambda raw: raw[:-1], "truncated IDX data"),
    (lambda raw: raw[:10], "truncated IDX header"),
    (lambda raw: raw[:3], "truncated IDX header"),
    (lambda raw: b"\x01" + raw[1:], "two zero bytes"),
    (lambda raw: raw[:2] + b"\x0a" + raw[3:], "type code 0x0A"),
    (lambda raw: raw + b"\x00\x00", "2 unexpected trailing bytes"),
    (lambda raw: raw[:3] + b"\x00" + raw[4:], "0 dimensions"),
])
@pytest.mark.parametrize("compress", [False, True])
def test_corrupt_files(tmp_path, mutate, match, compress):
    raw = mutate(_valid(tmp_path))
    path = tmp_path / "bad.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    with pytest.raises(ValueError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip(tmp_path):
    raw = gzip.compress(_valid(tmp_path))
    path = tmp_path / "t.idx.gz"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.idx")


@pytest.mark.parametrize("arr", [np.zeros(3, dtype=np.int64), np.zeros(3, dtype=complex),
                                 np.array(5, dtype=np.uint8)])
def test_write_rejects(tmp_path, arr):
    with pytest.raises(ValueError, match="array"):
        write_idx(tmp_path / "x.idx", arr)
