"""Small shared helpers: input validation and random generators."""

from numdl.utils.validation import (
    as_generator,
    check_array,
    check_labels,
    check_features_labels,
)

__all__ = ["as_generator", "check_array", "check_labels", "check_features_labels"]
