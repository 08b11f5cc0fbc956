"""TensorBoard scalars of a run, beside metrics.jsonl: one event dir per repeat under
<run dir>/tensorboard/ (`tensorboard --logdir <run dir>/tensorboard` shows the repeats as runs).

metrics.jsonl stays the record the report reads; these are the same numbers for watching a run."""
from __future__ import annotations

from pathlib import Path

# the epoch record's keys, as TensorBoard tags: training figures, then performance figures;
# the validation metrics go under val/
TRAIN_KEYS = ("loss", "lr")
PERFORMANCE_KEYS = ("samples_per_s", "data_wait_share", "epoch_seconds", "peak_memory_mb",
                    "gpu_utilisation")


def tensorboard_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "tensorboard"


def logdir_line(run_dir: Path) -> str:
    """The command that shows a run's curves (printed by `inkset train`)."""
    return f"tensorboard --logdir {tensorboard_dir(run_dir)}"


def tags(record: dict) -> dict[str, float]:
    """An epoch record of metrics.jsonl -> {tag: value}; absent and None values left out."""
    out = {f"train/{key}": record[key] for key in TRAIN_KEYS if record.get(key) is not None}
    out.update({f"performance/{key}": record[key] for key in PERFORMANCE_KEYS
                if record.get(key) is not None})
    out.update({f"val/{key}": value for key, value in record.get("val", {}).items()})
    return {tag: float(value) for tag, value in out.items()}


class ScalarLog:
    """One repeat's event file; steps are epochs. A resumed repeat purges the steps from its
    first epoch on, so the epochs it trains again are not drawn twice. Only the main process
    writes (enabled=False elsewhere)."""

    def __init__(self, run_dir: Path, repeat: int, start_epoch: int, enabled: bool = True) -> None:
        self.path = tensorboard_dir(run_dir) / f"repeat-{repeat:02d}"
        self.start_epoch, self.enabled = start_epoch, enabled
        self.writer = None

    def write(self, record: dict) -> None:
        if not self.enabled:
            return
        if self.writer is None:  # opened at the first epoch: a skipped repeat writes nothing
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.path), purge_step=self.start_epoch or None)
        for tag, value in tags(record).items():
            self.writer.add_scalar(tag, value, record["epoch"])
        self.writer.flush()  # a killed run keeps every finished epoch's scalars

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
