"""Client for the CBS StatLine OData v3 API that writes raw CSV dumps.

CBS publishes each StatLine table at ``{base_url}/{table_id}/``. This module reads
two endpoints of a table:

* ``TypedDataSet``: the observations, one page of rows per response, with
  ``odata.nextLink`` pointing at the next page while more rows remain. The client
  follows the links and does not depend on the page size.
* ``DataProperties``: the column definitions (topics, dimensions, units).

``CbsODataClient.download_table`` writes both as CSV in the raw format of the
bundled seeds under ``seeds/cbs/``, so code that reads a bundled seed can read a
downloaded file the same way. The header is quoted and lists the JSON keys in API
order. Strings are quoted and kept exactly as CBS sent them, including the space
padding of codes. Numbers are unquoted, and null or absent values are empty fields.

This module makes no network calls and reads no environment variables when imported.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import requests

DEFAULT_BASE_URL = "https://opendata.cbs.nl/ODataApi/odata"
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_BACKOFF_SECONDS = 1.0

# Five digits and three letters, all upper or all lower case as CBS writes them
# (85067NED, 70072ned, 37506wwm). Checked before the id goes into a URL.
_TABLE_ID_PATTERN = re.compile(r"[0-9]{5}(?:[A-Z]{3}|[a-z]{3})")

_TRANSIENT_STATUS_CODES = frozenset({429, *range(500, 600)})

_REQUEST_HEADERS = {"Accept": "application/json"}

# Upper bound on a server's Retry-After value, so that one response cannot stall a
# pipeline run for hours.
_MAX_RETRY_AFTER_SECONDS = 120.0

_HINT_CHECK_TABLE = (
    "Controleer de tabel-id op opendata.cbs.nl of zet IDGB_CBS_ONLINE uit om de "
    "meegeleverde bestanden te gebruiken."
)
_HINT_TRY_LATER = (
    "Probeer het later opnieuw of zet IDGB_CBS_ONLINE uit om de meegeleverde "
    "bestanden te gebruiken."
)

logger = logging.getLogger("idgb_pipeline.extract.cbs_odata")


class CbsODataError(Exception):
    """Failure to fetch or store a CBS OData table, with a Dutch message for the user."""


@dataclass(frozen=True)
class DownloadedTable:
    """Paths and row counts of the CSV files written by ``download_table``.

    Attributes:
        table_id: CBS table id, for example ``85067NED``.
        typed_dataset_path: Path of ``cbs_{table_id}_TypedDataSet.csv``.
        typed_dataset_rows: Number of data rows in that file, without the header.
        data_properties_path: Path of ``cbs_{table_id}_DataProperties.csv``.
        data_properties_rows: Number of data rows in that file, without the header.
    """

    table_id: str
    typed_dataset_path: Path
    typed_dataset_rows: int
    data_properties_path: Path
    data_properties_rows: int


def _validate_table_id(table_id: object) -> str:
    if not isinstance(table_id, str) or _TABLE_ID_PATTERN.fullmatch(table_id) is None:
        raise CbsODataError(
            f"Ongeldige CBS-tabel-id {table_id!r}: verwacht vijf cijfers gevolgd door "
            "drie hoofdletters of drie kleine letters, zoals 85067NED of 70072ned. "
            "Controleer de tabel-id op opendata.cbs.nl."
        )
    return table_id


def _encode_query(params: dict[str, str]) -> str:
    # Spaces become %20 rather than "+", because under the URI rules of RFC 3986 a
    # "+" is a literal plus, and only HTML form decoding turns it into a space.
    return urlencode(params, quote_via=quote, safe="$,'")


def _parse_retry_after(response: requests.Response) -> float | None:
    """Return Retry-After in seconds, at most 120, or None if absent or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    return min(float(value), _MAX_RETRY_AFTER_SECONDS)


def _describe_http_error(table_id: str, url: str, response: requests.Response) -> str:
    status = response.status_code
    if status == 404:
        return (
            f"CBS-tabel {table_id}: niet gevonden (HTTP 404) bij het ophalen van "
            f"{url}. {_HINT_CHECK_TABLE}"
        )
    return (
        f"CBS-tabel {table_id}: HTTP {status} {response.reason} bij het ophalen "
        f"van {url}. {_HINT_CHECK_TABLE}"
    )


