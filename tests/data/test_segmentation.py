import numpy as np
import pytest
from PIL import Image

from numdl.data import (
    SHAPE_CLASSES,
    SegmentationData,
    labels_to_onehot,
    load_segmentation_folder,
    save_segmentation_folder,
    shapes_segmentation,
)
from numdl.data.segmentation import (
    _disc_mask,
    _pixel_centres,
    _rectangle_mask,
    _triangle_mask,
)


# ----------------------------------------------------------------------------- generator

def test_shapes_dtypes_ranges():
    data = shapes_segmentation(10, 24, seed=0)
    assert isinstance(data, SegmentationData)
    assert data.images.shape == (3, 24, 24, 10) and data.images.dtype == np.float64
    assert data.labels.shape == (24, 24, 10) and data.labels.dtype == np.int64
    assert 0 <= data.images.min() and data.images.max() <= 1
    assert set(np.unique(data.labels)) <= {0, 1, 2, 3}
    assert data.n_classes == 4 and data.class_names == SHAPE_CLASSES == (
        "background", "disc", "rectangle", "triangle")


def test_shapes_seeded():
    a, b = shapes_segmentation(5, 16, seed=7), shapes_segmentation(5, 16, seed=7)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.labels, b.labels)
    c = shapes_segmentation(5, 16, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a.images, c.images)
    d = shapes_segmentation(5, 16, seed=8)
    assert not np.array_equal(a.labels, d.labels)


def test_every_class_appears_in_a_batch():
    data = shapes_segmentation(64, 32, seed=0)
    counts = np.bincount(data.labels.ravel(), minlength=4)
    assert np.all(counts > 0.03 * data.labels.size)  # every class covers > 3 % of the pixels
    assert counts[0] > 0.5 * data.labels.size        # background dominates
    per_image = (data.labels != 0).reshape(-1, 64).sum(axis=0)
    assert np.all(per_image > 0)                       # n_shapes >= 1 and shapes cover pixels


def test_noise_only_adds_gaussian_noise():
    clean = shapes_segmentation(20, 32, noise=0.0, seed=3)
    noisy = shapes_segmentation(20, 32, noise=0.05, seed=3)
    np.testing.assert_array_equal(clean.labels, noisy.labels)
    diff = (noisy.images - clean.images)[(noisy.images > 0) & (noisy.images < 1)]
    assert abs(diff.mean()) < 2e-3 and diff.std() == pytest.approx(0.05, rel=0.03)


def test_no_shapes_gives_smooth_background():
    data = shapes_segmentation(6, 32, n_shapes=(0, 0), noise=0.0, seed=1)
    assert np.all(data.labels == 0)
    # smooth: neighbouring pixels differ by far less than the shape/background contrast
    assert np.abs(np.diff(data.images, axis=1)).max() < 0.05
    assert np.abs(np.diff(data.images, axis=2)).max() < 0.05


def _single_shapes(kind, n=40, size=32):
    """Noise-free images with exactly one shape, kept when the shape is ``kind``."""
    data = shapes_segmentation(n, size, n_shapes=(1, 1), noise=0.0, seed=11)
    keep = [l for l in range(n) if set(np.unique(data.labels[:, :, l])) == {0, kind}]
    assert len(keep) >= 5
    return data, keep


@pytest.mark.parametrize("kind", [1, 2, 3])
def test_single_shape_is_one_flat_colour_distinct_from_background(kind):
    data, keep = _single_shapes(kind)
    for l in keep:
        mask = data.labels[:, :, l] == kind
        colours = data.images[:, mask, l]
        np.testing.assert_array_equal(colours, colours[:, :1] * np.ones_like(colours))
        background = data.images[:, ~mask, l].mean(axis=1)
        assert np.all(np.abs(colours[:, 0] - background) > 0.1)


def _bbox(mask):
    rows, cols = np.nonzero(mask)
    return rows.min(), rows.max(), cols.min(), cols.max()


def test_generated_rectangles_fill_their_bounding_box():
    data, keep = _single_shapes(2)
    for l in keep:
        mask = data.labels[:, :, l] == 2
        r0, r1, c0, c1 = _bbox(mask)
        assert mask.sum() == (r1 - r0 + 1) * (c1 - c0 + 1)


