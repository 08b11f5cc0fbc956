"""The release writer: samples in, a complete, verifiable WebDataset release out
(docs/contracts.md §5)."""
from core.keys import check_key

from .build import ReleaseResult, build_release
from .samples import Dropped, Sample, Unit
from .spec import ReleaseSpec, definition_hash

__all__ = ["Dropped", "ReleaseResult", "ReleaseSpec", "Sample", "Unit", "build_release",
           "check_key", "definition_hash"]
