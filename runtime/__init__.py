"""What generated facades and user code import at run time.

Public names::

    async_class                 mark a class for the generator
    Future                      the reply to an ask
    Runtime                     a pool of threads that runs processes
    default_runtime()           the runtime used when none is entered
    Failure, log_failure        what an error handler receives, and the default handler
    process_stats(), cluster_stats(), ProcessStats, ClusterStats
    ActorgenError, ProcessStopped, RuntimeStopped, UsageError

Generated modules also use `ProcessHandle`, `ClusterHandle`, `new_process` and
`assert_never`. This package imports nothing outside the standard library.
"""

from ._compat import assert_never as assert_never
from ._errors import ActorgenError as ActorgenError
from ._errors import ProcessStopped as ProcessStopped
from ._errors import RuntimeStopped as RuntimeStopped
from ._errors import UsageError as UsageError
from ._future import Future as Future
from ._handles import ClusterHandle as ClusterHandle
from ._handles import ProcessHandle as ProcessHandle
from ._handles import new_process as new_process
from ._marker import async_class as async_class
from ._runtime import Failure as Failure
from ._runtime import Runtime as Runtime
from ._runtime import default_runtime as default_runtime
from ._runtime import log_failure as log_failure
from ._stats import ClusterStats as ClusterStats
from ._stats import ProcessStats as ProcessStats
from ._stats import cluster_stats as cluster_stats
from ._stats import process_stats as process_stats

__all__ = [
    "ActorgenError",
    "ClusterHandle",
    "ClusterStats",
    "Failure",
    "Future",
    "ProcessHandle",
    "ProcessStats",
    "ProcessStopped",
    "Runtime",
    "RuntimeStopped",
    "UsageError",
    "assert_never",
    "async_class",
    "cluster_stats",
    "default_runtime",
    "log_failure",
    "new_process",
    "process_stats",
]
