"""A governance run's labels: the `governance.*` tags a run carries in MLflow (what it governs, its verdict,
its place in the chain, how it ended), parsed once into `RunLabels`, which every layer reads instead of the
tag strings. A version's own tags are `checks/governance_tags.py: VersionTags`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# The labels a run's manifest repeats, so `verify` catches a relabelled run.
LABEL_KEYS = ("model", "version", "flow", "verdict", "sequence")


@dataclass(frozen=True)
class RunLabels:
    raw: Mapping[str, str] = field(default_factory=dict)
    model: str = ""
    version: str = ""
    flow: str = ""
    verdict: str | None = None
    sequence: str | None = None
    manifest_sha256: str | None = None  # recorded once the run is committed
    superseded_by: str | None = None
    completed_from_head: bool = False
    monitored_from: str | None = None
    monitored_through: str | None = None
    policy_sha256: str | None = None
    risk_tier: str | None = None  # the tier the run was judged at
    prefect_flow_run_id: str | None = None  # the Prefect flow run that wrote it, whose end says it can write no more

    @classmethod
    def parse(cls, tags: Mapping[str, str]) -> RunLabels:
        """The labels of a run's tags; empty tags read as unset."""
        def get(key: str) -> str | None:
            return tags.get(f"governance.{key}") or None

        return cls(raw=dict(tags), model=get("model") or "", version=get("version") or "", flow=get("flow") or "",
                   verdict=get("verdict"), sequence=get("sequence"), manifest_sha256=get("manifest_sha256"),
                   superseded_by=get("superseded_by"), completed_from_head=get("completed_from_head") == "true",
                   monitored_from=get("monitored_from"), monitored_through=get("monitored_through"),
                   policy_sha256=get("policy_sha256"), risk_tier=get("risk_tier"),
                   prefect_flow_run_id=get("prefect_flow_run_id"))

    def label(self, key: str) -> str | None:
        """One of LABEL_KEYS as the tag holds it (None when absent), for holding a run to its manifest."""
        return self.raw.get(f"governance.{key}")

    @property
    def committed(self) -> bool:
        return bool(self.manifest_sha256)
