"""The indicators GeoInsight knows, and the many column names CBS files use for them.

CBS publishes the same figure under several names: classic shapefile columns (``AANT_INW``),
PDOK camelCase (``aantalInwoners``), snake_case (``aantal_inwoners``), StatLine labels
(``Particuliere huishoudens (Aantal)``) and third-party flattenings (``inwoners``). Every name is
compared in a normalised form (lower case, letters and digits only), so one alias covers the
camelCase and snake_case spellings alike.
"""

from __future__ import annotations

import re

from geoinsight.catalog.energy_indicators import address_indicators, label_indicators
from geoinsight.records import Indicator, normalise

_I = Indicator
POLICE = "Politie / CBS geregistreerde criminaliteit"
RIVM = "RIVM / GGD Gezondheidsmonitor"

INDICATORS: tuple[Indicator, ...] = (
    _I("population", "Inwoners", "Inhabitants", "inwoners", "count",
       ("aantinw", "aantalinwoners", "inwoners", "population")),
    _I("men", "Mannen", "Men", "inwoners", "count", ("aantman", "mannen")),
    _I("women", "Vrouwen", "Women", "inwoners", "count", ("aantvrouw", "vrouwen")),
    _I("population_0_14", "Inwoners 0 tot 15 jaar", "Inhabitants aged 0-14", "inwoners", "count",
       ("inwoners0tot15",)),
    _I("population_65_plus", "Inwoners 65 jaar en ouder", "Inhabitants aged 65+", "inwoners",
       "count", ("inwoners65plus",)),
    _I("pct_age_0_14", "Aandeel 0 tot 15 jaar", "Share aged 0-14", "%", "share",
       ("p0014jr", "percentagepersonen0tot15jaar", "pop014", "demographicsunder15years")),
    _I("pct_age_15_24", "Aandeel 15 tot 25 jaar", "Share aged 15-24", "%", "share",
       ("p1524jr", "percentagepersonen15tot25jaar", "pop1524", "demographics1524years")),
    _I("pct_age_25_44", "Aandeel 25 tot 45 jaar", "Share aged 25-44", "%", "share",
       ("p2544jr", "percentagepersonen25tot45jaar", "pop2544", "demographics2544years",
        "aantalinwonerstussen2544percentage")),
    _I("pct_age_45_64", "Aandeel 45 tot 65 jaar", "Share aged 45-64", "%", "share",
       ("p4564jr", "percentagepersonen45tot65jaar", "pop4564", "demographics4564years")),
    _I("pct_age_65_plus", "Aandeel 65 jaar en ouder", "Share aged 65+", "%", "share",
       ("p65eojr", "percentagepersonen65jaarenouder", "pop65plus", "demographics65years")),
    _I("population_density", "Bevolkingsdichtheid", "Population density", "inwoners per km²",
       "mean", ("bevdichth", "bevolkingsdichtheidinwonersperkm2", "dichtheid",
                "demographicspopulationdensityperkm")),
    _I("households", "Huishoudens", "Households", "huishoudens", "count",
       ("aantalhh", "aantalhuishoudens", "huishoudens", "particulierehuishoudensaantal")),
    _I("household_size", "Gemiddelde huishoudensgrootte", "Average household size", "personen",
       "mean", ("gemhhgr", "gemiddeldehuishoudsgrootte", "huishoudensgrootte",
                "gemiddeldehuishoudensgrootte", "demographicsavghouseholdsize"), per="households"),
    _I("pct_single_person_households", "Aandeel eenpersoonshuishoudens",
       "Share of single-person households", "%", "share",
       ("peenphh", "percentageeenpersoonshuishoudens", "demographicssinglepersonhouseholds"),
       per="households"),
    _I("pct_households_with_children", "Aandeel huishoudens met kinderen",
       "Share of households with children", "%", "share",
       ("phhmk", "percentagehuishoudensmetkinderen", "aantalhuishoudensmetkinderenpercentage"),
       per="households"),
    _I("pct_households_without_children", "Aandeel huishoudens zonder kinderen",
       "Share of households without children", "%", "share",
       ("phhzk", "percentagehuishoudenszonderkinderen"), per="households"),
    _I("pct_western_migration", "Aandeel met westerse migratieachtergrond",
       "Share with a Western migration background", "%", "share",
       ("pwestal", "percentagewestersemigratieachtergrond", "demographicswesternbackground")),
    _I("pct_non_western_migration", "Aandeel met niet-westerse migratieachtergrond",
       "Share with a non-Western migration background", "%", "share",
       ("pnwal", "percentagenietwestersemigratieachtergrond",
        "demographicsnonwesternbackground")),
    _I("housing_stock", "Woningvoorraad (CBS)", "Housing stock (CBS)", "woningen", "count",
       ("woning", "woningvoorraad", "dwellingtotal")),
    _I("woz_mean", "Gemiddelde WOZ-waarde woningen", "Average WOZ value of dwellings",
       "× € 1.000", "mean", ("woz", "wozwaarde", "gemiddeldewoningwaarde", "dwellingvalue"),
       per="housing_stock"),
    _I("pct_owner_occupied", "Aandeel koopwoningen", "Share of owner-occupied dwellings", "%",
       "share", ("pkoopwon", "koopwoningen", "koopwoningpercentage", "dwellingownership",
                 "percentagekoopwoningen"), per="housing_stock"),
    _I("pct_single_family", "Aandeel eengezinswoningen", "Share of single-family dwellings", "%",
       "share", ("p1gezw", "eengezinswoning", "percentageeengezinswoning"), per="housing_stock"),
    _I("pct_multi_family", "Aandeel meergezinswoningen", "Share of multi-family dwellings", "%",
       "share", ("pmgezw", "meergezinswoningpercentage"), per="housing_stock"),
    _I("income_per_inhabitant", "Gemiddeld inkomen per inwoner", "Average income per inhabitant",
       "× € 1.000", "mean", ("inkinw", "inkomenperinwoner", "gemiddeldinkomenperinwoner")),
    _I("pct_income_low_40", "Aandeel personen met laag inkomen (laagste 40%)",
       "Share of persons in the lowest 40% of incomes", "%", "share",
       ("plaaginkp", "incomelow")),
    _I("pct_income_high_20", "Aandeel personen met hoog inkomen (hoogste 20%)",
       "Share of persons in the highest 20% of incomes", "%", "share",
       ("phooginkp", "incomehigh")),
    _I("pct_low_income_households", "Aandeel huishoudens met een laag inkomen",
       "Share of households with a low income", "%", "share",
       ("phhli", "huishoudensmeteenlaaginkomen", "inequalitylowincomethreshold"), per="households"),
    _I("employment_rate", "Nettoarbeidsparticipatie", "Employment rate", "%", "share",
       ("nettoarbeidsparticipatie", "employmentrate")),
    _I("pct_education_low", "Aandeel laag opleidingsniveau", "Share with low education", "%",
       "share", ("opleidingsniveaulaagwaarde",)),
    _I("pct_education_mid", "Aandeel middelbaar opleidingsniveau",
       "Share with intermediate education", "%", "share",
       ("opleidingsniveaumiddelbaarwaarde",)),
    _I("pct_education_high", "Aandeel hoog opleidingsniveau", "Share with high education", "%",
       "share", ("opleidingsniveauhoogwaarde", "eduapplsci")),
    _I("ses_woa_score", "SES-WOA totaalscore", "SES-WOA total score", "score", "index",
       ("seswoatotaalscoregemiddeldescoregetal",)),
    _I("urbanity", "Stedelijkheid (1 = zeer sterk, 5 = niet)", "Urbanity (1 = very high, 5 = none)",
       "klasse", "index", ("sted", "stedelijkheid", "urbanity", "stedelijkheidadressenperkm2")),
    _I("address_density", "Omgevingsadressendichtheid", "Address density", "adressen per km²",
       "mean", ("oad", "adressendichtheid", "omgevingsadressendichtheid")),
    _I("area_total_ha", "Oppervlakte totaal", "Total area", "ha", "count",
       ("opptot", "oppervlaktetotaalinha")),
    _I("area_land_ha", "Oppervlakte land", "Land area", "ha", "count",
       ("oppland", "oppervlaktelandinha", "oppervlaktelandha")),
    _I("area_water_ha", "Oppervlakte water", "Water area", "ha", "count",
       ("oppwater", "oppervlaktewaterinha")),
    _I("distance_gp", "Afstand tot huisartsenpraktijk", "Distance to GP practice", "km", "mean",
       ("gafshp", "afstandhuisarts")),
    _I("distance_supermarket", "Afstand tot grote supermarkt", "Distance to large supermarket",
       "km", "mean", ("gafsgs", "afstandsupermarkt", "afstandtotgrotesupermarktkm")),
    _I("distance_school", "Afstand tot school", "Distance to school", "km", "mean",
       ("gafssc", "afstandschool")),
    _I("schools_within_3km", "Scholen binnen 3 km", "Schools within 3 km", "scholen", "mean",
       ("scholenbinnen3km",)),
    _I("crimes_registered", "Geregistreerde misdrijven", "Registered crimes", "misdrijven",
       "count", ("totaalgeregistreerdemisdrijven1",), (r"misdrijven(\d{4})",), source=POLICE),
    _I("crimes_per_1000", "Geregistreerde misdrijven per 1.000 inwoners",
       "Registered crimes per 1,000 inhabitants", "per 1.000 inwoners", "rate",
       ("misdrijvenper1000", "geregistreerdemisdrijvenper1000inw3"), source=POLICE),
    _I("crimes_last_12_months", "Misdrijven in de laatste 12 maanden",
       "Crimes in the last 12 months", "misdrijven", "count", ("misdrijvenlaatste12mnd",),
       source=POLICE),
    _I("health_good_pct", "Aandeel (zeer) goed ervaren gezondheid",
       "Share reporting (very) good health", "%", "share", (), (r"gezondheid(\d{4})",),
       source=RIVM),
    _I("liveability_score", "Leefbaarometer-score", "Leefbaarometer score", "score", "index",
       ("leefbarometerscore", "leefbaarometerscore"), source="Leefbaarometer (BZK)"),
    # --- social domain: income and housing as CBS publishes them (open) ---
    _I("pct_social_minimum", "Aandeel huishoudens tot 110% van het sociaal minimum",
       "Share of households at or below the social minimum", "%", "share",
       ("inequalityatorbelowsocialminimum", "huishoudenstot110vanhetsociaalminimum",
        "phhsocmin")),
    # CBS: rented dwellings owned by a housing corporation (toegelaten instelling), as a share of
    # all dwellings; not "social housing" by rent level. PDOK spells it perc_huurwoningen_...
    _I("pct_social_housing", "Aandeel corporatiewoningen",
       "Share of dwellings owned by housing corporations", "%", "share",
       ("housingsocialhousing", "percentagecorporatiewoningen", "phuurcorp",
        "inbezitwoningcorporatie", "perchuurwoningeninbezitwoningcorporaties",
        "percentagehuurwoningeninbezitwoningcorporaties", "huurwoningeninbezitwoningcorporatie"),
       per="housing_stock"),
    _I("pct_vacant_dwellings", "Aandeel leegstaande woningen", "Share of vacant dwellings", "%",
       "share", ("housingvacancyrate", "percentageleegstaandewoningen", "pleegsw")),
    # --- energy use of private dwellings (Kerncijfers wijken en buurten, "Energie") ---
    # CBS averages over the dwellings of the area, from the grid operators' connection
    # registers, rounded to 50 and published for 6 or more dwellings; dwellings on district
    # heating count with their (near) zero gas use. Combined over areas by housing stock.
    _I("gas_use_mean", "Gemiddeld aardgasverbruik per woning", "Average gas use per dwelling",
       "m³", "mean", ("ggastot", "gemiddeldgasverbruiktotaal", "gemiddeldaardgasverbruiktotaal",
                      "gemiddeldaardgasverbruik", "aardgasverbruikm3gemiddeld",
                      "environmentavggasuse"), per="housing_stock"),
    _I("electricity_use_mean", "Gemiddeld elektriciteitsverbruik per woning",
       "Average electricity use per dwelling", "kWh", "mean",
       ("gelektot", "gemiddeldelektriciteitsverbruiktotaal",
        "gemiddeldeelektriciteitsleveringtotaal", "elektriciteitsverbruikkwhgemiddeld",
        "environmentavgelectricityuse"), per="housing_stock"),
    _I("pct_district_heating", "Aandeel woningen met stadsverwarming",
       "Share of dwellings on district heating", "%", "share",
       ("pstadverw", "percentagewoningenmetstadsverwarming", "woningenmetstadsverwarming",
        "environmentdistrictheating"), per="housing_stock"),
    # --- social domain: benefits and care use per area (internal: stigmatising per buurt) ---
    _I("social_assistance_per_1000", "Bijstandsuitkeringen per 1.000 inwoners",
       "Social-assistance benefits per 1,000 inhabitants", "per 1.000 inwoners", "rate",
       ("inequalitybijstandrecipients", "bijstandper1000", "bijstandsuitkeringenper1000inwoners"),
       tier="internal"),
    _I("social_assistance", "Bijstandsuitkeringen", "Social-assistance benefits", "uitkeringen",
       "count", ("abijstand", "bijstandsuitkeringen", "aantalbijstandsuitkeringen"),
       tier="internal"),
    _I("youth_care_pct", "Aandeel jongeren met jeugdzorg", "Share of young people in youth care",
       "%", "share", ("inequalityyouthwelfare", "percentagejongerenmetjeugdzorg",
                      "jongerenmetjeugdzorginnatura", "pjeugdzorg"), tier="internal"),
    _I("wmo_clients_per_1000", "Wmo-cliënten per 1.000 inwoners",
       "Wmo (social support) clients per 1,000 inhabitants", "per 1.000 inwoners", "rate",
       ("welfarecarewmocareclients", "wmoclientenrelatief", "wmoclientenper1000inwoners"),
       tier="internal"),
    _I("disability_benefit_per_1000", "Arbeidsongeschiktheidsuitkeringen per 1.000 inwoners",
       "Disability benefits per 1,000 inhabitants", "per 1.000 inwoners", "rate",
       ("welfarecaredisabilitybenefit", "aouitkeringenper1000inwoners"), tier="internal"),
)

