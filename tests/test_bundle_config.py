"""Which config files an evidence bundle carries, and what `evidence pull` tells the auditor of the ones it cannot:
only hashes of real config files (policy, waivers, assessment), each named by its kind; the data and tag
fingerprints a manifest also records are not files to fetch (issue 27, defect 7)."""

import json

from govflow.bundle import recorded_hashes, select_config
from govflow.checks.manifest import sha256_hex
from govflow.checks.verification import StoredRun

POLICY, WAIVERS, OLD_WAIVERS, ASSESSMENT = b"version: 1\n", b"waivers: []\n", b"waivers: [old]\n", b"model: m\n"


def _run(run_id: str, waivers: bytes) -> StoredRun:
    inputs = {"evaluation_data": "sha256:" + "a" * 64, "reference_data": "sha256:" + "b" * 64,
              "governance_tags": "sha256:" + "c" * 64, "monitoring_data": "sha256:" + "d" * 64,
              "model_version": "models:/m/1", "waivers_file": f"sha256:{sha256_hex(waivers)}",
              "risk_assessment": f"sha256:{sha256_hex(ASSESSMENT)}"}
    return StoredRun(run_id, 0, "1", None, {"manifest.json": json.dumps({"inputs": inputs}).encode()})


def test_only_config_files_are_recorded_and_each_is_named_by_its_kind():
    runs = [_run("r1", OLD_WAIVERS), _run("r2", WAIVERS)]
    recorded = recorded_hashes(runs, [{"governance.policy_sha256": sha256_hex(b"version: 0\n")},
                                      {"governance.policy_sha256": sha256_hex(POLICY)}])
    assert sorted(recorded.values()) == ["assessment", "policy", "policy", "waivers", "waivers"]
    files = {"policy": POLICY, "waivers": WAIVERS, "assessment": ASSESSMENT, "controls": b"controls\n"}
    chosen, missing = select_config(files, recorded, always={"controls"})
    assert missing == sorted([("policy", sha256_hex(b"version: 0\n")), ("waivers", sha256_hex(OLD_WAIVERS))])
    assert sorted(name.split("-")[0] for name in chosen) == ["assessment", "controls", "policy", "waivers"]
