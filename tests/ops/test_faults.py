"""The fault points the worker-kill tests stop a worker at (config/ops/faults.py)."""

import os
import threading
import time

from config.ops import faults


def test_off_unless_a_point_is_named(settings, tmp_path):
    settings.FAULT_PAUSE_AT, settings.FAULT_DIR = "", str(tmp_path)
    faults.pause_point("sla.check_chunk")
    settings.FAULT_PAUSE_AT = "sla.measures_evaluate"
    faults.pause_point("sla.check_chunk")
    assert list(tmp_path.iterdir()) == []


def test_the_nth_arrival_stops_says_so_and_waits_for_its_release(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(faults, "_reached", faults.Counter())
    settings.FAULT_PAUSE_AT, settings.FAULT_DIR = "sla.check_chunk#2", str(tmp_path)
    faults.pause_point("sla.check_chunk")  # the first arrival passes
    assert not (tmp_path / "sla.check_chunk.reached").exists()

    second = threading.Thread(target=faults.pause_point, args=("sla.check_chunk",))
    second.start()
    reached = tmp_path / "sla.check_chunk.reached"
    deadline = time.monotonic() + 30
    while not reached.exists():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert reached.read_text() == str(os.getpid())
    assert second.is_alive()  # stopped at the point, until released
    (tmp_path / "sla.check_chunk.release").touch()
    second.join(timeout=30)
    assert not second.is_alive()

    monkeypatch.setattr(faults, "_reached", faults.Counter())
    faults.pause_point("sla.check_chunk")
    faults.pause_point("sla.check_chunk")  # once per folder: a task run again goes through
