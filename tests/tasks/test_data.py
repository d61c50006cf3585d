import pandas as pd
import pytest

from govflow.tasks.data import load_dataset

FRAME = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})


def test_parquet_csv_folder_and_glob(tmp_path):
    FRAME.to_parquet(tmp_path / "one.parquet", index=False)
    FRAME.to_csv(tmp_path / "two.csv", index=False)
    single = load_dataset.fn(str(tmp_path / "one.parquet"))
    assert single.frame.equals(FRAME) and single.error is None
    assert single.fingerprint.startswith("sha256:")
    assert load_dataset.fn(str(tmp_path / "two.csv")).frame.equals(FRAME)
    folder = load_dataset.fn(str(tmp_path))
    assert folder.rows == 4 and folder.columns == ["a", "b"]
    assert load_dataset.fn(str(tmp_path / "*.parquet")).rows == 2
    assert load_dataset.fn(tmp_path.as_uri() + "/one.parquet").frame.equals(FRAME)


def test_fingerprint_changes_with_content(tmp_path):
    path = tmp_path / "d.parquet"
    FRAME.to_parquet(path, index=False)
    first = load_dataset.fn(str(path)).fingerprint
    assert load_dataset.fn(str(path)).fingerprint == first
    FRAME.assign(a=[1.0, 3.0]).to_parquet(path, index=False)
    assert load_dataset.fn(str(path)).fingerprint != first


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("missing.parquet", None, "no such file"),
        ("broken.parquet", b"not parquet at all", "ArrowInvalid"),
        ("notes.txt", b"hello", "neither Parquet nor CSV"),
        ("empty-folder", "dir", "no Parquet or CSV files"),
    ],
)
def test_bad_inputs_come_back_as_errors(tmp_path, name, content, says):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    loaded = load_dataset.fn(str(path))
    assert loaded.frame is None and loaded.rows is None
    assert says in loaded.error


def test_absent_tag_loads_nothing():
    loaded = load_dataset.fn(None)
    assert (loaded.uri, loaded.frame, loaded.error) == (None, None, None)
