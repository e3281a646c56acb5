"""Check Bot API calls against the official description (``api.json``).

The description lives outside the repository, at ``<repo>/../shared/telegram-bot-api/api.json``
(override with the environment variable ``TUTORBOT_BOTAPI_JSON``). It is read, never copied.
If it is absent, :func:`load_schema` returns ``None`` and the emulator skips the checks.

Values reach the emulator in three encodings: native JSON bodies, and form fields
(urlencoded or multipart) where every value is a string and nested objects are JSON-encoded
strings (that is what python-telegram-bot sends). :meth:`ApiSchema.decode` turns form strings
into typed values guided by the documented types; :meth:`ApiSchema.check` validates them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_API_JSON = REPO_ROOT.parent / "shared" / "telegram-bot-api" / "api.json"

_INT_RE = re.compile(r"-?\d+\Z")
_FLOAT_RE = re.compile(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\Z")
_SCALARS = {"Integer", "Float", "Boolean", "String"}
#: How deep nested objects are validated (method parameter = depth 0).
MAX_DEPTH = 6


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a ``multipart/form-data`` request."""

    field: str
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile({self.field!r}, {self.filename!r}, {len(self.data)} bytes)"


def api_json_path() -> Path:
    env = os.environ.get("TUTORBOT_BOTAPI_JSON")
    return Path(env) if env else DEFAULT_API_JSON


def load_schema(path: Path | None = None) -> ApiSchema | None:
    """Load ``api.json``; ``None`` if it does not exist (checks are then skipped)."""
    path = path or api_json_path()
    if not path.is_file():
        return None
    return ApiSchema(json.loads(path.read_text(encoding="utf-8")))


_CACHE: dict[Path, ApiSchema | None] = {}


def cached_schema() -> ApiSchema | None:
    path = api_json_path()
    if path not in _CACHE:
        _CACHE[path] = load_schema(path)
    return _CACHE[path]


class ApiSchema:
    """Methods and types of the Bot API description, with a value checker."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.version: str = raw.get("version", "?")
        self.methods: dict[str, dict[str, Any]] = raw["methods"]
        self.types: dict[str, dict[str, Any]] = raw["types"]
        self._by_lower = {name.lower(): name for name in self.methods}

    # -- lookup -------------------------------------------------------------------------------

    def canonical_method(self, name: str) -> str | None:
        """The documented spelling of a method (Telegram matches names case-insensitively)."""
        return self._by_lower.get(name.lower())

    def fields(self, method: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.methods[method].get("fields", [])}

    # -- decoding form values -----------------------------------------------------------------

    def decode(self, method: str, raw: dict[str, Any]) -> dict[str, Any]:
        """Turn string form values into typed values according to the documented types.

        Unknown parameters and values that fit no type are left as they are (:meth:`check`
        reports them).
        """
        canonical = self.canonical_method(method)
        fields = self.fields(canonical) if canonical else {}
        out: dict[str, Any] = {}
        for name, value in raw.items():
            field = fields.get(name)
            out[name] = decode_value(value, field["types"]) if field else value
        return out

    # -- checking -----------------------------------------------------------------------------

    def check(self, method: str, params: dict[str, Any]) -> list[str]:
        """Return human-readable violations of the documented API for one call."""
        canonical = self.canonical_method(method)
        if canonical is None:
            return [f"{method}: no such method in {self.version}"]
        problems: list[str] = []
        if canonical != method:
            problems.append(f"{method}: documented spelling is {canonical!r}")
        fields = self.fields(canonical)
        for name in params:
            if name not in fields:
                problems.append(f"{method}: unknown parameter {name!r}")
        for name, field in fields.items():
            if field.get("required") and name not in params:
                problems.append(f"{method}: required parameter {name!r} is missing")
        for name, value in params.items():
            if name in fields:
                problems += self.check_value(value, fields[name]["types"], f"{method}.{name}", 0)
        return problems

    def check_value(self, value: Any, types: list[str], where: str, depth: int) -> list[str]:
        """Violations of ``value`` against a union of documented types (empty list = fine)."""
        best: list[str] | None = None
        for type_name in types:
            problems = self._check_one(value, type_name, where, depth)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
        return best or []

    def _check_one(self, value: Any, type_name: str, where: str, depth: int) -> list[str]:
        if type_name.startswith("Array of "):
            item_type = type_name.removeprefix("Array of ")
            if not isinstance(value, list):
                return [f"{where}: {_short(value)} is not an array, expected {type_name}"]
            problems: list[str] = []
            for i, item in enumerate(value):
                problems += self._check_one(item, item_type, f"{where}[{i}]", depth + 1)
            return problems
        if type_name in _SCALARS or type_name == "InputFile":
            if _scalar_ok(value, type_name):
                return []
            return [f"{where}: {_short(value)}, expected {type_name}"]
        return self._check_object(value, type_name, where, depth)

    def _check_object(self, value: Any, type_name: str, where: str, depth: int) -> list[str]:
        spec = self.types.get(type_name)
        if spec is None:
            return [f"{where}: undocumented type {type_name}"]
        if not isinstance(value, dict):
            return [f"{where}: {_short(value)} is not an object, expected {type_name}"]
        if depth > MAX_DEPTH:
            return []
        if "subtypes" in spec:
            best: list[str] | None = None
            for sub in spec["subtypes"]:
                candidate = self._check_object(value, sub, where, depth)
                if not candidate:
                    return []
                if best is None or len(candidate) < len(best):
                    best = candidate
            return best or []
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems: list[str] = []
        for name in value:
            if name not in fields:
                problems.append(f"{where}: unknown field {name!r} of {type_name}")
        for name, field in fields.items():
            if field.get("required") and name not in value:
                problems.append(f"{where}: required field {name!r} of {type_name} is missing")
        for name, item in value.items():
            if name in fields:
                problems += self.check_value(
                    item, fields[name]["types"], f"{where}.{name}", depth + 1
                )
        # Subtypes are told apart by a constant "type" field ("must be photo").
        type_field = fields.get("type")
        if type_field and isinstance(value.get("type"), str):
            expected = _constant_of(type_field)
            if expected is not None and value["type"] != expected:
                problems.append(f"{where}.type: {value['type']!r} is not {expected!r}")
        return problems


def _constant_of(field: dict[str, Any]) -> str | None:
    description = field.get("description", "")
    match = re.search(r"must be (\w+)\s*$|always “([^”]+)”", description)
    if not match:
        return None
    return match.group(1) or match.group(2)


def _scalar_ok(value: Any, type_name: str) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "Boolean":
        return isinstance(value, bool)
    if type_name == "String":
        return isinstance(value, str)
    if type_name == "InputFile":
        return isinstance(value, UploadedFile)
    return False


def decode_value(value: Any, types: list[str]) -> Any:
    """Interpret a form string as the first documented type that fits it."""
    if not isinstance(value, str):
        return value
    for type_name in types:
        if type_name == "Integer" and _INT_RE.match(value):
            return int(value)
        if type_name == "Float" and _FLOAT_RE.match(value):
            return float(value)
        if type_name == "Boolean" and value in ("true", "false", "True", "False"):
            return value.lower() == "true"
        if type_name == "String":
            return value
        if type_name not in _SCALARS and type_name != "InputFile":
            try:
                decoded = json.loads(value)
            except ValueError:
                continue
            if isinstance(decoded, dict | list):
                return decoded
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
