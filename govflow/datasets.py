"""Reading a dataset from a local path or fsspec URL: Parquet or CSV, a file, a folder or a glob.

Plain functions with no Prefect, so the ad-hoc `audit` commands answer quickly; tasks/data.py
wraps them for flows.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import fsspec
import pandas as pd

READERS = {".parquet": pd.read_parquet, ".pq": pd.read_parquet, ".csv": pd.read_csv}


@dataclass(frozen=True)
class LoadedData:
    """A dataset, or why it could not be read; `fingerprint` is the SHA-256 over its files' bytes."""

    uri: str | None
    frame: pd.DataFrame | None = None
    error: str | None = None
    fingerprint: str | None = None

    @property
    def rows(self) -> int | None:
        return None if self.frame is None else len(self.frame)

    @property
    def has_rows(self) -> bool:
        return self.frame is not None and len(self.frame) > 0

    @property
    def columns(self) -> list[str]:
        return [] if self.frame is None else list(self.frame.columns)

    @property
    def table(self) -> pd.DataFrame:
        """The rows read, where `has_rows` said there are some: asking where nothing was read is a caller's bug."""
        if self.frame is None:
            raise RuntimeError(f"{self.uri}: no rows were read ({self.error or 'not loaded'})")
        return self.frame


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _files(uri: str) -> tuple[fsspec.AbstractFileSystem, list[str]]:
    fs, path = fsspec.core.url_to_fs(uri)
    if any(ch in path for ch in "*?["):
        files = sorted(fs.glob(path))
    elif fs.isdir(path):
        files = sorted(p for p in fs.find(path) if _suffix(p) in READERS)
    elif fs.exists(path):
        files = [path]
    else:
        raise FileNotFoundError("no such file or folder")
    return fs, files


def _header(suffix: str, data: bytes, path: str) -> list[str]:
    """The file's column names as written; a name written twice is refused, naming it (pandas would read the
    second as `name.1`, and a check would judge a column the file's author never named)."""
    if READERS[suffix] is pd.read_csv:
        first = pd.read_csv(io.BytesIO(data), nrows=1, header=None, dtype=str, keep_default_na=False)
        names = [str(v) for v in first.iloc[0]]
    else:
        import pyarrow.parquet as pq

        names = list(pq.ParquetFile(io.BytesIO(data)).schema_arrow.names)
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise KeyError(f"'{path}' names column {', '.join(map(repr, twice))} more than once in its header; "
                       "rename one so each column has its own name")
    return names


def _read(suffix: str, data: bytes, columns: list[str] | None, path: str, dictionary: bool) -> pd.DataFrame:
    """One file's rows; with `columns`, only those are parsed (Parquet reads only their column chunks); with
    `dictionary`, string columns arrive as categoricals (Parquet decodes them straight into codes)."""
    present = _header(suffix, data, path)
    if columns is not None and (missing := [c for c in columns if c not in present]):
        raise KeyError(f"'{path}' has no column {', '.join(map(repr, missing))} (columns: {', '.join(present)})")
    if READERS[suffix] is pd.read_csv:
        frame = pd.read_csv(io.BytesIO(data), usecols=columns)
        frame = frame[columns] if columns is not None else frame
        if dictionary:
            strings = [c for c in frame.columns if frame[c].dtype == object]
            frame[strings] = frame[strings].astype("category")
        return frame
    if not dictionary:
        return pd.read_parquet(io.BytesIO(data), columns=columns)
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.ParquetFile(io.BytesIO(data)).schema_arrow
    strings = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return pq.read_table(io.BytesIO(data), columns=columns, read_dictionary=strings).to_pandas()


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Files' frames as one; categorical columns keep one dictionary (the union) instead of falling back to
    Python strings, as pandas does when the files' dictionaries differ."""
    if len(frames) == 1:
        return frames[0]
    for column in frames[0].columns:
        if all(isinstance(f[column].dtype, pd.CategoricalDtype) for f in frames if column in f):
            union = pd.api.types.union_categoricals([f[column] for f in frames if column in f]).categories
            for f in frames:
                if column in f:
                    f[column] = f[column].cat.set_categories(union)
    return pd.concat(frames, ignore_index=True)


def read_dataset(uri: str, columns: list[str] | None = None, dictionary: bool = False) -> LoadedData:
    """Read every Parquet/CSV file the URI names into one frame, only `columns` if given, string columns as
    categoricals with `dictionary` (counting them then counts codes, not Python strings); errors come back,
    not raised. The fingerprint covers the files' whole bytes either way."""
    try:
        fs, files = _files(uri)
        if not files:
            return LoadedData(uri, error="no Parquet or CSV files found")
        digest = hashlib.sha256()
        frames = []
        for path in files:
            reader = READERS.get(_suffix(path))
            if reader is None:
                return LoadedData(uri, error=f"'{path}' is neither Parquet nor CSV")
            with fs.open(path, "rb") as handle:
                data: bytes = handle.read()  # pyright: ignore[reportAssignmentType]: fsspec types text and bytes alike
            digest.update(path.rsplit("/", 1)[-1].encode() + b"\0" + hashlib.sha256(data).digest())
            frames.append(_read(_suffix(path), data, columns, path, dictionary))
        frame = _concat(frames)
        return LoadedData(uri, frame=frame, fingerprint=f"sha256:{digest.hexdigest()}")
    except KeyError as exc:  # a column absent or named twice: the message names file and column
        return LoadedData(uri, error=str(exc.args[0]))
    except Exception as exc:  # any reader failure is the user's data problem, reported as such
        return LoadedData(uri, error=f"{type(exc).__name__}: {exc}")

