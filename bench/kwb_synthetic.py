"""Synthetic Kerncijfers wijken en buurten values, shaped by the real bundled CBS files.

What comes from real data (files under ``seeds/``):
- the 18,003 regions and their gemeente of the KWB 2022 list (85318NED);
- the inhabitants of every gemeente per year (70072ned, 2012-2025) in the years where
  its 2022 code exists. Other years follow the national total;
- the shares of men, of the five age groups and of the four marital statuses per
  gemeente (KWB 2019);
- the topics, their units, data types and decimals (85318NED data dictionary).

What is assumed (no bundled source has it): how inhabitants spread over wijken and
buurten (log-normal weights), the level of every other topic (a rate, share or median
drawn per topic), and the missing cells (suppression of buurten under 50 inhabitants,
a missing rate per region level, topics that start after 2012).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
REGIONS_FILE = SEEDS_DIR / "cbs/regio/cbs_85318NED_kwb2022_WijkenEnBuurten_codes.csv"
POPULATION_FILE = SEEDS_DIR / "cbs/waarden/bevolking_gemeente_2012_2025_long.csv"
AGE_FILE = SEEDS_DIR / "cbs/waarden/kwb2019_gemeente_leeftijd.csv"
DICTIONARY_FILE = SEEDS_DIR / "cbs/definities/cbs_85318NED_kwb2022_DataProperties.csv"

LAYOUT_YEAR = 2022
LEVEL_BY_PREFIX = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}
REGION_TYPE = {"land": "Land", "gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}

# Assumed missing rates per region level, for topics other than the head counts.
MISSING_RATE = {"land": 0.0, "gemeente": 0.01, "wijk": 0.04, "buurt": 0.08}
# CBS publishes no figures besides the head counts for buurten this small.
SUPPRESSION_INHABITANTS = 50
HEAD_COUNT_KEYS = ("AantalInwoners_5", "Mannen_6", "Vrouwen_7")
# Topics split from the inhabitants by the real KWB 2019 share of the gemeente.
SHARE_KEYS = {
    "k_0Tot15Jaar_8": "b_00_14",
    "k_15Tot25Jaar_9": "b_15_24",
    "k_25Tot45Jaar_10": "b_25_44",
    "k_45Tot65Jaar_11": "b_45_64",
    "k_65JaarOfOuder_12": "b_65_oo",
    "Ongehuwd_13": "unmarried",
    "Gehuwd_14": "married",
    "Gescheiden_15": "divorced",
    "Verweduwd_16": "widowed",
}
# A year-on-year gemeente population change beyond this is a herindeling, not growth.
MAX_REAL_POPULATION_RATIO = 1.3

# Assumed medians of region averages, per unit of the data dictionary.
MEDIAN_BY_UNIT = {
    "kWh": 2800.0,
    "m³": 1100.0,
    "x 1 000 euro": 35.0,
    "km": 1.2,
    "per km²": 2000.0,
    "aantal inwoners per km²": 2500.0,
    "per 1 000 inwoners": 9.0,
    "per huishouden": 1.0,
    "aantal": 2.2,
    "code": 3.0,
}


@dataclass(frozen=True)
class Topic:
    """One numeric KWB topic as the wide file has it: key, unit and whether it is whole."""

    key: str
    unit: str
    is_integer: bool
    decimals: int


@dataclass
class RegionFrame:
    """The regions of the 2022 layout with level, gemeente, wijk and fixed population shares."""

    codes: np.ndarray
    names: np.ndarray
    gemeente_names: np.ndarray
    levels: np.ndarray
    gemeente_of: np.ndarray
    wijk_of: np.ndarray
    buurt_share: np.ndarray


def read_numeric_topics() -> tuple[pd.DataFrame, list[Topic]]:
    """Return the real data dictionary and its numeric topics in dictionary order."""
    dictionary = pd.read_csv(DICTIONARY_FILE, dtype=str, keep_default_na=False)
    topics = []
    for row in dictionary.itertuples(index=False):
        if row.Type != "Topic" or row.Datatype not in ("Long", "Double"):
            continue
        decimals = int(float(row.Decimals or 0))
        topics.append(Topic(row.Key, row.Unit, row.Datatype == "Long", decimals))
    return dictionary, topics


def read_regions(rng: np.random.Generator) -> RegionFrame:
    """Read the KWB 2022 region list and draw each buurt's share of its gemeente."""
    regions = pd.read_csv(REGIONS_FILE, dtype=str, keep_default_na=False)
    codes = regions["Key"].str.strip().to_numpy()
    levels = np.array([LEVEL_BY_PREFIX[code[:2]] for code in codes])
    gemeente_of = regions["Municipality"].str.strip().to_numpy()
    # A buurt code BUggggwwbb lies in wijk WKggggww.
    wijk_of = np.array([f"WK{code[2:8]}" if code.startswith("BU") else "" for code in codes])
    names_by_code = dict(zip(codes, regions["Title"].str.strip()))
    gemeente_names = np.array([names_by_code.get(code, "") for code in gemeente_of])

    # Log-normal weights give the skew of real buurten: many small, a few large.
    is_buurt = levels == "buurt"
    wijk_weight = pd.Series(rng.lognormal(0.0, 0.8, len(codes)), index=codes)
    buurt_weight = rng.lognormal(0.0, 1.0, len(codes)) * wijk_weight.reindex(wijk_of).fillna(0).to_numpy()
    buurt_weight = np.where(is_buurt, buurt_weight, 0.0)
    totals = pd.Series(buurt_weight).groupby(gemeente_of).transform("sum").to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(is_buurt & (totals > 0), buurt_weight / totals, 0.0)

    return RegionFrame(
        codes=codes,
        names=regions["Title"].str.strip().to_numpy(),
        gemeente_names=gemeente_names,
        levels=levels,
        gemeente_of=gemeente_of,
        wijk_of=wijk_of,
        buurt_share=share,
    )


