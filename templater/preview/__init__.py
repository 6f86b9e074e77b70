"""`templater preview`: a local web page over a folder of templates (the optional extra
`templater[preview]`).

workspace.py holds what the page does (pure Python, no web framework: lint, render, classify,
save, fix, new, library, each confined to the folder); app.py is the Starlette JSON API and the
static page over it; command.py is the `templater preview` command. Nothing here is imported by
`templater lint`.
"""
