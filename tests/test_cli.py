"""Every command answers --help with a description and exits 0 (commands behave as expected)."""

import click
from click.testing import CliRunner

from triage.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


def test_every_command_has_help():
    runner = CliRunner()
    seen = list(_commands(main))
    assert seen, "no commands registered"
    for path, cmd in seen:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert cmd.help and cmd.help.strip(), f"`triage {' '.join(path)}` has no help text"


def test_unknown_command_exits_2():
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2
