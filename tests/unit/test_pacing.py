"""The pacer spends Paymo's rate-limit budget and then waits for the window, instead of meeting 429."""

import pytest

from paymo_mcp.client.pacing import RateLimitPacer

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def headers(limit: int, remaining: int, period: int = 5) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-decay-period": str(period),
    }


async def test_budget_is_spent_then_the_pacer_waits_for_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr("paymo_mcp.client.pacing.anyio.sleep", fake_sleep)
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    for remaining in (2, 1, 0):  # a window of 3 requests / 5 s, all sent at t=100
        sent = await pacer.acquire()
        pacer.observe(sent, headers(3, remaining))
    assert slept == []
    await pacer.acquire()  # the fourth must wait until the window that began at t=100 has passed
    assert slept == [pytest.approx(5.0)]


async def test_retry_after_blocks_every_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr("paymo_mcp.client.pacing.anyio.sleep", fake_sleep)
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    sent = await pacer.acquire()
    pacer.observe(sent, headers(10, 0), retry_after=2.0)
    await pacer.acquire()
    assert sum(slept) == pytest.approx(2.0)


def test_comma_separated_remaining_takes_the_smallest_budget() -> None:
    pacer = RateLimitPacer()
    pacer.observe(0.0, {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "40,3"})
    assert pacer._left == 3
