"""What a load returns: pandas, arrow or polars, made here from the joined arrow columns, or
an engine's own frames (a Spark DataFrame from the Spark engine).

Each engine lists the outputs it makes, its default first (``Engine.outputs``); every engine
makes :data:`LOCAL_OUTPUTS` through :func:`attach` or :func:`convert`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from featurecat.dtypes import Dtype
from featurecat.errors import UsageError
from featurecat.retrieval.request import Plan

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

#: The outputs made in this process from arrow, whatever the engine.
LOCAL_OUTPUTS: tuple[str, ...] = ("pandas", "arrow", "polars")


def require_output(output: str, engine: str, outputs: Sequence[str]) -> None:
    """Refuse an ``output`` that ``engine`` does not make."""
    if output not in outputs:
        raise UsageError(
            f"output='{output}' is not one of {', '.join(outputs)} for engine '{engine}'"
        )


def attach(entity_df: pd.DataFrame, features: pa.Table, plan: Plan, output: str) -> Any:
    """``entity_df`` with one column per feature added, as pandas, arrow or polars.

    As pandas, the caller's frame keeps its index and columns untouched; the features are
    put next to it.
    """
    import pandas as pd
    import pyarrow as pa

    from featurecat.data.types import to_pandas

    if output == "pandas":
        block = to_pandas(features, plan.dtypes)
        block.index = entity_df.index
        return pd.concat([entity_df, block], axis=1)
    table = pa.Table.from_pandas(entity_df, preserve_index=None if output == "arrow" else False)
    for name in features.column_names:
        table = table.append_column(name, features.column(name))
    return convert(table, plan.dtypes, output)


def convert(table: pa.Table, dtypes: Mapping[str, Dtype], output: str) -> Any:
    """A result ``table`` (entity columns, and the feature columns named in ``dtypes``, with
    their declared types) as ``output``, one of :data:`LOCAL_OUTPUTS`."""
    if output == "pandas":
        from featurecat.data.types import to_pandas

        names = list(dtypes)
        others = table.drop_columns(names).to_pandas()
        return others.join(to_pandas(table.select(names), dtypes))
    if output == "polars":
        try:
            import polars as pl
        except ImportError:
            raise UsageError(
                "output='polars' needs polars; install it with pip install 'featurecat[polars]'"
            ) from None
        return pl.from_arrow(table)
    return table
