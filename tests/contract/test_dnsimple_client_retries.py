"""DnsimpleClient's retries and rate-limit waits, against the emulator over HTTP and as pure rules.

* Reads and idempotent writes (PATCH, DELETE) are sent again after a 5xx or a timeout; a POST
  (create, batch) never is.
* A 429 is waited out when the window resets soon enough (any method: DNSimple did not process
  it); otherwise the call fails with ``UpstreamRateLimited`` and ``retry_after``.
* A spent budget seen earlier makes the client wait before sending, or refuse without sending.

No test really waits: the client gets a sleep that only records (and, for the emulator whose
clock is fake, moves that clock on). The fake-clock emulator is how a 429 with a reset 1-2 s away
is produced: its hourly window is real, only its time is chosen by the test.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator
from dns_api.emulator.state import HANG, RATE_LIMIT_WINDOW_S
from dns_api.errors import (
    UpstreamError,
    UpstreamNotFound,
    UpstreamRateLimited,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from dns_api.providers.base import NewRecord, RateLimit, RecordChanges
from dns_api.providers.dnsimple import DnsimpleClient
from dns_api.providers.upstream_policy import (
    UpstreamPolicy,
    retry_after_seconds,
    seconds_until_reset,
    send_with_retries,
)

ZONE = "example.com"
T0 = 1_700_000_000.0  # the fake clock's start: a whole second, so the window's end is one too
HALF = 0.5  # what the injected random source draws: jitter and backoff at half their ceiling
SECRET = "tok-SECRET-retries-do-not-leak-5678"
POLICY = UpstreamPolicy(
    read_timeout=2.0, read_retries=2, write_retries=2, backoff_base=0.01, backoff_cap=0.04
)
JITTER = POLICY.rate_limit_jitter * HALF


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeTime:
    """A clock and a sleep: ``sleep`` records the delay and (when ``advance``) moves the clock."""

    def __init__(self, start: float = T0, *, advance: bool = True) -> None:
        self.now = start
        self.advance = advance
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        if self.advance:
            self.now += seconds


def make_client(
    url: str,
    fake: FakeTime,
    *,
    policy: UpstreamPolicy = POLICY,
    transport: httpx.AsyncBaseTransport | None = None,
) -> DnsimpleClient:
    """A client of account 1010 with token ``SECRET`` on ``fake``'s clock and sleep."""
    return DnsimpleClient(
        base_url=url,
        account_id=1010,
        token=SECRET,
        policy=policy,
        transport=transport,
        clock=fake,
        sleep=fake.sleep,
        rand=lambda: HALF,
    )


def add_record(state: EmulatorState, name: str = "www", content: str = "192.0.2.1") -> int:
    """A record put straight into the account (no request counted, no budget spent)."""
    record = state.create_record(ZONE, {"name": name, "type": "A", "content": content, "ttl": 300})
    return int(record["id"])


def user_records(state: EmulatorState) -> list[dict[str, object]]:
    return [record for record in state.records(ZONE) if not record["system_record"]]


# --- 5xx and timeouts: the session's emulator, on the real clock ---------------------------


@pytest.fixture
def waits() -> FakeTime:
    """Records the backoff delays without sleeping them (the real clock is not touched)."""
    return FakeTime(advance=False)


def real_clock_client(
    emulator: RunningEmulator, waits: FakeTime, policy: UpstreamPolicy = POLICY
) -> DnsimpleClient:
    state = emulator.state
    return DnsimpleClient(
        base_url=emulator.url,
        account_id=state.account_id,
        token=state.token,
        policy=policy,
        sleep=waits.sleep,
        rand=lambda: HALF,
    )


@pytest.mark.anyio
@pytest.mark.parametrize("status", [502, 503])
async def test_a_patch_is_sent_again_after_a_5xx(
    emulator: RunningEmulator, waits: FakeTime, status: int
) -> None:
    record_id = add_record(emulator.state)
    emulator.state.fail_next(status, method="PATCH")
    async with real_clock_client(emulator, waits) as client:
        record = await client.update_record(ZONE, record_id, RecordChanges(content="192.0.2.9"))
    assert (record.id, record.content) == (record_id, "192.0.2.9")
    assert emulator.state.count("PATCH", "updateZoneRecord") == 2
    assert waits.sleeps == pytest.approx([POLICY.backoff_base * HALF])


