"""A Spark standalone cluster on 127.0.0.1 (one master, one worker), from pyspark's own jars.

Ports are chosen by the JVMs (``--port 0``) and read back from their logs; the master's REST
server (a fixed port) is off. Each JVM runs in its own process group, stopped by its id.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

_MASTER_URL = re.compile(r"Starting Spark master at (spark://127\.0\.0\.1:\d+)")
_STARTUP = 240.0  # seconds; a busy 2-core machine took ~40 s for both


@dataclass
class Cluster:
    folder: Path
    url: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        import pyspark

        home = os.path.dirname(pyspark.__file__)
        return dict(
            os.environ,
            SPARK_HOME=home,
            SPARK_LOCAL_IP="127.0.0.1",
            SPARK_LOCAL_DIRS=str(self.folder / "local"),
            SPARK_LOG_DIR=str(self.folder / "logs"),
            SPARK_WORKER_DIR=str(self.folder / "work"),
            SPARK_DAEMON_MEMORY="256m",
            SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false",
        )

    def _start(self, name: str, *args: str) -> Path:
        env = self.env()
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            self.processes.append(
                subprocess.Popen(
                    [f"{env['SPARK_HOME']}/bin/spark-class", *args],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            )
        return log

    def start(self) -> Cluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        master = self._start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--webui-port",
            "0",
        )
        self.url = _wait_for(master, _MASTER_URL, self.processes[-1]).group(1)
        _wait_for(master, re.compile(r"New state: ALIVE"), self.processes[-1])
        worker = self._start(
            "worker",
            "org.apache.spark.deploy.worker.Worker",
            self.url,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--webui-port",
            "0",
            "--cores",
            "2",
            "--memory",
            "1g",
            "--work-dir",
            str(self.folder / "work"),
        )
        _wait_for(worker, re.compile(r"Successfully registered with master"), self.processes[-1])
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _wait_for(
    log: Path, pattern: re.Pattern[str], process: subprocess.Popen[bytes]
) -> re.Match[str]:
    deadline = time.monotonic() + _STARTUP
    while time.monotonic() < deadline:
        found = pattern.search(log.read_text(errors="replace"))
        if found:
            return found
        if process.poll() is not None:
            raise RuntimeError(f"{log.name} exited:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.25)
    raise RuntimeError(f"{log.name} did not say {pattern.pattern!r} in {_STARTUP:.0f} s")