def gemeente_population(gemeenten: np.ndarray, years: range) -> pd.DataFrame:
    """Return inhabitants per gemeente (rows) and year (columns) from 70072ned.

    A year uses the real figure when the 2022 code exists then and differs less than
    a herindeling would. Otherwise the 2022 figure is scaled by the national total.
    Years after 2025 continue the growth of 2024-2025.
    """
    population = pd.read_csv(POPULATION_FILE, dtype={"gemeente_code": str})
    wide = population.pivot_table(index="gemeente_code", columns="jaar", values="inwoners")
    national = population.groupby("jaar")["inwoners"].sum()
    base = wide[LAYOUT_YEAR].reindex(gemeenten)

    result = pd.DataFrame(index=gemeenten, columns=list(years), dtype=float)
    for year in years:
        known_year = min(year, int(national.index.max()))
        growth = (national.iloc[-1] / national.iloc[-2]) ** (year - known_year)
        scaled = base * national[known_year] / national[LAYOUT_YEAR] * growth
        real = wide[known_year].reindex(gemeenten) * growth if known_year in wide else scaled
        plausible = (real / scaled).between(1 / MAX_REAL_POPULATION_RATIO, MAX_REAL_POPULATION_RATIO)
        result[year] = real.where(plausible, scaled)
    return result


def gemeente_shares(gemeenten: np.ndarray) -> pd.DataFrame:
    """Return the share of men, of each age group and of each marital status per gemeente.

    The shares are those of KWB 2019. A gemeente code that did not exist then gets the
    national share.
    """
    ages = pd.read_csv(AGE_FILE, dtype={"unique_id": str}).set_index("unique_id")
    columns = ["men", *SHARE_KEYS.values()]
    shares = ages[columns].div(ages["population"], axis=0)
    national = ages[columns].sum() / ages["population"].sum()
    return shares.reindex(gemeenten).fillna(national)


