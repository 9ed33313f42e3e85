#!/usr/bin/env python3
"""End-to-end check of auditsync-emulator over HTTPS: the command-line contract (port and CA
files, secret from the environment, clean exit on SIGTERM), TLS verification against the written
CA, token errors, and a full query paged to the end and compared with `truth`, first without and
then with every fault kind switched on. Standard library only.

Usage: smoke_test.py PATH/TO/auditsync-emulator
"""
import datetime
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SECRET = "sm0ke+secret/=&value"
APP_ID_KEY = "powerplatform.analytics.resource.power_app.id"


class Client:
    """A deliberately small client that retries everything transient."""

    def __init__(self, base, cafile):
        self.base = base
        self.context = ssl.create_default_context(cafile=cafile)
        self.token = None

    def call(self, method, url, body=None, headers=None):
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def get_token(self):
        form = urllib.parse.urlencode({
            "client_id": CLIENT, "client_secret": SECRET, "grant_type": "client_credentials",
            "scope": self.base + "/.default"}).encode()
        for _ in range(50):
            try:
                status, body, _ = self.call("POST", f"{self.base}/{TENANT}/oauth2/v2.0/token", form)
                if status == 200:
                    self.token = json.loads(body)["access_token"]
                    return
            except (OSError, ValueError, http.client.HTTPException):
                pass
            time.sleep(0.01)
        raise AssertionError("no token after 50 attempts")

    def graph(self, method, url, payload=None):
        """Returns the parsed JSON of a 2xx answer, retrying transient failures."""
        for _ in range(100):
            if self.token is None:
                self.get_token()
            headers = {"Authorization": "Bearer " + self.token,
                       "Content-Type": "application/json"}
            body = json.dumps(payload).encode() if payload is not None else None
            try:
                status, raw, response_headers = self.call(method, url, body, headers)
                assert "request-id" in {k.lower() for k in response_headers}
                if status == 401:
                    self.token = None
                    continue
                if status in (429, 503, 504):
                    time.sleep(float(response_headers.get("Retry-After", "0.01")))
                    continue
                return status, json.loads(raw)
            except (OSError, ValueError, http.client.HTTPException):
                if method == "POST":
                    return None, None  # outcome unknown: the caller looks the query up
            time.sleep(0.01)
        raise AssertionError(f"{method} {url} kept failing")


def run_query(client, version, start, end, name):
    queries = f"{client.base}/{version}/security/auditLog/queries"
    payload = {"displayName": name, "filterStartDateTime": start, "filterEndDateTime": end,
               "operationFilters": ["LaunchPowerApp", "DeletePowerApp"]}
    status, query = client.graph("POST", queries, payload)
    if status != 201:
        # Never replay a create whose outcome is unknown: find it by its display name.
        _, listing = client.graph("GET", queries)
        matches = [q for q in listing["value"] if q["displayName"] == name]
        if not matches:
            _, query = client.graph("POST", queries, payload)
        else:
            assert len(matches) == 1, matches
            query = matches[0]
    while query.get("status") != "succeeded":
        assert query.get("status") in ("notStarted", "running"), query
        _, query = client.graph("GET", f"{queries}/{query['id']}")
    assert query["isRecordCountLimitExceeded"] is False
    records = []
    url = f"{queries}/{query['id']}/records?$top=300"
    while url:
        status, page = client.graph("GET", url)
        assert status == 200, (status, page)
        records.extend(page["value"])
        next_url = page.get("@odata.nextLink")
        if next_url:
            assert next_url.startswith(f"{client.base}/{version}/"), next_url
        url = next_url
    assert len(records) == query["approximateReturnedRecordCount"]
    return records


