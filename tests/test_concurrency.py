"""Serving while things change or pile up: the store swap on rebuild, and the query slots."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from starlette.testclient import TestClient

from twingraph.config import Limits, Settings
from twingraph.pipeline import Reloader, build, open_store
from twingraph.serve import create_app, sparql
from twingraph.serve.evaluator import Evaluator
from twingraph.store import EmbeddedStore

POPULATION = """PREFIX tg: <https://twingraph.example/ns#>
SELECT (STR(?n) AS ?s) WHERE { <https://twingraph.example/city/urbino> tg:population/tg:value ?n }"""


def set_population(settings: Settings, old: str, new: str) -> Path:
    path = settings.records_dir / "urbino.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def population(client: TestClient) -> str:
    response = client.get("/sparql", params={"query": POPULATION, "format": "json"})
    assert response.status_code == 200, response.text
    return str(response.json()["results"]["bindings"][0]["s"]["value"])


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        time.sleep(0.05)


@pytest.mark.slow
def test_reloader_rebuilds_on_change_and_waits_after_a_failure(project_settings: Settings) -> None:
    messages: list[str] = []
    build(project_settings)
    reload = Reloader(project_settings, messages.append)
    assert reload() is None, "nothing changed: nothing to rebuild"

    time.sleep(0.01)
    path = set_population(project_settings, "value: 15000,", "value: 15001,")
    store = reload()
    assert store is not None and "15001" in store.select(POPULATION).rows[0][0]

    path.write_text("city: [unclosed\n", encoding="utf-8")
    messages.clear()
    assert reload() is None
    assert "urbino.yaml" in "\n".join(messages) and "still serving" in "\n".join(messages)
    messages.clear()
    assert reload() is None and messages == [], "a failed build is not retried until the inputs change"
    assert "15001" in EmbeddedStore.from_file(project_settings.dist_dir / "twingraph.nt").select(POPULATION).rows[0][0]


@pytest.mark.slow
def test_the_old_store_serves_until_the_new_one_is_complete(project_settings: Settings) -> None:
    store = open_store(project_settings)
    go, asked = threading.Event(), threading.Event()
    reload = Reloader(project_settings, lambda _: None)

    def gated() -> EmbeddedStore | None:
        asked.set()
        go.wait(60)  # the rebuild is "in progress" until the test lets it finish
        return reload()

    app = create_app(store, project_settings, refresh=gated, interval=0.05)
    with TestClient(app) as client:
        assert population(client).startswith("15000")
        time.sleep(0.01)
        set_population(project_settings, "value: 15000,", "value: 15002,")
        wait_for(asked.is_set)
        for _ in range(3):
            assert population(client).startswith("15000"), "the old store answers while the new one is built"
            assert client.get("/city/urbino", headers={"Accept": "text/html"}).status_code == 200
        go.set()
        wait_for(lambda: population(client).startswith("15002"))
        page = client.get("/city/urbino/population/2021", headers={"Accept": "text/turtle"}).text
        assert "15002" in page


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . FILTER(?c = ?f) }"


async def holding_the_slot(evaluator: Evaluator) -> asyncio.Task[sparql.Outcome]:
    """The slow query, started and given the time to take the only slot (it then runs for seconds)."""
    slow = asyncio.ensure_future(evaluator.run(SLOW))
    await asyncio.sleep(0.5)
    return slow


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.01)


def test_a_query_waits_a_bounded_time_for_a_slot_then_gets_503(built: object, settings: Settings) -> None:
    store = EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt").raw()
    evaluator = Evaluator(store, settings.base_iri, timeout=60, row_limit=10, limits=Limits(workers=1, queue_wait=0.2))

    async def both() -> tuple[sparql.Outcome, BaseException | None]:
        slow = await holding_the_slot(evaluator)
        try:
            await evaluator.run("ASK {}", client="another")
        except sparql.ProtocolError as exc:
            return await slow, exc
        return await slow, None

    try:
        first, second = asyncio.run(both())
        assert first.rows, "the query holding the slot is answered"
        assert isinstance(second, sparql.ProtocolError) and second.status == 503
        assert "stayed taken for 0.2 s" in second.message and second.retry_after == 1
        assert asyncio.run(evaluator.run("ASK {}")).boolean is True, "the slot is free again once the query ended"
    finally:
        evaluator.close()


def test_queued_queries_are_answered_when_a_slot_frees_and_a_full_queue_refuses_at_once(
    built: object, settings: Settings
) -> None:
    store = EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt").raw()
    evaluator = Evaluator(store, settings.base_iri, timeout=60, row_limit=10,
                          limits=Limits(workers=1, queue_wait=120, queue_limit=1))  # fmt: skip

    async def three() -> tuple[sparql.Outcome, sparql.Outcome, BaseException | None]:
        slow = await holding_the_slot(evaluator)
        queued = asyncio.ensure_future(evaluator.run("ASK {}", client="second"))
        await until(lambda: evaluator.admission.waiting.total() == 1)
        try:
            await evaluator.run("ASK { ?s ?p ?o }", client="third")
            refused = None
        except sparql.ProtocolError as exc:
            refused = exc
        assert not slow.done(), "the third query was refused while the slow one still ran"
        return await slow, await queued, refused

    try:
        first, queued, refused = asyncio.run(three())
        assert first.rows
        assert queued.boolean is True, "the waiting query got the slot once it was free"
        assert isinstance(refused, sparql.ProtocolError) and refused.status == 503
        assert "1 queries wait" in refused.message
    finally:
        evaluator.close()


