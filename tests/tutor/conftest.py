"""Fixtures for the engine tests."""

from __future__ import annotations

import pytest

from tests.auxil.tutor_helpers import make_case, table_grader
from tutorbot.cases.model import Case
from tutorbot.tutor import Tutor


@pytest.fixture
def case() -> Case:
    return make_case()


@pytest.fixture
def tutor(case: Case) -> Tutor:
    return Tutor(case, table_grader, attempts=2)
