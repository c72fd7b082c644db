"""Registry of model specs: every model asset is built from one entry here.

A new model adds a module with an ``answer`` function, one ``ModelSpec`` below and a
question in the research-question file. The contract test checks every entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd

from idgb_pipeline.models import cluster_model, factor_model
from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.questions import Question, QuestionFile, Variable

KRB_INDICATORS_SQL = "select distinct indicator_code from marts.bridge_measure_indicator"
GEOMETRY_SQL = "select gemeente_code as region_code, geometry_geojson from staging.stg_cbs__gemeentegrenzen"


@dataclass(frozen=True)
class ModelSpec:
    """One model: its question type, asset, result tables, inputs and answer function."""

    model: str
    asset_name: str
    description: str
    tables: tuple[str, ...]
    variables: Callable[[Question], list[Variable]]
    load_extras: Callable[[duckdb.DuckDBPyConnection], dict]
    answer: Callable[[pd.DataFrame, pd.DataFrame, Question, QuestionFile, dict], ModelAnswer]


def _table_exists(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        connection.execute(
            "select count(*) > 0 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _factor_extras(connection: duckdb.DuckDBPyConnection) -> dict:
    domains = dict(connection.execute("select indicator_code, domain from marts.dim_indicator").fetchall())
    # The KRB marts are optional: without them steerability comes from configuration.
    if not _table_exists(connection, "marts", "bridge_measure_indicator"):
        return {"krb_indicators": None, "domains": domains}
    krb_indicators = {row[0] for row in connection.execute(KRB_INDICATORS_SQL).fetchall()}
    return {"krb_indicators": krb_indicators, "domains": domains}


def _geometries(connection: duckdb.DuckDBPyConnection) -> dict:
    if not _table_exists(connection, "staging", "stg_cbs__gemeentegrenzen"):
        return {"geometries": None}
    return {"geometries": connection.execute(GEOMETRY_SQL).df()}


COMMON_DESCRIPTION = (
    " De uitkomsten zijn samenhangen tussen gemeenten, geen oorzakelijke effecten. Elk getal staat in "
    "schema analysis met de maat die zegt hoe goed het is (R², n, silhouet, stabiliteit) in "
    "analysis.model_metrics, met run-id, codeversie, parameters en een hash van de invoer. "
    "Welke indicatoren het model gebruikt staat in seeds/onderzoeksvragen.yaml."
)

MODEL_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        model=factor_model.MODEL,
        asset_name="factorinvloed",
        description=(
            "Factorinvloed: per onderzoeksvraag een doorsnede over de gemeenten van de indeling 2024 in één jaar. "
            "Gestandaardiseerde OLS met robuuste HC3-standaardfouten (coëfficiënten met 95%-interval, p-waarde, "
            "VIF, R², gecorrigeerde R², n), een niet-lineaire controle met gradient boosting (gekruisvalideerde R² "
            "met spreiding en een basislijn die het gemiddelde voorspelt, permutatiebelang) en een factoranalyse "
            "met varimax-rotatie. Factoren zijn gemarkeerd als stuurbaar (beoogd effect van een KRB-maatregel of "
            "configuratie) of context. Kenmerken uit 2019 en 2022 zijn naar de indeling 2024 omgerekend als "
            "gemiddelde gewogen naar aandeel × inwoners." + COMMON_DESCRIPTION
        ),
        tables=factor_model.TABLES,
        variables=factor_model.input_variables,
        load_extras=_factor_extras,
        answer=lambda frame, record, question, question_file, extras: factor_model.answer_factor_question(
            frame, question, question_file, extras.get("krb_indicators"), extras.get("domains")
        ),
    ),
    ModelSpec(
        model=cluster_model.MODEL,
        asset_name="regioclusters",
        description=(
            "Regioclusters: gemeenten van de indeling 2024 gegroepeerd op de ingestelde indicatoren na robuuste "
            "schaling (mediaan en interkwartielafstand). Het aantal clusters k is binnen het ingestelde bereik "
            "gekozen op het hoogste silhouet; per k staan ook de BIC van een Gaussisch mengmodel en de "
            "bootstrapstabiliteit (adjusted Rand index). Elke cluster krijgt een beschrijving uit de meest "
            "kenmerkende indicatoren. Basis voor de vergelijkbare gemeenten in marts.peer_gemeenten."
            + COMMON_DESCRIPTION
        ),
        tables=cluster_model.TABLES,
        variables=cluster_model.input_variables,
        load_extras=_geometries,
        answer=lambda frame, record, question, question_file, extras: cluster_model.answer_cluster_question(
            frame, record, question, question_file, extras.get("geometries")
        ),
    ),
)

MODELS = frozenset(spec.model for spec in MODEL_SPECS)
