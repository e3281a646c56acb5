"""A process that claims the due job and dies holding it, for tests/app/test_jobs.py.

``python hold_a_lease.py DATABASE_URL OWNER LEASE_SECONDS``: runs due jobs with
a real :class:`JobRunner` whose only handler (kind ``test.block``) prints
``running <id>`` and then never returns; the test kills this process there.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from tutorbot.app.jobs import JobRunner
from tutorbot.app.ports import SystemClock
from tutorbot.storage import Job, open_store


async def main(url: str, owner: str, lease_seconds: str) -> None:
    store = await open_store(url)

    async def block(job: Job) -> None:
        print(f"running {job.id}", flush=True)
        await asyncio.Event().wait()

    runner = JobRunner(
        store.jobs,
        {"test.block": block},
        owner=owner,
        clock=SystemClock(),
        lease=timedelta(seconds=float(lease_seconds)),
    )
    await runner.run_due()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
