"""Learning-rate schedules: values at given steps and validation of their arguments."""

import math

import numpy as np
import pytest

from numdl.optim.schedules import (constant, cosine_decay, exponential_decay, inverse_time,
                                   step_decay)


def test_constant():
    s = constant(0.25)
    assert [s(k) for k in (0, 1, 10**6)] == [0.25, 0.25, 0.25]


def test_step_decay():
    s = step_decay(0.8, 0.5, 3)
    assert [s(k) for k in range(8)] == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2]
    assert s(30) == pytest.approx(0.8 * 0.5**10, rel=1e-15)


def test_exponential_decay():
    s = exponential_decay(2.0, 0.1, 50)
    assert s(0) == 2.0
    assert s(50) == pytest.approx(0.2, rel=1e-14)
    assert s(25) == pytest.approx(2.0 * math.sqrt(0.1), rel=1e-14)
    assert s(150) == pytest.approx(2e-3, rel=1e-13)


def test_inverse_time():
    s = inverse_time(0.3, 0.2)
    assert [s(k) for k in (0, 5, 15)] == pytest.approx([0.3, 0.15, 0.075], rel=1e-15)
    assert inverse_time(1.0, 0.0)(1000) == 1.0


def test_cosine_decay():
    s = cosine_decay(1.0, 100, final=0.2)
    assert s(0) == 1.0
    assert s(50) == pytest.approx(0.6, abs=1e-15)
    assert s(25) == pytest.approx(0.2 + 0.8 * 0.5 * (1 + math.cos(math.pi / 4)), rel=1e-15)
    assert s(100) == 0.2 and s(1000) == 0.2
    z = cosine_decay(0.5, 10)
    assert z(10) == 0.0
    values = [z(k) for k in range(11)]
    assert all(a > b for a, b in zip(values, values[1:]))  # strictly decreasing to the end


def test_numpy_integer_steps():
    assert step_decay(1.0, 0.5, 2)(np.int64(4)) == 0.25


@pytest.mark.parametrize("make, name", [
    (lambda: constant(0.0), "value"),
    (lambda: constant(float("nan")), "value"),
    (lambda: step_decay(-1.0, 0.5, 10), "init"),
    (lambda: step_decay(1.0, 1.5, 10), "factor"),
    (lambda: step_decay(1.0, 0.0, 10), "factor"),
    (lambda: step_decay(1.0, 0.5, 0), "every"),
    (lambda: step_decay(1.0, 0.5, 2.5), "every"),
    (lambda: exponential_decay(1.0, 0.0, 10), "rate"),
    (lambda: exponential_decay(1.0, 0.5, 0), "steps"),
    (lambda: exponential_decay(float("inf"), 0.5, 10), "init"),
    (lambda: inverse_time(1.0, -0.1), "decay"),
    (lambda: inverse_time(0.0, 0.1), "init"),
    (lambda: cosine_decay(1.0, 0), "total_steps"),
    (lambda: cosine_decay(1.0, 10, final=2.0), "final"),
    (lambda: cosine_decay(1.0, 10, final=-0.1), "final"),
    (lambda: constant(True), "value"),
])
def test_bad_arguments(make, name):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize("schedule", [constant(1.0), step_decay(1.0, 0.5, 2),
                                      exponential_decay(1.0, 0.5, 2), inverse_time(1.0, 1.0),
                                      cosine_decay(1.0, 5)])
@pytest.mark.parametrize("step", [-1, 1.5, "3", None])
def test_bad_step(schedule, step):
    with pytest.raises(ValueError, match="step"):
        schedule(step)