@pytest.mark.anyio
async def test_a_patch_whose_answer_was_lost_is_sent_again_harmlessly(
    emulator: RunningEmulator, waits: FakeTime
) -> None:
    record_id = add_record(emulator.state)
    emulator.state.fail_next(502, method="PATCH", after_apply=True)
    async with real_clock_client(emulator, waits) as client:
        record = await client.update_record(ZONE, record_id, RecordChanges(ttl=600))
    assert (record.ttl, record.content) == (600, "192.0.2.1")
    assert emulator.state.count("PATCH", "updateZoneRecord") == 2
    assert emulator.state.get_record(ZONE, record_id)["ttl"] == 600


@pytest.mark.anyio
async def test_a_patch_gives_up_after_its_retries(
    emulator: RunningEmulator, waits: FakeTime
) -> None:
    record_id = add_record(emulator.state)
    emulator.state.fail_next(503, count=5, method="PATCH")
    async with real_clock_client(emulator, waits) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.update_record(ZONE, record_id, RecordChanges(ttl=600))
    assert (caught.value.status, caught.value.upstream_status) == (503, 503)
    assert emulator.state.count("PATCH", "updateZoneRecord") == 1 + POLICY.write_retries
    ceilings = [POLICY.backoff_base * 2**n for n in range(POLICY.write_retries)]
    assert waits.sleeps == pytest.approx([ceiling * HALF for ceiling in ceilings])


@pytest.mark.anyio
async def test_a_delete_is_sent_again_after_a_5xx(
    emulator: RunningEmulator, waits: FakeTime
) -> None:
    record_id = add_record(emulator.state)
    emulator.state.fail_next(503, method="DELETE")
    async with real_clock_client(emulator, waits) as client:
        await client.delete_record(ZONE, record_id)
    assert emulator.state.count("DELETE", "deleteZoneRecord") == 2
    assert user_records(emulator.state) == []


@pytest.mark.anyio
async def test_a_delete_whose_answer_was_lost_meets_a_404_the_second_time(
    emulator: RunningEmulator, waits: FakeTime
) -> None:
    record_id = add_record(emulator.state)
    emulator.state.fail_next(502, method="DELETE", after_apply=True)
    async with real_clock_client(emulator, waits) as client:
        with pytest.raises(UpstreamNotFound):  # callers take this as "already gone"
            await client.delete_record(ZONE, record_id)
    assert emulator.state.count("DELETE", "deleteZoneRecord") == 2
    assert user_records(emulator.state) == []


@pytest.mark.anyio
async def test_a_delete_that_timed_out_is_sent_again(emulator: RunningEmulator) -> None:
    record_id = add_record(emulator.state)
    emulator.state.fail_next(HANG, method="DELETE")
    policy = UpstreamPolicy(read_timeout=0.3, write_retries=1, backoff_base=0.001)
    async with real_clock_client(emulator, FakeTime(advance=False), policy) as client:
        await client.delete_record(ZONE, record_id)
    assert emulator.state.count("DELETE", "deleteZoneRecord") == 2
    assert user_records(emulator.state) == []


@pytest.mark.anyio
async def test_a_get_is_sent_again_after_a_5xx(emulator: RunningEmulator, waits: FakeTime) -> None:
    record_id = add_record(emulator.state)
    emulator.state.fail_next(503, method="GET")
    async with real_clock_client(emulator, waits) as client:
        record = await client.get_record(ZONE, record_id)
    assert record.id == record_id
    assert emulator.state.count("GET", "getZoneRecord") == 2


@pytest.mark.anyio
@pytest.mark.parametrize("after_apply", [False, True], ids=["not-applied", "answer-lost"])
async def test_a_create_is_never_sent_again_after_a_502(
    emulator: RunningEmulator, waits: FakeTime, after_apply: bool
) -> None:
    emulator.state.fail_next(502, method="POST", after_apply=after_apply)
    async with real_clock_client(emulator, waits) as client:
        with pytest.raises(UpstreamUnavailable) as caught:
            await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
    assert caught.value.upstream_status == 502
    assert emulator.state.count("POST", "createZoneRecord") == 1
    assert waits.sleeps == []
    # Whether it happened is for the caller to find out; the client did not guess.
    assert len(user_records(emulator.state)) == (1 if after_apply else 0)


