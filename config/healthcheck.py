"""The container's HEALTHCHECK: asks /healthz under a host name the panel accepts."""

import os
import sys
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
request = urllib.request.Request(
    "http://127.0.0.1:8000/healthz",
    headers={"Host": "localhost" if host in ("", "*") else host, "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