def test_generated_discs_are_round_and_contain_their_centre():
    data, keep = _single_shapes(1)
    checked = 0
    for l in keep:
        mask = data.labels[:, :, l] == 1
        r0, r1, c0, c1 = _bbox(mask)
        if r0 == 0 or c0 == 0 or r1 == 31 or c1 == 31:
            continue  # clipped by the border
        checked += 1
        assert abs((r1 - r0) - (c1 - c0)) <= 1  # as wide as high, up to a pixel
        assert mask[(r0 + r1) // 2, (c0 + c1) // 2]
        assert mask.sum() / ((r1 - r0 + 1) * (c1 - c0 + 1)) == pytest.approx(np.pi / 4, abs=0.08)
    assert checked >= 3


def test_generated_triangles_cover_at_most_half_their_box():
    data, keep = _single_shapes(3)
    for l in keep:
        mask = data.labels[:, :, l] == 3
        r0, r1, c0, c1 = _bbox(mask)
        area = (r1 - r0 + 1) * (c1 - c0 + 1)
        assert 0.25 * area < mask.sum() <= 0.6 * area  # a triangle fills <= 1/2 of its box


def test_mask_helpers_against_pixel_loops():
    size = 12
    x, y = _pixel_centres(size)
    assert x[3, 5] == 5.5 and y[3, 5] == 3.5
    disc = _disc_mask(x, y, (6.0, 5.0), 3.2)
    rect = _rectangle_mask(x, y, (4.0, 7.0), 2.0, 3.0)
    tri = _triangle_mask(x, y, np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]]))
    for i in range(size):
        for j in range(size):
            cx, cy = j + 0.5, i + 0.5
            assert disc[i, j] == ((cx - 6) ** 2 + (cy - 5) ** 2 <= 3.2**2)
            assert rect[i, j] == (abs(cx - 4) <= 2 and abs(cy - 7) <= 3)
            assert tri[i, j] == (cx + cy <= 8)
    assert disc.sum() == 32 and rect.sum() == 4 * 6 and tri.sum() == 36


@pytest.mark.parametrize("kwargs, name", [
    (dict(n=0), "n"), (dict(n=2.5), "n"), (dict(n=True), "n"),
    (dict(size=7), "size"), (dict(size=16.0), "size"),
    (dict(n_shapes=(3, 1)), "n_shapes"), (dict(n_shapes=(-1, 2)), "n_shapes"),
    (dict(n_shapes=3), "n_shapes"), (dict(n_shapes=(1, 2, 3)), "n_shapes"),
    (dict(n_shapes=(1, 2.5)), "n_shapes"),
    (dict(noise=-0.1), "noise"), (dict(noise=float("nan")), "noise"), (dict(noise="a"), "noise"),
    (dict(seed="x"), "seed"),
])
def test_shapes_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        shapes_segmentation(**kwargs)


# ----------------------------------------------------------------------------- one-hot

def test_labels_to_onehot():
    labels = shapes_segmentation(4, 16, seed=2).labels
    C = labels_to_onehot(labels, 4)
    assert C.shape == (4, 16, 16, 4) and C.dtype == np.float64
    np.testing.assert_array_equal(C.sum(axis=0), 1.0)
    np.testing.assert_array_equal(C.argmax(axis=0), labels)
    assert labels_to_onehot(labels, 5, dtype=np.float32).dtype == np.float32
    with pytest.raises(ValueError, match="labels"):
        labels_to_onehot(labels, 3)
    with pytest.raises(ValueError, match="^n_classes"):
        labels_to_onehot(labels, 0)


# ----------------------------------------------------------------------------- folders

def test_save_load_round_trip(tmp_path):
    data = shapes_segmentation(7, 20, seed=4)
    assert save_segmentation_folder(data, tmp_path / "seg") == tmp_path / "seg"
    assert sorted(p.name for p in (tmp_path / "seg" / "images").iterdir())[:2] == [
        "00000.png", "00001.png"]
    back = load_segmentation_folder(tmp_path / "seg")
    assert back.images.shape == data.images.shape and back.images.dtype == np.float64
    np.testing.assert_allclose(back.images, data.images, rtol=0, atol=0.5 / 255 + 1e-7)
    np.testing.assert_array_equal(back.labels, data.labels)
    assert back.labels.dtype == np.int64
    assert back.n_classes == 4 and back.class_names == ("class 0", "class 1", "class 2", "class 3")
    assert load_segmentation_folder(tmp_path / "seg", n_classes=6).n_classes == 6


def test_round_trip_grey_images_and_16_bit_labels(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(1, 9, 11, 3)) / 255
    labels = rng.integers(0, 1000, size=(9, 11, 3))
    save_segmentation_folder((images, labels), tmp_path)
    back = load_segmentation_folder(tmp_path)
    # already 8-bit values: exact up to matplotlib's float32 reading
    np.testing.assert_allclose(back.images, images, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(back.labels, labels)
    assert back.n_classes == labels.max() + 1


def _write_pair(root, name, image, label):
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "labels").mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(root / "images" / f"{name}.png")
    Image.fromarray(label).save(root / "labels" / f"{name}.png")


