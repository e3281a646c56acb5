"""The JSON Schema of case.yaml: generated from the model, shipped, and agreeing with the loader."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import yaml

from tutorbot.cases import loader, model
from tutorbot.cases.schema import case_schema, schema_json, shipped_schema

REPO = Path(__file__).resolve().parents[2]


def test_shipped_schema_is_the_generated_one() -> None:
    assert shipped_schema() == schema_json(), (
        "src/tutorbot/cases/case.schema.json is stale: regenerate it with "
        "`tutorbot cases schema > src/tutorbot/cases/case.schema.json`"
    )


def test_top_level_keys_are_the_loaders() -> None:
    schema = case_schema()
    assert set(schema["properties"]) == {*loader.TOP_REQUIRED, *loader.TOP_OPTIONAL}
    assert schema["required"] == list(loader.TOP_REQUIRED)
    assert schema["additionalProperties"] is False


def test_every_model_field_is_in_the_schema() -> None:
    schema = case_schema()
    defs = schema["$defs"]
    for cls in (model.Image, model.Stage, model.Source, model.AnswerFeedback, model.DiagnosisSpec):
        # (DiagnosisSpec.context is the case's own text for the grader, not a key.)
        names = {f.name for f in dataclasses.fields(cls)} - {"context"}
        assert set(defs[cls.__name__]["properties"]) == names, cls.__name__
    case_fields = {f.name for f in dataclasses.fields(model.Case)} - {"folder", "version"}
    tags = set(schema["properties"]["tags"]["properties"])
    assert case_fields - tags == set(schema["properties"]) - {"tags"}
    assert defs["Image"]["required"] == ["file", "caption"]
    assert defs["Stage"]["required"] == ["images", "findings"]
    assert schema["properties"]["status"]["enum"] == list(model.STATUSES)
    assert schema["properties"]["difficulty"]["enum"] == list(model.DIFFICULTIES)
    assert schema["properties"]["id"]["maxLength"] == model.ID_MAX_LENGTH


def _check(
    instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str = ""
) -> list[str]:
    """A small validator for the keywords this schema uses (no jsonschema dependency)."""
    if "$ref" in schema:
        return _check(instance, root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root, where)
    if "anyOf" in schema:
        results = [_check(instance, s, root, where) for s in schema["anyOf"]]
        return [] if any(not r for r in results) else results[0]
    errors: list[str] = []
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "integer": int}
    if kind and not isinstance(instance, types[kind]):
        return [f"{where}: not {kind}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{where}: not one of {schema['enum']}")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{where}: not {schema['const']}")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0) or len(instance) > schema.get(
            "maxLength", 10**9
        ):
            errors.append(f"{where}: length")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{where}: pattern")
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{where}: missing {key}")
        for key, value in instance.items():
            if key in schema.get("properties", {}):
                errors += _check(value, schema["properties"][key], root, f"{where}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}: unknown {key}")
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            errors += _check(item, schema["items"], root, f"{where}[{i}]")
    return errors


def test_bundled_cases_and_templates_satisfy_the_schema(tmp_path: Path) -> None:
    from tutorbot.cases.authoring import new_case_text

    schema = json.loads(schema_json())
    files = sorted((REPO / "cases").glob("*/case.yaml"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    texts.append(new_case_text("a-new-case", tmp_path / "a-new-case"))
    assert len(texts) >= 2
    for text in texts:
        assert _check(yaml.safe_load(text), schema, schema) == []


def test_the_schema_rejects_what_the_loader_rejects() -> None:
    schema = json.loads(schema_json())
    bad = yaml.safe_load(
        "format: 2\nid: Bad_Id\ntitle: t\nstatus: done\nhistory: []\nstages: [{images: [{file: a.gif, "
        "caption: c}], findings: [f], colour: red}]\ndiagnosis: {answer: x}\nteaching_points: []\n"
    )
    errors = _check(bad, schema, schema)
    assert {e.split(":")[0] for e in errors} >= {
        ".format",
        ".id",
        ".status",
        ".stages[0]",
        ".stages[0].images[0].file",
    }
