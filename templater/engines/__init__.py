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
