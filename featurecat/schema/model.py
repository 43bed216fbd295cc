"""``models/<name>.yaml``: an ML model and the features it is trained on."""

from __future__ import annotations

from pydantic import Field, field_validator

from featurecat.schema.base import Definition, Description, Name, TeamName, unique


class Model(Definition):
    """A consumer of features. Changes to its features name it and its owner."""

    name: Name = Field(description="Model name; must equal the file name.")
    description: Description = Field("", description="What the model predicts and where it runs.")
    owner: TeamName = Field(description="The team that trains and answers for the model.")
    features: list[Name] = Field(min_length=1, description="The features the model is trained on.")

    @field_validator("features")
    @classmethod
    def _unique_features(cls, value: list[str]) -> list[str]:
        return unique(value, "feature")
