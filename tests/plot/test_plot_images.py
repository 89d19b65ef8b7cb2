import numpy as np
import pytest

from numdl.plot import plot_montage, plot_weights_as_images
from numdl.plot.images import _as_image_list


def test_image_batch_layouts():
    rng = np.random.default_rng(0)
    rgb = rng.random((3, 4, 5, 6))
    batch, is_rgb = _as_image_list(rgb)
    assert is_rgb and batch.shape == (6, 4, 5, 3)
    np.testing.assert_array_equal(batch[2, :, :, 1], rgb[1, :, :, 2])
    gray = rng.random((4, 5, 6))
    batch, is_rgb = _as_image_list(gray[None])
    assert not is_rgb and batch.shape == (6, 4, 5)
    np.testing.assert_array_equal(batch[3], gray[..., 3])
    np.testing.assert_array_equal(_as_image_list(gray)[0], batch)


def test_montage_gray_and_rgb(tmp_path, read_png):
    rng = np.random.default_rng(0)
    read_png(plot_montage(rng.random((1, 8, 8, 10)), tmp_path / "g.png",
                          labels=[str(i) for i in range(10)], title="digits"))
    read_png(plot_montage(rng.normal(size=(8, 8, 5)), tmp_path / "h.png", ncols=5, cmap="viridis"))
    pixels = read_png(plot_montage(rng.random((3, 16, 16, 4)), tmp_path / "rgb.png"))
    saturation = pixels[..., :3].max(axis=-1) - pixels[..., :3].min(axis=-1)
    assert saturation.max() > 0.3  # shown in color
    read_png(plot_montage(np.zeros((1, 4, 4, 1)), tmp_path / "z.png", title="constant"))


@pytest.mark.parametrize("shape", [(8, 8), (2, 8, 8, 3), (1, 1, 8, 8, 3)])
def test_montage_rejects_bad_shapes(tmp_path, shape):
    with pytest.raises(ValueError, match="images"):
        plot_montage(np.zeros(shape), tmp_path / "m.png")


def test_montage_label_count(tmp_path):
    with pytest.raises(ValueError, match="labels"):
        plot_montage(np.zeros((1, 4, 4, 3)), tmp_path / "m.png", labels=["a", "b"])
    with pytest.raises(ValueError, match="ncols"):
        plot_montage(np.zeros((1, 4, 4, 3)), tmp_path / "m.png", ncols=0)


def test_weights_as_images(tmp_path, read_png):
    rng = np.random.default_rng(0)
    W = rng.normal(size=(10, 6 * 4))
    pixels = read_png(plot_weights_as_images(W, (6, 4), tmp_path / "w.png",
                                             titles=[f"class {k}" for k in range(10)],
                                             title="templates"))
    assert pixels.shape[1] > pixels.shape[0]  # 5 x 2 grid plus colorbar: landscape
    read_png(plot_weights_as_images(np.zeros((1, 9)), (3, 3), tmp_path / "z.png"))


def test_weights_as_images_validation(tmp_path):
    with pytest.raises(ValueError, match="W: rows of length 65.*bias"):
        plot_weights_as_images(np.zeros((10, 65)), (8, 8), tmp_path / "w.png")
    with pytest.raises(ValueError, match="W"):
        plot_weights_as_images(np.zeros(64), (8, 8), tmp_path / "w.png")
    with pytest.raises(ValueError, match="image_shape"):
        plot_weights_as_images(np.zeros((2, 64)), (8, 8, 1), tmp_path / "w.png")
    with pytest.raises(ValueError, match="titles"):
        plot_weights_as_images(np.zeros((2, 4)), (2, 2), tmp_path / "w.png", titles=["a"])