def summarize(records):
    """What a careful client derives from the records of one query."""
    seen, apps = set(), {}
    counts = {"launch_records": 0, "delete_records": 0, "duplicate_deliveries": 0,
              "malformed_records": 0, "total_served": len(records)}
    for record in records:
        record_id, data = record.get("id"), record.get("auditData")
        created = record.get("createdDateTime", "")
        try:
            datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            created = None
        app = None
        if isinstance(data, dict):
            if data.get("RecordType") == 45:
                app = (data.get("AppName") or "").lower() or None
            for prop in data.get("PropertyCollection", []):
                if prop["Name"].lower() == APP_ID_KEY:
                    app = prop["Value"].rsplit("/", 1)[-1].lower()
        if not record_id or created is None or app is None:
            counts["malformed_records"] += 1
            continue
        if record_id in seen:
            counts["duplicate_deliveries"] += 1
            continue
        seen.add(record_id)
        if record["operation"] == "DeletePowerApp":
            counts["delete_records"] += 1
            continue
        counts["launch_records"] += 1
        entry = apps.setdefault(app, {"launches": 0, "users": set(), "last": ("", "", "")})
        entry["launches"] += 1
        user = record["userPrincipalName"].lower()
        entry["users"].add(user)
        entry["last"] = max(entry["last"], (created, record_id, user))
    report = {app: (e["launches"], len(e["users"]), e["last"][0], e["last"][2])
              for app, e in apps.items()}
    return counts, report


def truth(binary, start, end, summary):
    args = [binary, "truth", "--from", start, "--to", end] + (["--summary"] if summary else [])
    return json.loads(subprocess.check_output(args))


def check_against_truth(binary, records, start, end):
    counts, report = summarize(records)
    expected = truth(binary, start, end, True)
    for key, value in counts.items():
        assert value == expected[key], (key, value, expected[key])
    expected_report = {a["app_id"]: (a["launches"], a["unique_users"], a["last_launched_on"],
                                     a["last_launched_by"]) for a in truth(binary, start, end, False)}
    assert report == expected_report
    return counts


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        port_file, ca_file = os.path.join(work, "port"), os.path.join(work, "ca.pem")
        env = dict(os.environ, AUDITSYNC_EMULATOR_CLIENT_SECRET=SECRET)
        server = subprocess.Popen([binary, "serve", "--port-file", port_file, "--ca-file", ca_file,
                                   "--log-level", "warn"], env=env)
        try:
            for _ in range(500):
                if os.path.exists(port_file) or server.poll() is not None:
                    break
                time.sleep(0.01)
            assert os.path.exists(ca_file), "the CA file must exist once the port file does"
            port = int(open(port_file).read().strip())

            # Errors: a wrong secret, an unknown tenant, a wrong scope.
            client = Client(f"https://127.0.0.1:{port}", ca_file)
            form = urllib.parse.urlencode({"client_id": CLIENT, "client_secret": "wrong",
                                           "grant_type": "client_credentials",
                                           "scope": client.base + "/.default"}).encode()
            status, body, _ = client.call("POST", f"{client.base}/{TENANT}/oauth2/v2.0/token", form)
            error = json.loads(body)
            assert status == 401 and error["error"] == "invalid_client", error
            assert error["error_codes"] == [7000215]
            assert error["error_description"].startswith("AADSTS7000215: ")
            status, body, _ = client.call("POST", f"{client.base}/nope/oauth2/v2.0/token", form)
            assert status == 400 and json.loads(body)["error_codes"] == [90002]
            status, body, _ = client.call("GET", f"{client.base}/v1.0/security/auditLog/queries")
            assert status == 401
            assert json.loads(body)["error"]["code"] == "InvalidAuthenticationToken"

            # A window of two closed days before today, so that every record exists.
            today = datetime.datetime.now(datetime.timezone.utc).replace(
                hour=0, minute=0, second=0, microsecond=0)
            start = (today - datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
            end = (today - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

            records = run_query(client, "beta", start, end, "smoke clean")
            counts = check_against_truth(binary, records, start, end)
            assert counts["launch_records"] > 1000 and counts["duplicate_deliveries"] > 0

            # The same through localhost, v1.0, and every fault at once.
            client = Client(f"https://localhost:{port}", ca_file)
            status, body, _ = client.call(
                "POST", f"{client.base}/_emulator/faults",
                b"429=0.08,429-no-retry-after=0.04,503=0.05,504=0.04,drop=0.08,truncate=0.08,"
                b"token-expiry=0.05")
            assert status == 200, body
            records = run_query(client, "v1.0", start, end, "smoke faults")
            check_against_truth(binary, records, start, end)
            _, body, _ = client.call("GET", f"{client.base}/_emulator/stats")
            stats = json.loads(body)
            assert sum(stats["faults"].values()) > 5, stats
            assert stats["tokens_issued"] >= 2, stats

            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=10) == 0, "serve must exit 0 on SIGTERM"
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    print("emulator smoke test: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