def test_a_query_after_a_swap_sees_the_new_store_at_once(settings: Settings) -> None:
    old, new = ox.Store(), ox.Store()
    old.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("old")))
    new.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("new")))
    evaluator = Evaluator(old, settings.base_iri, timeout=30, row_limit=10, limits=Limits(workers=2))
    ask = "SELECT ?o WHERE { <urn:a> <urn:b> ?o }"
    try:
        evaluator.start()
        assert asyncio.run(evaluator.run(ask)).rows[0][0].value == "old"
        evaluator.swap(new)
        for _ in range(3):  # whichever worker answers holds the new data
            assert asyncio.run(evaluator.run(ask)).rows[0][0].value == "new"
    finally:
        evaluator.close()


def test_one_client_gets_its_share_of_the_slots_and_a_429_past_it(built: object, settings: Settings) -> None:
    store = EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt").raw()
    evaluator = Evaluator(store, settings.base_iri, timeout=60, row_limit=10,
                          limits=Limits(workers=2, per_client=1, queue_wait=0.3, queue_limit=4))  # fmt: skip
    assert evaluator.limits.client_queue() == 1

    async def greedy() -> tuple[sparql.Outcome, BaseException | None, BaseException | None, sparql.Outcome]:
        slow = await holding_the_slot(evaluator)  # client "-" now runs its one query
        waited = asyncio.ensure_future(evaluator.run("ASK {}"))  # may wait: its queue is a quarter of 4
        await until(lambda: evaluator.admission.waiting.total() == 1)
        refused_at_once = await refusal(evaluator.run("ASK { ?s ?p ?o }"))  # running and waiting its fill
        other = await evaluator.run("ASK {}", client="someone else")  # the free slot is another client's to take
        refused_after_wait = await refusal(waited)
        assert not slow.done()
        return await slow, refused_at_once, refused_after_wait, other

    try:
        first, at_once, after_wait, other = asyncio.run(greedy())
        assert first.rows and other.boolean is True
        for refused in (at_once, after_wait):
            assert isinstance(refused, sparql.ProtocolError) and refused.status == 429, refused
            assert refused.retry_after == 1 and "the most one client may run at once is 1" in refused.message
    finally:
        evaluator.close()


def test_one_clients_many_connections_wait_their_turn_instead_of_being_refused(built: object,
                                                                             settings: Settings) -> None:
    """Sixteen requests at once from one client (wrk's 16 connections): its share runs, the rest wait, all answered."""
    store = EmbeddedStore.from_file(settings.dist_dir / "twingraph.nt").raw()
    evaluator = Evaluator(store, settings.base_iri, timeout=60, row_limit=10,
                          limits=Limits(workers=2, queue_wait=60))  # fmt: skip
    assert evaluator.limits.client_share() == 1 and evaluator.limits.client_queue() == 16
    evaluator.start()

    async def sixteen() -> list[sparql.Outcome | BaseException]:
        asks = (evaluator.run(f'ASK {{ ?s ?p "no such name {n}" }}', client="wrk") for n in range(16))
        return await asyncio.gather(*asks, return_exceptions=True)

    try:
        answers = asyncio.run(sixteen())
        assert all(isinstance(a, sparql.Outcome) for a in answers), answers
        assert [a.boolean for a in answers if isinstance(a, sparql.Outcome)] == [False] * 16
        assert evaluator.admission.free == 2 and not evaluator.admission.queue and not evaluator.admission.running
    finally:
        evaluator.close()


def test_slots_are_never_lost_or_doubled_when_waits_run_out_and_requests_go_away(settings: Settings) -> None:
    """Many threads and tasks take slots, give up at random moments, are cancelled: every slot comes back."""
    evaluator = Evaluator(ox.Store(), settings.base_iri, timeout=60, row_limit=10,
                          limits=Limits(workers=3, per_client=2, queue_wait=0.02, queue_limit=12))  # fmt: skip
    most_at_once = {"running": 0}
    counting = threading.Lock()

    def holding(client: str) -> None:
        with counting:
            running = sum(evaluator.admission.running.values())
            assert running <= 3 and evaluator.admission.running[client] <= 2
            most_at_once["running"] = max(most_at_once["running"], running)

    def in_a_thread(n: int) -> None:
        for i in range(30):
            try:
                evaluator.admit_blocking(f"client-{n % 4}", 0.02 if i % 3 else 1.0)
            except sparql.ProtocolError as exc:
                assert exc.status in (429, 503)
                continue
            holding(f"client-{n % 4}")
            time.sleep(0.001 * (i % 5))
            evaluator.admission.finish(f"client-{n % 4}")

    async def on_the_loop() -> None:
        async def one(n: int) -> None:
            try:
                await evaluator.admit(f"client-{n % 4}")
            except sparql.ProtocolError:
                return
            try:  # as Evaluator.run: the slot is given back however the request ends
                holding(f"client-{n % 4}")
                await asyncio.sleep(0.002)
            finally:
                evaluator.admission.finish(f"client-{n % 4}")

        for _ in range(10):
            tasks = [asyncio.ensure_future(one(n)) for n in range(12)]
            await asyncio.sleep(0.003)
            for task in tasks[::3]:
                task.cancel()  # the request went away, waiting or holding
            await asyncio.gather(*tasks, return_exceptions=True)

    threads = [threading.Thread(target=in_a_thread, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    asyncio.run(on_the_loop())
    for thread in threads:
        thread.join()
    gate = evaluator.admission
    assert (gate.free, list(gate.queue), gate.running.total(), gate.waiting.total()) == (3, [], 0, 0)
    assert most_at_once["running"] == 3, "the slots were all in use at some moment"


async def refusal(query: Awaitable[sparql.Outcome]) -> BaseException | None:
    try:
        await query
    except sparql.ProtocolError as exc:
        return exc
    return None
