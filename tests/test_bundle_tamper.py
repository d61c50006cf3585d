"""Exported bundles under attack: 1,000 seeded random mutations of a bundle's files, and bundles exported from
a store an MLflow administrator had rewritten, are each detected offline with no key; a malformed bundle is
bad input (exit 2 naming the file), never a traceback; links and paths that leave the bundle are refused."""

import base64
import json
import os
import random
import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govflow.bundle import BUNDLE_MANIFEST, BundleError, read_bundle, read_bundle_heads, write_bundle
from govflow.checks.heads import head_line
from govflow.checks.verification import evidence_problems
from govflow.cli import app
from tests.tamper import MODEL, build_chain, mutate

pytestmark = pytest.mark.slow  # hundreds of exported bundles mutated and verified

MUTATION_COUNT = 1000
runner = CliRunner()


def _write(out: Path, runs, heads, sign=None) -> None:
    write_bundle(out, MODEL, None, "2026-12-01", "2026-12-01T00:00:00+00:00", [(r, dict(r.tags)) for r in runs],
                 {"policy-abc.yaml": b"tiers: {}\n"}, [head_line(h) for h in heads.heads], sign)


def _problems(folder: Path) -> list | str:
    """Every problem `verify --bundle` would name; the message when it is bad input."""
    try:
        _, runs, problems = read_bundle(folder)
    except BundleError as exc:
        return str(exc)
    return problems + evidence_problems(runs, read_bundle_heads(folder), MODEL)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    runs, heads = build_chain(5)
    out = tmp_path_factory.mktemp("bundles") / "pristine"
    _write(out, runs, heads)
    return out


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _flip_byte(rng, folder):
    path = rng.choice(_files(folder))
    data = bytearray(path.read_bytes())
    if not data:
        data = bytearray(b"x")
    else:
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    path.write_bytes(bytes(data))


def _delete_file(rng, folder):
    rng.choice([p for p in _files(folder) if p.name != "README.md"]).unlink()


def _add_file(rng, folder):
    where = rng.choice([folder, *[p for p in folder.rglob("*") if p.is_dir()]])
    (where / f"planted-{rng.randrange(1000)}.json").write_text("{}\n")


def _symlink(rng, folder):
    path = rng.choice(_files(folder))
    outside = folder.parent / f"outside-{rng.randrange(10**6)}"
    outside.write_bytes(path.read_bytes())  # the same bytes, but outside the bundle
    path.unlink()
    path.symlink_to(outside)


def _rename_run(rng, folder):
    run = rng.choice(sorted((folder / "runs").iterdir()))
    run.rename(run.parent / f"{run.name}x")


def _edit_index(rng, folder):
    index = json.loads((folder / "index.json").read_text())
    entry = rng.choice(index["runs"])
    if rng.random() < 0.5:
        index["runs"].remove(entry)
    else:
        entry["manifest_sha256"] = f"{rng.getrandbits(256):064x}"
    (folder / "index.json").write_text(json.dumps(index))


def _edit_run_record(rng, folder):
    path = rng.choice(sorted((folder / "runs").glob("*/run.json")))
    record = json.loads(path.read_text())
    record["tags"]["governance.verdict"] = "APPROVED" if record["tags"]["governance.verdict"] != "APPROVED" else "REJECTED"
    path.write_text(json.dumps(record))


FILE_MUTATIONS = {f.__name__.lstrip("_"): f for f in (
    _flip_byte, _delete_file, _add_file, _symlink, _rename_run, _edit_index, _edit_run_record)}


def test_the_pristine_bundle_is_intact(pristine):
    assert _problems(pristine) == []


def test_every_random_mutation_of_a_bundle_is_detected(pristine, tmp_path):
    tried, missed = Counter(), []
    for seed in range(MUTATION_COUNT):
        rng = random.Random(seed)
        name = rng.choice(sorted(FILE_MUTATIONS))
        folder = tmp_path / f"b{seed}"
        shutil.copytree(pristine, folder, symlinks=True)
        FILE_MUTATIONS[name](rng, folder)
        tried[name] += 1
        if not _problems(folder):
            missed.append((seed, name))
        shutil.rmtree(folder)
    assert set(tried) == set(FILE_MUTATIONS)
    assert missed == [], missed


def test_bundles_exported_from_a_rewritten_store_are_detected(tmp_path):
    """The MLflow administrator's rewrite is exported faithfully, bundle manifest and all; the heads published
    outside MLflow, which the bundle carries, still tell."""
    runs, heads = build_chain()
    missed = []
    for seed in range(200):
        name, mutated = mutate(seed, runs)
        folder = tmp_path / f"s{seed}"
        _write(folder, mutated, heads)
        if not _problems(folder):
            missed.append((seed, name))
        shutil.rmtree(folder)
    assert missed == []


