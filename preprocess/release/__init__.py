"""The release writer: samples in, a complete, verifiable WebDataset release out (DESIGN §5)."""
from .build import ReleaseResult, build_release
from .samples import Dropped, Sample, Unit, check_key
from .spec import ReleaseSpec, definition_hash

__all__ = ["Dropped", "ReleaseResult", "ReleaseSpec", "Sample", "Unit", "build_release",
           "check_key", "definition_hash"]
