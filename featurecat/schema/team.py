"""``teams/<name>.yaml``: who owns features, sources and models."""

from __future__ import annotations

from pydantic import Field

from featurecat.schema.base import Definition, Description, GithubHandle, Line, TeamName


class Team(Definition):
    """A team that owns catalog objects and reviews changes to them."""

    name: TeamName = Field(description="Team name; must equal the file name.")
    description: Description = Field("", description="What the team does.")
    contact: Line | None = Field(
        None, description="Where to reach the team: an email or a chat channel."
    )
    github: GithubHandle | None = Field(
        None,
        description="GitHub handle used for CODEOWNERS and review requests, like `@acme/growth`.",
    )
