"""The subscription bus of `subscriptions/listen` streams, knowing whose each stream is (multi-user mode).

A listen stream belongs to the person whose access token opened it; an event published for one person
reaches only their streams, so nobody hears of another's new records. Unowned events reach every stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio.lowlevel
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.subscriptions import ServerEvent

logger = logging.getLogger(__name__)
Listener = Callable[[ServerEvent], None]


def current_person() -> int | None:
    """The Paymo user id of the signed-in person this request runs for; None without a sign-in."""
    subject = getattr(get_access_token(), "subject", None)
    return int(subject) if isinstance(subject, str) and subject.isdigit() else None


class OwnedBus:
    """An in-process `SubscriptionBus` whose listeners are tagged with their person at subscription."""

    def __init__(self) -> None:
        self._listeners: dict[object, tuple[int | None, Listener]] = {}

    async def publish(self, event: ServerEvent, owner: int | None = None) -> None:
        """Deliver `event` to every listener, or with `owner` only to that person's listeners."""
        for person, listener in list(self._listeners.values()):
            if owner is not None and person != owner:
                continue
            try:
                listener(event)
            except Exception:  # one bad listener must not starve the others
                logger.exception("subscription listener raised; continuing")
        await anyio.lowlevel.checkpoint()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Register `listener` for the person of the current request; returns the unsubscribe."""
        token = object()
        self._listeners[token] = (current_person(), listener)

        def unsubscribe() -> None:
            self._listeners.pop(token, None)

        return unsubscribe
