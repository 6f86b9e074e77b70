"""A SparkSession for templater: local[*] by default, a real cluster's master when given; quiet logs
and settings that start fast on one machine. Imported only by the Spark engine (templater[spark])."""
from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

# local[*, 4]: every core, and a failed task is tried up to 4 times, as a cluster does
# (spark.task.maxFailures); plain local[*] would fail the run on a task's first failure.
LOCAL = "local[*,4]"

# Settings for a local[...] master (a cluster keeps its own configuration).
SETTINGS = {
    "spark.ui.enabled": "false",                    # no web UI to start (about a second)
    "spark.ui.showConsoleProgress": "false",        # no progress bars on standard error
    "spark.sql.shuffle.partitions": "8",            # a few ledger partitions, not 200 (adaptive joins them)
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "10000",
    "spark.sql.sources.partitionOverwriteMode": "static",
}

# Only errors from Spark's own logs: its start-up warnings (native Hadoop, log levels) and a task's
# failed attempts are not the user's business; a failed run is reported by templater itself.
_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark: %p %c{1}: %m%n
# A task that fails is tried again; if it fails for good, templater reports the job's error itself.
logger.executor.name = org.apache.spark.executor.Executor
logger.executor.level = off
logger.tasks.name = org.apache.spark.scheduler.TaskSetManager
logger.tasks.level = off
"""


def _log_config() -> str:
    path = os.path.join(tempfile.gettempdir(), f"templater-spark-log4j2-{os.getuid()}.properties")
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == _LOG4J:
                return path
    except OSError:
        pass
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".properties")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(_LOG4J)
    os.replace(tmp, path)
    return path


def session(master: str | None = None, app: str = "templater", conf: dict[str, str] | None = None) -> Any:
    """The active SparkSession if there is one (a notebook's, spark-submit's), else a new one on
    `master` (default LOCAL). On one machine the Python workers run this interpreter (unless
    PYSPARK_PYTHON says otherwise), so that they have templater and its extras; a cluster's
    executors need templater[spark] installed in theirs."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    master = master or LOCAL
    if master.startswith("local"):  # a cluster's executors have their own Python (PYSPARK_PYTHON)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master).appName(app)
    # On one machine, the settings above; a cluster's own configuration is left as it is.
    settings = {**SETTINGS, "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{_log_config()}"} \
        if master.startswith("local") else {}
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
