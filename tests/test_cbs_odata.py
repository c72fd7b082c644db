"""Tests for the CBS OData v3 client against a local HTTP server.

The server binds to 127.0.0.1 on a free port and serves the JSON responses in
``tests/fixtures/cbs_odata/``. They were built from the bundled seeds, not
captured from opendata.cbs.nl:

* ``85067NED_TypedDataSet_skip{0,10,20}.json`` contain the first 25 rows of
  ``seeds/cbs/regio/cbs_85067NED_gebieden_in_nederland_2022_data.csv`` over three
  pages of 10, 10 and 5 rows, linked by ``odata.nextLink``. Strings keep their
  space padding and the unquoted columns are JSON integers.
* ``85318NED_DataProperties_skip0.json`` contains the first 20 records of
  ``seeds/cbs/definities/cbs_85318NED_kwb2022_DataProperties.csv``. Each record
  has the keys of its entity type (a TopicGroup has no Unit), empty numeric
  fields are null, and descriptions keep the seed's line breaks.

The fixtures write ``{{base_url}}`` where CBS writes its own address, and the
server replaces it with its own. An autouse fixture rejects every address lookup
other than 127.0.0.1, so no test can reach opendata.cbs.nl or any other host.
"""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from idgb_pipeline.extract.cbs_odata import CbsODataClient, CbsODataError, DownloadedTable

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures" / "cbs_odata"
TYPED_SEED = REPO_ROOT / "seeds/cbs/regio/cbs_85067NED_gebieden_in_nederland_2022_data.csv"
PROPERTIES_SEED = REPO_ROOT / "seeds/cbs/definities/cbs_85318NED_kwb2022_DataProperties.csv"

API_PATH = "/ODataApi/odata"
BASE_URL_PLACEHOLDER = b"{{base_url}}"
TYPED_ROW_COUNT = 25
PROPERTIES_ROW_COUNT = 20

TYPED_PAGE_1 = "85067NED/TypedDataSet?$skip=0"
TYPED_PAGE_2 = "85067NED/TypedDataSet?$skip=10"
TYPED_PAGE_3 = "85067NED/TypedDataSet?$skip=20"
PROPERTIES_85067 = "85067NED/DataProperties?$skip=0"

LOGGER_NAME = "idgb_pipeline.extract.cbs_odata"


@dataclass
class Fault:
    """Response that replaces the recording for one request key.

    A fault with ``status`` 200 and no ``body`` serves the recording, after
    ``delay_seconds``. A fault with ``repeat`` applies to every later request of
    its key, otherwise to the next one only.
    """

    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    drop_connection: bool = False
    delay_seconds: float = 0.0
    repeat: bool = False


@dataclass(frozen=True)
class ReceivedRequest:
    """Request as seen by the test server."""

    key: str
    query: dict[str, str]
    target: str