#: Registered crime by type (CBS 83648NED / 47022NED) used as ondermijning proxies: restricted.
#: StatLine tables give the type as a dimension (``SoortMisdrijf``); each type and measure pair
#: becomes a column ``<type> | <measure>`` (see sources.statline.widen_dimensions).
CRIME_TYPES: dict[str, tuple[str, str, str]] = {
    "drugs": ("Drugsmisdrijven", "drugsmisdrijven", "drug crimes"),
    "firearms": ("Vuurwapenmisdrijven", "vuurwapenmisdrijven", "firearm crimes"),
    "arson_explosion": ("Brandstichting / ontploffing", "brandstichting en ontploffingen",
                        "arson and explosions"),
    "fraud": ("Bedrog", "bedrog (fraude)", "fraud"),
    "forgery": ("Valsheidsmisdrijven", "valsheidsmisdrijven", "forgery"),
}


def _crime_type_indicators() -> tuple[Indicator, ...]:
    out: list[Indicator] = []
    for key, (label, nl, en) in CRIME_TYPES.items():
        stem = normalise(label)
        out.append(_I(f"crimes_{key}_share", f"Aandeel {nl} in geregistreerde misdrijven",
                      f"Share of {en} in registered crime", "%", "share",
                      (stem + "geregistreerdemisdrijvenrelatief2", f"crimes{key}share"),
                      tier="restricted", source=POLICE))
        out.append(_I(f"crimes_{key}_per_1000", f"{nl.capitalize()} per 1.000 inwoners",
                      f"{en.capitalize()} per 1,000 inhabitants", "per 1.000 inwoners", "rate",
                      (stem + "geregistreerdemisdrijvenper1000inw3", f"crimes{key}per1000"),
                      tier="restricted", source=POLICE))
        out.append(_I(f"crimes_{key}", f"Geregistreerde {nl}", f"Registered {en}", "misdrijven",
                      "count", (stem + "totaalgeregistreerdemisdrijven1", f"crimes{key}"),
                      tier="restricted", source=POLICE))
    return tuple(out)


