"""A new KRB theme file with Dutch comments that explain every field.

The template is a valid file except for ``taakvelden``, which is left empty on
purpose. ``idgb krb check`` then reports that the taakvelden are missing, so an
unfilled template cannot slip into a pipeline run.
"""

import json
import re
import unicodedata

TEMPLATE = """\
# Kernregistratie Beleid (KRB) — beleidsthema {name}
#
# Eén bestand per beleidsthema. Zet het bestand in seeds/krb/ en controleer het met:
#     idgb krb check seeds/krb/{theme_id}.yaml
# De volledige uitleg staat in docs/krb.md; het formaat in docs/krb.schema.json.
#
# Schrijfwijze:
# - Een regel die met # begint is uitleg; YAML slaat die over.
# - Inspringen met spaties, nooit met tabs. Velden in een blok staan recht onder elkaar.
# - Datums als JJJJ-MM-DD, getallen met een punt als decimaalteken (3.5), ja/nee als true/false.
# - Een veld dat leeg mag blijven, mag u weglaten of leeg laten.
# - Ids zijn uniek over alle KRB-bestanden: kleine letters, cijfers, - en _.
# - Haal het # weg voor de voorbeeldregels die u gebruikt, en vul ze in.

thema:
  # Vaste sleutel van het thema.
  id: {theme_id}
  # Naam zoals die in rapporten verschijnt.
  naam: {quoted_name}
  # Korte uitleg van het thema (mag leeg).
  omschrijving:
  # Id van een breder thema in een ander bestand (mag leeg).
  bovenliggend_thema:
  # VERPLICHT: de Iv3-taakvelden van het thema, bijvoorbeeld [1.2] of [6.1, 6.21].
  taakvelden: []

documenten:
  # Een beleidsdocument: visie, programma, beleidsplan, verordening, begroting, ...
  # - id: gemeente-plan-2025-2028          # vaste sleutel van het document
  #   titel: Beleidsplan {name} 2025-2028   # titel van het document
  #   type: beleidsplan                     # agenda, begroting, beleidsnota, beleidsplan,
  #                                         # coalitieakkoord, convenant, programma,
  #                                         # uitvoeringsplan, verordening, visie of wet
  #   bestuurslaag: gemeente                # Rijk, provincie, regio of gemeente
  #   eigenaar: Gemeente Voorbeeld          # organisatie of afdeling die eigenaar is
  #   regio: GM0000                         # regiocode van het gebied (mag leeg)
  #   vastgesteld_op: 2024-12-12            # datum van vaststelling
  #   geldig_van: 2025-01-01                # eerste dag waarop het document geldt
  #   geldig_tot: 2028-12-31                # laatste dag (mag leeg: geen einddatum)
  #   url: https://…                        # webadres van het document (mag leeg)
  #   implementeert: [rijk-document-id]     # ids van documenten die dit document uitwerkt,
  #                                         # bijvoorbeeld landelijk of provinciaal beleid
  #   voorbeeld: false                      # true als het geen echt vastgesteld beleid is
  #   omschrijving: Korte samenvatting.     # (mag leeg)

regels:
  # Een beleidsregel: een afspraak of bepaling die in een document staat.
  # - id: gemeente-regel-1                  # vaste sleutel van de regel
  #   document: gemeente-plan-2025-2028     # id van het document waarin de regel staat
  #   tekst: De gemeente ...                # de regel, zo letterlijk mogelijk
  #   vindplaats: paragraaf 3.1             # waar in het document (mag leeg)

indicatoren:
  # Een beleidsindicator: een indicatorcode uit marts.dim_indicator die dit thema volgt.
  # - indicator: misdrijven_woninginbraak_per_1000
  #   richting: lager is beter              # hoger is beter, lager is beter of neutraal
  #   bbv_indicator: false                  # true voor een verplichte BBV-beleidsindicator
  #   regioniveaus: [gemeente]              # land, gemeente, wijk en/of buurt
  #   toelichting: Waarom het thema dit volgt.   # (mag leeg)

normen:
  # Een beleidsnorm: streefwaarde voor een indicator van dit thema in een streefjaar.
  # - id: gemeente-norm-1                   # vaste sleutel van de norm
  #   indicator: misdrijven_woninginbraak_per_1000   # moet onder indicatoren staan
  #   regio: GM0000                         # regiocode of lijst van regiocodes
  #   comparator: "<="                      # <= (ten hoogste), >= (ten minste) of = (gelijk)
  #   streefwaarde: 1.5                     # in de eenheid van de indicator
  #   streefjaar: 2028                      # jaar waarin de streefwaarde bereikt is
  #   basisjaar: 2023                       # jaar van de uitgangssituatie
  #   basiswaarde: 2.1                      # waarde in het basisjaar; leeg = uit de cijfers
  #   marge:                                # alleen bij comparator =: toegestane afwijking
  #   document: gemeente-plan-2025-2028     # id van het brondocument
  #   regel: gemeente-regel-1               # id van de beleidsregel (mag leeg)
  #   omschrijving: De norm in gewone woorden.   # (mag leeg)

maatregelen:
  # Een beleidsmaatregel met de beoogde effecten op indicatoren.
  # - id: gemeente-maatregel-1              # vaste sleutel van de maatregel
  #   naam: Korte naam                      # naam van de maatregel
  #   omschrijving: Wat de maatregel inhoudt.    # (mag leeg)
  #   start: 2025-01-01                     # startdatum
  #   eind: 2027-12-31                      # einddatum (mag leeg: loopt door)
  #   budget: 100000                        # totaal in euro, zonder punten of euroteken
  #   regio: GM0000                         # regiocode of lijst van regiocodes
  #   afdeling: Naam van de afdeling        # verantwoordelijke afdeling
  #   document: gemeente-plan-2025-2028     # id van het document met de maatregel
  #   effecten:                             # minstens één beoogd effect
  #     - indicator: misdrijven_woninginbraak_per_1000
  #       richting: daling                  # daling of stijging
  #       eenheid: procent                  # procent (t.o.v. het jaar vóór de start)
  #                                         # of indicatoreenheid (in de eenheid van de indicator)
  #       per_jaar:                         # verwachte omvang per jaar, positief getal
  #         2026: 5
  #         2027: 10
  #       toelichting: Onderbouwing.        # (mag leeg)
"""


def theme_id_for(name: str) -> str:
    """Derive a KRB id from a theme name: "Zorg en welzijn" → "zorg-en-welzijn"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug or "thema"


def render_template(name: str) -> str:
    """Return the text of a new theme file for the given theme name."""
    clean_name = " ".join(name.split())
    # A JSON string is a valid YAML string, so a name with ':' or '#' stays one value.
    quoted_name = json.dumps(clean_name, ensure_ascii=False)
    return TEMPLATE.format(
        name=clean_name, quoted_name=quoted_name, theme_id=theme_id_for(clean_name)
    )