def _parse_page(response: requests.Response, table_id: str, url: str) -> dict[str, Any]:
    """Decode one OData JSON response and check that ``value`` is a list of objects.

    JSON numbers with a fraction or exponent become ``Decimal`` so that the CSV
    dump repeats the digits CBS sent instead of a binary float rendering.
    """
    try:
        payload = json.loads(response.content, parse_float=Decimal)
    except ValueError as error:
        raise CbsODataError(
            f"CBS-tabel {table_id}: het antwoord van {url} is geen geldige JSON "
            f"({error}). {_HINT_TRY_LATER}"
        ) from error

    if not isinstance(payload, dict) or "value" not in payload:
        raise CbsODataError(
            f"CBS-tabel {table_id}: het antwoord van {url} mist de sleutel 'value' "
            f"en is dus geen OData-resultaat. {_HINT_CHECK_TABLE}"
        )

    rows = payload["value"]
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise CbsODataError(
            f"CBS-tabel {table_id}: 'value' in het antwoord van {url} is geen lijst "
            f"van rijen. {_HINT_TRY_LATER}"
        )
    return payload


def _collect_columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Return every key of ``rows`` in first-seen order.

    DataProperties rows have different keys per entity type (a TopicGroup has no
    Unit), so the header is the union of all keys rather than those of row one.
    """
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    return list(columns)


def _format_csv_field(value: Any) -> str:
    """Format one JSON value as a CSV field in the style of the bundled seeds.

    Strings are quoted with inner quotes doubled, numbers and booleans are bare,
    and null is an empty field.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    # bool is checked before int because bool is a subclass of int.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise TypeError(f"unsupported JSON value of type {type(value).__name__}")


def _iter_csv_lines(rows: Sequence[dict[str, Any]], table_id: str, file_name: str) -> Iterator[str]:
    columns = _collect_columns(rows)
    yield ",".join(_format_csv_field(column) for column in columns) + "\n"

    for row_number, row in enumerate(rows, start=1):
        fields = []
        for column in columns:
            try:
                fields.append(_format_csv_field(row.get(column)))
            except TypeError as error:
                raise CbsODataError(
                    f"CBS-tabel {table_id}: kolom {column!r} in rij {row_number} bevat "
                    f"een geneste waarde die niet in {file_name} past ({error}). "
                    "Beperk de kolommen met select of meld dit bij de beheerder van "
                    "de pijplijn."
                ) from error
        yield ",".join(fields) + "\n"


def _write_temp_csv(final_path: Path, rows: Sequence[dict[str, Any]], table_id: str) -> Path:
    """Write ``rows`` to a hidden temporary file next to ``final_path`` and fsync it.

    The caller renames the file into place. On any error the temporary file is
    removed, so the folder never keeps a half-written CSV.
    """
    temp_path = final_path.with_name(f".{final_path.name}.{uuid.uuid4().hex}.tmp")
    # os.open with mode 0o666 lets the umask set the permissions, as for any new
    # file, whereas tempfile.mkstemp would leave the final CSV readable by its owner only.
    descriptor = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.writelines(_iter_csv_lines(rows, table_id, final_path.name))
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return temp_path


