"""Retries, idempotency, a full queue and closing, with a proxy that
misbehaves in front of the real server (tests/support.py)."""

from __future__ import annotations

import hashlib
import unittest
import uuid

import atrium_client as ac

from .support import Proxy, server

FAST = ac.RetryPolicy(max_attempts=6, base_delay=0.01, max_delay=0.05, max_elapsed=30)


def is_batch(method: str, path: str) -> bool:
    return method == "POST" and path.startswith("/api/v1/ingest/")


class ResilienceTests(unittest.TestCase):
    def setUp(self) -> None:
        self.s = server()
        self.direct = ac.Client(self.s.url, token=self.s.token, close_at_exit=False)

    def proxied(self, plan: list, **kw: object) -> "tuple[Proxy, ac.Client]":
        proxy = Proxy(self.s.url, plan, match=is_batch)
        self.addCleanup(proxy.close)
        opts = dict(retry=FAST, close_at_exit=False)
        opts.update(kw)
        c = ac.Client(proxy.url, token=self.s.token, ingest_key=self.s.ingest_key, **opts)  # type: ignore[arg-type]
        self.addCleanup(c.close, 5)
        return proxy, c

    def test_busy_rate_limited_and_dropped_connections_are_retried(self) -> None:
        proxy, c = self.proxied(["503", "429", "drop"])
        ids = [c.log_prediction(self.s.model, score=0.5) for _ in range(3)]
        self.assertTrue(c.flush(30))
        st = c.stats()
        self.assertEqual((st.accepted, st.failed), (3, 0), st)
        self.assertEqual(st.retries, 3)
        self.assertEqual(proxy.actions(), ["503", "429", "drop", "forward"])
        for i in ids:
            self.assertEqual(self.direct.get_prediction(self.s.usecase, i)["id"], i)

    def test_a_lost_answer_is_retried_and_stored_once(self) -> None:
        proxy, c = self.proxied(["lose-answer"])
        events = [ac.prediction(self.s.model, score=0.1) for _ in range(4)]
        r = c.send_predictions(events)
        # The first try was stored; its answer never came; the retry finds them.
        self.assertEqual((r.accepted, r.duplicates), (0, 4), r)
        self.assertEqual(proxy.actions(), ["lose-answer", "forward"])

    def test_retries_end(self) -> None:
        proxy, c = self.proxied(["503"] * 10, retry=ac.RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.01))
        with self.assertRaises(ac.UnavailableError) as cm:
            c.send_predictions([ac.prediction(self.s.model, score=0.1)])
        self.assertEqual(cm.exception.retry_after, 0)
        self.assertEqual(len(proxy.actions()), 3)
        errors = []
        c2 = ac.Client(proxy.url, ingest_key=self.s.ingest_key, retry=ac.RetryPolicy(max_attempts=2, base_delay=0.01),
                       on_error=lambda kind, n, err: errors.append((kind, n, err.code)), close_at_exit=False)
        c2.log_prediction(self.s.model, score=0.2)
        c2.log_prediction(self.s.model, score=0.3)
        self.assertFalse(c2.close(10))
        self.assertEqual(c2.stats().failed, 2)
        self.assertEqual(errors, [("predictions", 2, "unavailable")])

    def test_a_registration_is_not_retried_after_503(self) -> None:
        proxy = Proxy(self.s.url, ["503"], match=lambda m, p: m == "POST" and p.endswith("/versions"))
        self.addCleanup(proxy.close)
        c = ac.Client(proxy.url, token=self.s.token, retry=FAST, close_at_exit=False)
        name = "py-retry-" + uuid.uuid4().hex[:8]
        digest = hashlib.sha256(name.encode()).hexdigest()
        with self.assertRaises(ac.UnavailableError):
            c.register_model_version(self.s.usecase, name, uri="s3://m/%s" % name, digest=digest)
        self.assertEqual([a for _, p, a in proxy.seen if p.endswith("/versions")], ["503"])
        # 429 is safe to retry: the server refused before doing anything.
        proxy.plan = ["429"]
        v = c.register_model_version(self.s.usecase, name, uri="s3://m/%s" % name, digest=digest)
        self.assertEqual(v["number"], 1)

    def test_a_full_queue_drops_or_raises_as_told(self) -> None:
        proxy, c = self.proxied(["hold"], batch_size=1, max_queue=3)
        first = c.log_prediction(self.s.model, score=0.1)
        self.assertTrue(proxy.holding.wait(10))  # the worker is stuck sending the first one
        for _ in range(3):
            c.log_prediction(self.s.model, score=0.2)
        c.log_prediction(self.s.model, score=0.3)  # no room
        self.assertEqual(c.stats().dropped, 1)
        proxy.release.set()
        self.assertTrue(c.flush(30))
        st = c.stats()
        self.assertEqual((st.accepted, st.dropped, st.failed), (4, 1, 0), st)
        self.assertEqual(self.direct.get_prediction(self.s.usecase, first)["id"], first)

        proxy2, strict = self.proxied(["hold"], batch_size=1, max_queue=1, when_full="raise")
        strict.log_prediction(self.s.model, score=0.1)
        self.assertTrue(proxy2.holding.wait(10))
        strict.log_prediction(self.s.model, score=0.1)
        with self.assertRaises(ac.QueueFull):
            strict.log_prediction(self.s.model, score=0.1)
        proxy2.release.set()
        self.assertTrue(strict.close(30))
        self.assertEqual(strict.stats().accepted, 2)


if __name__ == "__main__":
    unittest.main()
