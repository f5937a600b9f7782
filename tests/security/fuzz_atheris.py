"""Coverage-guided fuzzing of one parser with atheris (optional; `pip install atheris`).

    python -m tests.security.fuzz_atheris papers_openalex -atheris_runs=200000

Only our parser modules are instrumented. The parser's seed body starts the corpus; any
exception but ParseError is a finding (libFuzzer stops and prints the input).
"""

from __future__ import annotations

import contextlib
import sys


def main() -> None:
    """Fuzz the parser named by the first argument; the rest go to libFuzzer."""
    import atheris

    with atheris.instrument_imports(include=["crawlers.parsers"]):
        from crawlers.parsers.base import ParseError
        from tests.security.seeds import TARGETS, context, seed

    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in TARGETS:
        raise SystemExit(
            f"usage: fuzz_atheris PARSER [libFuzzer flags]; one of {', '.join(TARGETS)}"
        )
    target = TARGETS[name]
    start = seed(name)

    def one_input(data: bytes) -> None:
        body = data or start
        with contextlib.suppress(ParseError):
            target.parse(body, context(name, body))

    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
