#!/usr/bin/env python3
"""Publishing benchmarks against a running `herald serve` (driven by bench/publish.sh).

latency BASE BUCKET N     N publishes, one after the other: time from the publish request to
                          the entry's object being readable in the bucket folder, and to its
                          job being done (listing pages and manifest written).
cost BASE N               N publishes of new entries: the job's own duration (claim to done,
                          from the jobs API), which includes the listing pages and manifest.
Prints one JSON line of figures.
"""
import json
import os
import statistics
import sys
import time
import urllib.request

EMAIL = "timer@shop.example"
PASSWORD = "benchmark passphrase long enough"


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def login(base):
    return call(base, "POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD})["access_token"]


def new_faq(base, token, tag, n):
    body = {"fields": {"question": f"Benchmark {tag} question {n}?",
                       "answer": "Yes, **within 30 days** of delivery, see the policy."}}
    return call(base, "POST", "/api/v1/entries/faq", body, token)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def latency(base, bucket, count):
    """Per publish: until the entry's object is readable, and until its job is done (the
    listing pages and the manifest written too, so the whole bucket shows it)."""
    token = login(base)
    readable, complete = [], []
    for n in range(count):
        entry = new_faq(base, token, "latency", n)
        key = os.path.join(bucket, "content", "faq", "en", entry["slug"] + ".json")
        start = time.perf_counter()
        job = call(base, "POST", f"/api/v1/entries/faq/{entry['id']}/publish", {}, token)
        while not os.path.exists(key):
            time.sleep(0.0005)
        readable.append((time.perf_counter() - start) * 1000)
        while job["status"] not in ("done", "failed"):
            time.sleep(0.001)
            job = call(base, "GET", f"/api/v1/publish/jobs/{job['id']}", None, token)
        assert job["status"] == "done", job
        complete.append((time.perf_counter() - start) * 1000)
    figures = {"publishes": count}
    for name, times in (("readable", readable), ("done", complete)):
        figures[f"{name}_p50_ms"] = round(percentile(times, 50), 1)
        figures[f"{name}_p99_ms"] = round(percentile(times, 99), 1)
        figures[f"{name}_max_ms"] = round(max(times), 1)
    return figures


def parse_time(text):
    # 2026-11-23T19:49:52.960698Z
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def cost(base, count):
    token = login(base)
    durations = []
    for n in range(count):
        entry = new_faq(base, token, "cost", n)
        job = call(base, "POST", f"/api/v1/entries/faq/{entry['id']}/publish", {}, token)
        while job["status"] not in ("done", "failed"):
            time.sleep(0.002)
            job = call(base, "GET", f"/api/v1/publish/jobs/{job['id']}", None, token)
        assert job["status"] == "done", job
        durations.append((parse_time(job["finished_at"]) - parse_time(job["started_at"])) * 1000)
    return {"publishes": count, "job_median_ms": round(statistics.median(durations), 2),
            "job_p90_ms": round(percentile(durations, 90), 2)}


def main():
    mode, base = sys.argv[1], sys.argv[2]
    if mode == "latency":
        print(json.dumps(latency(base, sys.argv[3], int(sys.argv[4]))))
    elif mode == "cost":
        print(json.dumps(cost(base, int(sys.argv[3]))))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
