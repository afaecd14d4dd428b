#!/usr/bin/env python3
"""A training-and-registration script for MLflow's own Python client, run
against Atrium to check that the client works unchanged.

It is configured with nothing but MLFLOW_TRACKING_URI and
MLFLOW_TRACKING_TOKEN (a token bound to one use case: `atrium token create
--usecase SLUG`). It trains a small logistic regression on generated credit
data, logs params, metrics (with steps, and a NaN), tags; records the model it
logged (metadata only: Atrium never stores model bytes); registers it from the
run with a runs:/ URI; sets and reads an alias; and searches. Every check
raises on a mismatch, so the exit status tells whether the client worked.

See docs/mlflow.md ("Checking with MLflow's own client") for how to run it.
"""

import hashlib
import math
import os
import pickle
import sys
import tempfile

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException


def check(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)
    print("ok  ", what)


def main():
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN"):
        if not os.environ.get(var):
            raise SystemExit(f"set {var}")
    model_name = os.environ.get("SMOKE_MODEL", "credit-scorer")
    client = MlflowClient()

    # Generated applications: income, debt ratio, age, late payments.
    rng = np.random.default_rng(7)
    n = 2000
    X = np.column_stack([rng.normal(50, 15, n), rng.uniform(0, 1, n), rng.integers(18, 80, n), rng.poisson(0.5, n)])
    logit = -0.04 * X[:, 0] + 3.0 * X[:, 1] - 0.01 * X[:, 2] + 0.8 * X[:, 3]
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    train, test = slice(0, 1500), slice(1500, n)

    mlflow.set_experiment("credit-scoring")
    with mlflow.start_run(run_name="logreg-smoke") as run:
        run_id = run.info.run_id
        mlflow.log_param("model", "logistic_regression")
        mlflow.log_params({"C": 0.5, "max_iter": 200, "features": 4})
        mlflow.set_tag("team", "credit-risk")
        mlflow.set_tags({"data.version": "applications-v2", "purpose": "smoke"})
        aucs = []
        for step, c in enumerate([0.05, 0.1, 0.5, 1.0]):
            m = LogisticRegression(C=c, max_iter=200).fit(X[train], y[train])
            auc = roc_auc_score(y[test], m.predict_proba(X[test])[:, 1])
            aucs.append(auc)
            mlflow.log_metric("val_auc", auc, step=step)
            mlflow.log_metrics({"train_acc": m.score(X[train], y[train]), "val_acc": m.score(X[test], y[test])}, step=step)
        mlflow.log_metric("calibration_gap", float("nan"))
        # Atrium keeps where the model is and its digest, never its bytes:
        # the pickle stays on this machine (or in your own bucket).
        blob = pickle.dumps(m)
        digest = hashlib.sha256(blob).hexdigest()
        path = os.path.join(tempfile.gettempdir(), f"{run_id}.pkl")
        with open(path, "wb") as f:
            f.write(blob)
        logged = mlflow.initialize_logged_model(name="model", model_type="sklearn", tags={"framework": "scikit-learn"})
        mlflow.finalize_logged_model(logged.model_id, "READY")

    got = client.get_run(run_id)
    check(got.info.status == "FINISHED", "run ended as FINISHED")
    check(got.data.params["C"] == "0.5" and got.data.params["model"] == "logistic_regression", "params round-trip")
    check(got.data.tags["team"] == "credit-risk" and got.data.tags["mlflow.runName"] == "logreg-smoke", "tags round-trip")
    check(abs(got.data.metrics["val_auc"] - aucs[-1]) < 1e-12, "latest metric is the last step's")
    check(math.isnan(got.data.metrics["calibration_gap"]), "NaN metric round-trips")
    history = client.get_metric_history(run_id, "val_auc")
    check([h.step for h in history] == [0, 1, 2, 3], "metric history has every step")

    try:
        client.log_param(run_id, "C", "0.9")
        check(False, "changing a param is refused")
    except MlflowException as e:
        check(e.error_code == "INVALID_PARAMETER_VALUE", "changing a param is refused with INVALID_PARAMETER_VALUE")

    mv = mlflow.register_model(f"runs:/{run_id}/model", model_name, tags={"atrium.digest": digest})
    check(mv.run_id == run_id, f"registered version {mv.version} names its run")
    client.set_registered_model_alias(model_name, "champion", mv.version)
    champ = client.get_model_version_by_alias(model_name, "champion")
    check(champ.version == mv.version, "alias champion resolves to the new version")
    check("champion" in client.get_registered_model(model_name).aliases, "registered model lists its alias")

    # The lower-level client calls too: a second version from a URI.
    try:
        client.create_registered_model(model_name)
        check(False, "creating an existing model is refused")
    except MlflowException as e:
        check(e.error_code == "RESOURCE_ALREADY_EXISTS", "creating an existing model is RESOURCE_ALREADY_EXISTS")
    mv2 = client.create_model_version(model_name, "s3://models/credit-scorer/candidate", run_id=run_id, description="candidate")
    check(int(mv2.version) == int(mv.version) + 1, "version numbers follow on")
    client.update_model_version(model_name, mv2.version, description="candidate, reviewed")
    client.set_model_version_tag(model_name, mv2.version, "review", "passed")
    check(client.get_model_version(model_name, mv2.version).tags.get("review") == "passed", "model version tag set")
    client.update_registered_model(model_name, description="Scores loan applications")
    client.set_registered_model_tag(model_name, "owner", "credit-risk")

    found = client.search_registered_models(filter_string="name LIKE 'credit%'")
    check(any(r.name == model_name for r in found), "search_registered_models finds the model")
    versions = client.search_model_versions(f"name='{model_name}'")
    check({v.version for v in versions} >= {mv.version, mv2.version}, "search_model_versions finds both versions")
    runs = mlflow.search_runs(experiment_names=["credit-scoring"], filter_string="metrics.val_auc > 0.5 and params.model = 'logistic_regression'")
    check(run_id in set(runs["run_id"]), "search_runs filters on metrics and params")
    try:
        client.get_model_version_by_alias(model_name, "no-such-alias")
        check(False, "a missing alias is refused")
    except MlflowException as e:
        check(e.error_code == "RESOURCE_DOES_NOT_EXIST", "a missing alias is RESOURCE_DOES_NOT_EXIST")
    print(f"PASSED: run {run_id}, {model_name} versions {mv.version} and {mv2.version}, champion -> {champ.version}")


if __name__ == "__main__":
    sys.exit(main())
