"""The ``triage`` command: thin click wrappers, one module per area of the product."""

from __future__ import annotations

import sys

import click

from triage import __version__
from triage.cli import desk, evaluation, kb, mail, model, search, sla, users, web
from triage.cli import writers as writers  # noqa: F401 - adds kb gaps|review|draft|link
from triage.cli.report import report_command


class _Main(click.Group):
    """The command group; a missing sentence-embedding model becomes a one-line error."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            embed = sys.modules.get("triage.engine.embed")  # loaded only by commands that embed
            if embed is not None and isinstance(exc, embed.EncoderMissing):
                raise click.ClickException(str(exc)) from None
            raise


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="triage")
def main() -> None:
    """Frontline: knowledge base, triage engine and ticket desk for technical support."""


main.add_command(kb.kb)
main.add_command(evaluation.eval_group)
main.add_command(sla.sla)
main.add_command(model.train_command)
main.add_command(users.users)
main.add_command(desk.tickets)
main.add_command(desk.desk)
main.add_command(desk.db_group)
main.add_command(web.serve)
main.add_command(search.index_command)
main.add_command(report_command)
main.add_command(mail.mail)
