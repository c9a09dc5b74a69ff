"""The pacer spends Paymo's rate-limit budget and then waits for the window, instead of meeting 429.

A fake clock drives it; `acquire(deadline=now)` reports the wait it would need (RateLimitWait) instead
of sleeping, so these tests read the pacer's decisions without any real time passing.
"""

import anyio
import pytest

from paymo_mcp.client.pacing import MAX_TRUSTED_WAIT_S, RateLimitPacer, RateLimitWait

pytestmark = pytest.mark.anyio


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def headers(limit: int, remaining: int, period: float = 5) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-decay-period": str(period),
    }


async def wait_needed(pacer: RateLimitPacer, clock: FakeClock) -> float:
    """The wait the next request would need now (0 when it may go; it then counts as sent)."""
    try:
        await pacer.acquire(deadline=clock.now)
    except RateLimitWait as wait:
        return wait.wait_s
    return 0.0


async def test_budget_is_spent_then_the_pacer_waits_for_the_window() -> None:
    clock = FakeClock()
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    for remaining in (2, 1, 0):  # a window of 3 requests / 5 s, all sent and answered at t=100
        pacer.observe(await pacer.acquire(), headers(3, remaining))
    assert await wait_needed(pacer, clock) == pytest.approx(5.0)
    clock.now += 5.0
    assert await wait_needed(pacer, clock) == 0.0


async def test_the_window_starts_when_its_first_answer_came_back_not_when_it_was_sent() -> None:
    """On a loaded machine a request reaches Paymo well after it was sent: Paymo's window opens then."""
    clock = FakeClock()
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    tickets = [await pacer.acquire()]  # the probe goes at t=100
    clock.now = 100.4  # ... and its answer comes 0.4 s later
    pacer.observe(tickets[0], headers(2, 1))
    pacer.observe(await pacer.acquire(), headers(2, 0))
    clock.now = 105.2  # five seconds after the first send, but not after Paymo's window can have ended
    assert await wait_needed(pacer, clock) == pytest.approx(0.2)


async def test_requests_still_out_count_against_what_an_answer_says_is_left() -> None:
    """Ten go at once; the first answer back (remaining 9) may have overtaken the other nine."""
    clock = FakeClock()
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    pacer.observe(await pacer.acquire(), headers(10, 9))
    out = [await pacer.acquire() for _ in range(9)]
    clock.now += 6  # a new window: ten more go, and one answer comes back
    out = [await pacer.acquire() for _ in range(10)]
    pacer.observe(out[5], headers(10, 9))  # the first Paymo counted, but the other nine are on their way
    assert await wait_needed(pacer, clock) == pytest.approx(5.0)


async def test_a_late_answer_of_the_last_window_does_not_spend_the_new_one() -> None:
    clock = FakeClock()
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    pacer.observe(await pacer.acquire(), headers(2, 1))
    late = await pacer.acquire()
    clock.now += 5
    assert await wait_needed(pacer, clock) == 0.0  # the window rolled: this one opens the next
    pacer.observe(late, headers(2, 0))  # the second request of the old window answers only now
    assert await wait_needed(pacer, clock) == 0.0


async def test_retry_after_blocks_every_caller() -> None:
    clock = FakeClock()
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    pacer.observe(await pacer.acquire(), headers(10, 0), retry_after=2.0)
    assert await wait_needed(pacer, clock) == pytest.approx(2.0)
    clock.now += 2.0
    assert await wait_needed(pacer, clock) == 0.0


@pytest.mark.parametrize(
    ("answer", "retry_after"),
    [(headers(10, 0, period=86400), None), (headers(10, 0), 86400.0), (headers(10, 0, period=10**9), 120.0)],
)
async def test_no_answer_imposes_a_wait_beyond_the_trusted_maximum(
    answer: dict[str, str], retry_after: float | None
) -> None:
    clock = FakeClock()
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    pacer.observe(await pacer.acquire(), answer, retry_after=retry_after)
    assert 0 < await wait_needed(pacer, clock) <= MAX_TRUSTED_WAIT_S
    clock.now += MAX_TRUSTED_WAIT_S
    assert await wait_needed(pacer, clock) == 0.0  # then Paymo is asked again


async def test_a_wait_beyond_the_deadline_fails_at_once_saying_how_long() -> None:
    clock = FakeClock()
    pacer = RateLimitPacer(clock=clock, margin_s=0.0)
    pacer.observe(await pacer.acquire(), headers(10, 0), retry_after=120.0)
    with pytest.raises(RateLimitWait) as caught:
        await pacer.acquire(deadline=clock.now + 30)
    assert caught.value.wait_s == pytest.approx(120.0)


async def test_an_abandoned_probe_lets_the_next_request_go_at_once() -> None:
    """The first request probes for the budget while others wait; if it never gets an answer
    (cancelled, connection lost), a waiting request goes at once instead of waiting for it forever."""
    pacer = RateLimitPacer()
    probe = await pacer.acquire()
    went = anyio.Event()

    async def second() -> None:
        await pacer.acquire()
        went.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(second)
        while pacer.waiting == 0:
            await anyio.sleep(0)
        assert not went.is_set()
        pacer.abandon(probe)
        with anyio.fail_after(1):  # PROBE_PATIENCE_S (2 s) is not what lets it go
            await went.wait()


def test_comma_separated_remaining_takes_the_smallest_budget() -> None:
    pacer = RateLimitPacer()
    ticket = pacer._take(0.0)
    pacer.observe(ticket, {"x-ratelimit-limit": "100", "x-ratelimit-remaining": "40,3"})
    assert pacer._left == 3
