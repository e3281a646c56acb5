"""The JSON Schema (draft 2020-12) of ``case.yaml``, generated from the case model.

The shapes come from the dataclasses in :mod:`tutorbot.cases.model` (field
names, types, ``Literal`` choices, which fields have no default) and the
top-level key lists of :mod:`tutorbot.cases.loader`; only where the YAML differs
from the model is that said here (``tags`` groups ``modality`` and ``system``;
``diagnosis`` may be a plain string; ``folder`` and ``version`` are not keys).
The package ships the result as ``case.schema.json``; a test keeps it current.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from importlib import resources
from typing import Any

from tutorbot.cases import loader, model
from tutorbot.limits import CAPTION_LIMIT

SCHEMA_FILE = "case.schema.json"

# Set by the loader, not written in case.yaml.
_NOT_KEYS = {"folder", "version", "context"}
# Model fields the YAML groups under another key.
_GROUPED = {"modality": "tags", "system": "tags"}

_DESCRIPTIONS: dict[str, str] = {
    "Case.format": f"The case format version: always {model.FORMAT_VERSION}.",
    "Case.id": "The case id: the folder name; lower-case letters, digits and inner hyphens.",
    "Case.title": "Shown to learners with the history; should not give the diagnosis away.",
    "Case.status": "draft (only instructors see it) or published.",
    "Case.source": "Where the case comes from and under which terms it may be used.",
    "Case.difficulty": "How hard the case is.",
    "Case.history": "The clinical history, one item per line.",
    "Case.stages": "The steps of the case: images shown first, then their findings.",
    "Case.question": "The question asked after the last stage.",
    "Case.diagnosis": "The diagnosis: a string, or the answer with accepted forms and feedback.",
    "Case.hints": "Hints a learner can ask for, gentle first.",
    "Case.teaching_points": "What to remember, shown after the diagnosis.",
    "tags": "Tags for filtering: imaging modality and body system.",
    "Image.file": "The image, relative to the case folder (JPEG, PNG or WebP).",
    "Image.caption": f"Shown with the image; at most {CAPTION_LIMIT} characters.",
    "Image.alt": "A description of the image for screen readers.",
    "Image.annotated": "The annotated version, shown with the findings.",
    "Image.annotated_caption": "The caption of the annotated version.",
    "Stage.question": "A question asked before this stage's findings are shown.",
    "DiagnosisSpec.answer": "The diagnosis as an expert would write it.",
    "DiagnosisSpec.accepted": "Other ways to write it: abbreviations, synonyms, spellings.",
    "DiagnosisSpec.core": (
        "The core concept without its qualifiers, and other names of it: any one alone is "
        "correct; the answer's other words are optional qualifiers an answer may not contradict."
    ),
    "DiagnosisSpec.partial": "Partly right answers and what to tell the learner.",
    "DiagnosisSpec.wrong": "Foreseen wrong answers and why they are wrong.",
    "DiagnosisSpec.required": "Qualifiers that must be in the answer (e.g. tension, left).",
    "DiagnosisSpec.explanation": "Extra explanation shown with the reveal.",
}


def _image_file_pattern() -> str:
    """A regex for image file names with a known suffix, case-insensitive without flags."""

    def letters(suffix: str) -> str:
        return "".join(
            f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in suffix.lstrip(".")
        )

    return r"\.(?:" + "|".join(letters(s) for s in loader.IMAGE_SUFFIXES) + ")$"


def _constraints(owner: str, name: str) -> dict[str, Any]:
    if (owner, name) == ("Case", "id"):
        return {"pattern": model.ID_PATTERN.pattern, "maxLength": model.ID_MAX_LENGTH}
    if (owner, name) == ("Case", "format"):
        return {"const": model.FORMAT_VERSION}
    if owner == "Image" and name in ("file", "annotated"):
        return {"pattern": _image_file_pattern()}
    if owner == "Image" and name in ("caption", "annotated_caption"):
        return {"maxLength": CAPTION_LIMIT}
    return {}


def _type(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is str:
        return {"type": "string", "minLength": 1}
    if hint is int:
        return {"type": "integer"}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return (
            _type(options[0], defs)
            if len(options) == 1
            else {"anyOf": [_type(a, defs) for a in options]}
        )
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": _type(args[0], defs)}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        name = hint.__name__
        if name not in defs:
            defs[name] = {}  # placeholder against recursion
            defs[name] = _object(hint, defs)
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {hint!r}")  # pragma: no cover - a new model type


def _object(
    cls: type, defs: dict[str, Any], required: tuple[str, ...] | None = None
) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    needed: list[str] = []
    for f in dataclasses.fields(cls):
        if f.name in _NOT_KEYS:
            continue
        prop = {**_type(hints[f.name], defs), **_constraints(cls.__name__, f.name)}
        if prop.get("type") == "string" and f.default == "":
            prop.pop("minLength", None)
        if description := _DESCRIPTIONS.get(f"{cls.__name__}.{f.name}"):
            prop["description"] = description
        properties[f.name] = prop
        no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if no_default:
            needed.append(f.name)
    out: dict[str, Any] = {"type": "object"}
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    out["properties"] = properties
    out["required"] = list(required) if required is not None else needed
    out["additionalProperties"] = False
    return out


def case_schema() -> dict[str, Any]:
    """The JSON Schema of ``case.yaml`` as a dictionary."""
    defs: dict[str, Any] = {}
    top = _object(model.Case, defs, required=loader.TOP_REQUIRED)
    properties: dict[str, Any] = top["properties"]
    tags: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
    for name, group in _GROUPED.items():
        tags["properties"][name] = properties.pop(name)
        assert group == "tags"
    tags["description"] = _DESCRIPTIONS["tags"]
    properties["tags"] = tags
    spec = properties["diagnosis"]
    properties["diagnosis"] = {
        "description": spec.pop("description", ""),
        "anyOf": [{"type": "string", "minLength": 1}, spec],
    }
    keys = (*loader.TOP_REQUIRED, *loader.TOP_OPTIONAL)
    if set(properties) != set(keys):  # pragma: no cover - guarded by a test too
        raise AssertionError(f"model and loader disagree: {sorted(set(properties) ^ set(keys))}")
    ordered = {key: properties[key] for key in _key_order(keys)}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "tutorbot case.yaml",
        "description": "A teaching case for tutorbot; see docs/case-format.md.",
        "type": "object",
        "properties": ordered,
        "required": list(loader.TOP_REQUIRED),
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


# The order of docs/case-format.md, for a schema that reads like the documentation.
DOCUMENTED_ORDER = (
    "format",
    "id",
    "title",
    "status",
    "source",
    "tags",
    "difficulty",
    "history",
    "stages",
    "question",
    "diagnosis",
    "hints",
    "teaching_points",
)


def _key_order(keys: tuple[str, ...]) -> list[str]:
    return [k for k in DOCUMENTED_ORDER if k in keys] + [
        k for k in keys if k not in DOCUMENTED_ORDER
    ]


def schema_json() -> str:
    """The schema as the text of the shipped ``case.schema.json``."""
    return json.dumps(case_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema() -> str:
    """The text of ``case.schema.json`` as shipped in the package."""
    return resources.files("tutorbot.cases").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
