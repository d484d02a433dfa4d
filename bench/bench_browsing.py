"""50 members browsing at once for 60 s, against the sandbox API and its limit of 60 calls a minute.

The sandbox and the panel (gunicorn, 4 workers, one SQLite database that also holds the shared cache)
run as real processes on loopback. Each member is a thread with its own session, looking at a page,
then reading it for 2 to 6 seconds: the table with filters (also as htmx partials), the overview,
the audit trail, and now and then a handler's own page (the only page that calls the API).

Run: .venv/bin/python bench/bench_browsing.py [--members 50] [--seconds 60]
"""

import argparse
import json
import time

from stack import browse_together, member_sessions, running


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    options = parser.parse_args()
    with running(prefix="bench-browsing-") as stack:
        sessions = member_sessions(stack.env, options.members)
        started = time.monotonic()
        outcomes = browse_together(sessions, options.seconds)
        elapsed = time.monotonic() - started
    upstream = stack.upstream_lines()
    pages = outcomes["ok"] + outcomes["rate_limited"] + outcomes["5xx"] + outcomes["failed"]
    print(
        json.dumps(
            {
                "members": options.members,
                "seconds": round(elapsed, 1),
                "pages_served": pages,
                "handler_pages": outcomes["detail"],
                "5xx": outcomes["5xx"],
                "failed_requests": outcomes["failed"],
                "upstream_calls": len(upstream),
                "upstream_calls_per_minute": round(len(upstream) * 60 / elapsed, 1),
                "upstream_429s": sum(1 for line in upstream if '" 429 ' in line),
                "pages_with_a_rate_limit_message": outcomes["rate_limited"],
                "share_with_a_rate_limit_message_percent": round(100 * outcomes["rate_limited"] / max(pages, 1), 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