#: Events from a municipality's own registrations (``ingest events``), counted per area and
#: year with the point-to-area engine. Restricted: the points never leave the ingest.
EVENT_SOURCE = "Eigen registratie gemeente"
EVENT_CATEGORIES: dict[str, tuple[str, str]] = {
    "drugs": ("drugs", "drugs"),
    "weapons": ("wapens", "weapons"),
    "explosions": ("explosies en brandstichting", "explosions and arson"),
    "fraud": ("fraude en witwassen", "fraud and money laundering"),
    "other": ("overige", "other"),
}


def _event_indicators() -> tuple[Indicator, ...]:
    total = _I("events_total", "Geregistreerde meldingen (eigen registratie)",
               "Registered events (own registrations)", "meldingen", "count", (),
               tier="restricted", source=EVENT_SOURCE, licence="intern")
    return (total, *(
        _I(f"events_{key}", f"Meldingen {nl}", f"Events: {en}", "meldingen", "count", (),
           tier="restricted", source=EVENT_SOURCE, licence="intern")
        for key, (nl, en) in EVENT_CATEGORIES.items()))


INDICATORS = INDICATORS + _crime_type_indicators() + _event_indicators()

#: The short names of CBS's own Kerncijfers wijken en buurten workbooks (kwb-YYYY.xlsx/csv).
KWB_WORKBOOK_NAMES: dict[str, str] = {
    "a_inw": "population", "a_man": "men", "a_vrouw": "women", "a_00_14": "population_0_14",
    "a_65_oo": "population_65_plus", "a_hh": "households", "g_hhgro": "household_size",
    "bev_dich": "population_density", "a_woning": "housing_stock", "g_woz": "woz_mean",
    "p_koopw": "pct_owner_occupied", "g_ink_pi": "income_per_inhabitant",
    "a_opp_ha": "area_total_ha", "a_lan_ha": "area_land_ha", "a_wat_ha": "area_water_ha",
    "ste_mvs": "urbanity", "ste_oad": "address_density",
    "g_gas": "gas_use_mean", "g_ele": "electricity_use_mean", "p_stadsv": "pct_district_heating",
    "p_wcorpw": "pct_social_housing",
}

