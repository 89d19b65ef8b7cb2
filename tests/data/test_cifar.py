import io
import pickle
import tarfile

import numpy as np
import pytest

from numdl.data import load_cifar10, to_labels
from numdl.data.download import file_sha256

TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
NAMES = TRAIN + ["test_batch"]


def _batches(n=4, seed=0):
    rng = np.random.default_rng(seed)
    return {name: (rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
                   rng.integers(0, 10, size=n).tolist()) for name in NAMES}


def _write_python(directory, batches):
    directory.mkdir(parents=True, exist_ok=True)
    for name, (data, labels) in batches.items():
        with open(directory / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"data": data, b"labels": labels}, f)


def _check(train, test, batches):
    data = np.concatenate([batches[n][0] for n in TRAIN])
    labels = np.concatenate([batches[n][1] for n in TRAIN])
    assert train.images.shape == (3, 32, 32, 20) and train.C.shape == (10, 20)
    assert test.images.shape == (3, 32, 32, 4) and test.C.shape == (10, 4)
    assert train.images.dtype == np.float64
    np.testing.assert_array_equal(to_labels(train.C), labels)
    np.testing.assert_array_equal(to_labels(test.C), batches["test_batch"][1])
    # row of 3072 values is channel-major, then row, then column
    c, i, j, l = 2, 5, 31, 13
    assert train.images[c, i, j, l] == data[l, c * 1024 + i * 32 + j] / 255
    assert 0 <= train.images.min() and train.images.max() <= 1


@pytest.mark.parametrize("sub", ["", "cifar-10-batches-py"])
def test_load_python_batches(tmp_path, sub):
    batches = _batches()
    _write_python(tmp_path / sub if sub else tmp_path, batches)
    _check(*load_cifar10(tmp_path), batches)


def test_load_binary_batches(tmp_path):
    batches = _batches()
    d = tmp_path / "cifar-10-batches-bin"
    d.mkdir()
    for name, (data, labels) in batches.items():
        records = np.hstack([np.array(labels, dtype=np.uint8)[:, None], data])
        records.tofile(d / f"{name}.bin")
    _check(*load_cifar10(tmp_path), batches)


def test_load_from_cache(tmp_path):
    batches = _batches()
    _write_python(tmp_path / "cifar10", batches)
    _check(*load_cifar10(cache_dir=tmp_path), batches)


def test_missing(tmp_path):
    _write_python(tmp_path, _batches())
    (tmp_path / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path)
    assert str(tmp_path) in str(info.value) and "download=True" in str(info.value)


def _corrupt(tmp_path, name, payload):
    _write_python(tmp_path, _batches())
    (tmp_path / name).write_bytes(payload)
    with pytest.raises(ValueError) as info:
        load_cifar10(tmp_path)
    assert name in str(info.value)
    return str(info.value)


def test_truncated_pickle(tmp_path):
    good = pickle.dumps({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 2, 3]})
    _corrupt(tmp_path, "data_batch_2", good[: len(good) // 2])


def test_garbage_file(tmp_path):
    _corrupt(tmp_path, "test_batch", b"this is not a pickle")


def test_missing_key(tmp_path):
    msg = _corrupt(tmp_path, "data_batch_4", pickle.dumps({b"data": np.zeros((4, 3072), np.uint8)}))
    assert "labels" in msg


def test_wrong_data_size(tmp_path):
    _corrupt(tmp_path, "data_batch_1",
             pickle.dumps({b"data": np.zeros((4, 3000), np.uint8), b"labels": [0, 1, 2, 3]}))


def test_label_count_and_range(tmp_path):
    _corrupt(tmp_path, "data_batch_5",
             pickle.dumps({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 2]}))
    _corrupt(tmp_path, "data_batch_5",
             pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 10]}))


class _Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_refuses_arbitrary_globals(tmp_path):
    msg = _corrupt(tmp_path, "test_batch", pickle.dumps({b"data": _Evil(), b"labels": []}))
    assert "builtins.print" in msg


def test_binary_wrong_size(tmp_path):
    d = tmp_path
    for name in NAMES:
        np.zeros(3073 * 2, np.uint8).tofile(d / f"{name}.bin")
    np.zeros(3073 * 2 - 5, np.uint8).tofile(d / "test_batch.bin")
    with pytest.raises(ValueError, match="test_batch.bin"):
        load_cifar10(d)


def _archive(tmp_path, batches):
    src = tmp_path / "src"
    _write_python(src / "cifar-10-batches-py", batches)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    return archive


def test_download_and_extract(tmp_path):
    batches = _batches()
    archive = _archive(tmp_path, batches)
    dest = tmp_path / "dest"
    train, test = load_cifar10(dest, download=True, url=archive.as_uri(),
                               sha256=file_sha256(archive))
    _check(train, test, batches)
    assert (dest / "cifar-10-batches-py" / "test_batch").is_file()
    # second call finds the extracted batches without downloading
    _check(*load_cifar10(dest, url=(tmp_path / "gone").as_uri()), batches)


def test_download_checksum_mismatch(tmp_path):
    archive = _archive(tmp_path, _batches())
    with pytest.raises(ValueError, match="sha256 mismatch"):
        load_cifar10(tmp_path / "dest", download=True, url=archive.as_uri())
    assert not (tmp_path / "dest" / "cifar-10-python.tar.gz").exists()


@pytest.mark.parametrize("member", ["../evil.txt", "/tmp/evil.txt", "a/../../evil.txt"])
def test_unsafe_archive_rejected(tmp_path, member):
    archive = tmp_path / "bad.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))
    dest = tmp_path / "a" / "b" / "dest"
    with pytest.raises(ValueError, match="refusing to extract"):
        load_cifar10(dest, download=True, url=archive.as_uri(), sha256=None)
    assert not (tmp_path / "a" / "b" / "evil.txt").exists()
    assert not (tmp_path / "a" / "evil.txt").exists()


def test_symlink_member_rejected(tmp_path):
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(ValueError, match="not a regular file"):
        load_cifar10(tmp_path / "dest", download=True, url=archive.as_uri(), sha256=None)
