"""Handlers, one module per audience; each registers its own on the application.

Handlers translate an ``Update`` into a use-case call and render its result;
nothing here decides how tutoring works (that is :mod:`tutorbot.app`).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from tutorbot.telegram._runtime import Runtime
from tutorbot.telegram.routers import (
    curation,
    errors,
    group,
    instructor,
    learner,
    membership,
    pushes,
    results,
)


def register_all(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """Every audience's handlers, in the order PTB should try them: links and class
    commands first (``/start <link>`` before the learner's ``/start <case-id>``), then the
    group's (its buttons have a pattern, the learner's take the rest) and the push cards'
    (buttons and deep links before the learner's catch-alls)."""
    membership.register(app, runtime)
    instructor.register(app, runtime)
    group.register(app, runtime)
    pushes.register(app, runtime)
    results.register(app, runtime)  # instructors' /results and its buttons
    curation.register(app, runtime)  # instructors' /review, its buttons and feedback replies
    learner.register(app, runtime)
    errors.register(app, runtime)
