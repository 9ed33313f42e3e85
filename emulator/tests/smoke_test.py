#!/usr/bin/env python3
"""End-to-end check of auditsync-emulator over HTTPS: the command-line contract (port and CA
files, secret from the environment, clean exit on SIGTERM), TLS verification against the written
CA, token errors, and a full query paged to the end and compared with `truth`, first without and
then with every fault kind switched on. A second server runs on a simulated clock with late
publication, inclusive window ends, small query limits and 429 storms. Further servers serve
Key Vault, the managed identity endpoints and certificate client assertions. Standard library
only, plus the openssl command to make and use a test certificate.

Usage: smoke_test.py PATH/TO/auditsync-emulator
"""
import base64
import datetime
import hashlib
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


def truth(binary, start, end, summary, extra=()):
    args = [binary, "truth", "--from", start, "--to", end] + (["--summary"] if summary else [])
    return json.loads(subprocess.check_output(args + list(extra)))


def check_against_truth(binary, records, start, end, extra=()):
    """`extra`: tenant options and --as-of, passed to `truth`."""
    counts, report = summarize(records)
    expected = truth(binary, start, end, True, extra)
    for key, value in counts.items():
        assert value == expected[key], (key, value, expected[key])
    expected_report = {a["app_id"]: (a["launches"], a["unique_users"], a["last_launched_on"],
                                     a["last_launched_by"])
                       for a in truth(binary, start, end, False, extra)}
    assert report == expected_report
    return counts


def start_server(binary, work, name, args=()):
    """Starts `serve` with the secret in the environment; returns the process and its port."""
    port_file, ca_file = os.path.join(work, name + ".port"), os.path.join(work, name + ".pem")
    env = dict(os.environ, AUDITSYNC_EMULATOR_CLIENT_SECRET=SECRET)
    server = subprocess.Popen([binary, "serve", "--port-file", port_file, "--ca-file", ca_file,
                               "--log-level", "warn"] + list(args), env=env)
    for _ in range(500):
        if os.path.exists(port_file) or server.poll() is not None:
            break
        time.sleep(0.01)
    assert os.path.exists(ca_file), "the CA file must exist once the port file does"
    return server, int(open(port_file).read().strip()), ca_file


def stop_server(server):
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=10) == 0, "serve must exit 0 on SIGTERM"


def control(client, method, route, body=None):
    status, raw, _ = client.call(method, f"{client.base}/_emulator/{route}", body)
    assert status == 200, (route, status, raw)
    return json.loads(raw)


def raw_graph(client, method, url, payload=None):
    """One Graph call, no retries: (status, parsed body, headers)."""
    if client.token is None:
        client.get_token()
    headers = {"Authorization": "Bearer " + client.token, "Content-Type": "application/json"}
    body = json.dumps(payload).encode() if payload is not None else None
    status, raw, response_headers = client.call(method, url, body, headers)
    return status, json.loads(raw), response_headers


def ids_of(records):
    return {r["id"] for r in records if r.get("id")}


