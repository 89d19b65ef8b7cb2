import numpy as np
import pytest

from numdl.data import file_sha256, flatten_images, load_mnist, to_labels, write_idx
from numdl.data.mnist import MNIST_FILES


def _write_mnist(root, n_train=5, n_test=3, gz=False, seed=0):
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, size=n_train).astype(np.uint8),
        "test_images": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, size=n_test).astype(np.uint8),
    }
    for key, arr in arrays.items():
        write_idx(root / (MNIST_FILES[key] + (".gz" if gz else "")), arr)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_load_from_root(tmp_path, gz):
    arrays = _write_mnist(tmp_path / "m", gz=gz)
    train, test = load_mnist(tmp_path / "m")
    assert train.images.shape == (1, 28, 28, 5) and train.C.shape == (10, 5)
    assert test.images.shape == (1, 28, 28, 3) and test.C.shape == (10, 3)
    assert train.images.dtype == np.float64
    np.testing.assert_array_equal(to_labels(train.C), arrays["train_labels"])
    np.testing.assert_array_equal(to_labels(test.C), arrays["test_labels"])
    # pixel (i, j) of image l, scaled to [0, 1]
    np.testing.assert_allclose(train.images[0, 3, 7, 2], arrays["train_images"][2, 3, 7] / 255)
    np.testing.assert_allclose(flatten_images(test.images)[:, 1],
                               arrays["test_images"][1].ravel() / 255)


def test_load_from_cache_dir(tmp_path, monkeypatch):
    _write_mnist(tmp_path / "cache" / "mnist")
    train, _ = load_mnist(cache_dir=tmp_path / "cache")
    assert train.images.shape[-1] == 5
    monkeypatch.setenv("NUMDL_DATA", str(tmp_path / "cache"))
    train, _ = load_mnist()
    assert train.images.shape[-1] == 5


def test_missing_files(tmp_path):
    _write_mnist(tmp_path)
    (tmp_path / MNIST_FILES["test_labels"]).unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path)
    msg = str(info.value)
    assert str(tmp_path / MNIST_FILES["test_labels"]) in msg and "download=True" in msg


def test_mismatched_counts(tmp_path):
    _write_mnist(tmp_path)
    write_idx(tmp_path / MNIST_FILES["train_labels"], np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match="5 images but .* 4 labels"):
        load_mnist(tmp_path)


def test_label_out_of_range(tmp_path):
    _write_mnist(tmp_path)
    write_idx(tmp_path / MNIST_FILES["test_labels"], np.array([1, 10, 2], dtype=np.uint8))
    with pytest.raises(ValueError, match="0..9"):
        load_mnist(tmp_path)


def test_wrong_image_type(tmp_path):
    _write_mnist(tmp_path)
    write_idx(tmp_path / MNIST_FILES["train_images"], np.zeros((5, 28, 28), dtype=np.float32))
    with pytest.raises(ValueError, match="uint8 images"):
        load_mnist(tmp_path)


def test_download_from_mirror(tmp_path):
    _write_mnist(tmp_path / "mirror", gz=True)
    dest = tmp_path / "dest"
    digests = {p.name: file_sha256(p) for p in (tmp_path / "mirror").iterdir()}
    train, test = load_mnist(dest, download=True, mirrors=[(tmp_path / "mirror").as_uri()],
                             sha256=digests)
    assert train.images.shape == (1, 28, 28, 5)
    assert sorted(p.name for p in dest.iterdir()) == sorted(n + ".gz" for n in MNIST_FILES.values())


def test_download_checks_sha256(tmp_path):
    _write_mnist(tmp_path / "mirror", gz=True)
    # the built-in digests are those of the real files, so the fake files are rejected
    with pytest.raises(ValueError, match="sha256 mismatch"):
        load_mnist(tmp_path / "dest", download=True, mirrors=[(tmp_path / "mirror").as_uri()])


def test_download_failure_is_clear(tmp_path):
    mirrors = [(tmp_path / "nowhere").as_uri(), (tmp_path / "nowhere2").as_uri()]
    with pytest.raises(ConnectionError, match="by hand"):
        load_mnist(tmp_path / "dest", download=True, mirrors=mirrors, timeout=2)


def test_download_tries_next_mirror(tmp_path):
    _write_mnist(tmp_path / "mirror", gz=True)
    mirrors = [(tmp_path / "nowhere").as_uri(), (tmp_path / "mirror").as_uri()]
    digests = {n + ".gz": None for n in MNIST_FILES.values()}
    train, _ = load_mnist(tmp_path / "dest", download=True, mirrors=mirrors, sha256=digests)
    assert train.images.shape == (1, 28, 28, 5)


def test_bad_sha256_argument(tmp_path):
    _write_mnist(tmp_path)
    with pytest.raises(ValueError, match="sha256"):
        load_mnist(tmp_path, sha256="abc")
