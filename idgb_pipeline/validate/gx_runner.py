"""Run an expectation suite on a DataFrame with GX Core 1.x and keep its Data Docs current.

GX 1.x has no DuckDB data source, so frames read for loading are validated with
the pandas data source (one whole-dataframe batch per source).
"""

import copy
import logging
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

logger = logging.getLogger("idgb_pipeline.validate.gx_runner")

DATASOURCE_NAME = "idgb"


@dataclass(frozen=True)
class ExpectationResult:
    """The outcome of one expectation on one file."""

    type: str
    kwargs: dict
    severity: str
    meta: dict
    success: bool
    unexpected_index: list = field(default_factory=list)
    observed_value: object = None
    missing_values: list = field(default_factory=list)
    error: str | None = None

    @property
    def is_critical(self) -> bool:
        """Whether a failure rejects the whole file version."""
        return self.severity == "critical"


@cache
def _context(root: str):
    # Imported here because GX takes seconds to import and only extract steps need it.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=root)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    context.variables.save()
    return context


def _batch_definition(context, name: str):
    try:
        datasource = context.data_sources.get(DATASOURCE_NAME)
    except (KeyError, ValueError):
        datasource = context.data_sources.add_pandas(DATASOURCE_NAME)
    try:
        asset = datasource.get_asset(name)
    except LookupError:
        asset = datasource.add_dataframe_asset(name)
    try:
        return asset.get_batch_definition(name)
    except KeyError:
        return asset.add_batch_definition_whole_dataframe(name)


def _plain_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Convert pandas nullable dtypes to plain ones, which every GX metric handles."""
    plain = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_string_dtype(values):
            plain[column] = values.astype(object).where(values.notna(), None)
        elif pd.api.types.is_numeric_dtype(values):
            plain[column] = values.astype("float64")
        else:
            plain[column] = values.astype(object).where(values.notna(), None)
    return pd.DataFrame(plain, index=frame.index)


def _to_result(result) -> ExpectationResult:
    configuration = result.expectation_config
    details = result.result or {}
    exception = result.exception_info or {}
    return ExpectationResult(
        type=configuration.type,
        kwargs=dict(configuration.kwargs),
        severity=str(getattr(configuration.severity, "value", configuration.severity)),
        meta=dict(configuration.meta or {}),
        success=bool(result.success),
        unexpected_index=list(details.get("unexpected_index_list") or []),
        observed_value=details.get("observed_value"),
        missing_values=list(details.get("partial_missing_list") or []),
        error=exception.get("exception_message") if exception.get("raised_exception") else None,
    )


def _docs_index(gx_root: Path) -> Path:
    return gx_root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def build_data_docs(gx_root: Path, resource_identifiers: list) -> Path:
    """Render the Data Docs pages of the given validations and suites, and the index once."""
    if resource_identifiers:
        _context(str(gx_root)).build_data_docs(resource_identifiers=resource_identifiers)
    return _docs_index(gx_root)


def run_suite(
    frame: pd.DataFrame,
    suite_document: dict,
    name: str,
    gx_root: Path,
    pending_docs: list | None = None,
):
    """Validate ``frame`` and update the Data Docs; return results and the docs index path.

    Args:
        frame (pd.DataFrame): The rows to validate, index = source row index.
        suite_document (dict): The suite JSON (name, meta, expectations).
        name (str): Name of the batch and validation in GX and the Data Docs.
        gx_root (Path): Folder of the GX file context.
        pending_docs (list | None): When given, the Data Docs are not built now. The
            validation's resource identifiers are appended here for one later
            ``build_data_docs`` call, because GX compiles its page templates on every build.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    gx_root.mkdir(parents=True, exist_ok=True)
    context = _context(str(gx_root))

    # GX adds ids to the expectation dicts it is given; copies keep the suite
    # document, and with it the validation fingerprint, unchanged.
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=suite_document["name"],
            expectations=copy.deepcopy(suite_document["expectations"]),
            meta=copy.deepcopy(suite_document.get("meta", {})),
        )
    )
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=_batch_definition(context, name), suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[validation],
            actions=[],
            result_format={"result_format": "COMPLETE"},
        )
    )

    checkpoint_result = checkpoint.run(batch_parameters={"dataframe": _plain_dtypes(frame)})
    validation_id, validation_result = next(iter(checkpoint_result.run_results.items()))
    results = [_to_result(result) for result in validation_result.results]
    logger.info("%s: %d expectations, %d failed", name, len(results), sum(not r.success for r in results))

    identifiers = [validation_id, ExpectationSuiteIdentifier(name=suite.name)]
    if pending_docs is None:
        return results, build_data_docs(gx_root, identifiers)
    pending_docs.extend(identifiers)
    return results, _docs_index(gx_root)
