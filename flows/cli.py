"""The `horizon` command line."""

from __future__ import annotations

import typer

from flows import cli_brief, cli_crawl, cli_nlp, cli_ops, cli_scan

app = typer.Typer(
    name="horizon",
    help="Technology horizon scanning: papers, patents and policy announcements → protect/nurture list.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for module in (cli_scan, cli_crawl, cli_nlp, cli_brief, cli_ops):
    module.register(app)


def main() -> None:
    """Entry point of the `horizon` script."""
    app()
