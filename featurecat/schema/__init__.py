"""The pydantic schema: one model per kind of catalog object."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from featurecat.names import DTYPES, STATUSES, Dtype, Kind, Status
from featurecat.schema.base import Definition
from featurecat.schema.entity import Entity
from featurecat.schema.feature import Feature
from featurecat.schema.model import Model
from featurecat.schema.project import Project
from featurecat.schema.source import Source
from featurecat.schema.team import Team

MODELS: dict[Kind, type[Definition]] = {
    Kind.PROJECT: Project,
    Kind.TEAM: Team,
    Kind.ENTITY: Entity,
    Kind.SOURCE: Source,
    Kind.FEATURE: Feature,
    Kind.MODEL: Model,
}


def json_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of one kind, for editors (yaml-language-server) and other tools."""
    model: type[BaseModel] = MODELS[kind]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"featurecat {kind.value}"
    return schema


def json_schema_text(kind: Kind) -> str:
    return json.dumps(json_schema(kind), indent=2) + "\n"


__all__ = [
    "DTYPES",
    "MODELS",
    "STATUSES",
    "Definition",
    "Dtype",
    "Entity",
    "Feature",
    "Model",
    "Project",
    "Source",
    "Status",
    "Team",
    "json_schema",
]
