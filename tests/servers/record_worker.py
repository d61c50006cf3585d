"""A process that records N remediation notes on one model through the finding-note flow, as concurrent
governance jobs do: `python -m tests.servers.record_worker MODEL N TAG`. Prints one line per recording."""

import sys


def main(model: str, count: int, tag: str) -> None:
    from govflow.flows.finding_note import finding_note

    for i in range(count):
        run_id = finding_note(model, "fairness.demographic_parity_ratio", f"worker {tag}", f"note {i} from {tag}")
        print("RECORDED", run_id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