@pytest.mark.anyio
async def test_a_create_that_timed_out_is_never_sent_again(emulator: RunningEmulator) -> None:
    emulator.state.fail_next(HANG, method="POST")
    policy = UpstreamPolicy(read_timeout=0.3, write_retries=2, backoff_base=0.001)
    async with real_clock_client(emulator, FakeTime(advance=False), policy) as client:
        with pytest.raises(UpstreamTimeout):
            await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
    assert emulator.state.count("POST", "createZoneRecord") == 1


@pytest.mark.anyio
async def test_a_batch_is_never_sent_again_after_a_503(
    emulator: RunningEmulator, waits: FakeTime
) -> None:
    emulator.state.fail_next(503, method="POST")
    async with real_clock_client(emulator, waits) as client:
        with pytest.raises(UpstreamUnavailable):
            await client.batch_change(ZONE, creates=[NewRecord("www", "A", "192.0.2.1", 300)])
    assert emulator.state.count("POST", "batchChangeZoneRecords") == 1
    assert user_records(emulator.state) == []


# --- a spent hourly budget on the real clock: fail at once, then refuse without sending -----


@pytest.mark.anyio
async def test_a_429_with_a_far_reset_fails_at_once_then_nothing_is_sent(
    emulator: RunningEmulator, waits: FakeTime
) -> None:
    limits = emulator.state.exhaust_rate_limit()
    async with real_clock_client(emulator, waits) as client:
        with pytest.raises(UpstreamRateLimited) as first:
            await client.list_records(ZONE)
        assert emulator.state.count() == 1
        with pytest.raises(UpstreamRateLimited) as second:
            await client.update_record(ZONE, 1, RecordChanges(ttl=600))
        with pytest.raises(UpstreamRateLimited):
            await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
    assert emulator.state.count() == 1  # the refusals sent nothing
    assert waits.sleeps == []
    assert (first.value.upstream_status, first.value.detail) == (429, "quota exceeded")
    assert first.value.retry_after is not None
    assert RATE_LIMIT_WINDOW_S - 60 <= first.value.retry_after <= RATE_LIMIT_WINDOW_S + 1
    refused = second.value
    assert (refused.status, refused.code, refused.upstream_status) == (
        503,
        "upstream_rate_limited",
        None,
    )
    assert refused.retry_after is not None
    assert abs(refused.retry_after - first.value.retry_after) <= 1
    until = datetime.fromtimestamp(limits.reset, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert "hourly budget of 2400 requests is spent" in refused.detail
    assert until in refused.detail


@pytest.mark.anyio
async def test_an_injected_429_on_a_create_is_not_waited_for_an_hour(
    emulator: RunningEmulator, waits: FakeTime
) -> None:
    emulator.state.fail_next(429, method="POST")
    async with real_clock_client(emulator, waits) as client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > POLICY.max_rate_limit_wait
    assert emulator.state.count("POST", "createZoneRecord") == 1
    assert waits.sleeps == []


# --- a window about to reset: an emulator whose clock the test moves --------------------------


@pytest.fixture(scope="module")
def _clocked_server() -> Iterator[tuple[RunningEmulator, FakeTime]]:
    fake = FakeTime()
    state = EmulatorState(account_id=1010, token=SECRET, zones=(ZONE,), clock=fake)
    with start_emulator(state) as running:
        yield running, fake


@pytest.fixture
def clocked(_clocked_server: tuple[RunningEmulator, FakeTime]) -> tuple[RunningEmulator, FakeTime]:
    """The fake-clock emulator, emptied, its clock (shared with the client) back at ``T0``."""
    running, fake = _clocked_server
    fake.now, fake.sleeps = T0, []
    running.state.reset()
    return running, fake


def near_reset(state: EmulatorState, fake: FakeTime, seconds_left: float, remaining: int) -> int:
    """Open a window at ``T0`` with ``remaining`` requests left and move the clock to
    ``seconds_left`` before it resets; return the reset (Unix seconds)."""
    fake.now = T0
    limits = state.set_rate_limit_remaining(remaining)
    assert limits.reset == T0 + RATE_LIMIT_WINDOW_S
    fake.now = limits.reset - seconds_left
    return limits.reset


Operation = Callable[[DnsimpleClient, int], Awaitable[object]]
OPERATIONS: dict[str, tuple[str, str, Operation]] = {
    "get": ("GET", "getZoneRecord", lambda c, rid: c.get_record(ZONE, rid)),
    "list": ("GET", "listZoneRecords", lambda c, rid: c.list_records(ZONE)),
    "patch": (
        "PATCH",
        "updateZoneRecord",
        lambda c, rid: c.update_record(ZONE, rid, RecordChanges(ttl=600)),
    ),
    "delete": ("DELETE", "deleteZoneRecord", lambda c, rid: c.delete_record(ZONE, rid)),
    "create": (
        "POST",
        "createZoneRecord",
        lambda c, rid: c.create_record(ZONE, NewRecord("new", "A", "192.0.2.7", 300)),
    ),
    "batch": (
        "POST",
        "batchChangeZoneRecords",
        lambda c, rid: c.batch_change(ZONE, creates=[NewRecord("new", "A", "192.0.2.7", 300)]),
    ),
}


@pytest.mark.anyio
@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_a_429_whose_reset_is_near_is_waited_out_for_any_method(
    clocked: tuple[RunningEmulator, FakeTime], operation: str
) -> None:
    emulator, fake = clocked
    method, operation_id, call = OPERATIONS[operation]
    record_id = add_record(emulator.state)
    reset = near_reset(emulator.state, fake, seconds_left=1.5, remaining=0)
    async with make_client(emulator.url, fake) as client:
        await call(client, record_id)
        rate_limit = client.rate_limit
    assert fake.sleeps == pytest.approx([1.5 + JITTER])
    assert fake.now > reset
    assert emulator.state.count(method, operation_id) == 2  # the 429, then the real one
    assert rate_limit is not None
    assert rate_limit.remaining == rate_limit.limit - 1  # a fresh window
    if method == "POST":  # sent twice, done once: DNSimple did not process the 429
        assert [r["name"] for r in user_records(emulator.state)] == ["www", "new"]


@pytest.mark.anyio
async def test_a_429_whose_reset_is_beyond_the_wait_limit_fails_after_one_call(
    clocked: tuple[RunningEmulator, FakeTime],
) -> None:
    emulator, fake = clocked
    seconds_left = POLICY.max_rate_limit_wait + 1
    near_reset(emulator.state, fake, seconds_left=seconds_left, remaining=0)
    async with make_client(emulator.url, fake) as client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.list_records(ZONE)
    assert caught.value.retry_after == seconds_left
    assert caught.value.upstream_status == 429
    assert emulator.state.count() == 1
    assert fake.sleeps == []


@pytest.mark.anyio
async def test_a_short_wait_limit_turns_a_near_reset_into_a_failure(
    clocked: tuple[RunningEmulator, FakeTime],
) -> None:
    emulator, fake = clocked
    near_reset(emulator.state, fake, seconds_left=1.5, remaining=0)
    policy = UpstreamPolicy(max_rate_limit_wait=1.0)
    async with make_client(emulator.url, fake, policy=policy) as client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.whoami()
    assert caught.value.retry_after == 2  # 1.5 s, rounded up
    assert emulator.state.count() == 1


@pytest.mark.anyio
async def test_no_rate_limit_retries_means_a_429_is_returned_at_once(
    clocked: tuple[RunningEmulator, FakeTime],
) -> None:
    emulator, fake = clocked
    near_reset(emulator.state, fake, seconds_left=1.5, remaining=0)
    policy = UpstreamPolicy(rate_limit_retries=0)
    async with make_client(emulator.url, fake, policy=policy) as client:
        with pytest.raises(UpstreamRateLimited):
            await client.whoami()
    assert emulator.state.count() == 1


@pytest.mark.anyio
async def test_a_spent_budget_that_resets_soon_is_waited_for_before_sending(
    clocked: tuple[RunningEmulator, FakeTime],
) -> None:
    emulator, fake = clocked
    reset = near_reset(emulator.state, fake, seconds_left=1.5, remaining=1)
    async with make_client(emulator.url, fake) as client:
        await client.whoami()  # spends the last request of the window
        assert client.rate_limit == RateLimit(limit=2400, remaining=0, reset=reset)
        await client.whoami()  # waits for the reset, then is answered: no 429 on the way
    assert fake.sleeps == pytest.approx([1.5 + JITTER])
    assert emulator.state.count("GET", "whoami") == 2


@pytest.mark.anyio
async def test_a_spent_budget_that_resets_late_is_refused_without_sending(
    clocked: tuple[RunningEmulator, FakeTime],
) -> None:
    emulator, fake = clocked
    reset = near_reset(emulator.state, fake, seconds_left=600, remaining=1)
    async with make_client(emulator.url, fake) as client:
        await client.whoami()
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
        fake.now = reset + 1  # the window has reset: sending is allowed again
        await client.create_record(ZONE, NewRecord("www", "A", "192.0.2.1", 300))
    assert caught.value.retry_after == 600
    assert "2023-11-14 23:13:20 UTC" in caught.value.detail  # T0 + 1 h
    assert emulator.state.count("POST", "createZoneRecord") == 1
    assert fake.sleeps == []


@pytest.mark.anyio
async def test_a_second_429_after_the_wait_is_not_waited_for_an_hour(
    clocked: tuple[RunningEmulator, FakeTime],
) -> None:
    emulator, fake = clocked
    near_reset(emulator.state, fake, seconds_left=1.5, remaining=5)
    emulator.state.fail_next(429, count=2, method="GET")
    async with make_client(emulator.url, fake) as client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.whoami()
    # The first 429 resets in 1.5 s and is waited out; the second one is in a fresh window.
    assert fake.sleeps == pytest.approx([1.5 + JITTER])
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > POLICY.max_rate_limit_wait
    assert emulator.state.count("GET", "whoami") == 2


@pytest.mark.anyio
async def test_the_token_never_shows_in_logs_or_errors_on_retries_and_waits(
    clocked: tuple[RunningEmulator, FakeTime], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator, fake = clocked
    record_id = add_record(emulator.state)
    near_reset(emulator.state, fake, seconds_left=1.5, remaining=0)
    errors: list[UpstreamError] = []
    async with make_client(emulator.url, fake) as client:
        await client.whoami()  # a 429 waited out
        emulator.state.fail_next(502, method="PATCH")
        await client.update_record(ZONE, record_id, RecordChanges(ttl=600))  # a 502 retried
        emulator.state.fail_next(503, method="POST")
        with pytest.raises(UpstreamUnavailable) as unavailable:
            await client.create_record(ZONE, NewRecord("x", "A", "192.0.2.1", 300))
        errors.append(unavailable.value)
        emulator.state.exhaust_rate_limit()  # the fresh window, an hour long
        with pytest.raises(UpstreamRateLimited) as rate_limited:
            await client.whoami()
        errors.append(rate_limited.value)
        with pytest.raises(UpstreamRateLimited) as refused:
            await client.whoami()
        errors.append(refused.value)
        assert SECRET not in repr(client)
    assert caplog.records
    assert SECRET not in caplog.text
    for error in errors:
        assert SECRET not in f"{error} {error!r} {error.__cause__!r}"


# --- 429s scripted with httpx.MockTransport: what the emulator cannot say ----------------------


def answers(*responses: httpx.Response) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    sent: list[httpx.Request] = []
    queue = iter(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return next(queue)

    return httpx.MockTransport(handler), sent


def quota_exceeded(headers: dict[str, str]) -> httpx.Response:
    return httpx.Response(429, json={"message": "quota exceeded"}, headers=headers)


WHOAMI = httpx.Response(200, json={"data": {"user": None, "account": {"id": 1010}}})


def scripted(
    fake: FakeTime, *responses: httpx.Response
) -> tuple[DnsimpleClient, list[httpx.Request]]:
    transport, sent = answers(*responses)
    return make_client("https://api.dnsimple.test", fake, transport=transport), sent


@pytest.mark.anyio
async def test_a_429_with_only_retry_after_is_waited_out() -> None:
    fake = FakeTime()
    client, sent = scripted(fake, quota_exceeded({"Retry-After": "2"}), WHOAMI)
    async with client:
        identity = await client.whoami()
    assert identity.account_id == 1010
    assert fake.sleeps == pytest.approx([2 + JITTER])
    assert len(sent) == 2


@pytest.mark.anyio
async def test_a_429_without_any_wait_is_returned_at_once() -> None:
    client, sent = scripted(FakeTime(), quota_exceeded({}))
    async with client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.whoami()
    assert caught.value.retry_after is None  # the API then answers 503 without Retry-After
    assert len(sent) == 1


@pytest.mark.anyio
async def test_429s_are_waited_out_at_most_rate_limit_retries_times() -> None:
    fake = FakeTime()
    soon = {"X-RateLimit-Limit": "2400", "X-RateLimit-Remaining": "0"}
    responses = [
        quota_exceeded({**soon, "X-RateLimit-Reset": str(int(T0) + 2 * n + 1)}) for n in range(4)
    ]
    client, sent = scripted(fake, *responses)
    async with client:
        with pytest.raises(UpstreamRateLimited):
            await client.whoami()
    assert len(sent) == 1 + POLICY.rate_limit_retries
    assert len(fake.sleeps) == POLICY.rate_limit_retries


@pytest.mark.anyio
async def test_the_wait_limit_holds_for_the_whole_call_not_each_429() -> None:
    fake = FakeTime()
    six_seconds = [quota_exceeded({"Retry-After": "6"}) for _ in range(3)]
    client, sent = scripted(fake, *six_seconds)
    async with client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.whoami()
    assert fake.sleeps == pytest.approx([6 + JITTER])  # 6 + 6 would pass the 10 s limit
    assert len(sent) == 2
    assert caught.value.retry_after == 6


# --- the rules themselves (pure) -----------------------------------------------------------


def test_backoff_stays_between_zero_and_its_capped_ceiling() -> None:
    policy = UpstreamPolicy(backoff_base=0.2, backoff_cap=2.0)
    for attempt in range(1, 12):
        ceiling = min(2.0, 0.2 * 2 ** (attempt - 1))
        assert policy.backoff_delay(attempt, rand=lambda: 0.0) == 0.0
        assert policy.backoff_delay(attempt, rand=lambda: 0.999999) <= ceiling
        assert policy.backoff_delay(attempt, rand=lambda: 1.0) == pytest.approx(ceiling)
        for _ in range(50):
            assert 0.0 <= policy.backoff_delay(attempt) <= ceiling


def test_rate_limit_jitter_stays_within_its_bound() -> None:
    policy = UpstreamPolicy(rate_limit_jitter=0.5)
    assert policy.jitter(rand=lambda: 0.0) == 0.0
    assert policy.jitter(rand=lambda: 1.0) == pytest.approx(0.5)
    assert all(0.0 <= policy.jitter() <= 0.5 for _ in range(100))
    assert UpstreamPolicy(rate_limit_jitter=0.0).jitter() == 0.0


def test_which_methods_are_retried_and_how_often() -> None:
    policy = UpstreamPolicy(read_retries=3, write_retries=1)
    assert [policy.retries_for(m) for m in ("GET", "head", "PATCH", "PUT", "delete", "POST")] == [
        3,
        3,
        1,
        1,
        1,
        0,
    ]
    assert policy.may_retry("DELETE", 1)
    assert not policy.may_retry("DELETE", 2)
    assert not policy.may_retry("POST", 1)
    assert not UpstreamPolicy(write_retries=0).may_retry("PATCH", 1)


def test_the_wait_until_the_reset() -> None:
    now = 1000.0
    assert seconds_until_reset({"x-ratelimit-reset": "1002"}, now) == 2.0
    assert seconds_until_reset({"x-ratelimit-reset": "1002", "retry-after": "30"}, now) == 2.0
    assert seconds_until_reset({"x-ratelimit-reset": "990"}, now) == 0.0  # already reset
    assert seconds_until_reset({"retry-after": "30"}, now) == 30.0
    assert seconds_until_reset({"retry-after": "Thu, 01 Jan 1970 00:17:00 GMT"}, now) == 20.0
    assert seconds_until_reset({"retry-after": "whenever"}, now) is None
    assert seconds_until_reset({}, now) is None
    assert retry_after_seconds({"x-ratelimit-reset": "1002"}, now=1000.5) == 2  # rounded up


def test_wait_before_sending() -> None:
    policy = UpstreamPolicy(max_rate_limit_wait=10.0)
    assert policy.wait_before_sending(None, None, 1000.0) == 0.0
    assert policy.wait_before_sending(5, 2000, 1000.0) == 0.0  # budget left
    assert policy.wait_before_sending(0, 1000, 1000.0) == 0.0  # the window has reset
    assert policy.wait_before_sending(0, 1004, 1000.5) == 3.5
    assert policy.wait_before_sending(0, 1010, 1000.0) == 10.0
    assert policy.wait_before_sending(0, 1011, 1000.0) is None  # refuse, send nothing


def test_may_wait_counts_what_was_already_waited() -> None:
    policy = UpstreamPolicy(max_rate_limit_wait=10.0)
    assert policy.may_wait(10.0, 0.0)
    assert policy.may_wait(4.0, 6.0)
    assert not policy.may_wait(4.5, 6.0)
    assert not policy.may_wait(None, 0.0)


@pytest.mark.parametrize(
    "fields",
    [
        {"write_retries": -1},
        {"rate_limit_retries": -1},
        {"max_rate_limit_wait": -1.0},
        {"rate_limit_jitter": -0.1},
        {"read_timeout": 0.0},
    ],
)
def test_a_policy_refuses_negative_budgets_and_missing_timeouts(fields: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        UpstreamPolicy(**fields)  # type: ignore[arg-type]


class Script:
    """A ``send`` for ``send_with_retries``: answers (or raises) from a list, counting calls."""

    def __init__(self, *outcomes: httpx.Response | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def __call__(self) -> httpx.Response:
        outcome = self.outcomes[self.calls]
        self.calls += 1
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["PATCH", "DELETE", "GET"])
async def test_send_with_retries_repeats_reads_and_idempotent_writes(method: str) -> None:
    fake = FakeTime()
    send = Script(httpx.ReadTimeout("slow"), httpx.Response(502), httpx.Response(200))
    response = await send_with_retries(
        POLICY, method, send, sleep=fake.sleep, now=fake, rand=lambda: 1.0
    )
    assert (response.status_code, send.calls) == (200, 3)
    assert fake.sleeps == pytest.approx([POLICY.backoff_base, POLICY.backoff_base * 2])


@pytest.mark.anyio
async def test_send_with_retries_never_repeats_a_post_after_a_failure() -> None:
    fake = FakeTime()
    timed_out = Script(httpx.ReadTimeout("slow"), httpx.Response(201))
    with pytest.raises(httpx.ReadTimeout):
        await send_with_retries(POLICY, "POST", timed_out, sleep=fake.sleep, now=fake)
    failed = Script(httpx.Response(503), httpx.Response(201))
    response = await send_with_retries(POLICY, "POST", failed, sleep=fake.sleep, now=fake)
    assert response.status_code == 503
    assert (timed_out.calls, failed.calls, fake.sleeps) == (1, 1, [])


@pytest.mark.anyio
async def test_send_with_retries_repeats_a_post_after_a_near_429() -> None:
    fake = FakeTime()
    send = Script(quota_exceeded({"X-RateLimit-Reset": str(int(T0) + 2)}), httpx.Response(201))
    response = await send_with_retries(
        POLICY, "POST", send, sleep=fake.sleep, now=fake, rand=lambda: 0.0
    )
    assert (response.status_code, send.calls, fake.sleeps) == (201, 2, [2.0])


@pytest.mark.anyio
async def test_send_with_retries_counts_a_wait_taken_before_sending() -> None:
    fake = FakeTime()
    send = Script(quota_exceeded({"Retry-After": "3"}), httpx.Response(200))
    response = await send_with_retries(
        POLICY, "GET", send, sleep=fake.sleep, now=fake, rate_limit_waited=8.0
    )
    assert (response.status_code, send.calls, fake.sleeps) == (429, 1, [])