BY_ID: dict[str, Indicator] = {i.id: i for i in INDICATORS}
_BY_ALIAS: dict[str, Indicator] = {
    a: i for i in INDICATORS for a in (*i.aliases, i.id.replace("_", ""))}
_BY_ALIAS.update({normalise(k): BY_ID[v] for k, v in KWB_WORKBOOK_NAMES.items()})
_PATTERNS: list[tuple[re.Pattern[str], Indicator]] = [
    (re.compile(p + "$"), i) for i in INDICATORS for p in i.year_patterns]


def known() -> dict[str, Indicator]:
    """Every indicator a layer may use: CBS figures and the BAG / EP-Online aggregates."""
    derived = (*address_indicators(), *label_indicators())
    return {**BY_ID, **{i.id: i for i in derived}}


def match_column(column: str) -> tuple[Indicator, int | None] | None:
    """The indicator a column holds, and its year when the column name carries one."""
    for key in _candidates(column):
        found = _BY_ALIAS.get(key)
        if found is not None:
            return found, None
        for pattern, indicator in _PATTERNS:
            m = pattern.match(key)
            if m:
                return indicator, int(m.group(1))
    return None


def _candidates(column: str) -> list[str]:
    """StatLine labels carry a theme path and a unit: 'Bevolking/Aantal inwoners (aantal)'.

    Tried in order: the whole name, without the unit, and the last path part without the unit.
    """
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", column)
    keys = [normalise(column), normalise(bare), normalise(bare.rsplit("/", 1)[-1])]
    return list(dict.fromkeys(k for k in keys if k))
