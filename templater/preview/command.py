"""`templater preview [FOLDER]`: serve the preview page over a folder of templates."""
from __future__ import annotations

import socket

import click

from templater.cli_options import CONFIG_OPTION
from templater.errors import InputError

DEFAULT_PORT = 8765


def free_port(host: str, first: int, tries: int = 50) -> int:
    """first, or the next port after it that nothing listens on."""
    for port in range(first, first + tries):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise InputError(f"--port: ports {first} to {first + tries - 1} are all in use: give a free one with --port")


@click.command()
@click.argument("folder", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Anything but 127.0.0.1/localhost lets other machines edit "
                   "the folder: only on a network you trust.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help=f"The port (default {DEFAULT_PORT}, or the next free one).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the web browser.")
@CONFIG_OPTION
def preview(folder: str, host: str, port: int | None, open_browser: bool, config_file: str | None) -> None:
    """Serve a local web page to edit FOLDER's templates with live lint, render and classify.

    Needs the optional extra: pip install 'templater[preview]'.
    """
    try:
        import uvicorn
        from templater.preview.app import LOCAL_NAMES, create_app
    except ImportError:
        raise click.UsageError("the preview page needs the optional extra: pip install 'templater[preview]'") \
            from None
    from templater.preview.workspace import Refused, Workspace

    try:
        workspace = Workspace(folder, config_file)
    except Refused as exc:
        raise InputError(exc.message, folder) from None
    port = free_port(host, DEFAULT_PORT) if port is None else port
    hosts = LOCAL_NAMES if host in LOCAL_NAMES else (*LOCAL_NAMES, host.lower())
    app = create_app(workspace, hosts)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    click.echo(f"templater preview of {folder}: {url}  (Ctrl-C to stop)")
    if open_browser:
        import webbrowser
        webbrowser.open(url)
    uvicorn.run(app, host=host, port=port, log_level="warning")