def _fsync_directory(directory: Path) -> None:
    """Flush a folder's entries so that a rename survives a power failure."""
    # os.open cannot open a folder on Windows, so there the rename is not flushed.
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class CbsODataClient:
    """Client for the CBS OData v3 API with paging, retries and CSV dumps.

    Transient failures (connection errors, timeouts, HTTP 429 and 5xx) are retried
    with exponential backoff. Any other failure raises ``CbsODataError`` at once.

    Args:
        base_url: Root of the OData API, without a table id.
        timeout: Seconds to wait for the connection and for each read of a
            response. It does not bound the total duration of a request.
        max_retries: Number of retries after the first attempt of each request.
        backoff_seconds: Delay before the first retry. Each following retry waits
            twice as long as the previous one, or longer if a 429 or 5xx response
            sets Retry-After in seconds (honored up to 120 seconds).
        session: Session to send requests with. A new ``requests.Session`` is
            created when omitted, and ``close`` only closes a session created here.

    Raises:
        ValueError: If ``timeout`` is not positive, or ``max_retries`` or
            ``backoff_seconds`` is negative.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
        session: requests.Session | None = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be zero or more, got {max_retries!r}")
        if backoff_seconds < 0:
            raise ValueError(f"backoff_seconds must be zero or more, got {backoff_seconds!r}")

        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> CbsODataClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch_typed_dataset(
        self,
        table_id: str,
        *,
        filter: str | None = None,
        select: str | Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Fetch all rows of a table's TypedDataSet, following ``odata.nextLink``.

        Args:
            table_id: CBS table id, for example ``85067NED``.
            filter: OData ``$filter`` expression, for example
                ``"startswith(RegioS,'GM')"``.
            select: Column keys for ``$select``, as a sequence or one
                comma-separated string. The API returns them in table order, not
                in the order given here.

        Returns:
            The rows in API order, each a dict with the keys in API order. Codes
            keep CBS's space padding, and numbers with a fraction are ``Decimal``.

        Raises:
            CbsODataError: If the table id is invalid, a request fails after all
                retries, or a response is not an OData result.
        """
        params: dict[str, str] = {"$format": "json"}
        if filter is not None:
            params["$filter"] = filter
        if select is not None:
            params["$select"] = select if isinstance(select, str) else ",".join(select)
        return self._fetch_all_pages(table_id, "TypedDataSet", params)

    def fetch_data_properties(self, table_id: str) -> list[dict[str, Any]]:
        """Fetch a table's DataProperties, the definitions of its columns.

        Args:
            table_id: CBS table id, for example ``85318NED``.

        Returns:
            One dict per topic, topic group or dimension, in API order. A key that
            the entity type lacks (such as ``Unit`` on a TopicGroup) is absent.

        Raises:
            CbsODataError: If the table id is invalid, a request fails after all
                retries, or a response is not an OData result.
        """
        return self._fetch_all_pages(table_id, "DataProperties", {"$format": "json"})

    def download_table(
        self,
        table_id: str,
        dest_dir: str | os.PathLike[str],
        *,
        filter: str | None = None,
        select: str | Sequence[str] | None = None,
    ) -> DownloadedTable:
        """Download a table's TypedDataSet and DataProperties as raw CSV files.

        Writes ``cbs_{table_id}_TypedDataSet.csv`` and
        ``cbs_{table_id}_DataProperties.csv`` into ``dest_dir`` (created if
        missing) as UTF-8 without BOM with ``\\n`` line endings. Both endpoints are
        fetched completely before anything is written. Each file is written to a
        hidden temporary file in ``dest_dir``, fsynced and renamed over the target,
        so a failed or interrupted download leaves existing files unchanged.

        Args:
            table_id: CBS table id, for example ``85067NED``.
            dest_dir: Folder for the two CSV files.
            filter: OData ``$filter`` expression for the TypedDataSet.
            select: Column keys for the TypedDataSet ``$select``, as a sequence or
                one comma-separated string.

        Returns:
            The paths written and their row counts.

        Raises:
            CbsODataError: If fetching fails, either endpoint returns no rows (the
                header cannot be known without one), or a value cannot be written
                as a CSV field.
            OSError: If ``dest_dir`` cannot be created or written.
        """
        table_id = _validate_table_id(table_id)
        directory = Path(dest_dir)

        data_properties = self.fetch_data_properties(table_id)
        typed_rows = self.fetch_typed_dataset(table_id, filter=filter, select=select)
        if not data_properties:
            raise CbsODataError(
                f"CBS-tabel {table_id}: DataProperties bevat geen rijen, dus er is geen "
                f"bestand geschreven. {_HINT_CHECK_TABLE}"
            )
        if not typed_rows:
            raise CbsODataError(
                f"CBS-tabel {table_id}: de TypedDataSet bevat geen rijen (filter: "
                f"{filter!r}), dus er is geen bestand geschreven. Controleer het filter "
                "of zet IDGB_CBS_ONLINE uit om de meegeleverde bestanden te gebruiken."
            )

        directory.mkdir(parents=True, exist_ok=True)
        typed_path = directory / f"cbs_{table_id}_TypedDataSet.csv"
        properties_path = directory / f"cbs_{table_id}_DataProperties.csv"

        # Both temporary files are complete before either rename, so a failure
        # while writing leaves neither target half-updated.
        temp_paths: list[Path] = []
        try:
            temp_paths.append(_write_temp_csv(typed_path, typed_rows, table_id))
            temp_paths.append(_write_temp_csv(properties_path, data_properties, table_id))
            os.replace(temp_paths[0], typed_path)
            os.replace(temp_paths[1], properties_path)
        finally:
            for temp_path in temp_paths:
                temp_path.unlink(missing_ok=True)
        _fsync_directory(directory)

        logger.info(
            "CBS-tabel %s opgeslagen: %s (%d rijen), %s (%d rijen)",
            table_id,
            typed_path,
            len(typed_rows),
            properties_path,
            len(data_properties),
        )
        return DownloadedTable(
            table_id=table_id,
            typed_dataset_path=typed_path,
            typed_dataset_rows=len(typed_rows),
            data_properties_path=properties_path,
            data_properties_rows=len(data_properties),
        )

    def _fetch_all_pages(
        self, table_id: str, entity_set: str, params: dict[str, str]
    ) -> list[dict[str, Any]]:
        table_id = _validate_table_id(table_id)
        url: str | None = f"{self.base_url}/{table_id}/{entity_set}?{_encode_query(params)}"
        base_netloc = urlsplit(self.base_url).netloc.lower()
        visited: set[str] = set()
        rows: list[dict[str, Any]] = []

        while url is not None:
            visited.add(url)
            payload = self._get_page(url, table_id)
            page_rows = payload["value"]
            rows.extend(page_rows)
            logger.info(
                "CBS-tabel %s: pagina opgehaald van %s (%d rijen)", table_id, url, len(page_rows)
            )

            next_link = payload.get("odata.nextLink")
            if next_link is None:
                break
            next_url = urljoin(url, str(next_link))

            # A next link is followed only to the host of base_url, so a response
            # cannot redirect the client to an arbitrary server.
            if urlsplit(next_url).netloc.lower() != base_netloc:
                raise CbsODataError(
                    f"CBS-tabel {table_id}: odata.nextLink {next_url} in het antwoord "
                    f"van {url} wijst naar een andere host dan {self.base_url}, dus de "
                    f"download is afgebroken. {_HINT_TRY_LATER}"
                )
            if next_url in visited:
                raise CbsODataError(
                    f"CBS-tabel {table_id}: odata.nextLink in het antwoord van {url} "
                    f"verwijst naar een pagina die al is opgehaald ({next_url}), dus "
                    f"de download is afgebroken. {_HINT_TRY_LATER}"
                )
            url = next_url

        return rows

    def _get_page(self, url: str, table_id: str) -> dict[str, Any]:
        """Send a GET request, retrying transient failures, and parse the JSON page."""
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            delay = self.backoff_seconds * 2 ** (attempt - 1)
            cause: BaseException | None = None
            try:
                response = self.session.get(url, headers=_REQUEST_HEADERS, timeout=self.timeout)
            except requests.Timeout as error:
                failure = f"time-out na {self.timeout:g} seconden"
                cause = error
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
                failure = f"verbinding mislukt ({error})"
                cause = error
            except requests.RequestException as error:
                raise CbsODataError(
                    f"CBS-tabel {table_id}: het verzoek aan {url} is mislukt ({error}). "
                    f"{_HINT_CHECK_TABLE}"
                ) from error
            else:
                status = response.status_code
                if 200 <= status < 300:
                    return _parse_page(response, table_id, url)
                if status not in _TRANSIENT_STATUS_CODES:
                    raise CbsODataError(_describe_http_error(table_id, url, response))

                failure = f"HTTP {status} {response.reason}"
                retry_after = _parse_retry_after(response)
                if retry_after is not None:
                    delay = max(delay, retry_after)

            if attempt == attempts:
                attempt_count = "1 poging" if attempts == 1 else f"{attempts} pogingen"
                raise CbsODataError(
                    f"CBS-tabel {table_id}: {failure} bij het ophalen van {url} "
                    f"({attempt_count}). {_HINT_TRY_LATER}"
                ) from cause

            logger.warning(
                "CBS-tabel %s: %s bij %s, nieuwe poging %d van %d over %.1f s",
                table_id,
                failure,
                url,
                attempt,
                self.max_retries,
                delay,
            )
            time.sleep(delay)

        # The last attempt of the loop always returns or raises.
        raise AssertionError("unreachable")
