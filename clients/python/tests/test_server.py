"""The client against a real Atrium server (see tests/support.py for the
environment it needs)."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import unittest
import uuid

import atrium_client as ac

from .support import server


def client(**kw: object) -> ac.Client:
    s = server()
    return ac.Client(s.url, token=s.token, ingest_key=s.ingest_key, close_at_exit=False, **kw)  # type: ignore[arg-type]


class IngestTests(unittest.TestCase):
    def setUp(self) -> None:
        self.s = server()
        self.c = client()
        self.addCleanup(self.c.close)

    def prediction(self, **kw: object) -> dict:
        base = dict(features={"tenure": 14, "plan": "pro", "monthly": 42.5}, score=0.7, label="churn",
                    segments={"region": "north"}, latency_ms=3.2, subject="customer-" + uuid.uuid4().hex[:8])
        base.update(kw)
        return ac.prediction(self.s.model, **base)  # type: ignore[arg-type]

    def test_a_batch_is_stored_once_and_answered_per_item(self) -> None:
        events = [self.prediction() for _ in range(5)]
        r = self.c.send_predictions(events)
        self.assertEqual((r.accepted, r.duplicates, r.refused), (5, 0, 0), r)
        self.assertEqual([i.id for i in r.items], [e["id"] for e in events])
        # The same events again (a retry after a lost answer): duplicates, nothing new.
        r = self.c.send_predictions(events)
        self.assertEqual((r.accepted, r.duplicates, r.refused), (0, 5, 0), r)
        got = self.c.get_prediction(self.s.usecase, events[0]["id"])
        self.assertEqual(got["id"], events[0]["id"])
        self.assertEqual(got["model"], self.s.model)
        self.assertGreaterEqual(got["model_version"], 1)
        self.assertEqual(got["output"]["score"], 0.7)
        # Who the prediction is about is kept only as a keyed hash.
        self.assertNotEqual(got.get("subject"), events[0]["subject"])
        self.assertTrue(str(got.get("subject", "")).startswith("s_"), got.get("subject"))

    def test_hostile_items_are_refused_and_the_others_stored(self) -> None:
        good = self.prediction()
        future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        hostile = [
            dict(self.prediction(), features={"nested": {"a": 1}}),
            dict(self.prediction(), id="x" * 200),
            dict(self.prediction(), id="../../etc/passwd"),
            dict(self.prediction(), time=future),
            dict(self.prediction(), model="no-such-model-" + uuid.uuid4().hex[:6]),
            dict(self.prediction(), features={"f%d" % i: i for i in range(300)}),
            dict(self.prediction(), segments={"s%d" % i: "v" for i in range(20)}),
            dict(self.prediction(), use_case="some-other-use-case"),
            dict(self.prediction(), features={"text": "x" * 5000}),
            dict(self.prediction(), output={"score": "high"}),
        ]
        r = self.c.send_predictions([good] + hostile)
        self.assertEqual(r.accepted, 1, r)
        self.assertEqual(r.refused, len(hostile), r)
        self.assertEqual(r.items[0].status, "accepted")
        for item in r.items[1:]:
            with self.subTest(index=item.index):
                self.assertEqual(item.status, "refused")
                self.assertTrue(item.code and item.error, item)
        self.assertEqual(self.c.get_prediction(self.s.usecase, good["id"])["id"], good["id"])
        for e in hostile[2:5]:
            with self.assertRaises(ac.NotFoundError):
                self.c.get_prediction(self.s.usecase, e["id"])

    def test_the_single_event_endpoint(self) -> None:
        p = self.prediction()
        self.assertEqual(self.c.send_prediction(p).status, "accepted")
        again = self.c.send_prediction(p)
        self.assertEqual((again.status, again.id), ("duplicate", p["id"]))
        with self.assertRaises(ac.InvalidError) as cm:
            self.c.send_prediction(dict(self.prediction(), features={"nested": [1]}))
        self.assertEqual(cm.exception.status, 400)
        self.assertTrue(cm.exception.message)

    def test_gzip_and_a_large_batch(self) -> None:
        events = [self.prediction(features={"f%d" % j: (j * 1.5 if j % 2 else "c%d" % (j % 3)) for j in range(10)})
                  for _ in range(2000)]
        r = self.c.send_predictions(events, compress=True)
        self.assertEqual(r.accepted, 2000, r.refused_items[:3])
        r = self.c.send_predictions(events[:10], compress=False)
        self.assertEqual(r.duplicates, 10)

    def test_outcomes_and_feedback(self) -> None:
        p = self.prediction()
        self.assertEqual(self.c.send_predictions([p]).accepted, 1)
        o = ac.outcome(p["id"], label="stayed")
        self.assertEqual(self.c.send_outcomes([o]).accepted, 1)
        self.assertEqual(self.c.send_outcomes([o]).duplicates, 1)
        fb = [ac.feedback("thumbs", "down", prediction_id=p["id"]),
              ac.feedback("rating", "4"),
              ac.feedback("comment", text="Mail me at someone@example.org about it")]
        r = self.c.send_feedback(fb)
        self.assertEqual(r.accepted, 3, r)
        bad = [ac.feedback("thumbs", "sideways"), ac.feedback("rating", "9"), dict(ac.feedback("bug", text="x"), kind="rant")]
        r = self.c.send_feedback(bad)
        self.assertEqual(r.refused, 3, r)
        stored = self.c.get_feedback(self.s.usecase, fb[2]["id"])
        self.assertNotIn("someone@example.org", stored.get("text", ""))

    def test_background_logging_arrives(self) -> None:
        c = client(batch_size=100, flush_interval=0.05)
        ids = [c.log_prediction(self.s.model, features={"i": i}, score=i / 300, segments={"cohort": "a" if i % 2 else "b"})
               for i in range(250)]
        c.log_outcome(ids[0], label="churn")
        fid = c.log_feedback("thumbs", "up", prediction_id=ids[1])
        self.assertTrue(c.flush(30))
        st = c.stats()
        self.assertEqual((st.accepted, st.refused, st.failed, st.dropped, st.queued), (252, 0, 0, 0, 0), st)
        self.assertGreaterEqual(st.requests, 5)  # 250 predictions in batches of 100, an outcome, a feedback
        self.assertEqual(self.c.get_prediction(self.s.usecase, ids[-1])["id"], ids[-1])
        self.assertEqual(self.c.get_feedback(self.s.usecase, fid)["id"], fid)
        self.assertTrue(c.close())

    def test_many_threads_log_through_one_client(self) -> None:
        c = client(batch_size=64, flush_interval=0.02)
        ids: list = []
        lock = threading.Lock()

        def work(n: int) -> None:
            mine = [c.log_prediction(self.s.model, score=0.5, segments={"thread": str(n)}) for _ in range(100)]
            with lock:
                ids.extend(mine)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertTrue(c.close(30))
        st = c.stats()
        self.assertEqual((st.accepted, st.duplicates, st.refused, st.failed, st.dropped), (800, 0, 0, 0, 0), st)
        self.assertEqual(len(set(ids)), 800)
        for i in (ids[0], ids[399], ids[-1]):
            self.assertEqual(self.c.get_prediction(self.s.usecase, i)["id"], i)

    def test_refused_events_reach_the_callback(self) -> None:
        seen = []
        c = client(on_refused=lambda kind, event, item: seen.append((kind, item.code)))
        c.log_prediction("no-such-model-" + uuid.uuid4().hex[:6], score=0.5)
        c.log_prediction(self.s.model, score=0.5)
        self.assertTrue(c.close())
        st = c.stats()
        self.assertEqual((st.accepted, st.refused), (1, 1), st)
        self.assertEqual(seen, [("predictions", "not_found")])

    def test_the_key_model_is_used_when_none_is_named(self) -> None:
        p = ac.prediction(score=0.1)
        self.assertEqual(self.c.send_predictions([p]).accepted, 1)
        self.assertEqual(self.c.get_prediction(self.s.usecase, p["id"])["model"], self.s.model)

    def test_credentials(self) -> None:
        bad = ac.Client(self.s.url, ingest_key="atri_" + "0" * 40, close_at_exit=False)
        with self.assertRaises(ac.UnauthenticatedError) as cm:
            bad.send_predictions([self.prediction()])
        self.assertEqual((cm.exception.status, cm.exception.code), (401, "unauthenticated"))
        # An API token is not an ingestion key.
        token_as_key = ac.Client(self.s.url, ingest_key=self.s.token, close_at_exit=False)
        with self.assertRaises(ac.UnauthenticatedError):
            token_as_key.send_predictions([self.prediction()])
        # And an ingestion key is not an API token.
        key_as_token = ac.Client(self.s.url, token=self.s.ingest_key, close_at_exit=False)
        with self.assertRaises(ac.UnauthenticatedError):
            key_as_token.get_prediction(self.s.usecase, "x")


class RegistryTests(unittest.TestCase):
    def setUp(self) -> None:
        self.s = server()
        self.c = client()
        self.addCleanup(self.c.close)

    def test_get_prompt_renders_like_the_server(self) -> None:
        p = self.c.get_prompt(self.s.usecase, self.s.prompt)
        self.assertEqual(p.alias, "champion")
        self.assertGreaterEqual(p.version, 1)
        self.assertTrue(p.variables)
        values = {v: "<%s & {{ %s }}>" % (v, v) for v in p.variables}
        version, text = self.c.render_prompt(self.s.usecase, self.s.prompt, values, alias="champion")
        self.assertEqual(version, p.version)
        self.assertEqual(p.render_map(values), text)
        by_number = self.c.get_prompt(self.s.usecase, self.s.prompt, version=p.version)
        self.assertEqual((by_number.template, by_number.alias), (p.template, None))
        # Missing and unknown variables are refused here as there.
        for bad in ({}, dict(values, not_a_variable="x")):
            with self.assertRaises(ac.InvalidError) as local:
                p.render_map(bad)
            with self.assertRaises(ac.InvalidError) as remote:
                self.c.render_prompt(self.s.usecase, self.s.prompt, bad, alias="champion")
            self.assertEqual(local.exception.message, remote.exception.message)
        with self.assertRaises(ac.NotFoundError):
            self.c.get_prompt(self.s.usecase, self.s.prompt, alias="no-such-alias")
        with self.assertRaises(ac.NotFoundError):
            self.c.get_prompt(self.s.usecase, "no-such-prompt")

    def test_register_model_version(self) -> None:
        name = "py-model-" + uuid.uuid4().hex[:8]
        digest = "sha256:" + hashlib.sha256(name.encode()).hexdigest()
        v1 = self.c.register_model_version(self.s.usecase, name, uri="s3://models/%s/1/model.onnx" % name, digest=digest,
                                           size=1234, framework="xgboost", task="classification",
                                           parameters={"max_depth": "6"}, description="from the Python client",
                                           tags={"team": "py"})
        self.assertEqual(v1["number"], 1)
        self.assertEqual(v1["model"]["framework"], "xgboost")
        v2 = self.c.register_model_version(self.s.usecase, name, uri="s3://models/%s/2/model.onnx" % name, digest=digest)
        self.assertEqual(v2["number"], 2)
        hostile = [
            dict(uri="file:///etc/passwd", digest=digest),
            dict(uri="s3://models/../secrets", digest=digest),
            dict(uri="s3://models/x", digest="md5:abc"),
            dict(uri="s3://models/x", digest=digest, size=-1),
            dict(uri="s3://models/x", digest=digest, run_id="not a run id!"),
        ]
        for kw in hostile:
            with self.subTest(kw=kw), self.assertRaises(ac.InvalidError) as cm:
                self.c.register_model_version(self.s.usecase, name, **kw)  # type: ignore[arg-type]
            self.assertTrue(cm.exception.message)
        with self.assertRaises(ac.NotFoundError):
            self.c.register_model_version(self.s.usecase, "absent-" + name, uri="s3://m/x", digest=digest, create_model=False)
        with self.assertRaises(ac.NotFoundError):
            self.c.register_model_version("no-such-use-case", name, uri="s3://m/x", digest=digest)


if __name__ == "__main__":
    unittest.main()
