"""GX suites on the KRB tables: one blocking asset check per KRB entity.

The KRB loader already rejects registrations that break the JSON Schema or a
cross-reference. These suites add the domain rules across columns, such as a base
year before the target year and budgets that are not negative. Each finding is
reported at the file and line where the policy was registered.
"""

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource
from idgb_pipeline.validate.checks import CHECK_NAME, markdown_list
from idgb_pipeline.validate.gx_runner import run_suite
from idgb_pipeline.validate.outcome import shown_column_and_value, describe_rule
from idgb_pipeline.validate.prepare import add_validation_columns
from idgb_pipeline.validate.suites import SUITES_DIR, Suite, load_suite

KRB_SUITES_DIR = SUITES_DIR / "krb"
KRB_SCHEMA = "krb"


def krb_suite_tables() -> list[str]:
    """Return the KRB tables that have a suite, one per KRB entity."""
    return sorted(path.stem for path in KRB_SUITES_DIR.glob("*.json"))


def _messages(results, frame, suite: Suite) -> list[str]:
    messages = []
    for result in results:
        if result.success:
            continue
        rule = describe_rule(result)
        fix = result.meta.get("herstel", "")
        if not result.unexpected_index:
            messages.append(f"krb.{suite.source_id}: {rule}. Gevonden: {result.observed_value}. Herstel: {fix}")
            continue
        for index in result.unexpected_index:
            row = frame.loc[index]
            column, value = shown_column_and_value(result, suite, row)
            messages.append(
                f"{row['source_file']}, regel {row['source_line']}, veld '{column}': waarde "
                f"'{value}' — {rule}. Herstel: {fix}"
            )
    return messages


def _build_check(table: str) -> dg.AssetChecksDefinition:
    suite = load_suite(table, folder=KRB_SUITES_DIR)

    @dg.asset_check(
        asset=dg.AssetKey([KRB_SCHEMA, table]),
        name=CHECK_NAME,
        blocking=True,
        pool=DUCKDB_WRITER_POOL,
        description=(
            f"Great Expectations-suite krb/{suite.path.name} ({len(suite.expectations)} "
            "verwachtingen) op de geregistreerde beleidsgegevens."
        ),
    )
    def krb_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as connection:
            frame = connection.execute(f"select * from {KRB_SCHEMA}.{table}").df()

        prepared = add_validation_columns(frame, suite, reference={})
        results, docs_index = run_suite(prepared, suite.document, f"krb__{table}", settings.data_dir())
        failed = [result for result in results if not result.success]
        critical = [result for result in failed if result.is_critical]
        messages = _messages(results, prepared, suite)

        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR if critical else dg.AssetCheckSeverity.WARN,
            metadata={
                "verwachtingen": len(results),
                "mislukte_verwachtingen": len(failed),
                "rijen": len(frame),
                "meldingen": dg.MetadataValue.md(markdown_list(messages)),
                "data_docs": dg.MetadataValue.url(docs_index.as_uri()),
            },
        )

    return krb_check


def build_krb_checks() -> list[dg.AssetChecksDefinition]:
    """Build the asset checks of all KRB entity suites."""
    return [_build_check(table) for table in krb_suite_tables()]
