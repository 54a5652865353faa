"""Dutch first, English on request (``?lang=en``, remembered in a cookie)."""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "app_title": "GeoInsight", "tagline": "Wijken en buurten in kaart",
        "home": "Overzicht", "maps": "Kaarten", "layers": "Kaartlagen", "level": "Niveau",
        "municipality": "Gemeente", "plan_scheme": "Prioritering", "year": "Jaar",
        "latest": "meest recent",
        "show_map": "Toon kaart", "download": "Downloaden",
        "gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt", "country": "Nederland",
        "area": "Gebied", "indicator": "Indicator", "unit": "Eenheid", "source": "Bron",
        "levels": "Niveaus", "legend_title": "Legenda", "missing": "geen gegevens",
        "secret": "geheim / te weinig waarnemingen", "value": "Waarde", "code": "Code",
        "no_data_class": "Geen waarde", "loading": "Kaart laden…",
        "error": "De kaartgegevens konden niet worden geladen.",
        "boundaries_of": "grenzen van", "figures_of": "cijfers van",
        "profile": "Gebiedsprofiel", "on_map": "op de kaart", "no_layers": "Geen kaartlagen.",
        "no_data": "Nog geen gegevens in de opslag.", "credit":
        "Bron: CBS, Kerncijfers wijken en buurten en Wijk- en buurtkaart (CC BY 4.0); "
        "Politie; RIVM/GGD.",
        "basemap_credit": "Achtergrondkaart: BRT-Achtergrondkaart, Kadaster (PDOK).",
        "not_found": "Niet gevonden", "bad_request": "Ongeldig verzoek",
        "server_error": "Er ging iets mis", "back_home": "Terug naar de kaart",
        "api": "API", "language": "English", "switch_lang": "en", "partial": "deel",
        "planning": "Planning", "signals": "Signalen",
        "map_png": "Kaart als PNG (deze weergave)",
        "report": "Gebiedsrapport", "report_pdf": "PDF", "area_profile": "Gebiedsprofiel",
        "report_map_title": "Kaart: {name} tussen de gebieden eromheen",
        "report_figures": "Kerncijfers", "report_signals": "Signalen",
        "report_no_signals": "Dit gebied valt in geen kaartlaag op binnen de gemeente.",
        "report_sources": "Bronnen", "report_generated": "Gemaakt op",
        "report_boundaries": "Grenzen",
        "report_signal_change": "van {previous} ({previous_year}) naar {value} ({year})",
        "report_pdf_unavailable": "Een PDF kan op deze server niet gemaakt worden: Pango "
                                  "ontbreekt (Debian-pakket libpango-1.0-0). Druk de "
                                  "pagina af als PDF.",
        "about_layer": "Over deze kaartlaag", "about_definition": "Definitie",
        "about_unit": "Eenheid", "about_kind": "Soort cijfer",
        "about_expression": "Berekening", "about_inputs": "Gebruikte gegevens",
        "about_source": "Bron", "about_tables": "CBS-tabel", "about_licence": "Licentie",
        "about_years": "Jaren met cijfers", "about_boundaries": "Gepubliceerd op de grenzen van",
        "about_levels": "Niveaus", "about_method": "Methode",
        "about_method_doc": "Volledige uitleg (Engelstalig)",
        "about_disclosure": "Bescherming van personen", "about_tier": "Wie dit ziet",
        "about_none_yet": "nog geen", "about_map": "Op de kaart",
        "about_synthetic": "Let op: deze cijfers komen uit synthetische demodata.",
        "kind_count": "aantal", "kind_share": "aandeel", "kind_rate": "verhoudingsgetal",
        "kind_mean": "gemiddelde", "kind_index": "index",
        "about_method_table": "Zoals de bron ze publiceert per gebied en jaar. Een cijfer staat "
                              "alleen op de grenzen van een ander jaar als het gebied "
                              "aantoonbaar hetzelfde is; anders wordt het opnieuw berekend "
                              "(geschat) of niet getoond.",
        "about_method_points": "Geteld uit de adressen (BAG) en energielabels (EP-Online) die "
                               "in het gebied liggen.",
        "about_method_events": "Geteld uit de eigen registratie: elke melding telt in het "
                               "gebied waar zij ligt.",
        "about_method_raster": "Berekend uit het raster: elke cel telt mee naar het deel dat "
                               "binnen het gebied ligt; alleen voor gebieden die geheel binnen "
                               "het raster liggen.",
        "about_method_composite": "Een samengestelde index: de onderdelen worden binnen de "
                                  "gemeente genormaliseerd en gewogen opgeteld.",
        "about_rule_land": "Beschrijft het gebied, niet de bewoners: de regels voor kleine "
                           "aantallen en kleine gebieden gelden niet.",
        "about_rule_small_counts": "Aantallen van 1 tot en met {n} worden niet getoond "
                                   "(geheim).",
        "about_rule_complementary": "Waar één gebied geheim is, wordt ook een tweede verborgen, "
                                    "zodat het niet uit het totaal terug te rekenen is.",
        "about_rule_rounding": "Aantallen personen en huishoudens van wijken en buurten zijn "
                               "afgerond op {n}.",
        "about_rule_small_base": "Niet getoond voor gebieden met minder dan {n} inwoners.",
        "about_rule_base": "Niet getoond waar {indicator} kleiner is dan {n}.",
        "about_rule_categories": "Is één categorie geheim, dan ook de andere van dat gebied.",
        "about_rule_none": "Geen bijzondere regels: het cijfer gaat niet over personen.",
        "about_tier_open": "Iedereen (open).",
        "about_tier_internal": "Alleen ingelogde medewerkers (intern).",
        "about_tier_restricted": "Alleen medewerkers met een daarvoor aangewezen rol "
                                 "(vertrouwelijk).",
        "search": "Zoeken", "search_placeholder": "Postcode of gebied",
        "search_button": "Zoek", "search_results": "Zoekresultaten",
        "search_none": "Niets gevonden. Zoek op een postcode (2611 AB, met of zonder "
                       "huisnummer), of op de naam of code van een buurt, wijk of gemeente.",
        "search_profile": "Profiel", "search_map": "Kaart",
        "search_suggestions": "Suggesties", "search_in": "in",
        "match_name": "naam", "match_code": "code", "match_postcode": "postcode",
        "match_address": "adres",
        "label_distribution": "Energielabels van woningen",
        "label_chart_caption": "Woningen met een geldig energielabel, per klasse",
        "other_indicators": "Overige indicatoren", "synthetic": "synthetisch",
        "synthetic_note": "Let op: synthetische demodata (geen echte energielabels, meldingen "
                          "of hittekaart).",
        "compare_intro": "Alle kaartlagen voor dit gebied, naast de wijk, de gemeente en — "
                         "waar bekend — Nederland.",
        # custom areas (templates/maps/map.html, static/js/custom-area.js)
        "area_title": "Eigen gebied",
        "area_hint": "Teken een vlak of rechthoek met de knoppen links op de kaart, of upload "
                     "een bestand.",
        "area_upload": "Bestand (GeoJSON, GeoPackage of gezipte Shapefile)",
        "area_clear": "Gebied wissen", "area_busy": "Gebied berekenen…",
        "area_failed": "Het gebied kon niet worden berekend.",
        "area_empty": "Geen gegevens voor dit gebied.",
        "area_caption": "Kaartlagen binnen dit gebied", "area_layer": "Kaartlaag",
        "area_status": "Status", "area_method": "Methode", "area_coverage": "Dekking",
        "area_size": "Oppervlakte", "area_vertices": "Hoekpunten",
        "area_overlapping": "Overlappende gebieden",
        "status_ok": "berekend", "status_estimated": "geschat", "status_secret": "geheim",
        "status_missing": "geen gegevens",
        "method_points": "punten in het gebied geteld",
        "method_raster": "uit het raster berekend",
        "method_raster_overview": "uit een grover overzicht van het raster berekend (groot "
                                  "gebied): alleen gemiddelde en dekking",
        "method_area_weighted": "naar oppervlakte gewogen",
        "method_population_weighted": "naar inwoners gewogen",
        "method_denominator_weighted": "naar huishoudens, woningen of labels gewogen",
        "method_identical": "precies één gebied, ongewijzigd",
        "method_whole_areas": "som van hele gebieden (exact)",
        "reason_too_little_published": "te weinig van het gebied heeft gepubliceerde cijfers",
        "method_not_aggregable": "niet samen te voegen",
        "method_address_weighted": "naar adressen gewogen",
        "method_none": "—",
        "draw_polygon": "Teken een vlak", "draw_rectangle": "Teken een rechthoek",
        "draw_cancel": "Annuleren", "draw_cancel_title": "Tekenen annuleren",
        "draw_finish": "Klaar", "draw_finish_title": "Tekenen afronden",
        "draw_undo": "Laatste punt wissen", "draw_undo_title": "Het laatst getekende punt wissen",
        "draw_polygon_start": "Klik om te beginnen met tekenen.",
        "draw_polygon_cont": "Klik om verder te tekenen.",
        "draw_polygon_end": "Klik op het eerste punt om het vlak te sluiten.",
        "draw_rectangle_start": "Klik en sleep om een rechthoek te tekenen.",
        "draw_shape_end": "Laat de muis los om af te ronden.",
        "draw_cross_error": "Fout: randen mogen elkaar niet kruisen.",
        # pages adapt to what the store holds (geoinsight/web/notices.py, pickers)
        "notice_no_figures_at_level": "Bij de opgeslagen {asked}grenzen horen nog geen "
                                      "cijfers; daarom toont de kaart het {level}niveau.",
        "notice_no_boundaries_at_level": "{name} heeft geen {asked}grenzen in de opslag; de "
                                         "kaart toont het {level}niveau.",
        "notice_other_boundaries": "De cijfers van {year} van {n} gebieden horen bij de "
                                   "indeling van {on}, niet bij deze grenzen van {b_year}: ze "
                                   "staan niet op de kaart. Laad de Wijk- en buurtkaart {on} "
                                   "om ze te tonen.",
        "notice_no_level": "De opslag heeft geen {asked}grenzen; de kaart toont het "
                           "{level}niveau.",
        "notice_layer_not_at_level": "Deze kaartlaag heeft geen cijfers per {asked}; de kaart "
                                     "toont het {level}niveau.",
        "notice_other_years": "Niet op deze kaart (geen {level}grenzen van {b_year} in de "
                              "opslag): {names}. Kies een gemeente om haar eigen {level}kaart "
                              "te zien.",
        "notice_more": "… ({n} gemeenten)",
        "notice_elsewhere": "Deze kaartlaag heeft nog geen cijfers voor deze gebieden.",
        "notice_not_loaded": "Voor deze kaartlaag zijn nog geen cijfers geladen.",
        "left_out": "Zonder cijfers voor deze gebieden",
        "note_few_values": "te weinig gebieden met een waarde (n = {0} < {1})",
        "note_few_connected": "te weinig aaneengesloten gebieden (n = {0} < {1})",
        "note_no_variation": "geen variatie in de waarden",
        "theme_population": "Bevolking", "theme_housing": "Wonen", "theme_energy": "Energie",
        "theme_social": "Sociaal domein", "theme_safety": "Veiligheid",
        "theme_facilities": "Voorzieningen", "theme_economy": "Economie",
        "theme_environment": "Leefomgeving", "theme_": "Overig",
        # page texts (templates/): one catalogue, no per-language branches
        "audit_tier": "Toegang", "audit_route": "Route",
        "ogc_title_gemeente": "Gemeenten", "ogc_title_wijk": "Wijken",
        "ogc_title_buurt": "Buurten",
        "ogc_landing_description": (
            "CBS-gemeenten, -wijken en -buurten met de cijfers van de kaartlagen van "
            "GeoInsight, zoals gepubliceerd (na onthullingscontrole)."),
        "ogc_collection_head": "CBS-{level}grenzen van {year}, {count} gebieden",
        "ogc_collection_no_figures": ". Nog geen cijfers op deze grenzen.",
        "ogc_collection_columns": (
            ", met per laag een waarde en een status (ok, missing, secret, estimated): "),
        "audit_title": "Auditlog",
        "audit_intro": (
            "Elke inzage van interne of beperkte gegevens, nieuwste eerst (de laatste 500). "
            "Het log kan niet worden gewijzigd."),
        "audit_when": "Wanneer",
        "audit_who": "Wie",
        "audit_what": "Wat",
        "audit_area": "Gebied",
        "audit_from": "Vanaf",
        "audit_custom_area": "Eigen gebied (RD New)",
        "audit_bbox": "begrenzing",
        "audit_vertices": "hoekpunten",
        "audit_hash": "SHA-256 van de genormaliseerde geometrie (WKB)",
        "auth_sign_in": "Inloggen",
        "auth_bad_login": "Onbekende naam of onjuist wachtwoord.",
        "auth_bad_csrf": (
            "Het formulier was verlopen of kwam niet van deze site. Probeer het opnieuw."),
        "auth_cookie_dropped": (
            "Deze server stuurt het inlogcookie alleen via https, maar deze pagina kwam via "
            "gewoon http: uw browser bewaart het dan niet en inloggen lukt hier niet. Gebruik"
            " https, of open de demo op http://127.0.0.1."),
        "auth_signed_in_as": "Ingelogd als",
        "auth_sign_out": "Uitloggen",
        "auth_name": "Naam",
        "auth_password": "Wachtwoord",
        "auth_throttled": (
            "Te veel mislukte inlogpogingen. Probeer het over {seconds} seconden opnieuw."),
        "auth_locked": (
            "Deze naam is geblokkeerd na te veel mislukte inlogpogingen. Vraag een beheerder "
            "om haar te deblokkeren."),
        "auth_help": (
            "Accounts maakt een beheerder aan (<code>geoinsight users add</code>). Voor open "
            "data is geen account nodig."),
        "signals_kind_rising": "sterke stijging",
        "signals_kind_falling": "sterke daling",
        "signals_kind_hot": "hotspot",
        "signals_kind_cold": "coldspot",
        "signals_kind_HL": "uitschieter hoog tussen laag",
        "signals_kind_LH": "uitschieter laag tussen hoog",
        "ogc_returned_of": "{returned} van {matched} objecten",
        "ogc_prev": "Vorige",
        "ogc_next": "Volgende",
        "ogc_open_in_qgis": (
            "Open deze dienst in QGIS (Laag › Laag toevoegen › WFS / OGC API – Features) of "
            "met"),
        "ogc_description": "Omschrijving",
        "plan_partial_note": (
            "Van deze gemeente staat maar een deel in de opslag: de ranking vergelijkt alleen"
            " de {n} aanwezige gebieden, niet de hele gemeente."),
        "plan_score_help": (
            "De score (0–100) is het gewogen gemiddelde van de indicatoren, genormaliseerd "
            "over de getoonde gebieden ({normalisation}; 1 = eerst aanpakken). Ontbrekende "
            "indicatoren tellen niet mee, nooit als nul."),
        "plan_noscript": (
            "Gewichten aanpassen kan met JavaScript aan, of met "
            "<code>&amp;weights=poor_labels:3,old_stock:0</code> in het adres."),
        "plan_legend_title": "Prioriteitsscore",
        "plan_legend_unit": "0–100, hoger = eerder aanpakken",
        "plan_rank": "Rang",
        "plan_of": "van",
        "plan_updating": "Ranking bijwerken…",
        "plan_update_error": "De ranking kon niet worden bijgewerkt.",
        "plan_map_error": "De kaartgebieden konden niet worden geladen.",
        "plan_sort_asc": "oplopend gesorteerd",
        "plan_sort_desc": "aflopend gesorteerd",
        "plan_sort_by": "Sorteer op",
        "signals_signals": "Signalen",
        "signals_signals_what_stands_out": "Signalen: wat valt op",
        "signals_show": "Toon",
        "signals_against": "vergeleken met",
        "signals_previous_year": "Vorig jaar",
        "signals_signal": "Signaal",
        "signals_vs_parent": "t.o.v. wijk / gemeente",
        "signals_vs_peers": "t.o.v. vergelijkbare buurten",
        "signals_per_map_layer_areas": ("Per kaartlaag: gebieden waarvan de verandering sinds "
                                        "het vorige jaar ver buiten de gebruikelijke spreiding "
                                        "valt (robuuste z-score ≥ 2), hot- en coldspots "
                                        "(Getis-Ord Gi*, p ≤ 0,05 na 999 permutaties) en "
                                        "ruimtelijke uitschieters (Local Moran's I). Alleen "
                                        "gepubliceerde cijfers tellen mee: geheime cijfers "
                                        "niet."),
        "ogc_the_document_as_json": "Het document als JSON",
        "ogc_path": "Pad",
        "ogc_summary": "Omschrijving",
        "ogc_browse_the_features": "Bekijk de objecten",
        "ogc_properties": "Eigenschappen",
        "ogc_extent_crs84": "Omvang (CRS84)",
        "ogc_property": "Eigenschap",
        "ogc_licence": "Licentie",
        "ogc_collections": "Collecties",
        "ogc_collection": "Collectie",
        "ogc_areas": "Gebieden",
        "ogc_features": "Objecten",
        "ogc_conformance": "Conformiteit",
        "ogc_conformance_classes": "Conformiteitsklassen",
        "ogc_from": "vanaf",
        "ogc_api_definition_openapi_3": "API-beschrijving (OpenAPI 3.0)",
        "ogc_properties_2": "eigenschappen",
        "planning_these_inputs_are_generated": ("Deze indicatoren zijn voor de demo "
                                                "gegenereerd; de ranking zegt dus niets over "
                                                "de echte buurten:"),
        "planning_weights": "Gewichten",
        "planning_lower_sooner": "lager = eerder",
        "planning_higher_sooner": "hoger = eerder",
        "planning_years": "jaren",
        "planning_missing_here": "ontbreekt in deze gemeente",
        "planning_weight": "Gewicht",
        "planning_default_weights": "Standaardgewichten",
        "planning_the_ranking_with_every": ("De ranking met elke indicator (waarde, status, "
                                            "genormaliseerde waarde) en de gebruikte "
                                            "gewichten."),
        "planning_ranking": "Rangorde",
        "planning_rank": "Rang",
        "planning_used": "Gebruikt",
        "planning_missing": "ontbreekt",
        "planning_map_of_the_score": "Kaart van de score",
        "planning_the_map_needs_javascript": ("De kaart heeft JavaScript nodig; de rangorde "
                                              "werkt ook zonder."),
        # error pages (geoinsight/web/errors.py): per error code
        "error_generic": "Het verzoek kon niet worden uitgevoerd.",
        "error_not_found": "Deze pagina bestaat niet.",
        "error_unknown_layer": "Deze kaartlaag bestaat niet, of u mag haar niet zien.",
        "error_unknown_area": "Dit gebied staat niet in de opslag.",
        "error_no_areas": "Voor deze selectie staan geen grenzen in de opslag.",
        "error_no_values": "Deze kaartlaag heeft geen cijfers voor dat jaar.",
        "error_bad_level": "Onbekend niveau: kies buurt, wijk of gemeente.",
        "error_bad_year": "Ongeldig jaar.",
        "error_bad_municipality": "Ongeldige gemeentecode (bijvoorbeeld GM0503).",
        "error_bad_format": "Onbekend bestandsformaat.",
        "error_unknown_scheme": "Dit planningsschema bestaat niet.",
        "error_bad_weights": "Ongeldige gewichten.",
        "error_unknown_collection": "Deze collectie bestaat niet.",
        "error_unknown_item": "Dit object bestaat niet.",
        "error_method_not_allowed": "Deze methode is hier niet toegestaan.",
        "error_internal_error": "Er ging iets mis op de server.",
        "error_too_many_requests": (
            "Te veel verzoeken vanaf dit adres. Wacht even en probeer het opnieuw."),
        "links": "Verwijzingen",
        "all_municipalities": "Alle gemeenten",
        "province": "Provincie", "whole_country": "Heel Nederland",
        "partial_title": "Niet alle gebieden van deze gemeente staan in de opslag",
        # --- planning: what a ranking stands on (geoinsight/web/planning.py, templates/planning)
        "plan_coverage_title": "Per invoer: wat er is en wat ontbreekt",
        "plan_coverage_summary": "Gebaseerd op {available} van {inputs} invoer, {share}% van het "
                                 "gewicht",
        "plan_coverage_missing": "ontbrekend: {items}",
        "plan_coverage_areas": "{scored} van {areas} gebieden hebben een score.",
        "plan_coverage_no_weight": "Alle gewichten staan op 0: geen score.",
        "plan_coverage_rule": "Per gebied worden de gewichten herverdeeld over de invoer waarvoor "
                              "het cijfers heeft; ontbrekende of geheime invoer telt nooit als 0. "
                              "Een gebied waarvan de beschikbare invoer minder dan de helft van "
                              "het gewicht draagt, krijgt geen score en geen rang.",
        "plan_row_no_score": "{available} van {inputs} invoer beschikbaar ({share}% van het "
                             "gewicht): geen score",
        "plan_row_no_weight": "alle gewichten staan op 0: geen score",
        "plan_no_score": "geen score",
        "plan_used_title": "invoer gebruikt in de score, en het aandeel van het gewicht dat ze "
                           "dragen",
        "plan_weight_share": "{share}% van het gewicht",
        "plan_partial": "cijfers voor {count} van {areas} gebieden",
        "plan_use_available": "Rangschik alleen op de beschikbare invoer (zet het gewicht van "
                              "ontbrekende invoer op 0)",
        "plan_missing_of": " van {indicator}",
        "plan_missing_not_loaded": "niet geladen: geen cijfers{of} in de opslag",
        "plan_missing_not_for_these_areas": "geen cijfers{of} voor deze gebieden",
        "plan_missing_other_boundaries": "geen cijfers voor de grenzen van {boundary_year}: de "
                                         "cijfers{of} staan op de indeling van {years}",
        "plan_missing_suppressed": "alle cijfers{of} ({years}) zijn hier geheim",
        "plan_missing_empty": "de bron geeft voor deze gebieden geen cijfers{of} ({years})",
        "plan_missing_no_overlap": "de onderdelen hebben nooit cijfers voor hetzelfde gebied",
    },
    "en": {
        "app_title": "GeoInsight", "tagline": "Neighbourhoods on the map",
        "home": "Overview", "maps": "Maps", "layers": "Map layers", "level": "Level",
        "municipality": "Municipality", "plan_scheme": "Ranking", "year": "Year",
        "latest": "latest", "show_map": "Show map",
        "download": "Download",
        "gemeente": "municipality", "wijk": "district", "buurt": "neighbourhood",
        "country": "Netherlands", "area": "Area", "indicator": "Indicator", "unit": "Unit",
        "source": "Source", "levels": "Levels", "legend_title": "Legend", "missing": "no data",
        "secret": "secret / too few observations", "value": "Value", "code": "Code",
        "no_data_class": "No value", "loading": "Loading map…",
        "error": "The map data could not be loaded.",
        "boundaries_of": "boundaries of", "figures_of": "figures of",
        "profile": "Area profile", "on_map": "on the map", "no_layers": "No map layers.",
        "no_data": "The store holds no data yet.", "credit":
        "Source: CBS, Kerncijfers wijken en buurten and Wijk- en buurtkaart (CC BY 4.0); "
        "Police; RIVM/GGD.",
        "basemap_credit": "Basemap: BRT-Achtergrondkaart, Kadaster (PDOK).",
        "not_found": "Not found", "bad_request": "Bad request",
        "server_error": "Something went wrong", "back_home": "Back to the map",
        "api": "API", "language": "Nederlands", "switch_lang": "nl", "partial": "part",
        "planning": "Planning", "signals": "Signals",
        "map_png": "Map as PNG (this view)",
        "report": "Area report", "report_pdf": "PDF", "area_profile": "Area profile",
        "report_map_title": "Map: {name} among the areas around it",
        "report_figures": "Key figures", "report_signals": "Signals",
        "report_no_signals": "The area does not stand out within its gemeente in any layer.",
        "report_sources": "Sources", "report_generated": "Made on",
        "report_boundaries": "Boundaries",
        "report_signal_change": "from {previous} ({previous_year}) to {value} ({year})",
        "report_pdf_unavailable": "This server cannot make a PDF: Pango is missing (Debian "
                                  "package libpango-1.0-0). Print the page to PDF instead.",
        "about_layer": "About this map layer", "about_definition": "Definition",
        "about_unit": "Unit", "about_kind": "Kind of figure",
        "about_expression": "Computation", "about_inputs": "Data used",
        "about_source": "Source", "about_tables": "CBS table", "about_licence": "Licence",
        "about_years": "Years with figures", "about_boundaries": "Published on the boundaries of",
        "about_levels": "Levels", "about_method": "Method",
        "about_method_doc": "Full explanation",
        "about_disclosure": "Protection of persons", "about_tier": "Who sees this",
        "about_none_yet": "none yet", "about_map": "On the map",
        "about_synthetic": "Note: these figures come from synthetic demo data.",
        "kind_count": "count", "kind_share": "share", "kind_rate": "rate",
        "kind_mean": "mean", "kind_index": "index",
        "about_method_table": "As the source publishes them per area and year. A figure is shown "
                              "on another year's boundaries only where the area is provably "
                              "the same; otherwise it is re-expressed (estimated) or not shown.",
        "about_method_points": "Counted from the addresses (BAG) and energy labels (EP-Online) "
                               "that lie in the area.",
        "about_method_events": "Counted from the own register: each event counts in the area "
                               "it lies in.",
        "about_method_raster": "Computed from the raster: each cell counts for the part of it "
                               "inside the area; only for areas that lie wholly within the "
                               "raster.",
        "about_method_composite": "A composite index: its parts are normalised within the "
                                  "gemeente and added with their weights.",
        "about_rule_land": "Describes the land, not its inhabitants: the rules for small counts "
                           "and small areas do not apply.",
        "about_rule_small_counts": "Counts from 1 to {n} are not shown (secret).",
        "about_rule_complementary": "Where one area is secret a second one is hidden too, so it "
                                    "cannot be worked out from the total.",
        "about_rule_rounding": "Counts of persons and households of wijken and buurten are "
                               "rounded to {n}.",
        "about_rule_small_base": "Not shown for areas with fewer than {n} inhabitants.",
        "about_rule_base": "Not shown where {indicator} is below {n}.",
        "about_rule_categories": "Where one category is secret, so are the area's others.",
        "about_rule_none": "No particular rules: the figure is not about persons.",
        "about_tier_open": "Everyone (open).",
        "about_tier_internal": "Signed-in staff only (internal).",
        "about_tier_restricted": "Only staff with a role designated for it (restricted).",
        "search": "Search", "search_placeholder": "Postcode or area",
        "search_button": "Search", "search_results": "Search results",
        "search_none": "Nothing found. Search for a postcode (2611 AB, with or without a "
                       "house number), or the name or code of a buurt, wijk or gemeente.",
        "search_profile": "Profile", "search_map": "Map",
        "search_suggestions": "Suggestions", "search_in": "in",
        "match_name": "name", "match_code": "code", "match_postcode": "postcode",
        "match_address": "address",
        "label_distribution": "Energy labels of dwellings",
        "label_chart_caption": "Dwellings with a valid energy label, by class",
        "other_indicators": "Other indicators", "synthetic": "synthetic",
        "synthetic_note": "Note: synthetic demo data (not real energy labels, reports or heat "
                          "map).",
        "compare_intro": "Every map layer for this area, beside its district, municipality "
                         "and — where known — the Netherlands.",
        # custom areas (templates/maps/map.html, static/js/custom-area.js)
        "area_title": "Custom area",
        "area_hint": "Draw a polygon or rectangle with the buttons on the left of the map, or "
                     "upload a file.",
        "area_upload": "File (GeoJSON, GeoPackage or zipped Shapefile)",
        "area_clear": "Clear area", "area_busy": "Calculating the area…",
        "area_failed": "The area could not be calculated.",
        "area_empty": "No data for this area.",
        "area_caption": "Map layers within this area", "area_layer": "Map layer",
        "area_status": "Status", "area_method": "Method", "area_coverage": "Coverage",
        "area_size": "Area", "area_vertices": "Vertices",
        "area_overlapping": "Overlapping areas",
        "status_ok": "computed", "status_estimated": "estimated", "status_secret": "suppressed",
        "status_missing": "no data",
        "method_points": "points in the area counted",
        "method_raster": "computed from the raster",
        "method_raster_overview": "computed from a coarser overview of the raster (a large "
                                  "area): mean and coverage only",
        "method_area_weighted": "area-weighted",
        "method_population_weighted": "population-weighted",
        "method_denominator_weighted": "weighted by households, dwellings or labels",
        "method_identical": "exactly one area, unchanged",
        "method_whole_areas": "sum of whole areas (exact)",
        "reason_too_little_published": "too little of the area has published figures",
        "method_not_aggregable": "cannot be combined",
        "method_address_weighted": "address-weighted",
        "method_none": "—",
        "draw_polygon": "Draw a polygon", "draw_rectangle": "Draw a rectangle",
        "draw_cancel": "Cancel", "draw_cancel_title": "Cancel drawing",
        "draw_finish": "Finish", "draw_finish_title": "Finish drawing",
        "draw_undo": "Delete last point", "draw_undo_title": "Delete the last point drawn",
        "draw_polygon_start": "Click to start drawing the area.",
        "draw_polygon_cont": "Click to continue drawing the area.",
        "draw_polygon_end": "Click the first point to close the area.",
        "draw_rectangle_start": "Click and drag to draw a rectangle.",
        "draw_shape_end": "Release the mouse to finish drawing.",
        "draw_cross_error": "Error: edges cannot cross.",
        # pages adapt to what the store holds (geoinsight/web/notices.py, pickers)
        "notice_no_figures_at_level": "No figures belong to the stored {asked} boundaries "
                                      "yet, so the map shows the {level} level.",
        "notice_no_boundaries_at_level": "{name} has no {asked} boundaries in the store; the "
                                         "map shows the {level} level.",
        "notice_other_boundaries": "The {year} figures of {n} areas belong to the {on} "
                                   "classification, not to these {b_year} boundaries: they are "
                                   "not on the map. Load the Wijk- en buurtkaart {on} to show "
                                   "them.",
        "notice_no_level": "The store holds no {asked} boundaries; the map shows the {level} "
                           "level.",
        "notice_layer_not_at_level": "This layer has no figures per {asked}; the map shows "
                                     "the {level} level.",
        "notice_other_years": "Not on this map (no {level} boundaries of {b_year} in the "
                              "store): {names}. Choose a municipality to see its own {level} "
                              "map.",
        "notice_more": "… ({n} municipalities)",
        "notice_elsewhere": "This layer has no figures for these areas yet.",
        "notice_not_loaded": "No figures have been loaded for this layer yet.",
        "left_out": "No figures for these areas",
        "note_few_values": "too few areas with a value (n = {0} < {1})",
        "note_few_connected": "too few connected areas (n = {0} < {1})",
        "note_no_variation": "no variation in the values",
        "theme_population": "Population", "theme_housing": "Housing", "theme_energy": "Energy",
        "theme_social": "Social domain", "theme_safety": "Safety",
        "theme_facilities": "Facilities", "theme_economy": "Economy",
        "theme_environment": "Living environment", "theme_": "Other",
        # page texts (templates/): one catalogue, no per-language branches
        "audit_tier": "Tier", "audit_route": "Route",
        "ogc_title_gemeente": "Municipalities (gemeenten)",
        "ogc_title_wijk": "Districts (wijken)", "ogc_title_buurt": "Neighbourhoods (buurten)",
        "ogc_landing_description": (
            "CBS gemeenten, wijken and buurten with the figures of GeoInsight's map layers, "
            "as published (after disclosure control)."),
        "ogc_collection_head": "CBS {level} boundaries of {year}, {count} areas",
        "ogc_collection_no_figures": ". No figures on these boundaries yet.",
        "ogc_collection_columns": (
            ", with per layer a value and a status (ok, missing, secret, estimated): "),
        "audit_title": "Audit log",
        "audit_intro": (
            "Every read of internal or restricted data, newest first (the last 500). The log "
            "cannot be changed."),
        "audit_when": "When",
        "audit_who": "Who",
        "audit_what": "What",
        "audit_area": "Area",
        "audit_from": "From",
        "audit_custom_area": "Custom area (RD New)",
        "audit_bbox": "bounding box",
        "audit_vertices": "vertices",
        "audit_hash": "SHA-256 of the normalised geometry (WKB)",
        "auth_sign_in": "Sign in",
        "auth_bad_login": "Unknown name or wrong password.",
        "auth_bad_csrf": "The form had expired or did not come from this site. Please try again.",
        "auth_cookie_dropped": (
            "This server sends its sign-in cookie over https only, but this page came over "
            "plain http: your browser will not keep it, so signing in cannot work here. Use "
            "https, or open the demo on http://127.0.0.1."),
        "auth_signed_in_as": "Signed in as",
        "auth_sign_out": "Sign out",
        "auth_name": "Name",
        "auth_password": "Password",
        "auth_throttled": "Too many failed sign-ins. Please try again in {seconds} seconds.",
        "auth_locked": (
            "This name is locked after too many failed sign-ins. Ask an administrator to "
            "unlock it."),
        "auth_help": (
            "Accounts are made by an administrator (<code>geoinsight users add</code>). Open "
            "data needs no account."),
        "signals_kind_rising": "sharp rise",
        "signals_kind_falling": "sharp fall",
        "signals_kind_hot": "hot spot",
        "signals_kind_cold": "cold spot",
        "signals_kind_HL": "high among low",
        "signals_kind_LH": "low among high",
        "ogc_returned_of": "{returned} of {matched} features",
        "ogc_prev": "Previous",
        "ogc_next": "Next",
        "ogc_open_in_qgis": (
            "Open this service in QGIS (Layer › Add Layer › WFS / OGC API – Features) or with"),
        "ogc_description": "Description",
        "plan_partial_note": (
            "Only part of this municipality is in the store: the ranking compares the {n} "
            "areas present, not the whole municipality."),
        "plan_score_help": (
            "The score (0–100) is the weighted mean of each input, normalised over the areas "
            "in view ({normalisation}; 1 = tackle first). Inputs missing here are left out, "
            "never counted as zero."),
        "plan_noscript": (
            "Weights can be changed with JavaScript on, or with "
            "<code>&amp;weights=poor_labels:3,old_stock:0</code> in the address."),
        "plan_legend_title": "Priority score",
        "plan_legend_unit": "0–100, higher = tackle first",
        "plan_rank": "Rank",
        "plan_of": "of",
        "plan_updating": "Updating ranking…",
        "plan_update_error": "The ranking could not be updated.",
        "plan_map_error": "The map areas could not be loaded.",
        "plan_sort_asc": "sorted ascending",
        "plan_sort_desc": "sorted descending",
        "plan_sort_by": "Sort by",
        "signals_signals": "Signals",
        "signals_signals_what_stands_out": "Signals: what stands out",
        "signals_show": "Show",
        "signals_against": "against",
        "signals_previous_year": "Previous year",
        "signals_signal": "Signal",
        "signals_vs_parent": "vs parent",
        "signals_vs_peers": "vs peers",
        "signals_per_map_layer_areas": ("Per map layer: areas whose change since the previous "
                                        "year lies far outside the usual spread (robust "
                                        "z-score ≥ 2), hot and cold spots (Getis-Ord Gi*, p ≤ "
                                        "0.05 after 999 permutations) and spatial outliers "
                                        "(Local Moran's I). Only published figures count: "
                                        "secret ones do not."),
        "ogc_the_document_as_json": "The document as JSON",
        "ogc_path": "Path",
        "ogc_summary": "Summary",
        "ogc_browse_the_features": "Browse the features",
        "ogc_properties": "Properties",
        "ogc_extent_crs84": "Extent (CRS84)",
        "ogc_property": "Property",
        "ogc_licence": "Licence",
        "ogc_collections": "Collections",
        "ogc_collection": "Collection",
        "ogc_areas": "Areas",
        "ogc_features": "Features",
        "ogc_conformance": "Conformance",
        "ogc_conformance_classes": "Conformance classes",
        "ogc_from": "from",
        "ogc_api_definition_openapi_3": "API definition (OpenAPI 3.0)",
        "ogc_properties_2": "properties",
        "planning_these_inputs_are_generated": ("These inputs are generated for the demo, so "
                                                "this ranking says nothing about the real "
                                                "neighbourhoods:"),
        "planning_weights": "Weights",
        "planning_lower_sooner": "lower = sooner",
        "planning_higher_sooner": "higher = sooner",
        "planning_years": "years",
        "planning_missing_here": "missing here",
        "planning_weight": "Weight",
        "planning_default_weights": "Default weights",
        "planning_the_ranking_with_every": ("The ranking with every input (value, status, "
                                            "normalised value) and the weights used."),
        "planning_ranking": "Ranking",
        "planning_rank": "Rank",
        "planning_used": "Used",
        "planning_missing": "missing",
        "planning_map_of_the_score": "Map of the score",
        "planning_the_map_needs_javascript": ("The map needs JavaScript; the ranking works "
                                              "without it."),
        "links": "Links",
        "all_municipalities": "All municipalities",
        "province": "Province", "whole_country": "Whole country",
        "partial_title": "Not every area of this municipality is in the store",
        # --- planning: what a ranking stands on (geoinsight/web/planning.py, templates/planning)
        "plan_coverage_title": "Per input: what is there and what is missing",
        "plan_coverage_summary": "Based on {available} of {inputs} inputs, {share}% of the weight",
        "plan_coverage_missing": "missing: {items}",
        "plan_coverage_areas": "{scored} of {areas} areas have a score.",
        "plan_coverage_no_weight": "Every weight is 0: no score.",
        "plan_coverage_rule": "Per area, the weights are re-normalised over the inputs it has "
                              "figures for; a missing or secret input never counts as 0. An area "
                              "whose available inputs carry less than half of the weight gets no "
                              "score and no rank.",
        "plan_row_no_score": "{available} of {inputs} inputs available ({share}% of the "
                             "weight): no score",
        "plan_row_no_weight": "every weight is 0: no score",
        "plan_no_score": "no score",
        "plan_used_title": "inputs used in the score, and the share of the weight they carry",
        "plan_weight_share": "{share}% of the weight",
        "plan_partial": "figures for {count} of {areas} areas",
        "plan_use_available": "Rank on the available inputs only (set the weight of missing "
                              "inputs to 0)",
        "plan_missing_of": " of {indicator}",
        "plan_missing_not_loaded": "not loaded: no figures{of} in the store",
        "plan_missing_not_for_these_areas": "no figures{of} for these areas",
        "plan_missing_other_boundaries": "no figures for the boundaries of {boundary_year}: the "
                                         "figures{of} are on the indeling of {years}",
        "plan_missing_suppressed": "every figure{of} ({years}) is secret here",
        "plan_missing_empty": "the source gives no figures{of} ({years}) for these areas",
        "plan_missing_no_overlap": "its parts never have figures for the same area",
    },
}

MAP_LABELS = ("legend_title", "missing", "secret", "value", "code", "no_data_class", "loading",
              "error", "source", "about_layer")


def text(lang: str, key: str) -> str:
    return TEXTS.get(lang, TEXTS["nl"]).get(key, TEXTS["nl"].get(key, key))


def map_labels(lang: str) -> dict[str, str]:
    return {key: text(lang, key) for key in MAP_LABELS}
