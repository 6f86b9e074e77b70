"""Command-line options shared by several commands."""
from __future__ import annotations

import click

CONFIG_OPTION = click.option("--config", "config_file", type=click.Path(dir_okay=False),
                             help="Use this .templater.yaml or pyproject.toml instead of the nearest one.")
