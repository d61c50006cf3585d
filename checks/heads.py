"""The chain head log as data: one JSON line per published head, read back with every defect named.

The log is append-only and fsynced line by line, but a writer can still die mid-line. A line cut off at the
end of the file is an interrupted append: readers skip it, and the next writer ends it with a newline and a
`healed` record (the fragment's offset and SHA-256), so the fragment is accounted for forever. Any other line
that does not parse, or that is not a head, is a problem `verify` names; it never stops reading or writing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from govflow.checks.manifest import sha256_hex

HEAD_FIELDS = ("model", "sequence", "manifest_sha256", "run_id", "at")


@dataclass(frozen=True)
class Head:
    """One model's chain head as published: the sequence number, the manifest hash and the run it names."""

    model: str
    sequence: int
    manifest_sha256: str
    run_id: str
    at: str
    signature: str | None = None
    line: int = 0  # 1-based line of the log it was read from

    def signed_bytes(self) -> bytes:
        return head_bytes(self.model, self.sequence, self.manifest_sha256, self.run_id, self.at)


def head_bytes(model: str, sequence: int, manifest_sha256: str, run_id: str, at: str) -> bytes:
    """The canonical bytes a head's signature covers (the record without its signature)."""
    return json.dumps({"model": model, "sequence": sequence, "manifest_sha256": manifest_sha256,
                       "run_id": run_id, "at": at}, sort_keys=True).encode()


def head_line(head: Head) -> bytes:
    record = json.loads(head.signed_bytes())
    if head.signature:
        record["signature"] = head.signature
    return (json.dumps(record, sort_keys=True) + "\n").encode()


def healed_line(offset: int, fragment: bytes) -> bytes:
    """The record a writer appends after ending a torn line: where the fragment starts, and its hash."""
    return (json.dumps({"healed": {"offset": offset, "sha256": sha256_hex(fragment)}}, sort_keys=True)
            + "\n").encode()


@dataclass(frozen=True)
class LogDefect:
    """A line of the head log that is not a head: `torn` (an interrupted append, accounted for) or `corrupt`."""

    kind: str
    line: int
    message: str


@dataclass(frozen=True)
class HeadLog:
    heads: tuple[Head, ...]
    defects: tuple[LogDefect, ...] = ()
    exists: bool = True

    def of(self, model: str) -> list[Head]:
        return [h for h in self.heads if h.model == model]

    def tip(self, model: str) -> Head | None:
        """The model's latest head: the authority for the next sequence number and previous manifest."""
        mine = self.of(model)
        return max(mine, key=lambda h: h.sequence) if mine else None


def _as_head(record: object, line: int) -> Head | None:
    if not isinstance(record, dict) or any(k not in record for k in HEAD_FIELDS):
        return None
    if set(record) - {*HEAD_FIELDS, "signature"}:
        return None
    sequence = record["sequence"]
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        return None
    if not all(isinstance(record[k], str) for k in ("model", "manifest_sha256", "run_id", "at")):
        return None
    signature = record.get("signature")
    return Head(record["model"], sequence, record["manifest_sha256"], record["run_id"], record["at"],
                signature if isinstance(signature, str) else None, line)


def parse_head_log(data: bytes, source: str = "head log") -> HeadLog:
    """Every head in the log, with each line that is not one named (file and line)."""
    heads: list[Head] = []
    defects: list[LogDefect] = []
    lines = data.split(b"\n")
    offsets, at = [], 0
    for raw in lines:
        offsets.append(at)
        at += len(raw) + 1
    unparsed: dict[int, bytes] = {}  # line number -> raw bytes, for matching a later `healed` record
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        last = number == len(lines)  # no newline after it: the file ends mid-line
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        if isinstance(record, dict) and set(record) == {"healed"} and isinstance(record["healed"], dict):
            healed = record["healed"]
            match = next((n for n, b in unparsed.items() if offsets[n - 1] == healed.get("offset")
                          and sha256_hex(b) == healed.get("sha256")), None)
            if match is None:
                defects.append(LogDefect("corrupt", number, (
                    f"{source} line {number}: a 'healed' record that matches no torn line before it")))
            else:
                unparsed.pop(match)
                defects.append(LogDefect("torn", match, (
                    f"{source} line {match}: an append was interrupted there ({len(lines[match - 1])} bytes); "
                    f"the next writer accounted for it at line {number}")))
            continue
        head = _as_head(record, number)
        if head is not None:
            heads.append(head)
        elif last and record is None:
            defects.append(LogDefect("torn", number, (
                f"{source} line {number}: the last line is cut off ({len(raw)} bytes), an append that was "
                "interrupted; it is skipped and the next append accounts for it")))
        else:
            unparsed[number] = raw
    defects += [LogDefect("corrupt", n, f"{source} line {n}: not a chain head ({raw[:60]!r}); the log was "
                                        "edited or damaged") for n, raw in unparsed.items()]
    return HeadLog(tuple(heads), tuple(sorted(defects, key=lambda d: d.line)))
