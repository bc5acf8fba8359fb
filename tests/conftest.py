"""Shared fixtures for the segstat test suite."""

import os

import numpy as np
import pytest
from hypothesis import settings

# CI draws the same examples on every run (a failure there is reproducible, never a coin toss); locally the
# property tests explore new examples each run.
settings.register_profile("ci", derandomize=True)
if os.environ.get("SEGSTAT_HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["SEGSTAT_HYPOTHESIS_PROFILE"])


@pytest.fixture
def rng():
    return np.random.default_rng(20221231)
