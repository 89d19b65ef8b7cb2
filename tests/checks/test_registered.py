"""Runs the Taylor and adjoint checks of every registered object (as `numdl check` does)."""

import pytest

from numdl.checks import registered_checks, run_check

NAMES = list(registered_checks())


@pytest.mark.parametrize("name", NAMES)
def test_registered_object(name):
    results = run_check(name)
    assert results, f"{name}: no checks ran"
    failed = [f"{r.test}: {r.detail}\n{r.result}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
