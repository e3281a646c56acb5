"""The jobs runner: claims due jobs under a lease, runs each through its handler, records how it went.

Jobs are data in storage (:class:`tutorbot.storage.Jobs`), so they survive a
restart and are shared by every process on the database: whichever runner
claims a job first runs it, and a job whose runner died is claimed by another
once the lease expires.

**The handler contract.** A handler gets the :class:`Job` and returns the next
due time of a recurring job, or ``None`` when the job is done; raising fails
the attempt, which is retried with exponential backoff up to ``max_attempts``.
A job can be attempted more than once: its runner may die after the work but
before recording it, or its handler may outlive the lease so that another
process claims the job too. Handlers must therefore be idempotent (an attempt
repeated has its effect once), and a lease should outlast the longest
handler. Within one runner a job never runs twice at once: passes over due
jobs do not overlap.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from tutorbot.app.ports import Clock
from tutorbot.metrics import METRICS
from tutorbot.storage import Job, Jobs

log = logging.getLogger(__name__)

#: Runs one job; returns the next due time of a recurring job, or ``None`` when it is done.
JobHandler = Callable[[Job], Awaitable[datetime | None]]

#: How much of a failure's message is kept with the job.
ERROR_LIMIT = 1000


class UnknownJobKind(LookupError):
    """No handler is registered for a job's kind."""


class JobRunner:
    """Runs due jobs for one ``owner`` (a name unique to this process) until stopped.

    ``lease``: how long a claim holds a job before another runner may take it;
    ``backoff``: the first retry's delay, doubled for each attempt after it up
    to ``max_backoff``; ``max_attempts``: attempts before giving up;
    ``poll``: seconds between looks for due work when there was none; ``batch``:
    the most jobs one pass runs before it lets :meth:`run` look again.
    """

    def __init__(
        self,
        jobs: Jobs,
        handlers: Mapping[str, JobHandler],
        *,
        owner: str,
        clock: Clock,
        lease: timedelta = timedelta(minutes=2),
        backoff: timedelta = timedelta(seconds=5),
        max_backoff: timedelta = timedelta(hours=1),
        max_attempts: int = 8,
        poll: float = 1.0,
        batch: int = 20,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._jobs = jobs
        self._handlers = dict(handlers)
        self._owner = owner
        self._clock = clock
        self._lease = lease
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._max_attempts = max(1, max_attempts)
        self._poll = poll
        self._batch = max(1, batch)
        self._sleep = sleep
        self._stopping = asyncio.Event()
        # One pass at a time: a job whose handler outlives its lease could
        # otherwise be claimed again by this very runner and run twice at once.
        self._pass = asyncio.Lock()

    def retry_delay(self, attempts: int) -> timedelta:
        """How long to wait before retrying a job that failed its ``attempts``-th attempt."""
        # The exponent is capped only so that timedelta cannot overflow.
        return min(self._backoff * (1 << min(max(attempts - 1, 0), 30)), self._max_backoff)

    async def run_due(self) -> int:
        """Claim what is due, one job at a time, and run it; return how many jobs ran."""
        ran = 0
        async with self._pass:
            while ran < self._batch and not self._stopping.is_set():
                claimed = await self._jobs.claim(self._owner, self._clock.now(), self._lease)
                if not claimed:
                    break
                for job in claimed:
                    await self._run_one(job)
                    ran += 1
        return ran

    async def run(self) -> None:
        """Run due jobs, looking again every ``poll`` seconds, until :meth:`stop`."""
        while not self._stopping.is_set():
            try:
                ran = await self.run_due()
            except Exception:
                # Storage trouble (a locked or unreachable database): look again later.
                log.exception("the jobs runner could not claim or record jobs")
                ran = 0
            if ran < self._batch:
                await self._pause()

    async def stop(self) -> None:
        """Stop :meth:`run`, wait for the job in flight, and release this runner's leases."""
        self._stopping.set()
        async with self._pass:
            released = await self._jobs.release(self._owner)
        if released:
            log.info("released %d claimed job(s) on stopping", released)

    async def _pause(self) -> None:
        sleeping = asyncio.ensure_future(self._sleep(self._poll))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (sleeping, stopping):
                waiter.cancel()
            await asyncio.gather(sleeping, stopping, return_exceptions=True)

    async def _run_one(self, job: Job) -> None:
        if job.attempts > self._max_attempts:
            # Claimed again and again without an outcome: each runner died in it
            # (a handler that kills its process). Running it once more would too.
            await self._record_failure(
                job, f"claimed {job.attempts} times without finishing; not run again"
            )
            return
        handler = self._handlers.get(job.kind)
        try:
            if handler is None:
                # Retried like any failure: during a rolling upgrade a newer
                # process that knows the kind may claim it next time.
                raise UnknownJobKind(f"no handler for job kind {job.kind!r}")
            next_due = await handler(job)
        except Exception as error:
            METRICS.inc("tutorbot_jobs_total", kind=job.kind, outcome="failed")
            await self._record_failure(job, f"{type(error).__name__}: {error}")
            return
        METRICS.inc("tutorbot_jobs_total", kind=job.kind, outcome="done")
        if not await self._jobs.complete(job.id, self._owner, next_due=next_due):
            log.warning(
                "job %d (%s) finished after its lease passed to another runner", job.id, job.kind
            )
        elif next_due is None:
            log.info("job %d (%s) done (attempt %d)", job.id, job.kind, job.attempts)
        else:
            log.info("job %d (%s) done; next due %s", job.id, job.kind, next_due.isoformat())

    async def _record_failure(self, job: Job, message: str) -> None:
        """Fail the attempt: retry after the backoff, or give up after ``max_attempts``."""
        message = message[:ERROR_LIMIT]
        retry_at = None
        if job.attempts < self._max_attempts:
            retry_at = self._clock.now() + self.retry_delay(job.attempts)
        if not await self._jobs.fail(job.id, self._owner, message, retry_at=retry_at):
            log.warning(
                "job %d (%s) failed after its lease passed to another runner: %s",
                job.id,
                job.kind,
                message,
            )
        elif retry_at is None:
            log.error(
                "job %d (%s) failed for good after %d attempt(s): %s",
                job.id,
                job.kind,
                job.attempts,
                message,
            )
        else:
            log.warning(
                "job %d (%s) failed (attempt %d), retrying at %s: %s",
                job.id,
                job.kind,
                job.attempts,
                retry_at.isoformat(),
                message,
            )
