"""Bulk rendering past one process: an engine-neutral core (core.py) and the engines that run it.

`templater render T --recipients ... --engine NAME` picks an engine from ENGINES: `local` is the
streaming run of templater.render.batch; the others are "module:function" names imported only
when chosen, so that neither the lint path nor `pip install templater` needs pandas, Dask or Spark.
Each engine function takes the arguments of templater.engines.cli.run and returns a Summary.
"""
from __future__ import annotations

ENGINES = {
    "local": None,                                  # templater.render.batch (no extra)
    "dask": "templater.engines.dask:run_cli",       # templater[dask]
    "spark": "templater.engines.spark:run_cli",     # templater[spark]
}
EXTRAS = {"dask": "dask", "spark": "spark"}          # the pip extra each engine needs


def run_engine(name: str, template: str, recipients: str, out: str, *, partition_size: str | None = None,
               **options: object):
    """Run `templater render --engine NAME`: import the engine (a clear error when its extra is not
    installed) and return its Summary."""
    import importlib

    from templater.errors import ConfigError

    target = ENGINES.get(name)
    if target is None:  # local is templater.render.batch, run by the CLI itself
        raise ConfigError(f"--engine {name}: give one of {', '.join(ENGINES)}")
    module_name, function = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if (exc.name or "").split(".")[0] == "templater":
            raise
        raise ConfigError(f"--engine {name} needs the {EXTRAS[name]} extra ({exc.name or exc} is missing): "
                          f"pip install 'templater[{EXTRAS[name]}]'") from None
    size = parse_size(partition_size) if partition_size else None
    return getattr(module, function)(template, recipients, out, partition_size=size, **options)


def parse_size(text: str) -> int:
    """--partition-size: '32M', '512K', '1G' or a number of bytes."""
    from templater.errors import ConfigError

    units = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    value = text.strip().lower().removesuffix("b").removesuffix("i")
    unit = value[-1:] if value[-1:] in units else ""
    try:
        size = int(float(value[:-1] if unit else value) * units[unit])
    except ValueError:
        size = 0
    if size < 1:
        raise ConfigError(f"--partition-size '{text}': give a size such as 32M")
    return size
