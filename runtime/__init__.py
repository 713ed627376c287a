"""What generated facades and user code import at run time.

Public names::

    async_class                 mark a class for the generator (optionally with options)
    route, Route                choose how a cluster routes a message, and the route itself
    ProcessOptions, spawn_options, Supervision, WhenFull
                                a process's supervision, mailbox bound and thread
    Future                      the reply to an ask
    Runtime                     a pool of threads that runs processes
    default_runtime()           the runtime used when none is entered
    Failure, log_failure        what an error handler receives, and the default handler
    add_member(), remove_member(), stop_process()
                                change clusters and processes while work flows
    joined(), room()            await a cluster's join, or room in a bounded queue, from
                                asyncio code without blocking its loop
    Strategy                    how a cluster routes messages without a @route
    process_stats(), cluster_stats(), runtime_stats(), ProcessStats, ClusterStats, RuntimeStats
    Histogram, LatencySeries      latency histograms, with Runtime(latency_histograms=True)
    ActorgenError, ProcessStopped, RuntimeStopped, QueueFull, NoMembers, UsageError,
    HandlerCancelled
    StaleModuleWarning          a generated module no longer matches its source

Generated modules also use `ProcessHandle`, `ClusterHandle`, `new_process`,
`spawn_members`, `assert_never`, `OWN_DEFAULT` with `or_own_default` (a default a
message must not share: the method's own applies), and `warn_if_stale`, which warns with a
`StaleModuleWarning` when a generated module no longer matches its source. This package
imports nothing outside the standard library.
"""

from ._awaits import joined as joined
from ._awaits import room as room
from ._compat import assert_never as assert_never
from ._control import add_member as add_member
from ._control import remove_member as remove_member
from ._control import stop_process as stop_process
from ._default import default_runtime as default_runtime
from ._defaults import OWN_DEFAULT as OWN_DEFAULT
from ._defaults import or_own_default as or_own_default
from ._errors import ActorgenError as ActorgenError
from ._errors import HandlerCancelled as HandlerCancelled
from ._errors import NoMembers as NoMembers
from ._errors import ProcessStopped as ProcessStopped
from ._errors import QueueFull as QueueFull
from ._errors import RuntimeStopped as RuntimeStopped
from ._errors import UsageError as UsageError
from ._failures import Failure as Failure
from ._failures import log_failure as log_failure
from ._freshness import StaleModuleWarning as StaleModuleWarning
from ._freshness import warn_if_stale as warn_if_stale
from ._future import Future as Future
from ._handles import ClusterHandle as ClusterHandle
from ._handles import ProcessHandle as ProcessHandle
from ._handles import new_process as new_process
from ._handles import spawn_members as spawn_members
from ._marker import Route as Route
from ._marker import async_class as async_class
from ._marker import route as route
from ._options import ProcessOptions as ProcessOptions
from ._options import Supervision as Supervision
from ._options import WhenFull as WhenFull
from ._options import spawn_options as spawn_options
from ._routers import Strategy as Strategy
from ._stats import ClusterStats as ClusterStats
from ._stats import Histogram as Histogram
from ._stats import LatencySeries as LatencySeries
from ._stats import ProcessStats as ProcessStats
from ._stats import RuntimeStats as RuntimeStats
from ._stats import cluster_stats as cluster_stats
from ._stats import process_stats as process_stats
from ._stats import runtime_stats as runtime_stats
from ._threads import Runtime as Runtime

__all__ = [
    "OWN_DEFAULT",
    "ActorgenError",
    "ClusterHandle",
    "ClusterStats",
    "Failure",
    "Future",
    "HandlerCancelled",
    "Histogram",
    "LatencySeries",
    "NoMembers",
    "ProcessHandle",
    "ProcessOptions",
    "ProcessStats",
    "ProcessStopped",
    "QueueFull",
    "Route",
    "Runtime",
    "RuntimeStats",
    "RuntimeStopped",
    "StaleModuleWarning",
    "Strategy",
    "Supervision",
    "UsageError",
    "WhenFull",
    "add_member",
    "assert_never",
    "async_class",
    "cluster_stats",
    "default_runtime",
    "joined",
    "log_failure",
    "new_process",
    "or_own_default",
    "process_stats",
    "remove_member",
    "room",
    "route",
    "runtime_stats",
    "spawn_members",
    "spawn_options",
    "stop_process",
    "warn_if_stale",
]
