"""Everything Jinja: the sandbox (sandbox.py), its limits (limits.py) and plain bodies (plain.py).

The lint core and the bulk renderer both come here for Jinja2; nothing here imports the linter or
the renderer.
"""