def check_basics(binary, work):
    server, port, ca_file = start_server(binary, work, "basic")
    try:
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
        clock = control(client, "GET", "clock")
        assert clock["simulated"] is False, clock
        # Without --vault-secret or --managed-identity those routes and the vault scope do not
        # exist.
        status, body, _ = client.call("POST", f"{client.base}/{TENANT}/oauth2/v2.0/token",
                                      token_form(VAULT + "/.default"))
        assert status == 400 and json.loads(body)["error_codes"] == [70011], body
        for route in ("/secrets/x?api-version=7.4",
                      "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x"):
            status, _, _ = client.call("GET", client.base + route, headers={"Metadata": "true"})
            assert status == 404, (route, status)

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
        control(client, "POST", "faults",
                b"429=0.08,429-no-retry-after=0.04,503=0.05,504=0.04,drop=0.08,truncate=0.08,"
                b"token-expiry=0.05,storm=0.01")
        records = run_query(client, "v1.0", start, end, "smoke faults")
        check_against_truth(binary, records, start, end)
        stats = control(client, "GET", "stats")
        assert sum(stats["faults"].values()) > 5, stats
        assert stats["tokens_issued"] >= 2, stats
        stop_server(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def check_late_publication(binary, client, tenant):
    """A query sees what was published when it was created; later the settled tenant."""
    start, end = "2026-11-03T00:00:00Z", "2026-11-05T00:00:00Z"
    early = run_query(client, "v1.0", start, end, "late early")
    check_against_truth(binary, early, start, end, tenant + ["--as-of", end])
    clock = control(client, "POST", "clock", json.dumps({"now": "2026-11-12T00:00:00Z"}).encode())
    assert clock == {"now": "2026-11-12T00:00:00Z", "simulated": True}, clock
    settled = run_query(client, "v1.0", start, end, "late settled")
    # With --inclusive-end the query also has the records created at `end` itself, published by
    # now; `truth` windows are half-open.
    check_against_truth(binary, settled, start, "2026-11-05T00:00:01Z", tenant)
    assert ids_of(early) < ids_of(settled), "late records appear once published"


def check_inclusive_end(client):
    """With --inclusive-end, records created on the hour come in both adjacent windows."""
    before = run_query(client, "v1.0", "2026-11-04T00:00:00Z", "2026-11-04T01:00:00Z", "incl a")
    after = run_query(client, "v1.0", "2026-11-04T01:00:00Z", "2026-11-04T02:00:00Z", "incl b")
    shared = [r for r in before if r.get("id") in ids_of(after)]
    assert len(shared) > 3, len(shared)
    assert {r["createdDateTime"] for r in shared} == {"2026-11-04T01:00:00Z"}


def check_query_limits(client):
    """--max-unfinished 2 and --query-budget 6 (four queries were submitted so far, one of them
    before the clock moved a week ahead)."""
    queries = f"{client.base}/v1.0/security/auditLog/queries"
    body = {"filterStartDateTime": "2026-11-04T00:00:00Z",
            "filterEndDateTime": "2026-11-04T01:00:00Z"}
    ids = []
    for _ in range(2):
        status, query, _ = raw_graph(client, "POST", queries, body)
        assert status == 201, query
        ids.append(query["id"])
    status, error, headers = raw_graph(client, "POST", queries, body)
    assert status == 429 and error["error"]["code"] == "TooManyRequests", error
    assert "unfinished" in error["error"]["message"] and headers["Retry-After"] == "5"
    assert control(client, "GET", "stats")["unfinished_queries"] == 2

    run_to_end(client, ids[0])
    status, query, _ = raw_graph(client, "POST", queries, body)  # the sixth within 24 h
    assert status == 201, query
    status, error, headers = raw_graph(client, "POST", queries, body)
    assert status == 429 and "budget" in error["error"]["message"], error
    assert headers["Retry-After"] == str(24 * 3600), headers  # all at the same frozen second
    stats = control(client, "GET", "stats")
    assert stats["queries_rejected"] == {"budget": 1, "unfinished": 1}, stats

    # A day later the budget is back; the two unfinished queries still block until one ends.
    control(client, "POST", "clock", json.dumps({"now": "2026-11-13T00:00:00Z"}).encode())
    status, error, _ = raw_graph(client, "POST", queries, body)
    assert status == 429 and "unfinished" in error["error"]["message"], error
    run_to_end(client, ids[1])
    status, query, _ = raw_graph(client, "POST", queries, body)
    assert status == 201, query


def run_to_end(client, query_id):
    url = f"{client.base}/v1.0/security/auditLog/queries/{query_id}"
    for _ in range(10):
        _, query = client.graph("GET", url)
        if query["status"] not in ("notStarted", "running"):
            return query
    raise AssertionError(f"query {query_id} never ended")


def check_storm(client):
    """storm=P: runs of at least six 429s, alternating with and without Retry-After."""
    control(client, "POST", "faults", b"storm=0.2")
    url = f"{client.base}/v1.0/security/auditLog/queries"
    answers = [raw_graph(client, "GET", url) for _ in range(80)]
    control(client, "POST", "faults", b"")
    runs, run = [], []
    for status, _, headers in answers + [(200, None, {})]:
        if status == 429:
            run.append("Retry-After" in headers)
        elif run:
            runs.append(run)
            run = []
    assert runs and all(len(r) >= 6 and r[0] and r[1] is False for r in runs), runs
    assert control(client, "GET", "stats")["faults"]["storm"] == sum(map(len, runs))


def check_simulated_tenant(binary, work):
    tenant = ["--late-publication", "--boundary-rate", "0.2"]
    server, port, ca_file = start_server(
        binary, work, "simulated",
        tenant + ["--now", "2026-11-05T00:00:00Z", "--inclusive-end", "--query-budget", "6",
                  "--max-unfinished", "2"])
    try:
        client = Client(f"https://127.0.0.1:{port}", ca_file)
        clock = control(client, "GET", "clock")
        assert clock == {"now": "2026-11-05T00:00:00Z", "simulated": True}, clock
        status, _, _ = client.call("POST", f"{client.base}/_emulator/clock", b"{}")
        assert status == 400
        check_late_publication(binary, client, tenant)
        check_inclusive_end(client)
        check_query_limits(client)
        check_storm(client)
        stop_server(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


VAULT = "https://vault.azure.net"
VAULT_SECRET = "kv+value/with=specials \u00e9"
IDENTITY_HEADER = "identity-header-value"


def token_form(scope, **extra):
    fields = {"client_id": CLIENT, "client_secret": SECRET, "grant_type": "client_credentials",
              "scope": scope}
    fields.update(extra)
    return urllib.parse.urlencode(fields).encode()


def get_json(client, path, headers=None):
    status, body, response_headers = client.call("GET", client.base + path, headers=headers)
    return status, json.loads(body), response_headers


def make_certificate(work):
    """An RSA key and a self-signed certificate (openssl CLI); returns the paths and x5t#S256."""
    key, cert = os.path.join(work, "client.key"), os.path.join(work, "client.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=auditsync smoke"],
                   check=True, capture_output=True)
    der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return key, cert, b64url(hashlib.sha256(der).digest())


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def client_assertion(key, x5t_s256, audience, lifetime=600, jti=None):
    """A PS256 client assertion signed with the openssl CLI."""
    now = int(time.time())
    header = {"alg": "PS256", "typ": "JWT", "x5t#S256": x5t_s256}
    claims = {"aud": audience, "iss": CLIENT, "sub": CLIENT, "jti": jti or os.urandom(16).hex(),
              "nbf": now, "iat": now, "exp": now + lifetime}
    signed = (b64url(json.dumps(header).encode()) + "." +
              b64url(json.dumps(claims).encode())).encode()
    signature = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", key, "-sigopt", "rsa_padding_mode:pss",
         "-sigopt", "rsa_pss_saltlen:32"], input=signed, check=True, capture_output=True).stdout
    return signed.decode() + "." + b64url(signature)


