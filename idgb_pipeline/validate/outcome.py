"""Turn GX results into Dutch findings per file: which rows fail, why, and how to fix them."""

from dataclasses import dataclass, field

import pandas as pd

from idgb_pipeline.validate.gx_runner import ExpectationResult
from idgb_pipeline.validate.suites import REGION_KNOWN_COLUMN, Suite

MAX_LISTED_ROWS = 10

# The first data row sits on spreadsheet row 2, below the header.
FIRST_DATA_ROW = 2


def _format_values(values) -> str:
    values = list(values)
    shown = ", ".join(str(value) for value in values[:8])
    return f"{shown}, …" if len(values) > 8 else shown


def describe_rule(result: ExpectationResult) -> str:
    """Return the rule of an expectation as a short Dutch statement."""
    kwargs = result.kwargs
    column = kwargs.get("column")
    rules = {
        "expect_column_values_to_match_regex": lambda: f"moet voldoen aan het patroon {kwargs.get('regex')}",
        "expect_column_values_to_be_unique": lambda: "moet uniek zijn",
        "expect_column_values_to_not_be_null": lambda: "moet ingevuld zijn",
        "expect_column_values_to_be_in_set": lambda: (
            "moet een bekende regiocode voor dat jaar zijn"
            if column == REGION_KNOWN_COLUMN
            else f"moet een van deze waarden zijn: {_format_values(kwargs.get('value_set', []))}"
        ),
        "expect_column_values_to_be_between": lambda: _between(kwargs),
        "expect_compound_columns_to_be_unique": lambda: (
            f"de combinatie {', '.join(kwargs.get('column_list', []))} moet uniek zijn"
        ),
        "expect_column_distinct_values_to_contain_set": lambda: (
            f"kolom '{column}' moet alle waarden {_format_values(kwargs.get('value_set', []))} bevatten"
        ),
        "expect_column_pair_values_to_be_in_set": lambda: (
            f"de combinatie van '{kwargs.get('column_A')}' en '{kwargs.get('column_B')}' moet toegestaan zijn"
        ),
        "expect_column_median_to_be_between": lambda: f"de mediaan van '{column}' {_between(kwargs)}",
        "expect_table_row_count_to_be_between": lambda: f"het aantal regels {_between(kwargs)}",
    }
    return rules.get(result.type, lambda: result.type)()


def _between(kwargs: dict) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f"moet tussen {low:g} en {high:g} liggen"
    if low is not None:
        return f"moet minstens {low:g} zijn"
    return f"mag hoogstens {high:g} zijn"


@dataclass
class FileFindings:
    """Everything the suite found in one file."""

    file_name: str
    results: list[ExpectationResult]
    row_reasons: dict = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[ExpectationResult]:
        """The expectations that failed."""
        return [result for result in self.results if not result.success]

    @property
    def has_critical_failure(self) -> bool:
        """Whether the file version must be rejected as a whole."""
        return any(result.is_critical for result in self.failed)


def shown_column_and_value(result: ExpectationResult, suite: Suite, row: pd.Series) -> tuple[str, str]:
    """Return the column and value a user should look at for a failing row."""
    kwargs = result.kwargs
    column = kwargs.get("column")
    if column == REGION_KNOWN_COLUMN and suite.region_check:
        code_column = suite.region_check.code_column
        return code_column, str(row[code_column])
    if column in suite.derived_columns:
        return suite.derived_columns[column], f"verschil {row[column]}"
    if "column_list" in kwargs:
        columns = kwargs["column_list"]
        return "+".join(columns), " / ".join(str(row[name]) for name in columns)
    if "column_A" in kwargs:
        columns = [kwargs["column_A"], kwargs["column_B"]]
        return "+".join(columns), " / ".join(str(row[name]) for name in columns)
    value = row[column]
    return column, "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def collect_findings(
    results: list[ExpectationResult], prepared: pd.DataFrame, suite: Suite, file_name: str
) -> FileFindings:
    """Build the Dutch findings of one file from its GX results."""
    findings = FileFindings(file_name=file_name, results=results)

    for result in findings.failed:
        rule = describe_rule(result)
        fix = result.meta.get("herstel", "")
        level = "fout" if result.is_critical else "waarschuwing"

        if result.error:
            findings.messages.append(
                f"{file_name}: controle '{rule}' kon niet worden uitgevoerd ({result.error}). "
                f"Herstel: controleer de suite {suite.path.name}."
            )
            continue

        if not result.unexpected_index:
            observed = result.observed_value
            missing = f" Ontbrekend: {_format_values(result.missing_values)}." if result.missing_values else ""
            seen = f" Gevonden: {observed}." if observed is not None else ""
            findings.messages.append(f"{file_name} ({level}): {rule}.{seen}{missing} Herstel: {fix}")
            continue

        for position, index in enumerate(result.unexpected_index):
            column, value = shown_column_and_value(result, suite, prepared.loc[index])
            reason = f"kolom '{column}': waarde '{value}' — {rule}"
            findings.row_reasons.setdefault(index, []).append(reason)
            if position < MAX_LISTED_ROWS:
                findings.messages.append(
                    f"{file_name} ({level}), rij {int(index) + FIRST_DATA_ROW}, {reason}. Herstel: {fix}"
                )
        hidden = len(result.unexpected_index) - MAX_LISTED_ROWS
        if hidden > 0:
            findings.messages.append(f"{file_name}: … en nog {hidden} rij(en) met '{rule}'.")

    return findings
