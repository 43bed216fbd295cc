"""Parse one definition file: YAML text in, a validated model (or diagnostics) out."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from featurecat import names
from featurecat.errors import Diagnostic, did_you_mean, suggest
from featurecat.names import Kind
from featurecat.origin import Loc, Origin, Parsed
from featurecat.schema import MODELS
from featurecat.yamlio import parse_document


def parse_file(kind: Kind, relpath: str, path: str, data: bytes) -> tuple[Parsed, list[Diagnostic]]:
    """Parse and validate the file at catalog-relative ``relpath`` (shown to users as ``path``)."""
    document, problems = parse_document(data, path)
    stem = names.stem(relpath)
    if document is None:
        return Parsed(kind, stem, None, Origin(path, relpath)), problems
    origin = Origin(path, relpath, document.index)
    value = document.value
    if not isinstance(value, dict):
        problems.append(
            origin.diagnostic(
                (),
                "not-a-mapping",
                f"a {kind.value} file must hold one mapping of fields (like 'name: {stem}'), "
                f"not {_describe(value)}",
            )
        )
        return Parsed(kind, stem, None, origin), problems
    declared = value.get("name")
    name = declared if isinstance(declared, str) and declared else stem
    try:
        obj = MODELS[kind].model_validate(value, context={"quoted": document.quoted})
    except ValidationError as exc:
        errors = exc.errors()
        problems.extend(_schema_diagnostics(kind, origin, errors))
        failed = {err["loc"][0] for err in errors if err["loc"]}
        valid = {
            k: v for k, v in value.items() if k in MODELS[kind].model_fields and k not in failed
        }
        return Parsed(kind, name, None, origin, valid), problems
    if kind is not Kind.PROJECT and name != stem:
        problems.append(
            origin.diagnostic(
                ("name",),
                "name-mismatch",
                f"name '{name}' does not match the file name '{relpath.rsplit('/', 1)[-1]}'; "
                f"rename the file to {name}.yaml or set name: {stem}",
            )
        )
        # Known by its file name, so that references to it don't fail as well.
        return Parsed(kind, stem, None, origin, dict(obj)), problems
    return Parsed(kind, name, obj, origin), problems


def _schema_diagnostics(kind: Kind, origin: Origin, errors: list[ErrorDetails]) -> list[Diagnostic]:
    """One diagnostic per pydantic error, except that a misspelt required field (``ownr``)
    is reported once, as the unknown field, not also as a missing one."""
    fields = list(MODELS[kind].model_fields)
    misspelt = {
        match
        for err in errors
        if err["type"] == "extra_forbidden"
        for match in suggest(str(err["loc"][-1]), fields, n=1)
    }
    return [
        _schema_diagnostic(kind, origin, err)
        for err in errors
        if not (err["type"] == "missing" and err["loc"][-1] in misspelt)
    ]


def _schema_diagnostic(kind: Kind, origin: Origin, err: ErrorDetails) -> Diagnostic:
    loc: Loc = tuple(err["loc"])
    where = _field_path(loc)
    kind_name = kind.value
    fields = list(MODELS[kind].model_fields)
    value = err.get("input")
    match err["type"]:
        case "extra_forbidden":
            key = str(loc[-1])
            message = (
                f"unknown field '{key}'{did_you_mean(key, fields)}; "
                f"a {kind_name} has: {', '.join(fields)}"
            )
            return origin.diagnostic(loc, "unknown-field", message)
        case "missing":
            return origin.diagnostic(
                loc, "missing-field", f"missing required field '{where}' for this {kind_name}"
            )
        case "int_parsing" | "int_type" | "int_from_float":
            message = f"{where}: expected a whole number, got {_describe(value)}"
        case "string_type":
            message = f"{where}: expected text, got {_describe(value)}"
        case "list_type":
            message = f"{where}: expected a list (like [a, b]), got {_describe(value)}"
        case "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            message = f"{where}: {_describe(value)} is not allowed; use one of {expected}"
        case "greater_than_equal":
            minimum = err.get("ctx", {}).get("ge")
            message = f"{where}: must be at least {minimum}, got {_describe(value)}"
        case "too_short":
            message = f"{where}: must list at least one value"
        case _:  # a rule across fields (loc ()) speaks for itself
            message = f"{where}: {err['msg']}" if where else err["msg"]
    return origin.diagnostic(loc, "invalid-value", message)


def _field_path(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _describe(value: Any) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")
