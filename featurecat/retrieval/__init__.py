"""Feature retrieval: point-in-time joins on DuckDB or Spark, writes, and training manifests.

* :func:`load_features` joins features onto training rows, point-in-time.
* :func:`get_feature` gives the latest value per entity.
* :func:`register_feature` and :func:`update_feature` write data and definitions, checked
  first and atomically, optionally committed on a new git branch.
"""

from featurecat.retrieval.api import get_feature, load_features
from featurecat.retrieval.ingest import register_feature, update_feature

__all__ = ["get_feature", "load_features", "register_feature", "update_feature"]
