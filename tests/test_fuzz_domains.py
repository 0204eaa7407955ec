"""A bounded, seeded fuzz run over every domain: no exception escapes, no check fails, every
finding points at a real line, and no input takes long or much memory."""

from __future__ import annotations

from .fuzzing import Outcome, check_one, inputs

#: Inputs in the suite; `make fuzz` runs ten thousand.
COUNT = 200
#: Generous bounds: a correct run takes well under a second per input on a CI machine.
SECONDS_PER_INPUT = 20.0
MEMORY_GROWTH_MIB = 1024.0


def test_mutated_inputs_of_every_domain_are_findings_not_failures() -> None:
    outcome = Outcome()
    before = outcome.peak_rss_mib()
    for kind, data in inputs(COUNT, seed=20261201):
        check_one(kind, data, outcome)
    assert outcome.inputs == COUNT
    assert set(outcome.by_kind) >= {"terraform", "kubernetes", "compose", "spacelift"}
    assert outcome.escaped == []
    assert outcome.internal == []
    assert outcome.bad_lines == []
    assert outcome.slowest[0] < SECONDS_PER_INPUT, outcome.slowest
    assert outcome.peak_rss_mib() - before < MEMORY_GROWTH_MIB
