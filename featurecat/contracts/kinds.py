"""Expectation kinds: the one table of what a contract can declare, and their parameters.

A feature or a source declares its expectations under ``expect:``, one kind per key, so
each has its own line (for annotations and diagnostics)::

    expect:
      not_null: {max_share: 15%, severity: warn}
      range: {min: 0, max: 120}

:data:`KINDS` is the closed registry: the schema's ``expect:`` models, the JSON Schema, the
diff rules, the queries that measure the data and the judges that read the measures all go
through it; ``tests/contracts/test_kinds.py`` enumerates it. Nothing in a catalog can name
any other code.

Type checks need the feature's dtype, which is a sibling of ``expect``: the feature's
validator passes it down in :data:`_DTYPE` for the length of its ``expect`` validation, so
``range`` on a string feature is an error on ``range``'s own line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from featurecat.contracts.values import (
    TRUE,
    Accepted,
    Number,
    Share,
    Unknown,
    UnknownKey,
    typed_value,
)
from featurecat.dtypes import DTYPE_SPECS, Dtype, ValueKind
from featurecat.names import parse_duration
from featurecat.schema.base import Duration

Severity = Literal["error", "warn"]
Target = Literal["feature", "source"]
#: Which pass measures a kind: the one scan per source, the uniqueness aggregation, or the
#: comparison with the previous version of the data.
Pass = Literal["scan", "unique", "drift"]

_DTYPE: ContextVar[Dtype | None] = ContextVar("featurecat_expect_dtype", default=None)


class Expectation(BaseModel):
    """Base of every kind's parameters. ``shorthand`` is what a one-word form expands to:
    ``"flag"`` for ``kind: true``, or the parameter a bare value (a list, a number) sets."""

    # Unknown settings are reported by UnknownKey, on their own line.
    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, UnknownKey] = Field(init=False)
    kind: ClassVar[str] = ""
    shorthand: ClassVar[str | None] = None
    shorthand_schema: ClassVar[dict[str, Any] | None] = None

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            known = list(cls.model_fields)
            return Unknown.mark(value, known, "setting", f"{cls.kind} takes")
        if cls.shorthand is None:
            return value
        if cls.shorthand == "flag":
            if value is True or value in TRUE:
                return {}
            raise PydanticCustomError(
                "expectation_flag",
                "write '{kind}: true' (or a mapping of its settings), or remove it",
                {"kind": cls.kind},
            )
        return {cls.shorthand: value}

    @model_validator(mode="after")
    def _applies(self) -> Expectation:
        dtype = _DTYPE.get()
        spec = KINDS.get(self.kind)
        if dtype is None or spec is None or spec.applies(dtype):
            return self
        allowed = ", ".join(d for d in DTYPE_SPECS if spec.applies(d))
        raise PydanticCustomError(
            "expectation_dtype",
            "{kind} does not apply to a {dtype} feature; it applies to {allowed} features",
            {"kind": self.kind, "dtype": dtype, "allowed": allowed},
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> Any:
        schema = handler(core_schema)
        return schema if cls.shorthand_schema is None else {"anyOf": [cls.shorthand_schema, schema]}

    def looser(self, new: Expectation) -> list[str]:
        """How ``new`` (the same kind) promises less than this one; empty when it does not."""
        found = []
        if getattr(self, "severity", None) == "error" and getattr(new, "severity", None) == "warn":
            found.append("severity error -> warn")
        return found


_FLAG = {"const": True}


class Graded(Expectation):
    """An expectation with a severity: ``error`` fails a run, ``warn`` is reported only."""

    severity: Severity = Field(
        "error", description="`error` (the default) fails the run; `warn` only reports it."
    )


class NotNull(Graded):
    kind = "not_null"
    shorthand = "flag"
    shorthand_schema = _FLAG
    max_share: Share = Field(0.0, description="The largest share of nulls allowed (5% or 0.05).")

    def looser(self, new: Expectation) -> list[str]:
        assert isinstance(new, NotNull)
        grew = new.max_share > self.max_share
        return [*super().looser(new), *(["more nulls allowed"] if grew else [])]


class Range(Graded):
    kind = "range"
    min: Number | None = Field(None, description="The smallest value allowed.")
    max: Number | None = Field(None, description="The largest value allowed.")

    @model_validator(mode="after")
    def _bounds(self) -> Range:
        if self.min is None and self.max is None:
            raise PydanticCustomError("range_empty", "a range needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise PydanticCustomError(
                "range_order",
                "min {min} is larger than max {max}",
                {"min": self.min, "max": self.max},
            )
        return self

    def looser(self, new: Expectation) -> list[str]:
        assert isinstance(new, Range)
        found = super().looser(new)
        if self.min is not None and (new.min is None or new.min < self.min):
            found.append("lower bound relaxed")
        if self.max is not None and (new.max is None or new.max > self.max):
            found.append("upper bound relaxed")
        return found


class AcceptedValues(Graded):
    kind = "accepted_values"
    shorthand = "values"
    shorthand_schema = {
        "type": "array",
        "minItems": 1,
        "items": {"type": ["string", "boolean", "integer"]},
    }
    values: list[Accepted] = Field(min_length=1, description="Every value allowed.")

    @model_validator(mode="after")
    def _typed(self) -> AcceptedValues:
        dtype = _DTYPE.get()
        typed = [typed_value(v, dtype) for v in self.values]
        seen: set[tuple[type, Accepted]] = set()
        for value in typed:
            if (type(value), value) in seen:
                raise PydanticCustomError(
                    "duplicate", "lists the value '{v}' twice", {"v": str(value)}
                )
            seen.add((type(value), value))
        object.__setattr__(self, "values", typed)  # frozen: set once, while validating
        return self

    def looser(self, new: Expectation) -> list[str]:
        assert isinstance(new, AcceptedValues)
        added = [v for v in new.values if v not in self.values]
        return [*super().looser(new), *([f"accepts {_listed(added)} too"] if added else [])]


class Unique(Graded):
    kind = "unique"
    shorthand = "flag"
    shorthand_schema = _FLAG


class MinRows(Graded):
    kind = "min_rows"
    shorthand = "min"
    shorthand_schema = {"type": "integer", "minimum": 1}
    min: int = Field(
        ge=1, description="The fewest rows allowed (for a feature: rows with a value)."
    )

    def looser(self, new: Expectation) -> list[str]:
        assert isinstance(new, MinRows)
        fewer = new.min < self.min
        return [*super().looser(new), *(["fewer rows allowed"] if fewer else [])]


class Drift(Graded):
    kind = "drift"
    shorthand = "flag"
    shorthand_schema = _FLAG
    max_psi: Number | None = Field(
        None, gt=0, description="The largest population stability index allowed (0.25 if none)."
    )
    max_mean_change: Share | None = Field(
        None, description="The largest relative change of the mean allowed (50% or 0.5)."
    )
    max_null_change: Share | None = Field(
        None, description="The largest change of the null share allowed, in points (5%)."
    )

    @model_validator(mode="after")
    def _default_psi(self) -> Drift:
        if self.max_psi is None and self.max_mean_change is None and self.max_null_change is None:
            object.__setattr__(self, "max_psi", DEFAULT_MAX_PSI)
        if self.max_mean_change is not None and _DTYPE.get() not in (None, *_NUMERIC_DTYPES):
            raise PydanticCustomError(
                "expectation_dtype", "max_mean_change applies to numeric features only"
            )
        return self

    def looser(self, new: Expectation) -> list[str]:
        assert isinstance(new, Drift)
        found = super().looser(new)
        for name in ("max_psi", "max_mean_change", "max_null_change"):
            old_limit, new_limit = getattr(self, name), getattr(new, name)
            if old_limit is not None and (new_limit is None or new_limit > old_limit):
                found.append(f"{name} relaxed")
        return found


class Freshness(Expectation):
    kind = "freshness"
    warn_after: Duration | None = Field(
        None, description="Warn when the newest row is older than this (like 2d)."
    )
    error_after: Duration | None = Field(
        None, description="Fail when the newest row is older than this (like 7d)."
    )

    @model_validator(mode="after")
    def _limits(self) -> Freshness:
        if self.warn_after is None and self.error_after is None:
            raise PydanticCustomError(
                "freshness_empty", "freshness needs warn_after, error_after or both"
            )
        if (
            self.warn_after is not None
            and self.error_after is not None
            and parse_duration(self.warn_after) >= parse_duration(self.error_after)
        ):
            raise PydanticCustomError(
                "freshness_order", "warn_after must be shorter than error_after"
            )
        return self

    def looser(self, new: Expectation) -> list[str]:
        assert isinstance(new, Freshness)
        found = []
        for name in ("warn_after", "error_after"):
            old_limit, new_limit = getattr(self, name), getattr(new, name)
            if old_limit is not None and (
                new_limit is None or parse_duration(new_limit) > parse_duration(old_limit)
            ):
                found.append(f"{name} relaxed")
        return found


DEFAULT_MAX_PSI = 0.25
_NUMERIC_DTYPES = tuple(d for d, s in DTYPE_SPECS.items() if s.kind in ("integer", "float"))


@dataclass(frozen=True)
class KindSpec:
    """One expectation kind: its parameters, where it may be declared and what measures it."""

    model: type[Expectation]
    targets: frozenset[Target]
    measured_by: Pass
    summary: str
    value_kinds: frozenset[ValueKind] | None = None
    """The kinds of feature values it applies to; ``None``: every feature."""

    @property
    def name(self) -> str:
        return self.model.kind

    def applies(self, dtype: Dtype) -> bool:
        return self.value_kinds is None or DTYPE_SPECS[dtype].kind in self.value_kinds


_FEATURE = frozenset[Target]({"feature"})
#: kind -> its spec, in the order reports list them. The one table of expectation kinds.
KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(NotNull, _FEATURE, "scan", "No nulls (or NaN), or at most `max_share` of them."),
        KindSpec(
            Range,
            _FEATURE,
            "scan",
            "Every value between `min` and `max`.",
            frozenset({"integer", "float"}),
        ),
        KindSpec(
            AcceptedValues,
            _FEATURE,
            "scan",
            "Every value is one of `values`.",
            frozenset({"string", "bool", "integer"}),
        ),
        KindSpec(Unique, _FEATURE, "unique", "At most one value per join keys and timestamp."),
        KindSpec(
            MinRows,
            frozenset({"feature", "source"}),
            "scan",
            "At least `min` rows (for a feature, rows with a value).",
        ),
        KindSpec(
            Drift,
            _FEATURE,
            "drift",
            "Against the previous version of the data: shifts within `max_psi`, "
            "`max_mean_change` and `max_null_change`.",
        ),
        KindSpec(
            Freshness,
            frozenset({"source"}),
            "scan",
            "The newest event timestamp is at most `warn_after` / `error_after` old.",
        ),
    )
}


def kinds_for(target: Target) -> list[KindSpec]:
    """The kinds ``target`` may declare, in table order."""
    return [spec for spec in KINDS.values() if target in spec.targets]


@contextmanager
def feature_dtype(dtype: Dtype | None) -> Iterator[None]:
    """Validate a feature's ``expect`` knowing its dtype (see the module's docstring)."""
    token = _DTYPE.set(dtype)
    try:
        yield
    finally:
        _DTYPE.reset(token)


def _listed(values: list[Accepted]) -> str:
    shown = ", ".join(str(v) for v in values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "")