@dataclass(frozen=True)
class TopicModel:
    """Assumed parameters of one topic, drawn once per seed so every year agrees."""

    topic: Topic
    kind: str
    level: float
    spread: float
    yearly_drift: float
    first_year: int
    gemeente_effect: np.ndarray


def draw_topic_models(topics: list[Topic], gemeente_count: int, rng: np.random.Generator, first_year: int) -> list[TopicModel]:
    """Draw level, spread, trend and start year of every topic (all assumed)."""
    models = []
    for topic in topics:
        if topic.key in HEAD_COUNT_KEYS or topic.key in SHARE_KEYS:
            kind, level = "head_count", 1.0
        elif topic.unit == "%":
            kind, level = "percentage", rng.uniform(0.05, 0.8)
        elif topic.unit == "ha":
            kind, level = "area", rng.lognormal(np.log(60.0), 0.5)
        elif topic.unit == "aantal" and topic.is_integer:
            kind, level = "count", min(rng.lognormal(np.log(0.05), 1.0), 0.6)
        elif topic.unit == "code":
            kind, level = "class", rng.uniform(2.0, 4.0)
        else:
            kind, level = "average", MEDIAN_BY_UNIT.get(topic.unit, 10.0) * rng.lognormal(0.0, 0.3)
        # About one topic in seven starts later, as CBS added topics to KWB over the years.
        starts_late = kind != "head_count" and rng.random() < 0.15
        models.append(
            TopicModel(
                topic=topic,
                kind=kind,
                level=float(level),
                spread=float(rng.uniform(0.15, 0.4)),
                yearly_drift=float(rng.normal(0.0, 0.01)),
                first_year=int(rng.integers(first_year + 1, first_year + 6)) if starts_late else first_year,
                gemeente_effect=rng.normal(0.0, 0.2, gemeente_count),
            )
        )
    return models


