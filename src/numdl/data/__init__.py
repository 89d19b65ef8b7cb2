"""Data: seeded synthetic 2-D sets, real image data sets, splitting and preprocessing.

Features are columns (``Y`` of shape ``(n_f, n)``), labels are one-hot columns
(``C`` of shape ``(n_c, n)``) and image batches have the batch axis last
(``(c, h, w, n)``).
"""

from numdl.data.cifar import CIFAR10_CLASSES, load_cifar10
from numdl.data.digits import digits_images, load_digits
from numdl.data.download import default_cache_dir, fetch, file_sha256
from numdl.data.idx import read_idx, write_idx
from numdl.data.images import ImageData, flatten_images, unflatten_images
from numdl.data.labels import one_hot, to_labels
from numdl.data.mnist import load_mnist
from numdl.data.segmentation import (
    SHAPE_CLASSES,
    SegmentationData,
    labels_to_onehot,
    load_segmentation_folder,
    save_segmentation_folder,
    shapes_segmentation,
)
from numdl.data.splitting import Split, Standardizer, center, split_data
from numdl.data.synthetic import (
    SYNTHETIC,
    circles,
    ellipses,
    peaks,
    peaks_function,
    peaks_thresholds,
    spiral,
    swiss_roll,
)

__all__ = [
    "SYNTHETIC",
    "peaks",
    "peaks_function",
    "peaks_thresholds",
    "ellipses",
    "circles",
    "spiral",
    "swiss_roll",
    "one_hot",
    "to_labels",
    "ImageData",
    "flatten_images",
    "unflatten_images",
    "Split",
    "split_data",
    "Standardizer",
    "center",
    "load_digits",
    "digits_images",
    "read_idx",
    "write_idx",
    "load_mnist",
    "load_cifar10",
    "CIFAR10_CLASSES",
    "fetch",
    "default_cache_dir",
    "file_sha256",
    "SegmentationData",
    "SHAPE_CLASSES",
    "shapes_segmentation",
    "labels_to_onehot",
    "load_segmentation_folder",
    "save_segmentation_folder",
]
