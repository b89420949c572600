"""Peak resident memory of each process, sampled in a thread while the benchmarks run."""

from __future__ import annotations

import threading

import psutil


class RssSampler:
    """Samples the RSS of the processes it watches every `interval` seconds; keeps the peaks."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peaks: dict[str, int] = {}
        self._watched: dict[str, psutil.Process] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def watch(self, name: str, pid: int) -> None:
        try:
            process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            return
        with self._lock:
            self._watched[name] = process
        self._sample(name, process)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _sample(self, name: str, process: psutil.Process) -> None:
        try:
            rss = process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            return
        if rss > self.peaks.get(name, 0):
            self.peaks[name] = rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                watched = list(self._watched.items())
            for name, process in watched:
                self._sample(name, process)