def test_load_modes_sorting_and_other_files(tmp_path):
    rgba = np.zeros((4, 5, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 10  # red, almost transparent: alpha is dropped
    grey = np.full((4, 5), 51, np.uint8)
    label = np.arange(20, dtype=np.uint8).reshape(4, 5) % 3
    _write_pair(tmp_path, "b", rgba, label)
    _write_pair(tmp_path, "a", grey, label[::-1].copy())
    palette = Image.fromarray(label, mode="P")
    palette.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * 759)
    palette.save(tmp_path / "labels" / "c.png")
    Image.fromarray(grey).save(tmp_path / "images" / "c.png")
    (tmp_path / "images" / "notes.txt").write_text("not an image")
    data = load_segmentation_folder(tmp_path)
    assert data.images.shape == (3, 4, 5, 3)
    np.testing.assert_allclose(data.images[:, :, :, 0], 0.2)       # "a": grey repeated
    np.testing.assert_allclose(data.images[:, 0, 0, 1], [1, 0, 0])  # "b": RGBA -> RGB
    np.testing.assert_array_equal(data.labels[:, :, 0], label[::-1])
    np.testing.assert_array_equal(data.labels[:, :, 1], label)
    np.testing.assert_array_equal(data.labels[:, :, 2], label)     # palette indices are ids
    assert data.n_classes == 3


def test_load_all_grey_gives_one_channel(tmp_path):
    _write_pair(tmp_path, "x", np.full((3, 3), 255, np.uint8), np.ones((3, 3), np.uint8))
    data = load_segmentation_folder(tmp_path)
    assert data.images.shape == (1, 3, 3, 1) and np.all(data.images == 1)


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "seg"
    save_segmentation_folder(shapes_segmentation(3, 12, seed=5), root)
    return root


def test_missing_folders(tmp_path, folder):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_segmentation_folder(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="imgs"):
        load_segmentation_folder(folder, image_dir="imgs")
    with pytest.raises(FileNotFoundError, match="masks"):
        load_segmentation_folder(folder, label_dir="masks")


def test_image_without_label(folder):
    (folder / "labels" / "00001.png").unlink()
    with pytest.raises(ValueError, match=r"images[/\\]00001\.png: image has no matching label"):
        load_segmentation_folder(folder)


def test_label_without_image(folder):
    (folder / "images" / "00002.png").unlink()
    with pytest.raises(ValueError, match=r"labels[/\\]00002\.png: label has no matching image"):
        load_segmentation_folder(folder)


@pytest.mark.parametrize("sub", ["images", "labels"])
def test_truncated_png(folder, sub):
    path = folder / sub / "00001.png"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=rf"{sub}[/\\]00001\.png: not a readable PNG"):
        load_segmentation_folder(folder)


def test_not_a_png(folder):
    (folder / "labels" / "00000.png").write_bytes(b"hello")
    with pytest.raises(ValueError, match=r"labels[/\\]00000\.png: not a readable PNG"):
        load_segmentation_folder(folder)


def test_label_size_differs_from_image(folder):
    Image.fromarray(np.zeros((12, 13), np.uint8)).save(folder / "labels" / "00002.png")
    with pytest.raises(ValueError, match=r"labels[/\\]00002\.png: label size \(12, 13\) differs"):
        load_segmentation_folder(folder)


def test_image_sizes_differ(folder):
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(folder / "images" / "00001.png")
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(folder / "labels" / "00001.png")
    with pytest.raises(ValueError, match=r"images[/\\]00001\.png: size \(10, 10\) differs"):
        load_segmentation_folder(folder)


def test_label_ids_out_of_range(folder):
    Image.fromarray(np.full((12, 12), 9, np.uint8)).save(folder / "labels" / "00001.png")
    with pytest.raises(ValueError, match=r"labels[/\\]00001\.png: class id 9 is out of range"):
        load_segmentation_folder(folder, n_classes=4)
    assert load_segmentation_folder(folder).n_classes == 10
    with pytest.raises(ValueError, match="^n_classes"):
        load_segmentation_folder(folder, n_classes=0)


def test_colour_label_rejected(folder):
    Image.fromarray(np.zeros((12, 12, 3), np.uint8)).save(folder / "labels" / "00000.png")
    with pytest.raises(ValueError, match=r"labels[/\\]00000\.png: expected a single-channel PNG"):
        load_segmentation_folder(folder)


def test_empty_folder(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "labels").mkdir()
    with pytest.raises(ValueError, match="no PNG images"):
        load_segmentation_folder(tmp_path)


def test_save_rejects_bad_data(tmp_path):
    images, labels = np.zeros((3, 4, 4, 2)), np.zeros((4, 4, 2), np.int64)
    with pytest.raises(ValueError, match="^images"):
        save_segmentation_folder((images[:2], labels), tmp_path)
    with pytest.raises(ValueError, match="^images"):
        save_segmentation_folder((images + 2, labels), tmp_path)
    with pytest.raises(ValueError, match="^labels"):
        save_segmentation_folder((images, labels[:, :, :1]), tmp_path)
    with pytest.raises(ValueError, match="^labels"):
        save_segmentation_folder((images, labels - 1), tmp_path)
    with pytest.raises(ValueError, match="^labels"):
        save_segmentation_folder((images, labels + 0.5), tmp_path)
