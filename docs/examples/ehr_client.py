#!/usr/bin/env python3
"""Verify a signature with hpki serve, Python standard library only.

usage: ehr_client.py URL SIGNATURE [CONTENT]   (exit 0 when TOTAL_PASSED)"""
import base64, json, sys, urllib.request, urllib.error

def verify(url, signature, content=None, roles=()):
    body = {"signature": base64.b64encode(signature).decode(), "requireRole": list(roles)}
    if content is not None:
        body["content"] = base64.b64encode(content).decode()
    req = urllib.request.Request(url.rstrip("/") + "/v1/verify", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.load(resp)  # the report of `hpki verify --output json`
    except urllib.error.HTTPError as e:
        sys.exit("hpki serve: %s" % json.load(e).get("error", e))

if __name__ == "__main__":
    args = [open(p, "rb").read() for p in sys.argv[2:4]]
    report = verify(sys.argv[1], *args, roles=["医師"])
    for s in report["signatures"]:
        print(report["indication"], s["signer"]["subject"], [r.get("ja", r["code"]) for r in s["signer"]["roles"]])
    sys.exit(0 if report["indication"] == "TOTAL_PASSED" else 1)
