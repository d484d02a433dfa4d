"""200 handlers switched off by one job, against the sandbox's limit of 60 calls a minute, while 3 members
browse. Reports the job's wall time against the ideal 200 / (60 - reserve) minutes, the upstream 429s and
the rate-limit messages members saw.

Run: .venv/bin/python bench/bench_job.py [--handlers 200] [--members 3]
"""

import argparse
import json
import threading
import time
from collections import Counter

from stack import browse_together, member_sessions, running


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--handlers", type=int, default=200)
    parser.add_argument("--members", type=int, default=3)
    options = parser.parse_args()
    with running(prefix="bench-job-", worker=True, sandbox_size=options.handlers * 2) as stack:
        sessions = member_sessions(stack.env, options.members)
        # Every handler on, so that the job has exactly `handlers` to switch off.
        stack.django(
            "from django.conf import settings\nfrom sandbox.store import Store\nimport sqlite3\n"
            f"db = sqlite3.connect({str(stack.work / 'sandbox.sqlite3')!r})\n"
            "db.execute('UPDATE handlers SET is_enabled = 1'); db.commit()\n"
        )
        start = stack.django(
            "from django.contrib.auth.models import User\n"
            "from handlers_admin import jobs, mirror\nfrom handlers_admin.models import Job, MirroredHandler\n"
            "mirror.refresh()\n"
            f"ids = list(MirroredHandler.objects.order_by('id').values_list('id', flat=True)[:{options.handlers}])\n"
            "job = jobs.start_bulk(User.objects.get(username='member0'), Job.Kind.DISABLE, ids)\n"
            "print(job.pk)\n"
        )
        job_id = int(start.split()[-1])
        started = time.monotonic()
        outcomes: Counter = Counter()
        done = threading.Event()

        def members() -> None:
            while not done.is_set():
                outcomes.update(browse_together(sessions, 20)[0])

        browsing = threading.Thread(target=members)
        browsing.start()
        while True:
            status = stack.django(
                f"from handlers_admin.models import Job\nprint(Job.objects.get(pk={job_id}).status)\n"
            ).strip()
            if status in ("done", "cancelled"):
                break
            time.sleep(5)
        wall = time.monotonic() - started
        done.set()
        browsing.join()
        counts = json.loads(
            stack.django(
                "import json\nfrom handlers_admin import jobs\nfrom handlers_admin.models import Job\n"
                f"print(json.dumps(jobs.counts(Job.objects.get(pk={job_id}))))\n"
            )
        )
        reserve = int(stack.django("from django.conf import settings\nprint(settings.API_BUDGET_RESERVE)\n"))
    upstream = stack.upstream_lines()
    ideal = options.handlers / (60 - reserve) * 60
    print(
        json.dumps(
            {
                "handlers": options.handlers,
                "members_browsing": options.members,
                "job_counts": counts,
                "job_wall_seconds": round(wall, 1),
                "ideal_seconds": round(ideal, 1),
                "wall_over_ideal": round(wall / ideal, 2),
                "upstream_calls": len(upstream),
                "upstream_429s": sum(1 for line in upstream if '" 429 ' in line),
                "member_pages": sum(outcomes[k] for k in ("ok", "rate_limited", "5xx", "failed")),
                "member_pages_with_a_rate_limit_message": outcomes["rate_limited"],
                "member_5xx": outcomes["5xx"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
