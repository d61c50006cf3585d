"""Reading a production feed from a moment on (govflow/datasets.py `Since`): Parquet files whose every stamp
comes before it are fingerprinted and counted from their footers, not parsed; any file that could hold a
wanted row, an empty stamp or stamps it cannot compare is parsed."""

import pandas as pd

from govflow.datasets import Among, Since, read_dataset


def _day(folder, name: str, stamps: list, **columns) -> None:
    pd.DataFrame({"ts": stamps, "x": range(len(stamps)), **columns}).to_parquet(folder / name, index=False)


def test_files_wholly_before_the_start_are_counted_and_fingerprinted_not_parsed(tmp_path):
    for day in (1, 2, 3):
        _day(tmp_path, f"day{day}.parquet", pd.date_range(f"2026-03-0{day} 08:00", periods=4, freq="3h").tolist())
    every, since = read_dataset(str(tmp_path)), read_dataset(str(tmp_path), since=Since("ts", "2026-03-02T00:00:00"))
    assert since.rows == every.rows == 12 and since.rows_not_read == 4
    assert since.fingerprint == every.fingerprint  # the skipped file's bytes still count
    assert since.table["ts"].min() == pd.Timestamp("2026-03-02 08:00") and len(since.table) == 8
    # The caller picks its rows from the files read: one ending exactly at the start is parsed.
    edge = read_dataset(str(tmp_path), since=Since("ts", "2026-03-01T17:00:00"))
    assert edge.rows_not_read == 0 and len(edge.table) == 12
    # Every file before the start: no rows, the columns kept, every row counted.
    late = read_dataset(str(tmp_path), since=Since("ts", "2026-04-01T00:00:00"))
    assert late.rows == 12 and late.table.empty and list(late.table.columns) == ["ts", "x"]


def test_zoned_stamps_are_compared_on_their_own_wall_time(tmp_path):
    paris = pd.to_datetime(["2026-03-01T20:00:00+01:00", "2026-03-01T23:30:00+01:00"]).tz_convert("Europe/Paris")
    _day(tmp_path, "a.parquet", list(paris))
    after = pd.to_datetime(["2026-03-01T22:00:00+01:00", "2026-03-02T00:10:00+01:00"]).tz_convert("Europe/Paris")
    _day(tmp_path, "b.parquet", list(after))  # 23:10 UTC on the 1st, but the 2nd on the wall
    loaded = read_dataset(str(tmp_path), since=Since("ts", "2026-03-02T00:00:00"))
    assert loaded.rows_not_read == 2 and len(loaded.table) == 2


def test_files_that_could_hold_a_wanted_row_are_parsed(tmp_path):
    _day(tmp_path, "empty_stamp.parquet", [pd.Timestamp("2026-03-01 08:00"), None])
    _day(tmp_path, "as_text.parquet", ["2026-03-01T08:00:00", "2026-03-01T09:00:00"])
    pd.DataFrame({"ts": ["2026-03-01T08:00:00"], "x": [0]}).to_csv(tmp_path / "feed.csv", index=False)
    _day(tmp_path, "before.parquet", [pd.Timestamp("2026-03-01 08:00")])
    loaded = read_dataset(str(tmp_path), since=Since("ts", "2026-03-02T00:00:00"))
    assert loaded.rows_not_read == 1 and loaded.rows == 6 and len(loaded.table) == 5  # only before.parquet is counted
    assert read_dataset(str(tmp_path), since=Since("other", "2026-03-02T00:00:00")).rows_not_read == 0


def test_only_the_outcomes_of_the_decisions_read_are_kept_and_every_row_is_counted(tmp_path):
    pd.DataFrame({"id": [f"d{i}" for i in range(6)], "y": [0, 1, 0, 1, 1, 0]}).to_parquet(tmp_path / "a.parquet")
    pd.DataFrame({"id": ["d6", "d7"], "y": [1, 1]}).to_csv(tmp_path / "b.csv", index=False)
    every = read_dataset(str(tmp_path))
    kept = read_dataset(str(tmp_path), among=Among("id", ["d1", "d4", "d7", "nowhere"]))
    assert kept.rows == every.rows == 8 and kept.fingerprint == every.fingerprint
    assert sorted(kept.table["id"]) == ["d1", "d4", "d7"] and kept.rows_not_read == 5
    # Values Parquet cannot cast to the column's type: every row is parsed, then picked in pandas (none here).
    mismatched = read_dataset(str(tmp_path / "a.parquet"), among=Among("y", ["not a number"]))
    assert mismatched.table.empty and mismatched.rows == 6 and mismatched.error is None
    assert read_dataset(str(tmp_path), among=Among("other", ["d1"])).rows_not_read == 0


def test_a_file_not_parsed_still_has_its_header_checked(tmp_path):
    """A file wholly before the start is only counted, yet a column named twice or one asked for and absent
    is still an error naming it, as when it is parsed (a later file is parsed beside it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = pa.array(pd.date_range("2026-03-01 08:00", periods=2, freq="h"))
    pq.write_table(pa.Table.from_arrays([stamps, pa.array([1, 2]), pa.array([3, 4])], names=["ts", "x", "x"]),
                   tmp_path / "a_twice.parquet")
    _day(tmp_path, "b_later.parquet", pd.date_range("2026-03-05 08:00", periods=2, freq="h").tolist(), score=[1, 2])
    since = Since("ts", "2026-03-03T00:00:00")
    twice = read_dataset(str(tmp_path), since=since)
    assert twice.error is not None and "a_twice.parquet" in twice.error and "'x' more than once" in twice.error
    (tmp_path / "a_twice.parquet").unlink()
    _day(tmp_path, "a_early.parquet", list(stamps.to_pandas()))
    absent = read_dataset(str(tmp_path), columns=["ts", "score"], since=since)
    assert absent.error is not None and "a_early.parquet" in absent.error and "'score'" in absent.error


def test_a_fingerprint_alone_is_the_one_reading_gives_and_moves_with_any_byte(tmp_path):
    """govflow/datasets.py `fingerprint_dataset`: what a sign-off's gate holds the data to before it carries an
    evaluation, without parsing the files."""
    from govflow.datasets import fingerprint_dataset

    for day in (1, 2):
        _day(tmp_path, f"day{day}.parquet", pd.date_range(f"2026-03-0{day}", periods=3, freq="h").tolist())
    assert fingerprint_dataset(str(tmp_path)) == read_dataset(str(tmp_path)).fingerprint is not None
    single = str(tmp_path / "day1.parquet")
    assert fingerprint_dataset(single) == read_dataset(single).fingerprint
    before = fingerprint_dataset(str(tmp_path))
    _day(tmp_path, "day2.parquet", pd.date_range("2026-03-02", periods=3, freq="h").tolist(), y=[0, 1, 0])
    assert fingerprint_dataset(str(tmp_path)) not in (before, None)
    assert fingerprint_dataset(str(tmp_path / "absent")) is None
    (tmp_path / "notes.txt").write_text("x")
    assert fingerprint_dataset(str(tmp_path / "notes.txt")) is None  # read_dataset would not read it either
