"""Cross-reference and consistency checks over all KRB files together.

These run after the schema check and tolerate fields that failed it: a field of the
wrong type is skipped here, because the schema already reported it. Checks that need
the warehouse are skipped when ``References`` has no set for them.
"""

from pathlib import Path

from idgb_pipeline.krb.entries import Entry, entries_of, find_cycles, index_by_id
from idgb_pipeline.krb.references import References
from idgb_pipeline.krb.violations import FieldPath, Violation, suggestion
from idgb_pipeline.krb.yaml_source import ParsedFile

SECTIONS = ("documenten", "regels", "indicatoren", "normen", "maatregelen")

# Dutch names of what an id belongs to, for "already used for ..." messages.
KIND_NAMES = {
    "thema": "het beleidsthema",
    "documenten": "een beleidsdocument",
    "regels": "een beleidsregel",
    "normen": "een beleidsnorm",
    "maatregelen": "een beleidsmaatregel",
}

COMPARATOR_DIRECTION_CONFLICTS = {
    ("<=", "hoger is beter"),
    ("≤", "hoger is beter"),
    (">=", "lager is beter"),
    ("≥", "lager is beter"),
}


class _RegistrationChecker:
    """Collect the violations of a set of parsed files against the references."""

    def __init__(self, files: list[ParsedFile], references: References):
        self.files = files
        self.references = references
        self.violations: list[Violation] = []

        self.ids: dict[str, tuple[str, Entry]] = {}
        self.themes = [entry for parsed in files for entry in entries_of(parsed, "thema")]
        self.document_entries = [entry for parsed in files for entry in entries_of(parsed, "documenten")]
        self.rule_entries = [entry for parsed in files for entry in entries_of(parsed, "regels")]
        self.documents = index_by_id(self.document_entries)
        self.rules = index_by_id(self.rule_entries)

        # Indicators registered per file and across all files; norms must use one of
        # their own theme, effects may aim at an indicator of any theme.
        self.indicators_by_file: dict[Path, dict[str, Entry]] = {}
        for parsed in files:
            registered = {}
            for entry in entries_of(parsed, "indicatoren"):
                code = entry.text("indicator")
                if code is not None:
                    registered.setdefault(code, entry)
            self.indicators_by_file[parsed.path] = registered
        self.registered_indicators = {
            code for registered in self.indicators_by_file.values() for code in registered
        }

    def add(self, violation: Violation) -> None:
        self.violations.append(violation)

    def run(self) -> list[Violation]:
        self.check_unique_ids()
        self.check_themes()
        self.check_documents()
        self.check_rules()
        self.check_indicators()
        self.check_norms()
        self.check_measures()
        return self.violations

    # ---------------------------------------------------------------- ids and links

    def check_unique_ids(self) -> None:
        for parsed in self.files:
            for section in ("thema", *SECTIONS):
                if section == "indicatoren":
                    continue
                for entry in entries_of(parsed, section):
                    identifier = entry.text("id")
                    if identifier is None:
                        continue
                    if identifier in self.ids:
                        first_kind, first = self.ids[identifier]
                        self.add(
                            entry.violation(
                                entry.path + ("id",), identifier,
                                f"dit id is al gebruikt voor {KIND_NAMES[first_kind]} in "
                                f"{first.where()}; ids zijn uniek over alle KRB-bestanden.",
                                "kies een ander id dat nog nergens voorkomt.",
                            )
                        )
                    else:
                        self.ids[identifier] = (section, entry)

    def check_link(self, entry: Entry, key: str, known: dict, kind: str) -> None:
        """Report each id in ``entry[key]`` that is not a known id of the given kind."""
        own_id = entry.text("id")
        for field_path, target in entry.texts(key):
            if target == own_id:
                self.add(
                    entry.violation(
                        field_path, target, "het veld verwijst naar het eigen id.",
                        "verwijs naar een ander id of maak het veld leeg.",
                    )
                )
            elif target not in known:
                self.add(
                    entry.violation(
                        field_path, target, f"er is geen {kind} met dit id in de KRB-bestanden.",
                        f"gebruik een bestaand id, of voeg eerst een {kind} met dit id toe."
                        f"{suggestion(target, sorted(known))}",
                    )
                )

    def report_cycles(self, entries: dict[str, Entry], key: str, kind: str) -> None:
        """Report each cycle of ``key`` links, such as a → b → a, once at its first entry."""
        links = {
            identifier: [target for _, target in entry.texts(key)]
            for identifier, entry in entries.items()
        }
        for cycle in find_cycles(links):
            entry = entries[cycle[0]]
            self.add(
                entry.violation(
                    entry.path + (key,), entry.data.get(key),
                    f"de verwijzingen vormen een kring: {' → '.join(cycle)}.",
                    f"een {kind} kan niet via andere naar zichzelf verwijzen; "
                    "haal een van de verwijzingen weg.",
                )
            )

    # --------------------------------------------------------------------- entities

    def check_themes(self) -> None:
        theme_entries = index_by_id(self.themes)
        for entry in self.themes:
            if entry.text("bovenliggend_thema") is not None:
                self.check_link(entry, "bovenliggend_thema", theme_entries, "thema")
            self.check_taakvelden(entry)
        self.report_cycles(theme_entries, "bovenliggend_thema", "thema")

    def check_taakvelden(self, entry: Entry) -> None:
        taakvelden = self.references.taakvelden
        if taakvelden is None:
            return
        for field_path, code in entry.texts("taakvelden"):
            if code not in taakvelden:
                self.add(
                    entry.violation(
                        field_path, code,
                        f"dit taakveld bestaat niet in {self.references.taakveld_source}.",
                        "gebruik een Iv3-taakveldcode zoals 1.2 (Openbare orde en veiligheid) of "
                        f"een hoofdtaakveld zoals 1.{suggestion(code, sorted(taakvelden))}",
                    )
                )

    def check_documents(self) -> None:
        for entry in self.document_entries:
            if entry.data.get("implementeert") is not None:
                self.check_link(entry, "implementeert", self.documents, "beleidsdocument")
            self.check_date_order(entry, "geldig_van", "geldig_tot")
            self.check_date_order(entry, "vastgesteld_op", "geldig_tot")
            if entry.text("regio") is not None:
                self.check_regions(entry, "regio")
        self.report_cycles(self.documents, "implementeert", "beleidsdocument")

    def check_rules(self) -> None:
        for entry in self.rule_entries:
            self.check_link(entry, "document", self.documents, "beleidsdocument")

    def check_indicators(self) -> None:
        known = self.references.indicators
        for parsed in self.files:
            seen: set[str] = set()
            for entry in entries_of(parsed, "indicatoren"):
                code = entry.text("indicator")
                if code is None:
                    continue
                if code in seen:
                    self.add(
                        entry.violation(
                            entry.path + ("indicator",), code,
                            "deze indicator staat twee keer onder indicatoren van dit thema.",
                            "noem elke indicator één keer per thema.",
                        )
                    )
                seen.add(code)
                if self.check_indicator_exists(entry, entry.path + ("indicator",), code):
                    self.check_direction(entry, code, known[code])

    def check_indicator_exists(self, entry: Entry, field_path: FieldPath, code: str) -> bool:
        """Report an indicator code missing from dim_indicator; return whether it exists."""
        known = self.references.indicators
        if known is None:
            return False
        if code in known:
            return True
        self.add(
            entry.violation(
                field_path, code, "deze indicator bestaat niet in marts.dim_indicator.",
                "gebruik een indicatorcode uit marts.dim_indicator (kolom indicator_code)."
                f"{suggestion(code, sorted(known))}",
            )
        )
        return False

    def check_direction(self, entry: Entry, code: str, catalogue_direction: str | None) -> None:
        direction = entry.text("richting")
        opposite = {"hoger is beter": "lager is beter", "lager is beter": "hoger is beter"}
        if catalogue_direction is not None and opposite.get(direction) == catalogue_direction:
            self.add(
                entry.violation(
                    entry.path + ("richting",), direction,
                    f"marts.dim_indicator geeft voor {code} de richting '{catalogue_direction}'.",
                    f"gebruik '{catalogue_direction}', of 'neutraal' als het thema de indicator "
                    "alleen als achtergrond volgt.",
                )
            )

    def check_norms(self) -> None:
        for parsed in self.files:
            registered = self.indicators_by_file[parsed.path]
            for entry in entries_of(parsed, "normen"):
                self.check_norm(entry, registered)

    def check_norm(self, entry: Entry, registered: dict[str, Entry]) -> None:
        code = entry.text("indicator")
        indicator_path = entry.path + ("indicator",)
        policy_indicator = registered.get(code) if code else None
        # Without a warehouse the code cannot be checked, but it must still be one of
        # the theme's own indicators.
        if code is not None and (
            self.check_indicator_exists(entry, indicator_path, code)
            or self.references.indicators is None
        ):
            if policy_indicator is None:
                self.add(
                    entry.violation(
                        indicator_path, code,
                        "de norm gebruikt een indicator die niet onder indicatoren van dit thema staat.",
                        "voeg de indicator toe onder indicatoren (met richting en regioniveaus).",
                    )
                )

        self.check_link(entry, "document", self.documents, "beleidsdocument")
        if entry.text("regel") is not None:
            self.check_link(entry, "regel", self.rules, "beleidsregel")

        base_year, target_year = entry.year("basisjaar"), entry.year("streefjaar")
        if base_year is not None and target_year is not None and base_year >= target_year:
            self.add(
                entry.violation(
                    entry.path + ("streefjaar",), target_year,
                    f"het streefjaar ligt niet na het basisjaar ({base_year}).",
                    "kies een streefjaar later dan het basisjaar.",
                )
            )

        comparator = entry.text("comparator")
        direction = policy_indicator.text("richting") if policy_indicator else None
        if (comparator, direction) in COMPARATOR_DIRECTION_CONFLICTS:
            better = "hoger" if direction == "hoger is beter" else "lager"
            self.add(
                entry.violation(
                    entry.path + ("comparator",), comparator,
                    f"de comparator past niet bij de richting '{direction}' van {code}.",
                    f"gebruik {'>=' if better == 'hoger' else '<='}, of pas de richting onder "
                    "indicatoren aan.",
                )
            )

        if entry.data.get("marge") is not None and comparator != "=":
            self.add(
                entry.violation(
                    entry.path + ("marge",), entry.data.get("marge"),
                    "een marge geldt alleen bij comparator =.",
                    "laat marge weg, of gebruik comparator =.",
                )
            )

        region_paths = list(entry.texts("regio"))
        if entry.data.get("basiswaarde") is not None and len(region_paths) > 1:
            self.add(
                entry.violation(
                    entry.path + ("basiswaarde",), entry.data.get("basiswaarde"),
                    "één basiswaarde kan niet voor meer dan één regio gelden.",
                    "laat basiswaarde leeg, dan geldt per regio de waarde uit het basisjaar, of "
                    "maak per regio een eigen norm.",
                )
            )

        levels = policy_indicator.data.get("regioniveaus") if policy_indicator else None
        self.check_regions(entry, "regio", levels if isinstance(levels, list) else None, code)

    def check_measures(self) -> None:
        for parsed in self.files:
            for entry in entries_of(parsed, "maatregelen"):
                self.check_measure(entry)

    def check_measure(self, entry: Entry) -> None:
        self.check_date_order(entry, "start", "eind")
        self.check_regions(entry, "regio")
        self.check_link(entry, "document", self.documents, "beleidsdocument")

        start = entry.date("start")
        effects = entry.data.get("effecten")
        seen: set[str] = set()
        for index, effect in enumerate(effects if isinstance(effects, list) else []):
            if not isinstance(effect, dict):
                continue
            effect_entry = Entry(entry.parsed, entry.path + ("effecten", index), effect)
            code = effect_entry.text("indicator")
            indicator_path = effect_entry.path + ("indicator",)
            if code is not None:
                if code in seen:
                    self.add(
                        effect_entry.violation(
                            indicator_path, code,
                            "de maatregel noemt deze indicator twee keer onder effecten.",
                            "zet alle jaren van deze indicator onder één effect (per_jaar).",
                        )
                    )
                seen.add(code)
                exists = self.check_indicator_exists(effect_entry, indicator_path, code)
                unchecked = self.references.indicators is None
                if (exists or unchecked) and code not in self.registered_indicators:
                    self.add(
                        effect_entry.violation(
                            indicator_path, code,
                            "het beoogde effect gebruikt een indicator die bij geen enkel thema "
                            "onder indicatoren staat.",
                            "voeg de indicator toe onder indicatoren van dit of een ander thema.",
                        )
                    )

            per_year = effect.get("per_jaar")
            if start is not None and isinstance(per_year, dict):
                for year_text in per_year:
                    if year_text.isdigit() and int(year_text) < start.year:
                        self.add(
                            effect_entry.violation(
                                effect_entry.path + ("per_jaar", year_text), int(year_text),
                                f"dit jaar ligt vóór de start van de maatregel ({start.isoformat()}).",
                                "noem alleen jaren vanaf het startjaar.",
                            )
                        )

    # ------------------------------------------------------------- shared field checks

    def check_date_order(self, entry: Entry, first_key: str, last_key: str) -> None:
        first, last = entry.date(first_key), entry.date(last_key)
        if first is not None and last is not None and last < first:
            self.add(
                entry.violation(
                    entry.path + (last_key,), last.isoformat(),
                    f"{last_key} ligt vóór {first_key} ({first.isoformat()}).",
                    f"zet {last_key} op of na {first_key}, of wissel de datums om.",
                )
            )

    def check_regions(
        self, entry: Entry, key: str, levels: list | None = None, indicator: str | None = None
    ) -> None:
        regions = self.references.regions
        if regions is None:
            return
        for field_path, code in entry.texts(key):
            region = regions.get(code)
            if region is None:
                self.add(
                    entry.violation(
                        field_path, code, "deze regio bestaat niet in marts.dim_region.",
                        "gebruik een CBS-regiocode uit marts.dim_region (kolom region_code), "
                        "bijvoorbeeld GM0193 voor de gemeente Zwolle.",
                    )
                )
            elif levels is not None and region.level not in levels:
                self.add(
                    entry.violation(
                        field_path, code,
                        f"{region.name} is een {region.level}, maar het thema volgt {indicator} "
                        f"alleen op niveau {', '.join(map(str, levels))}.",
                        f"voeg {region.level} toe aan regioniveaus van de indicator, of kies een "
                        "regio van het juiste niveau.",
                    )
                )


def check_registration(files: list[ParsedFile], references: References) -> list[Violation]:
    """Return every cross-reference and consistency violation across the parsed files."""
    return _RegistrationChecker(files, references).run()
