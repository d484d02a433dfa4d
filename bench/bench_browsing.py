"""200 members browsing at once for 60 s, against the sandbox API and its limit of 60 calls a minute.

The sandbox, the panel (gunicorn, 4 workers of 8 threads), its PostgreSQL and Redis, and the worker run as real
processes on loopback. Each member is a thread with its own session, sending a request of
the mix (45 % table pages, 12 % table partials, 30 % a channel's own page, 10 % the overview, 3 % switches),
then reading it for 2 to 6 seconds.

Run: .venv/bin/python bench/bench_browsing.py [--members 200] [--seconds 60]
"""

import argparse
import json
import statistics
import time

from stack import browse_together, member_sessions, running


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    options = parser.parse_args()
    with running(prefix="bench-browsing-", worker=True) as stack:
        sessions = member_sessions(stack.env, options.members)
        started = time.monotonic()
        outcomes, times = browse_together(sessions, options.seconds)
        elapsed = time.monotonic() - started
    upstream = stack.upstream_lines()
    pages = outcomes["ok"] + outcomes["rate_limited"] + outcomes["5xx"] + outcomes["failed"]
    print(
        json.dumps(
            {
                "members": options.members,
                "seconds": round(elapsed, 1),
                "pages_served": pages,
                "by_kind": {
                    kind: {
                        "requests": len(answered),
                        "p50_ms": round(statistics.median(answered), 1),
                        "p95_ms": round(statistics.quantiles(answered, n=20)[-1], 1) if len(answered) > 1 else None,
                    }
                    for kind, answered in times.items()
                },
                "5xx": outcomes["5xx"],
                "failed_requests": outcomes["failed"],
                "upstream_calls": len(upstream),
                "upstream_calls_per_minute": round(len(upstream) * 60 / elapsed, 1),
                "upstream_429s": sum(1 for line in upstream if '" 429 ' in line),
                "pages_with_a_rate_limit_message": outcomes["rate_limited"],
                "by_outcome_and_kind": {key: count for key, count in sorted(outcomes.items()) if ": " in key},
                "share_with_a_rate_limit_message_percent": round(100 * outcomes["rate_limited"] / max(pages, 1), 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
