"""An export written to object storage (``s3://...``) under a declared location.

Object stores have no rename, so the output is written locally first (in the spill folder,
else the system's temporary folder) and uploaded when it is complete. What a reader can see:

* one file (``train.parquet``) is one upload, a PUT or one completed multipart upload, so a
  reader finds the old object or the new one, never a part of one;
* a folder of part files is complete when its manifest is there: the manifest
  (``train.manifest.json``, beside the folder) is written last, after every part. A
  replaced output loses its manifest first, so at no time do old parts, new parts or a
  mix of them stand beside a manifest that does not describe them. An upload that fails
  part-way removes the parts it put.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from featurecat.data.objects import explain, put
from featurecat.data.storage import Place, bare
from featurecat.errors import DataError, UsageError
from featurecat.schema.storage import within

if TYPE_CHECKING:
    from featurecat.catalog import Catalog


@dataclass
class ObjectTarget:
    """An output URI: one object when it ends in ``.parquet``, else a prefix of parts."""

    uri: str
    place: Place
    single_file: bool
    overwrite: bool
    staged_in: Path | None = None
    """Where to stage (the spill folder); ``None``: the system's temporary folder."""
    _folder: Path | None = field(default=None, repr=False)

    @property
    def where(self) -> str:
        return self.uri

    @property
    def manifest(self) -> str:
        stem = self.uri.removesuffix(".parquet") if self.single_file else self.uri
        return f"{stem}.manifest.json"

    @property
    def near(self) -> Path:
        return self._staging_folder()

    def staging(self) -> Path:
        return self._staging_folder() / ("output.parquet" if self.single_file else "output")

    def _staging_folder(self) -> Path:
        if self._folder is None:
            try:
                if self.staged_in is not None:
                    self.staged_in.mkdir(parents=True, exist_ok=True)
                self._folder = Path(tempfile.mkdtemp(prefix=".featurecat-out-", dir=self.staged_in))
            except OSError as exc:
                raise UsageError(
                    f"cannot stage output {self.uri} in {self.staged_in or tempfile.gettempdir()}:"
                    f" {exc.strerror or exc}; set spill_dir= to a writable folder with room"
                ) from None
        return self._folder

    def publish(self, written: Path, manifest: Mapping[str, Any]) -> None:
        """Upload ``written``, then the manifest (see the module's notes on what readers see)."""
        from featurecat.retrieval import manifest as manifests

        fs = self.place.filesystem()
        key = bare(self.uri)
        self._storing(lambda: fs.rm_file(bare(self.manifest)), self.manifest, missing_ok=True)
        if self.single_file:
            self._storing(lambda: fs.put_file(str(written), key), self.uri)
        else:
            if self.overwrite:
                self._storing(lambda: fs.rm(key, recursive=True), self.uri, missing_ok=True)
            uploaded: list[str] = []
            try:
                for part in sorted(written.iterdir()):
                    uploaded.append(f"{key}/{part.name}")
                    self._storing(partial(fs.put_file, str(part), uploaded[-1]), self.uri)
            except BaseException:
                _quietly(partial(fs.rm, uploaded))
                raise

        def write(file: Path) -> None:
            manifests.write(manifest, file)

        self._storing(lambda: put(self.place, self.manifest, write), self.manifest)

    def discard(self, written: Path) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _storing(self, act: Callable[[], object], uri: str, missing_ok: bool = False) -> None:
        try:
            act()
        except (OSError, ValueError) as exc:
            if missing_ok and isinstance(exc, FileNotFoundError):
                return
            said = explain(exc, uri, self.place).replace("reading", "writing")
            raise DataError(f"cannot write output {self.uri}: {said}") from None


def object_target(
    uri: str, place: Place, catalog: Catalog, overwrite: bool, staging: Path | None
) -> ObjectTarget:
    """The output at ``uri``, refused when it exists (unless ``overwrite``) or where a
    source of the catalog keeps its data."""
    uri = uri.rstrip("/")
    for name, source in catalog.sources.items():
        data = _fixed_prefix(str(source.path))
        if "://" in data and (within(data, uri) or within(uri, data)):
            raise UsageError(
                f"output {uri} is where source '{name}' keeps its data ({source.path}); write "
                "the training set somewhere else"
            )
    out = ObjectTarget(uri, place, uri.endswith(".parquet"), overwrite, staging)
    fs = place.filesystem()
    try:
        found = [u for u in (out.uri, out.manifest) if fs.exists(bare(u))]
    except (OSError, ValueError) as exc:
        raise DataError(f"output {uri}: {explain(exc, uri, place)}") from None
    if found and not overwrite:
        raise UsageError(
            f"output {found[0]} exists; pass overwrite=True (--overwrite) to replace it, "
            "or choose another path"
        )
    return out


def _fixed_prefix(path: str) -> str:
    """The part of a source's path before its first glob character."""
    cut = min((path.index(c) for c in "*?[" if c in path), default=len(path))
    return path[:cut].rsplit("/", 1)[0] if cut < len(path) else path


def _quietly(act: Callable[[], object]) -> None:
    try:
        act()
    except Exception:  # cleaning up after a failure: the first failure is the one to tell
        return
