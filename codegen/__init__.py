"""actorgen's generator: discover -> parse -> model -> emit -> render -> write.

Use it through the ``actorgen`` command (`cli.main`). `pipeline.plan` is the library entry
point: it returns what would be written, with diagnostics, without touching the disk.
"""

from .diagnostics import Diagnostic as Diagnostic
from .pipeline import Output as Output
from .pipeline import Plan as Plan
from .pipeline import plan as plan

__all__ = ["Diagnostic", "Output", "Plan", "plan"]
