"""The ``expect:`` field of features and sources, built from the table of expectation kinds.

Each kind is a key of ``expect:`` (so each expectation has its own line); an unknown key is
an error on that key's line that names the kinds there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model, model_serializer, model_validator

from featurecat.contracts.kinds import Expectation, Target, kinds_for
from featurecat.contracts.values import Unknown, UnknownKey

if TYPE_CHECKING:
    from featurecat.rules import Verdict


class Expectations(BaseModel):
    """Base of ``expect:``: the declared kinds, in table order, without the undeclared."""

    # Unknown kinds are reported by UnknownKey, on their own line.
    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, UnknownKey] = Field(init=False)

    @model_validator(mode="before")
    @classmethod
    def _mark_unknown(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        where = f"a {cls._target()} can expect"
        return Unknown.mark(value, list(cls.model_fields), "expectation", where)

    @classmethod
    def _target(cls) -> Target:
        raise NotImplementedError

    @model_serializer(mode="wrap")
    def _declared_only(self, handler: Any) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}

    def declared(self) -> Iterator[tuple[str, Expectation]]:
        """``(kind, parameters)`` of each declared expectation, in table order."""
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Expectation):
                yield name, value


def _container(target: Target, title: str) -> type[Expectations]:
    fields: dict[str, Any] = {
        spec.name: (spec.model, Field(None, description=spec.summary)) for spec in kinds_for(target)
    }
    model = create_model(title, __base__=Expectations, **fields)
    model._target = classmethod(lambda cls: target)  # type: ignore[method-assign,assignment]
    return model


FeatureExpectations = _container("feature", "FeatureExpectations")
SourceExpectations = _container("source", "SourceExpectations")


def contract_change(old: Expectations | None, new: Expectations | None) -> Verdict:
    """The diff rule for ``expect`` (see :mod:`featurecat.rules`).

    Tightening a contract is compatible: the data consumers get can only be the same or more
    constrained, and no code that loads it changes (the producer has to meet it, and
    ``featurecat test`` tells them). Loosening one takes away a guarantee a consumer may rely
    on (values may now be null, or out of the old range): worth a reviewer's look, a warning,
    but never a version bump, since the values themselves do not change with it.
    """
    from featurecat.rules import Verdict

    before = dict(old.declared()) if old is not None else {}
    after = dict(new.declared()) if new is not None else {}
    lost = [f"{kind} removed" for kind in before if kind not in after]
    for kind, expectation in before.items():
        if kind in after:
            lost += [f"{kind}: {why}" for why in expectation.looser(after[kind])]
    if lost:
        return Verdict(
            "warning", f"contract loosened ({'; '.join(lost)}): consumers lose a guarantee"
        )
    return Verdict("compatible", "contract tightened: consumers keep every guarantee")
