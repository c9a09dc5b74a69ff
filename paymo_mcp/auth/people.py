"""Per-person Paymo clients in multi-user mode: one AppContext per signed-in Paymo user.

Each person gets their own PaymoClient (their key, their own rate-limit pacing, their own `UserFacts`)
and their own watch service over their namespace of the shared store (`watch.namespace`), so no record,
cursor, watcher or hook is shared across people. With a public webhook URL, a person's hooks are
registered with their own key when their context is made, and call their own path. Contexts are cached
by user id and closed after `IDLE_S` unused; a new key for the same user replaces the old client.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.abc
import httpx

from paymo_mcp.client import PaymoError
from paymo_mcp.config import Settings
from paymo_mcp.tools.context import AppContext
from paymo_mcp.watch.errors import WatchStoreError
from paymo_mcp.watch.service import WatchService
from paymo_mcp.watch.store import WatchStore

logger = logging.getLogger("paymo_mcp.auth")
IDLE_S = 15 * 60.0  # a person's client unused this long is closed (made again at their next call)
IDLE_CHECK_EVERY_S = 60.0


def _fingerprint(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


@dataclass
class _Person:
    fingerprint: str  # of the key the context's client uses
    app: AppContext
    used: float  # monotonic time of the last call


class People:
    """The signed-in people's AppContexts, by Paymo user id."""

    def __init__(
        self,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        idle_s: float = IDLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.transport = transport
        self.idle_s = idle_s
        self.clock = clock
        # Set by the lifespan while the server runs: the shared watch store, the webhook base URL (None:
        # watches poll), the watchable resources served, and where hook registrations run.
        self.store: WatchStore | None = None
        self.webhook_url: str | None = None
        self.resources: Sequence[str] = ()
        self._background: anyio.abc.TaskGroup | None = None
        self._people: dict[int, _Person] = {}
        self._refused: set[int] = set()  # people whose key Paymo refused (401) since it was last checked
        self._lock = anyio.Lock()
        self._swept = clock()

    def attach(
        self,
        store: WatchStore,
        background: anyio.abc.TaskGroup,
        *,
        webhook_url: str | None = None,
        resources: Sequence[str] = (),
    ) -> None:
        """The lifespan's part: the shared store, and (with a webhook URL) where hooks get registered."""
        self.store, self._background = store, background
        self.webhook_url, self.resources = webhook_url, resources

    def check_client(self, api_key: str) -> Any:
        """A short-lived client to check a key with GET /me (the sign-in form)."""
        return self.settings.model_copy(update={"api_key": _secret(api_key)}).paymo_client(self.transport)

    async def context(self, user_id: int, api_key: str) -> AppContext:
        """This person's AppContext, made on first use (and again when their key changed, or after it
        was closed for being idle); making it starts the registration of their hooks."""
        fingerprint = _fingerprint(api_key)
        now = self.clock()
        async with self._lock:
            idle = self._idle(now)
            known = self._people.get(user_id)
            if known is not None and known.fingerprint == fingerprint:
                known.used = now
                app = known.app
            else:
                app = self._make(user_id, api_key)
                self._people[user_id] = _Person(fingerprint, app, now)
                if known is not None:
                    idle.append(known.app)
        for old in idle:
            await old.client.aclose()
        return app

    def refused(self, user_id: int) -> bool:
        """Whether Paymo refused this person's key on a call since it was last checked: the provider
        checks it at their next request instead of waiting for the periodic check."""
        return user_id in self._refused

    def checked(self, user_id: int) -> None:
        self._refused.discard(user_id)

    def _make(self, user_id: int, api_key: str) -> AppContext:
        client = self.check_client(api_key)
        client.on_unauthorized = lambda: self._refused.add(user_id)
        watch = None
        if self.store is not None:
            watch = WatchService.for_person(client, self.store, user_id, webhook_url=self.webhook_url)
            if self.webhook_url and self._background is not None:
                self._background.start_soon(_register, watch, list(self.resources))
        app = AppContext(client=client, settings=self.settings, watch=watch)
        app.user.user_id = user_id
        return app

    def _idle(self, now: float) -> list[AppContext]:
        """Take out the contexts unused for `idle_s` (looked for at most once a minute); the caller
        closes their clients."""
        if now - self._swept < min(IDLE_CHECK_EVERY_S, self.idle_s):
            return []
        self._swept = now
        gone = [uid for uid, person in self._people.items() if now - person.used >= self.idle_s]
        return [self._people.pop(uid).app for uid in gone]

    def __len__(self) -> int:
        return len(self._people)

    def known(self, user_id: int) -> AppContext | None:
        """The person's context if it is open (for tests and diagnostics)."""
        person = self._people.get(user_id)
        return None if person is None else person.app

    async def sign_out(self, user_id: int, api_key: str) -> None:
        """The person's last sign-in ended: their client is closed, and their hooks are deleted in
        Paymo (while their key works) and forgotten here either way, so later deliveries on their path
        are refused and nothing of theirs is stored. Their stored records and watchers stay (pruned
        like any), for if they sign in again."""
        await self.forget(user_id)
        if self.store is None:
            return
        client = self.check_client(api_key)
        watch = WatchService.for_person(client, self.store, user_id)
        try:
            async with client:
                removed = await watch.remove_hooks()
            logger.info("user %s signed out: %d webhooks removed", user_id, len(removed))
        except (PaymoError, WatchStoreError) as exc:  # key dead, Paymo away: forget them here anyway
            logger.info("user %s signed out; their webhooks stay in Paymo (%s)", user_id, type(exc).__name__)
        try:
            for hook in await watch.store.list_hooks():
                await watch.store.delete_hook(hook.hook_id)
        except WatchStoreError as exc:
            logger.warning("user %s signed out; their webhooks could not be forgotten: %s", user_id, exc)

    async def forget(self, user_id: int) -> None:
        async with self._lock:
            known = self._people.pop(user_id, None)
            self._refused.discard(user_id)
        if known is not None:
            await known.app.client.aclose()

    async def aclose(self) -> None:
        async with self._lock:
            people, self._people = list(self._people.values()), {}
        for person in people:
            await person.app.client.aclose()


async def _register(watch: WatchService, resources: list[str]) -> None:
    """A person's hooks, registered in the background; a failure leaves their watch polling."""
    try:
        await watch.register_hooks(resources)
    except Exception as exc:  # e.g. their client closed meanwhile (key revoked): they poll next time
        name = type(exc).__name__
        logger.warning("could not register the webhooks of user %s (polling): %s", watch.owner, name)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)