def test_a_whole_bundle_rewritten_consistently_is_caught_by_its_signature(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    def sign(data: bytes) -> bytes:  # as tasks/signing.py writes it: base64 and a newline
        return base64.b64encode(key.sign(data)) + b"\n"

    runs, heads = build_chain()
    _write(tmp_path / "signed", runs, heads, sign)
    assert read_bundle(tmp_path / "signed", public)[2] == []
    # The forger rewrites everything, heads included, and writes a new bundle manifest; the key is not theirs.
    _, mutated = mutate(7, runs)
    _write(tmp_path / "forged", mutated[:-1], type(heads)(heads.heads[:len(mutated) - 1]))
    shutil.copy(tmp_path / "signed" / "bundle-manifest.sig", tmp_path / "forged" / "bundle-manifest.sig")
    _, _, problems = read_bundle(tmp_path / "forged", public)
    assert [(p.kind, p.path) for p in problems] == [("altered", "bundle-manifest.sig")]


def _edit_run_json(folder: Path, change) -> None:
    path = next((folder / "runs").glob("*/run.json"))
    path.write_text(change(path.read_text()))


def _cli(folder: Path, *extra: str):
    return runner.invoke(app, ["verify", MODEL, "--bundle", str(folder), *extra])


@pytest.mark.parametrize("damage, named", [
    (lambda f: (f / "index.json").write_text("{not json"), "index.json: not valid JSON"),
    (lambda f: (f / "index.json").write_text('{"runs": {"a": 1}}'), "index.json: must be an object"),
    (lambda f: (f / BUNDLE_MANIFEST).write_text("[]"), f"{BUNDLE_MANIFEST}: key 'files'"),
    (lambda f: next((f / "runs").glob("*/run.json")).write_text("[1, 2]"), "run.json: must be an object"),
    (lambda f: (f / "index.json").write_text(json.dumps(
        {**json.loads((f / "index.json").read_text()), "config": {"../../etc/passwd": "0" * 64}})),
     "is not a plain file or folder name"),
    (lambda f: (f / "index.json").write_text(json.dumps(
        {**json.loads((f / "index.json").read_text()), "runs": [{"run_id": "../r1"}]})),
     "is not a plain file or folder name"),
    # Files built to crash the reader (issue 28, item 7): a time past any float, nesting past Python's stack.
    (lambda f: _edit_run_json(f, lambda text: text.replace('"started":', '"started": 1e400, "_was":', 1)),
     "run.json: key 'started' must be a number"),
    (lambda f: next((f / "runs").glob("*/run.json")).write_text("[" * 100_000 + "]" * 100_000),
     "run.json: nested too deeply"),
    (lambda f: (f / "index.json").write_text("[" * 100_000 + "]" * 100_000), "index.json: nested too deeply"),
    (lambda f: (f / BUNDLE_MANIFEST).write_text('{"files": ' + "[" * 100_000 + "]" * 100_000 + "}"),
     f"{BUNDLE_MANIFEST}: nested too deeply"),
])
def test_a_malformed_bundle_is_bad_input_naming_the_file(pristine, tmp_path, damage, named):
    folder = tmp_path / "b"
    shutil.copytree(pristine, folder)
    damage(folder)
    result = _cli(folder)
    assert result.exit_code == 2 and named in result.stderr, result.output
    assert "Traceback" not in result.output


def test_links_out_of_the_bundle_are_refused_not_followed(pristine, tmp_path):
    folder = tmp_path / "b"
    shutil.copytree(pristine, folder)
    config = folder / "config" / "policy-abc.yaml"
    outside = tmp_path / "elsewhere.yaml"
    outside.write_bytes(config.read_bytes())
    config.unlink()
    config.symlink_to(outside)
    (folder / "runs" / "r9").symlink_to(tmp_path, target_is_directory=True)
    result = _cli(folder, "--json")
    problems = json.loads(result.stdout)["problems"]
    assert result.exit_code == 1
    assert any("config/policy-abc.yaml is a symbolic link" in p["message"] for p in problems)
    assert any("runs/r9 is a symbolic link" in p["message"] for p in problems)
    assert os.path.islink(folder / "runs" / "r9")


def test_every_version_is_checked_unless_one_is_named(pristine, tmp_path):
    """index.json's version no longer narrows the check: a changed file in another version's run is named."""
    folder = tmp_path / "b"
    shutil.copytree(pristine, folder)
    index = json.loads((folder / "index.json").read_text())
    target = folder / "runs" / "r1" / "files" / "evidence" / "verdict.json"
    target.write_bytes(target.read_bytes() + b" ")
    assert index["runs"][0]["version"] == "1"
    result = _cli(folder, "--json")
    assert result.exit_code == 1
    assert {p["path"] for p in json.loads(result.stdout)["problems"]} >= {"evidence/verdict.json"}
    # Named with --version 1; with --version 2 the chain is whole, but the bundle manifest still names the file.
    narrowed = json.loads(_cli(folder, "--version", "2", "--json").stdout)["problems"]
    assert [p["path"] for p in narrowed] == ["runs/r1/files/evidence/verdict.json"]


def test_a_bundle_without_heads_is_not_intact_unless_the_auditor_says_no_heads(pristine, tmp_path):
    folder = tmp_path / "b"
    shutil.copytree(pristine, folder)
    (folder / "heads.jsonl").unlink()
    result = _cli(folder)
    assert result.exit_code == 1 and "a rewrite of the whole chain cannot be ruled out" in result.output
    no_heads = _cli(folder, "--no-heads", "--json")
    problems = json.loads(no_heads.stdout)["problems"]
    assert [p["path"] for p in problems] == ["heads.jsonl"]  # the bundle manifest still lists it