class RecordedCbsServer(ThreadingHTTPServer):
    """HTTP server that serves the recorded CBS responses and injects faults.

    A request for ``/ODataApi/odata/{table}/{entity}?...&$skip=N`` has the key
    ``{table}/{entity}?$skip=N`` (N defaults to 0) and gets the fixture
    ``{table}_{entity}_skip{N}.json``, or HTTP 404 if there is none.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordedCbsHandler)
        self.received: list[ReceivedRequest] = []
        self.faults: dict[str, list[Fault]] = {}
        # Maps "{table}/{entity}" to the recording served in its place.
        self.aliases: dict[str, str] = {}
        self.handler_errors: list[str] = []
        self.lock = threading.Lock()

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, which is a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def handle_error(self, request: object, client_address: object) -> None:
        # Writes to a client that timed out fail with a broken pipe, which is expected.
        self.handler_errors.append(repr(client_address))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}{API_PATH}"

    def add_fault(self, key: str, fault: Fault) -> None:
        with self.lock:
            self.faults.setdefault(key, []).append(fault)

    def received_keys(self) -> list[str]:
        with self.lock:
            return [request.key for request in self.received]

    def take_fault(self, key: str) -> Fault | None:
        pending = self.faults.get(key)
        if not pending:
            return None
        fault = pending[0]
        if not fault.repeat:
            pending.pop(0)
        return fault


class RecordedCbsHandler(BaseHTTPRequestHandler):
    """Handler that serves GET requests from the recordings or a fault."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes. With Nagle's algorithm on, the
    # client's delayed ACK held back each response by about 40 ms on Linux.
    disable_nagle_algorithm = True
    server: RecordedCbsServer

    def log_message(self, format: str, *args: object) -> None:
        # Silence the default access log on stderr.
        return

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(target.query).items()}
        resource = target.path.removeprefix(API_PATH + "/")
        key = f"{resource}?$skip={query.get('$skip', '0')}"

        with self.server.lock:
            self.server.received.append(ReceivedRequest(key, query, self.path))
            fault = self.server.take_fault(key)

        if fault is not None and fault.delay_seconds:
            time.sleep(fault.delay_seconds)
        if fault is not None and fault.drop_connection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return

        if fault is not None and (fault.status != 200 or fault.body is not None):
            status = fault.status
            body = fault.body if fault.body is not None else self.error_body(status)
            headers = fault.headers
        else:
            status, body = self.recording(resource, query.get("$skip", "0"))
            headers = {}

        body = body.replace(BASE_URL_PLACEHOLDER, self.server.base_url.encode("ascii"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def recording(self, resource: str, skip: str) -> tuple[int, bytes]:
        resource = self.server.aliases.get(resource, resource)
        table_id, _, entity_set = resource.partition("/")
        path = FIXTURE_DIR / f"{table_id}_{entity_set}_skip{skip}.json"
        if not (table_id.isalnum() and entity_set.isalpha() and skip.isdigit() and path.is_file()):
            return 404, self.error_body(404)
        return 200, path.read_bytes()

    @staticmethod
    def error_body(status: int) -> bytes:
        error = {"odata.error": {"code": str(status), "message": {"lang": "en-US", "value": "Error"}}}
        return json.dumps(error).encode("utf-8")


@pytest.fixture(autouse=True)
def only_loopback_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reject address lookups for any host but 127.0.0.1.

    requests and urllib3 resolve every host, even a numeric one, with
    socket.getaddrinfo, so they cannot connect anywhere else.
    """
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo_loopback_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", b"127.0.0.1"):
            raise OSError(f"test blocked an address lookup of {host!r}: only 127.0.0.1 is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo_loopback_only)


@pytest.fixture
def cbs_server() -> Iterator[RecordedCbsServer]:
    server = RecordedCbsServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def make_client(cbs_server: RecordedCbsServer) -> Iterator[Callable[..., CbsODataClient]]:
    """Return a factory for clients aimed at the test server, with fast retries."""
    sessions: list[requests.Session] = []

    def factory(**options: object) -> CbsODataClient:
        session = requests.Session()
        # Proxy variables and .netrc would otherwise apply, so the request could
        # go through a proxy instead of straight to 127.0.0.1.
        session.trust_env = False
        sessions.append(session)
        settings = {"timeout": 5.0, "max_retries": 2, "backoff_seconds": 0.0} | options
        return CbsODataClient(cbs_server.base_url, session=session, **settings)

    yield factory
    for session in sessions:
        session.close()


@pytest.fixture
def download_server(cbs_server: RecordedCbsServer) -> RecordedCbsServer:
    """Test server that can serve a whole download of 85067NED.

    The only DataProperties recording is that of 85318NED, so it is served for
    85067NED as well. The client never compares the two endpoints, so the
    mismatch does not affect what these tests check.
    """
    cbs_server.aliases["85067NED/DataProperties"] = "85318NED/DataProperties"
    return cbs_server


def read_seed_header(path: Path) -> list[str]:
    first_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
    return [name.strip('"') for name in first_line.rstrip("\r").split(",")]


def json_body(payload: dict) -> bytes:
    return json.dumps(payload).encode("utf-8")


# Paging and fetching


def test_typed_dataset_follows_next_links(make_client, cbs_server):
    rows = make_client().fetch_typed_dataset("85067NED")

    assert len(rows) == TYPED_ROW_COUNT
    assert [row["ID"] for row in rows] == list(range(TYPED_ROW_COUNT))
    assert cbs_server.received_keys() == [TYPED_PAGE_1, TYPED_PAGE_2, TYPED_PAGE_3]


def test_typed_dataset_keeps_order_and_padding(make_client):
    rows = make_client().fetch_typed_dataset("85067NED")

    assert list(rows[0]) == read_seed_header(TYPED_SEED)
    assert rows[0]["RegioS"] == "GM1680    "
    assert rows[0]["Naam_2"] == "Aa en Hunze" + " " * 39


def test_typed_dataset_sends_filter_and_select(make_client, cbs_server):
    make_client().fetch_typed_dataset(
        "85067NED", filter="RegioS eq 'GM1680    '", select=["ID", "RegioS"]
    )

    first_request = cbs_server.received[0]
    assert first_request.query["$filter"] == "RegioS eq 'GM1680    '"
    assert first_request.query["$select"] == "ID,RegioS"
    assert first_request.query["$format"] == "json"
    assert "%20" in first_request.target
    assert "+" not in first_request.target


def test_typed_dataset_logs_each_page(make_client, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)

    make_client().fetch_typed_dataset("85067NED")

    page_messages = [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER_NAME and "pagina" in record.getMessage()
    ]
    assert len(page_messages) == 3
    assert "(10 rijen)" in page_messages[0]
    assert "$skip=10" in page_messages[1]
    assert "(5 rijen)" in page_messages[2]


def test_data_properties_fetches_all_records(make_client):
    rows = make_client().fetch_data_properties("85318NED")

    assert len(rows) == PROPERTIES_ROW_COUNT
    assert rows[0]["odata.type"] == "Cbs.OData.GeoDetail"
    assert rows[0]["MapYear"] == 2022
    assert rows[1]["Position"] is None
    assert "Unit" not in rows[1]
    assert rows[2]["Unit"] == "naam"
    assert rows[7]["Key"] == "AantalInwoners_5"
    assert rows[7]["Description"] is None


def test_lowercase_table_id_reaches_server(make_client, cbs_server):
    with pytest.raises(CbsODataError):
        make_client().fetch_typed_dataset("70072ned")

    assert cbs_server.received_keys() == ["70072ned/TypedDataSet?$skip=0"]


# Downloading to CSV


def test_download_typed_dataset_matches_seed(make_client, download_server, tmp_path):
    result = make_client().download_table("85067NED", tmp_path)

    seed_lines = TYPED_SEED.read_bytes().split(b"\n")[: TYPED_ROW_COUNT + 1]
    expected = b"\n".join(seed_lines) + b"\n"
    assert result.typed_dataset_path.read_bytes() == expected


def test_download_data_properties_matches_seed(make_client, download_server, tmp_path):
    result = make_client().download_table("85067NED", tmp_path)

    written = result.data_properties_path.read_bytes()
    header = PROPERTIES_SEED.read_bytes().split(b"\r\n", 1)[0]
    assert written.startswith(header + b"\n")

    # The bundled seed ends its records with \r\n, the client with \n. After
    # normalizing both the same way, the written file is a prefix of the seed.
    normalized_seed = PROPERTIES_SEED.read_bytes().replace(b"\r\n", b"\n")
    normalized_written = written.replace(b"\r\n", b"\n")
    assert normalized_seed.startswith(normalized_written)
    assert written.count(b'"Cbs.OData.') == PROPERTIES_ROW_COUNT


def test_download_returns_paths_and_counts(make_client, download_server, tmp_path):
    result = make_client().download_table("85067NED", tmp_path)

    assert result == DownloadedTable(
        table_id="85067NED",
        typed_dataset_path=tmp_path / "cbs_85067NED_TypedDataSet.csv",
        typed_dataset_rows=TYPED_ROW_COUNT,
        data_properties_path=tmp_path / "cbs_85067NED_DataProperties.csv",
        data_properties_rows=PROPERTIES_ROW_COUNT,
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "cbs_85067NED_DataProperties.csv",
        "cbs_85067NED_TypedDataSet.csv",
    ]


def test_download_writes_utf8_without_bom(make_client, download_server, tmp_path):
    result = make_client().download_table("85067NED", tmp_path)

    written = result.typed_dataset_path.read_bytes()
    assert not written.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in written
    assert "Drentse Veenkoloniën" in written.decode("utf-8")


def test_download_creates_missing_folder(make_client, download_server, tmp_path):
    destination = tmp_path / "nieuw" / "cbs"

    result = make_client().download_table("85067NED", destination)

    assert result.typed_dataset_path.is_file()
    assert result.data_properties_path.is_file()


def test_download_formats_json_values(make_client, download_server, tmp_path):
    row = {"ID": 0, "Dichtheid": 12.50, "Naam": 'De "Hoek"', "Leeg": None, "Actief": True}
    # json.dumps would write 12.5, so the body is spelled out to keep "12.50".
    body = json_body({"value": [row]}).replace(b"12.5", b"12.50")
    download_server.add_fault(TYPED_PAGE_1, Fault(body=body))

    result = make_client().download_table("85067NED", tmp_path)

    lines = result.typed_dataset_path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == '"ID","Dichtheid","Naam","Leeg","Actief"'
    assert lines[1] == '0,12.50,"De ""Hoek""",,true'
    assert lines[2] == ""


# Retries


def test_typed_dataset_retries_after_500(make_client, cbs_server, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER_NAME)
    cbs_server.add_fault(TYPED_PAGE_1, Fault(status=500))

    rows = make_client().fetch_typed_dataset("85067NED")

    assert len(rows) == TYPED_ROW_COUNT
    assert cbs_server.received_keys() == [TYPED_PAGE_1, TYPED_PAGE_1, TYPED_PAGE_2, TYPED_PAGE_3]
    retry_messages = [
        record.getMessage()
        for record in caplog.records
        if record.name == LOGGER_NAME and record.levelno == logging.WARNING
    ]
    assert len(retry_messages) == 1
    assert "HTTP 500" in retry_messages[0]


def test_typed_dataset_retries_after_429(make_client, cbs_server):
    cbs_server.add_fault(TYPED_PAGE_2, Fault(status=429, headers={"Retry-After": "0"}))

    rows = make_client().fetch_typed_dataset("85067NED")

    assert len(rows) == TYPED_ROW_COUNT
    assert cbs_server.received_keys().count(TYPED_PAGE_2) == 2


def test_typed_dataset_retries_dropped_connection(make_client, cbs_server):
    cbs_server.add_fault(TYPED_PAGE_2, Fault(drop_connection=True))

    rows = make_client().fetch_typed_dataset("85067NED")

    assert len(rows) == TYPED_ROW_COUNT
    assert cbs_server.received_keys().count(TYPED_PAGE_2) == 2


def test_persistent_503_raises_after_retries(make_client, cbs_server):
    cbs_server.add_fault(TYPED_PAGE_1, Fault(status=503, repeat=True))

    with pytest.raises(CbsODataError) as raised:
        make_client(max_retries=2).fetch_typed_dataset("85067NED")

    message = str(raised.value)
    assert len(cbs_server.received) == 3
    assert "85067NED" in message
    assert "HTTP 503" in message
    assert "3 pogingen" in message
    assert "Probeer het later opnieuw" in message


# Errors


def test_missing_table_raises_dutch_404(make_client, cbs_server):
    with pytest.raises(CbsODataError) as raised:
        make_client().fetch_typed_dataset("99999NED")

    message = str(raised.value)
    assert "99999NED" in message
    assert "niet gevonden (HTTP 404)" in message
    assert f"{cbs_server.base_url}/99999NED/TypedDataSet" in message
    assert "Controleer de tabel-id op opendata.cbs.nl" in message
    assert "IDGB_CBS_ONLINE" in message
    assert len(cbs_server.received) == 1


def test_invalid_json_raises(make_client, cbs_server):
    cbs_server.add_fault(TYPED_PAGE_1, Fault(body=b"<html>Onderhoud</html>"))

    with pytest.raises(CbsODataError) as raised:
        make_client().fetch_typed_dataset("85067NED")

    message = str(raised.value)
    assert "85067NED" in message
    assert "geen geldige JSON" in message
    assert cbs_server.base_url in message


def test_missing_value_key_raises(make_client, cbs_server):
    cbs_server.add_fault(TYPED_PAGE_1, Fault(body=json_body({"odata.metadata": "x"})))

    with pytest.raises(CbsODataError) as raised:
        make_client().fetch_typed_dataset("85067NED")

    message = str(raised.value)
    assert "85067NED" in message
    assert "mist de sleutel 'value'" in message


def test_timeout_raises_dutch_message(make_client, cbs_server):
    cbs_server.add_fault(TYPED_PAGE_1, Fault(delay_seconds=1.0, repeat=True))

    with pytest.raises(CbsODataError) as raised:
        make_client(timeout=0.2, max_retries=0).fetch_typed_dataset("85067NED")

    message = str(raised.value)
    assert "85067NED" in message
    assert "time-out na 0.2 seconden" in message
    assert "(1 poging)" in message


def test_next_link_to_other_host_rejected(make_client, cbs_server):
    foreign_link = f"http://localhost:{cbs_server.server_port}{API_PATH}/85067NED/TypedDataSet?$skip=10"
    body = json_body({"value": [{"ID": 0}], "odata.nextLink": foreign_link})
    cbs_server.add_fault(TYPED_PAGE_1, Fault(body=body))

    with pytest.raises(CbsODataError) as raised:
        make_client().fetch_typed_dataset("85067NED")

    assert "andere host" in str(raised.value)
    assert cbs_server.received_keys() == [TYPED_PAGE_1]


def test_next_link_loop_rejected(make_client, cbs_server):
    self_link = b"{{base_url}}/85067NED/TypedDataSet?$format=json&$skip=10"
    body = json_body({"value": [{"ID": 10}], "odata.nextLink": self_link.decode("ascii")})
    cbs_server.add_fault(TYPED_PAGE_2, Fault(body=body))

    with pytest.raises(CbsODataError) as raised:
        make_client().fetch_typed_dataset("85067NED")

    assert "al is opgehaald" in str(raised.value)
    assert cbs_server.received_keys() == [TYPED_PAGE_1, TYPED_PAGE_2]


@pytest.mark.parametrize(
    "table_id",
    ["85067", "85067NE", "85067NeD", "85067NED ", "8506NEDX", "../85067NED", "85067NED/x", "", None],
)
@pytest.mark.parametrize("method", ["fetch_typed_dataset", "fetch_data_properties", "download_table"])
def test_invalid_table_id_rejected_before_request(make_client, cbs_server, tmp_path, table_id, method):
    client = make_client()
    arguments = (table_id, tmp_path / "download") if method == "download_table" else (table_id,)

    with pytest.raises(CbsODataError) as raised:
        getattr(client, method)(*arguments)

    assert repr(table_id) in str(raised.value)
    assert cbs_server.received == []
    assert not (tmp_path / "download").exists()


@pytest.mark.parametrize(
    "options",
    [{"timeout": 0}, {"max_retries": -1}, {"backoff_seconds": -0.5}],
)
def test_client_rejects_invalid_settings(options):
    with pytest.raises(ValueError):
        CbsODataClient("http://127.0.0.1:9/ODataApi/odata", **options)


# Atomic writes


def test_interrupted_download_leaves_no_file(make_client, download_server, tmp_path):
    download_server.add_fault(TYPED_PAGE_2, Fault(drop_connection=True, repeat=True))

    with pytest.raises(CbsODataError) as raised:
        make_client(max_retries=1).download_table("85067NED", tmp_path)

    assert "verbinding mislukt" in str(raised.value)
    assert download_server.received_keys().count(TYPED_PAGE_2) == 2
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_keeps_previous_file(make_client, download_server, tmp_path):
    previous = tmp_path / "cbs_85067NED_TypedDataSet.csv"
    previous.write_bytes(b'"ID"\n0\n')
    download_server.add_fault(TYPED_PAGE_2, Fault(drop_connection=True, repeat=True))

    with pytest.raises(CbsODataError):
        make_client(max_retries=0).download_table("85067NED", tmp_path)

    assert previous.read_bytes() == b'"ID"\n0\n'
    assert list(tmp_path.iterdir()) == [previous]


@pytest.mark.parametrize("failing_key", [TYPED_PAGE_3, PROPERTIES_85067])
def test_unwritable_value_leaves_no_file(make_client, download_server, tmp_path, failing_key):
    body = json_body({"value": [{"ID": 99, "odata.type": "x", "Title": {"nl": "genest"}}]})
    download_server.add_fault(failing_key, Fault(body=body))

    with pytest.raises(CbsODataError) as raised:
        make_client().download_table("85067NED", tmp_path)

    assert "geneste waarde" in str(raised.value)
    assert list(tmp_path.iterdir()) == []


def test_empty_dataset_writes_no_file(make_client, download_server, tmp_path):
    download_server.add_fault(TYPED_PAGE_1, Fault(body=json_body({"value": []})))

    with pytest.raises(CbsODataError) as raised:
        make_client().download_table("85067NED", tmp_path)

    assert "geen rijen" in str(raised.value)
    assert list(tmp_path.iterdir()) == []