def assertion_form(assertion, scope):
    return urllib.parse.urlencode({
        "client_id": CLIENT, "grant_type": "client_credentials", "scope": scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion}).encode()


def check_vault(binary, work):
    """Key Vault Get Secret and the managed identity token endpoints."""
    secret_file = os.path.join(work, "vault-secret")
    with open(secret_file, "w", encoding="utf-8") as out:
        out.write(VAULT_SECRET + "\n")
    header_file = os.path.join(work, "identity-header")
    with open(header_file, "w") as out:
        out.write(IDENTITY_HEADER)
    key, cert, x5t_s256 = make_certificate(work)
    server, port, ca_file = start_server(
        binary, work, "vault",
        ["--vault-secret", "Auditsync-Secret=" + secret_file, "--managed-identity",
         "--identity-header-file", header_file, "--client-certificate", cert])
    try:
        client = Client(f"https://127.0.0.1:{port}", ca_file)
        secret_path = "/secrets/auditsync-secret?api-version=7.4"

        # No token: 401 with Key Vault's challenge and error shape.
        status, body, headers = get_json(client, secret_path)
        assert status == 401 and body["error"]["code"] == "Unauthorized", body
        challenge = headers.get("WWW-Authenticate", "")
        assert f'resource="{VAULT}"' in challenge and TENANT in challenge, challenge

        # A Graph token is for the wrong audience.
        client.get_token()
        status, body, _ = get_json(client, secret_path,
                                   {"Authorization": "Bearer " + client.token})
        assert status == 401 and "audience" in body["error"]["message"], body

        # A vault token from the v2 and the v1 endpoints.
        status, body, _ = client.call("POST", f"{client.base}/{TENANT}/oauth2/v2.0/token",
                                      token_form(VAULT + "/.default"))
        assert status == 200, body
        vault_token = json.loads(body)["access_token"]
        status, body, _ = client.call("POST", f"{client.base}/{TENANT}/oauth2/token",
                                      token_form("", resource=VAULT))
        assert status == 200 and json.loads(body)["resource"] == VAULT, body
        auth = {"Authorization": "Bearer " + vault_token}
        status, body, _ = get_json(client, secret_path, auth)
        assert status == 200 and body["value"] == VAULT_SECRET, status
        assert body["attributes"]["enabled"] is True
        secret_id = body["id"]
        assert secret_id.startswith(client.base + "/secrets/auditsync-secret/"), secret_id
        version = secret_id.rsplit("/", 1)[1]
        status, body, _ = get_json(client, f"/secrets/AUDITSYNC-SECRET/{version}?api-version=7.4",
                                   auth)
        assert status == 200 and body["id"] == secret_id, body
        for path in ("/secrets/other?api-version=7.4",
                     "/secrets/auditsync-secret/0123456789abcdef0123456789abcdef?api-version=7.4"):
            status, body, _ = get_json(client, path, auth)
            assert status == 404 and body["error"]["code"] == "SecretNotFound", body
        status, body, _ = get_json(client, "/secrets/auditsync-secret", auth)
        assert status == 400 and body["error"]["code"] == "BadParameter", body
        # The vault token does not open Graph.
        status, body, _ = get_json(client, "/v1.0/security/auditLog/queries", auth)
        assert status == 401 and body["error"]["code"] == "InvalidAuthenticationToken", body

        # IMDS: Metadata header required; numbers as strings; tokens for Graph and the vault.
        imds = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource="
        status, body, _ = get_json(client, imds + urllib.parse.quote(VAULT, safe=""))
        assert status == 400 and body["error"] == "invalid_request", body
        status, body, _ = get_json(client, imds + urllib.parse.quote(VAULT, safe=""),
                                   {"Metadata": "true"})
        assert status == 200 and body["resource"] == VAULT, body
        assert isinstance(body["expires_in"], str) and isinstance(body["expires_on"], str), body
        status, body, _ = get_json(client, secret_path,
                                   {"Authorization": "Bearer " + body["access_token"]})
        assert status == 200 and body["value"] == VAULT_SECRET, status
        status, body, _ = get_json(client, imds + urllib.parse.quote("https://elsewhere", safe=""),
                                   {"Metadata": "true"})
        assert status == 400 and body["error"] == "invalid_resource", body
        status, body, _ = get_json(client, imds + urllib.parse.quote(client.base, safe=""),
                                   {"Metadata": "true"})
        assert status == 200, body
        graph_auth = {"Authorization": "Bearer " + body["access_token"]}
        status, body, _ = get_json(client, "/v1.0/security/auditLog/queries", graph_auth)
        assert status == 200 and body["value"] == [], body

        # App Service / Container Apps: X-IDENTITY-HEADER must match the configured value.
        msi = "/msi/token?api-version=2019-08-01&resource=" + urllib.parse.quote(VAULT, safe="")
        status, body, _ = get_json(client, msi)
        assert status == 400, body
        status, body, _ = get_json(client, msi, {"X-IDENTITY-HEADER": "wrong"})
        assert status == 401, body
        status, body, _ = get_json(client, msi, {"X-IDENTITY-HEADER": IDENTITY_HEADER})
        assert status == 200 and body["resource"] == VAULT, body
        assert isinstance(body["expires_on"], str) and "expires_in" not in body, body
        status, body, _ = get_json(client, secret_path,
                                   {"Authorization": "Bearer " + body["access_token"]})
        assert status == 200, status

        # Faults reach the vault and the identity endpoints in their own error shapes.
        control(client, "POST", "faults", b"429=1")
        status, body, headers = get_json(client, secret_path, auth)
        assert status == 429 and body["error"]["code"] == "Throttled", body
        assert "Retry-After" in headers, headers
        status, body, _ = get_json(client, msi, {"X-IDENTITY-HEADER": IDENTITY_HEADER})
        assert status == 429 and body["error"] == "temporarily_unavailable", body
        control(client, "POST", "faults", b"")

        # Certificate credentials: a PS256 assertion gets a vault token; its replay, an expired
        # one and one for another audience are refused.
        endpoint = f"{client.base}/{TENANT}/oauth2/v2.0/token"
        assertion = client_assertion(key, x5t_s256, endpoint)
        status, body, _ = client.call("POST", endpoint,
                                      assertion_form(assertion, VAULT + "/.default"))
        assert status == 200, body
        status, body, _ = get_json(client, secret_path,
                                   {"Authorization": "Bearer " + json.loads(body)["access_token"]})
        assert status == 200 and body["value"] == VAULT_SECRET, status
        for bad, code in ((assertion, 50013),
                          (client_assertion(key, x5t_s256, endpoint, lifetime=-600), 700024),
                          (client_assertion(key, x5t_s256, "https://elsewhere/token"), 50027),
                          (client_assertion(key, b64url(b"x" * 32), endpoint), 700027)):
            form = assertion_form(bad, client.base + "/.default")
            status, body, _ = client.call("POST", endpoint, form)
            error = json.loads(body)
            assert status in (400, 401) and error["error_codes"] == [code], (code, error)
        stop_server(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    # --vault-deny: an authenticated request is refused, as without a role or behind a firewall.
    server, port, ca_file = start_server(binary, work, "vault-deny",
                                         ["--vault-deny", "--managed-identity"])
    try:
        client = Client(f"https://127.0.0.1:{port}", ca_file)
        status, body, _ = client.call("POST", f"{client.base}/{TENANT}/oauth2/v2.0/token",
                                      token_form(VAULT + "/.default"))
        auth = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
        status, body, _ = get_json(client, "/secrets/anything?api-version=7.4", auth)
        assert status == 403 and body["error"]["code"] == "Forbidden", body
        # No identity header configured: the App Service endpoint does not exist.
        status, _, _ = get_json(client, "/msi/token?api-version=2019-08-01&resource=x",
                                {"X-IDENTITY-HEADER": IDENTITY_HEADER})
        assert status == 404
        stop_server(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def check_graph_forbidden(binary, work):
    """--graph-forbidden: a valid token gets 403 on the query routes; a missing one still 401."""
    server, port, ca_file = start_server(binary, work, "graph-forbidden", ["--graph-forbidden"])
    try:
        client = Client(f"https://127.0.0.1:{port}", ca_file)
        queries = f"{client.base}/v1.0/security/auditLog/queries"
        status, body, headers = raw_graph(client, "GET", queries)
        assert status == 403, status
        assert body["error"]["code"] == "Authorization_RequestDenied", body
        assert "request-id" in {k.lower() for k in headers}, headers
        status, body, headers = raw_graph(client, "POST", queries, {
            "displayName": "x", "filterStartDateTime": "2026-11-01T00:00:00Z",
            "filterEndDateTime": "2026-11-01T01:00:00Z"})
        assert status == 403, status
        status, _, _ = client.call("GET", queries)
        assert status == 401, status
        assert control(client, "GET", "stats")["queries_created"] == 0
        stop_server(server)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def check_invalid_options(binary):
    for args in (["serve", "--now", "soon"], ["serve", "--query-budget", "0"],
                 ["serve", "--stuck-queries", "2"], ["truth", "--from", "2026-11-01", "--to",
                                                     "2026-11-02", "--as-of", "later"],
                 ["truth", "--from", "2026-11-01", "--to", "2026-11-02", "--boundary-rate", "2"],
                 ["serve", "--vault-secret", "no-file"], ["serve", "--vault-secret", "a_b=/x"],
                 ["serve", "--vault-secret", "a=/nonexistent/file"],
                 ["serve", "--identity-header-file", "/nonexistent/file"],
                 ["serve", "--client-certificate", "/dev/null"]):
        env = dict(os.environ, AUDITSYNC_EMULATOR_CLIENT_SECRET=SECRET)
        result = subprocess.run([binary] + args, env=env, capture_output=True, timeout=10)
        assert result.returncode == 2, (args, result.returncode, result.stderr)


def main():
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as work:
        check_basics(binary, work)
        check_simulated_tenant(binary, work)
        check_vault(binary, work)
        check_graph_forbidden(binary, work)
    check_invalid_options(binary)
    print("emulator smoke test: 1 passed, 0 failed")


if __name__ == "__main__":
    main()