class KwbValues:
    """Seeded values for every region, topic and year of the wide KWB layout."""

    def __init__(self, regions: RegionFrame, topics: list[Topic], population: pd.DataFrame, gemeente_shares: pd.DataFrame, seed: int, first_year: int):
        self.regions = regions
        self.seed = seed
        self.population = population
        self.gemeente_shares = gemeente_shares
        rng = np.random.default_rng(seed)

        self.gemeenten = population.index.to_numpy()
        gemeente_index = pd.Series(np.arange(len(self.gemeenten)), index=self.gemeenten)
        wijken = regions.codes[regions.levels == "wijk"]
        wijk_index = pd.Series(np.arange(len(wijken)), index=wijken)

        self.is_buurt = regions.levels == "buurt"
        self.buurt_gemeente = gemeente_index.reindex(regions.gemeente_of[self.is_buurt]).to_numpy()
        self.buurt_wijk = wijk_index.reindex(regions.wijk_of[self.is_buurt]).to_numpy()
        self.buurt_share = regions.buurt_share[self.is_buurt]
        self.buurt_trend = rng.normal(0.0, 0.01, self.is_buurt.sum())
        self.wijk_count = len(wijken)
        self.models = draw_topic_models(topics, len(self.gemeenten), rng, first_year)

        # Rows of the output in region-list order: where each level's values go.
        self.rows_of = {level: np.flatnonzero(regions.levels == level) for level in ("land", "gemeente", "wijk", "buurt")}
        self.gemeente_row_order = gemeente_index.reindex(regions.codes[self.rows_of["gemeente"]]).to_numpy()
        self.wijk_row_order = wijk_index.reindex(regions.codes[self.rows_of["wijk"]]).to_numpy()

    def _aggregate(self, buurt_values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
        """Spread buurt values to all rows: sums for additive topics, weighted means otherwise."""
        out = np.full(len(self.regions.codes), np.nan)
        out[self.rows_of["buurt"]] = buurt_values
        groups = (
            (self.buurt_wijk, self.wijk_count, self.rows_of["wijk"], self.wijk_row_order),
            (self.buurt_gemeente, len(self.gemeenten), self.rows_of["gemeente"], self.gemeente_row_order),
            (np.zeros(len(buurt_values), dtype=int), 1, self.rows_of["land"], np.array([0])),
        )
        for group_index, group_count, rows, order in groups:
            if weights is None:
                totals = np.bincount(group_index, buurt_values, group_count)
            else:
                weighted = np.bincount(group_index, buurt_values * weights, group_count)
                weight_sums = np.bincount(group_index, weights, group_count)
                with np.errstate(invalid="ignore", divide="ignore"):
                    totals = weighted / weight_sums
            out[rows] = totals[order]
        return out

    def _buurt_values(self, model: TopicModel, year: int, inhabitants: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        effect = model.gemeente_effect[self.buurt_gemeente]
        drift = np.exp(model.yearly_drift * (year - LAYOUT_YEAR))
        noise = rng.normal(0.0, model.spread, len(inhabitants))
        if model.kind == "count":
            return rng.poisson(model.level * drift * np.exp(effect) * inhabitants).astype(float)
        if model.kind == "area":
            return model.level * np.exp(effect + noise)
        if model.kind == "percentage":
            logit = np.log(model.level / (1 - model.level)) + effect + noise + model.yearly_drift * (year - LAYOUT_YEAR)
            return 100.0 / (1.0 + np.exp(-logit))
        if model.kind == "class":
            return np.clip(model.level + effect * 5 + noise * 3, 1, 5)
        return model.level * drift * np.exp(effect + noise)

    def frame_for_year(self, year: int) -> pd.DataFrame:
        """Return the wide file of ``year``: one row per region, one column per topic."""
        rng = np.random.default_rng([self.seed, year])
        regions = self.regions
        gemeente_inhabitants = self.population[year].to_numpy()[self.buurt_gemeente]
        inhabitants = np.round(gemeente_inhabitants * self.buurt_share * np.exp(self.buurt_trend * (year - LAYOUT_YEAR)))
        shares = self.gemeente_shares.to_numpy()[self.buurt_gemeente]
        men = rng.binomial(inhabitants.astype(np.int64), np.clip(shares[:, 0], 0, 1)).astype(float)
        head_counts = {"AantalInwoners_5": inhabitants, "Mannen_6": men, "Vrouwen_7": inhabitants - men}
        for position, key in enumerate(SHARE_KEYS, start=1):
            head_counts[key] = np.round(inhabitants * shares[:, position] * rng.lognormal(0.0, 0.1, len(inhabitants)))

        small = self._aggregate(inhabitants, None) < SUPPRESSION_INHABITANTS
        small[self.rows_of["land"]] = False
        columns = {
            "ID": np.arange(len(regions.codes)),
            "WijkenEnBuurten": regions.codes,
            "Gemeentenaam_1": regions.gemeente_names,
            "SoortRegio_2": np.array([REGION_TYPE[level] for level in regions.levels]),
            "Codering_3": regions.codes,
            "IndelingswijzigingWijkenEnBuurten_4": np.where(regions.levels == "buurt", "1", "."),
            # CBS gives the most common postcode for buurten only; its digits here are drawn.
            "MeestVoorkomendePostcode_114": np.where(
                regions.levels == "buurt", [f"{number}AB" for number in rng.integers(1000, 9999, len(regions.codes))], "."
            ),
        }
        level_rate = np.array([MISSING_RATE[level] for level in regions.levels])
        for model in self.models:
            topic = model.topic
            if model.kind == "head_count":
                values = self._aggregate(head_counts[topic.key], None)
            else:
                buurt = self._buurt_values(model, year, inhabitants, rng)
                additive = model.kind in ("count", "area")
                values = self._aggregate(buurt, None if additive else np.maximum(inhabitants, 1.0))
                missing = small | (rng.random(len(values)) < level_rate) | (year < model.first_year)
                values = np.where(missing, np.nan, values)
            values = np.round(values, 0 if topic.is_integer else topic.decimals)
            columns[topic.key] = pd.array(values, dtype="Int64" if topic.is_integer else "Float64")
        return pd.DataFrame(columns)
