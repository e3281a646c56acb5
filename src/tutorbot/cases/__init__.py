"""Teaching cases: the model, the YAML loader and validator, the library."""

from tutorbot.cases.library import CaseNotFound, Library, load_library, resolve_case
from tutorbot.cases.loader import LoadResult, load_case
from tutorbot.cases.model import AnswerFeedback, Case, DiagnosisSpec, Image, Source, Stage
from tutorbot.cases.problems import Problem

__all__ = [
    "AnswerFeedback",
    "Case",
    "CaseNotFound",
    "DiagnosisSpec",
    "Image",
    "Library",
    "LoadResult",
    "Problem",
    "Source",
    "Stage",
    "load_case",
    "load_library",
    "resolve_case",
]
