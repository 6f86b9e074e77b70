"""The language server, `templater lsp` (extra `templater[lsp]`): analysis.py knows templates,
server.py speaks the Language Server Protocol over stdio. This module imports neither until the
command runs, so `templater lint` never loads pygls."""
from __future__ import annotations

import click


@click.command()
@click.option("--stdio", is_flag=True, help="Speak over standard input and output (the default and only "
              "transport; accepted because editors pass it).")
def lsp(stdio: bool) -> None:
    """Run the language server over stdio: diagnostics, code actions, hover and completion for
    .sms templates in your editor (docs/editors.md). Needs `pip install 'templater[lsp]'`."""
    try:
        from templater.lsp.server import main
    except ImportError as exc:
        raise click.UsageError(f"the language server needs {exc.name or 'pygls'}, which is not installed: "
                               "pip install 'templater[lsp]'") from None
    main()
