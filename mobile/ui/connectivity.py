"""Is the server there? One short request, no retries: the badge must turn within seconds.

The core's sync client retries network errors with backoff for half a minute (right for a sync
that should finish on a bad link); the badge asks once with a short timeout instead.
"""

from __future__ import annotations

from mobile.core.http import ApiClient, DeviceApiError, RetryPolicy, ServerUnreachable

__all__ = ["probe"]


def probe(server: str, timeout_s: float = 3.0) -> bool:
    """True when ``GET /health`` answers within ``timeout_s`` (any HTTP answer means reachable)."""
    client = ApiClient(server, retry=RetryPolicy(max_attempts=1), timeout=(timeout_s, timeout_s))
    try:
        client.request("GET", "/health", auth=False)
    except ServerUnreachable:
        return False
    except DeviceApiError:
        return True
    finally:
        client.close()
    return True
