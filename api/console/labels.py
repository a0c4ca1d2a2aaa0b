"""The Dutch words of the console: the domain's vocabularies, event names and rule names as a
person reads them. Code and API stay English; only what is shown on a page is here."""

from __future__ import annotations

from enum import Enum

from domain import values as v
from domain.route_model import COMPONENTS, ROUTE_STAGES, norm_key
from domain.terms import FinancingKind, Trigger

ROLES = {
    v.Role.KLANTMANAGER: "klantmanager",
    v.Role.EMPLOYER: "werkgever",
    v.Role.FUND: "O&O-fonds",
    v.Role.PROCESREGIE: "procesregie",
    v.Role.PRIVACY_OFFICER: "privacy officer",
    v.Role.SYSTEM: "leerroute (automatisch)",
}

_WORDS: list[tuple[Enum, str]] = [
    *ROLES.items(),
    (v.TargetGroup.STATUSHOUDER, "statushouder"),
    (v.TargetGroup.OTHER, "andere werkzoekende"),
    (v.Phase.ORIENTATION, "oriëntatie"),
    (v.Phase.PRE_TRAJECTORY, "voortraject"),
    (v.Phase.BEDRIJFSVAKSCHOOL, "bedrijfsvakschool"),
    (v.Stage.REGISTERED, "aangemeld"),
    (v.Stage.ORIENTATION, "oriëntatie"),
    (v.Stage.PRE_TRAJECTORY, "voortraject"),
    (v.Stage.BEDRIJFSVAKSCHOOL, "bedrijfsvakschool"),
    (v.Stage.PLACEMENT, "plaatsing"),
    (v.Stage.GUARANTEE, "werk- en ontwikkelgarantie"),
    (v.PhaseStatus.NOT_STARTED, "niet begonnen"),
    (v.PhaseStatus.IN_PROGRESS, "bezig"),
    (v.PhaseStatus.COMPLETED, "afgerond"),
    (v.PhaseStatus.ENDED_WITHOUT_COMPLETION, "gestopt zonder afronding"),
    (v.PhaseStatus.SKIPPED, "overgeslagen"),
    (v.PhaseStatus.NOT_OFFERED, "niet aangeboden in de regio"),
    (v.SkipBasis.EVC, "EVC (erkenning van eerder verworven competenties)"),
    (v.SkipBasis.NOT_AVAILABLE_IN_REGION, "niet beschikbaar in de regio"),
    (v.SkipBasis.OTHER, "andere reden"),
    (v.TrajectoryStatus.ACTIVE, "actief"),
    (v.TrajectoryStatus.DROPPED_OUT, "uitgevallen"),
    (v.JobLevel.ASSISTENT, "assistent (jobcarving)"),
    (v.JobLevel.FULL, "volledige functie"),
    (v.PlacementStatus.PROPOSED, "voorgesteld"),
    (v.PlacementStatus.CONFIRMED, "bevestigd"),
    (v.PlacementStatus.DECLINED, "afgewezen"),
    (v.PlacementStatus.STARTED, "contract begonnen"),
    (v.PlacementStatus.ENDED, "beëindigd"),
    (v.PlacementEndReason.CONTRACT_COMPLETED, "contract afgelopen"),
    (v.PlacementEndReason.DISMISSED, "ontslagen"),
    (v.PlacementEndReason.RESIGNED, "zelf opgezegd"),
    (v.PlacementEndReason.NEXT_FUNCTION, "door naar een volgende functie"),
    (v.PlacementEndReason.BUSINESS_CLOSED, "bedrijf gesloten"),
    (v.PlacementEndReason.OTHER, "andere reden"),
    (v.DropOutReason.HEALTH, "gezondheid"),
    (v.DropOutReason.CARE_DUTIES, "zorgtaken"),
    (v.DropOutReason.MOTIVATION, "motivatie"),
    (v.DropOutReason.LANGUAGE, "taal"),
    (v.DropOutReason.ATTENDANCE, "aanwezigheid"),
    (v.DropOutReason.RELOCATION, "verhuizing"),
    (v.DropOutReason.OTHER_WORK, "ander werk"),
    (v.DropOutReason.OTHER_EDUCATION, "andere opleiding"),
    (v.DropOutReason.NOT_SUITED, "niet geschikt"),
    (v.DropOutReason.OTHER, "andere reden"),
    (v.BenefitChangeKind.REDUCED, "verlaagd"),
    (v.BenefitChangeKind.STOPPED, "beëindigd"),
    (v.BenefitChangeKind.RESUMED, "hervat"),
    (v.DeviationRule.BENEFIT_DURING_TRAINING, "uitkering tijdens de opleiding"),
    (v.DeviationRule.TRAINING_DURATION, "duur van de opleiding"),
    (v.DeviationRule.PHASE_ORDER, "volgorde van de fasen"),
    (v.DeviationRule.LANGUAGE_REQUIREMENT, "taaleis"),
    (v.DeviationRule.WORKING_HOURS, "werkuren"),
    (v.DeviationRule.OTHER, "andere regel"),
    (v.CertificateKind.MBO_CERTIFICAAT, "mbo-certificaat"),
    (v.CertificateKind.PRAKTIJKVERKLARING, "praktijkverklaring"),
    (v.CertificateKind.MBO_DIPLOMA, "mbo-diploma"),
    (v.CertificateKind.BRANCHE_CERTIFICAAT, "branchecertificaat"),
    (v.CertificateKind.VCA, "VCA"),
    (FinancingKind.START, "startfinanciering"),
    (FinancingKind.RESULT, "resultaatfinanciering"),
    (FinancingKind.TRAINING, "opleidingsfinanciering"),
    (Trigger.REGISTERED, "aangemeld"),
    (Trigger.PHASE_STARTED, "fase begonnen"),
    (Trigger.PHASE_COMPLETED, "fase afgerond"),
    (Trigger.CERTIFICATE_OBTAINED, "certificaat behaald"),
    (Trigger.PLACEMENT_STARTED, "plaatsing begonnen"),
    (Trigger.LASTING_PLACEMENT, "duurzame plaatsing"),
]

# Keyed by vocabulary and value: StrEnum members of different vocabularies with the same value
# ("other") are equal as strings, and would share one dictionary entry.
WORDS: dict[tuple[type, str], str] = {(type(member), str(member.value)): text for member, text in _WORDS}

EVENTS = {
    "TrajectoryRegistered": "Aangemeld",
    "PhaseStarted": "Fase begonnen",
    "PhaseCompleted": "Fase afgerond",
    "PhaseEndedWithoutCompletion": "Fase gestopt zonder afronding",
    "PhaseSkipped": "Fase overgeslagen",
    "LanguageLevelsAssessed": "Taalniveau vastgesteld",
    "PracticePeriodRecorded": "Praktijkperiode vastgelegd",
    "CertificateObtained": "Certificaat behaald",
    "PlacementProposed": "Plaatsing voorgesteld",
    "PlacementConfirmed": "Plaatsing bevestigd door de werkgever",
    "PlacementDeclined": "Plaatsing afgewezen door de werkgever",
    "ContractStarted": "Contract begonnen",
    "PlacementEnded": "Plaatsing beëindigd",
    "LastingPlacementReached": "Duurzame plaatsing bereikt",
    "GuaranteeIssued": "Werk- en ontwikkelgarantie afgegeven",
    "GuaranteeCheckInDue": "Garantiegesprek nodig",
    "GuaranteeCheckInRecorded": "Garantiegesprek gehouden",
    "GuaranteeEnded": "Garantie beëindigd",
    "DroppedOut": "Uitgevallen",
    "ReEntered": "Weer ingestroomd",
    "BenefitReduced": "Uitkering verlaagd",
    "BenefitStopped": "Uitkering beëindigd",
    "BenefitResumed": "Uitkering hervat",
    "DeviationGranted": "Maatwerk toegekend",
    "RouteModelChanged": "Routemodel gewijzigd",
    "RouteStalled": "Route staat stil",
    "CandidateErased": "Persoonsgegevens gewist",
}

# A broken rule of the route, in words (the domain's own detail follows where there is none).
RULES = {
    "no-future-dates": "Deze datum ligt na vandaag; leg alleen vast wat al gebeurd is.",
    "not-before-registration": "Deze datum ligt vóór de aanmelding.",
    "end-after-start": "De einddatum ligt vóór de begindatum.",
    "plausible-hours": "Het aantal uren per week is niet aannemelijk.",
    "plausible-age": "Deze geboortedatum is niet aannemelijk.",
    "birth-before-registration": "De geboortedatum ligt na de aanmelding.",
    "names-required": "Vul de voornamen en de achternaam in.",
    "candidate-exists": "Deze kandidaat is in uw gemeente al aangemeld.",
    "benefit-since-required": "Vul in sinds wanneer de uitkering loopt.",
    "benefit-since-before-registration": "De uitkering moet al lopen op de datum van aanmelding.",
    "phase-must-have-started": "Deze fase is nog niet begonnen.",
    "phase-must-be-in-progress": "Deze fase is niet bezig.",
    "phase-starts-once": "Deze fase is al begonnen.",
    "phases-in-order": "De fasen volgen elkaar op: rond eerst de vorige fase af, sla haar over of leg maatwerk vast.",
    "skip-only-unstarted-phase": "Alleen een fase die nog niet begonnen is kan worden overgeslagen.",
    "provider-required": "Vul de opleider in.",
    "placement-must-be-proposed": "Deze plaatsing is niet (meer) voorgesteld.",
    "placement-must-be-active": "Deze plaatsing loopt niet.",
    "placement-party-only": "Alleen de werkgever of de gemeente van deze plaatsing kan dit vastleggen.",
    "answer-after-proposal": "Het antwoord ligt vóór het voorstel.",
    "contract-after-proposal": "Het contract begint vóór het voorstel.",
    "end-placement-before-drop-out": "Beëindig eerst de lopende plaatsing.",
    "re-entry-after-drop-out": "Alleen wie uitgevallen is kan weer instromen.",
    "benefit-must-be-paid": "Er loopt geen uitkering.",
    "benefit-must-be-stopped": "De uitkering is niet beëindigd.",
    "benefit-changes-in-order": "Deze wijziging ligt vóór de vorige wijziging van de uitkering.",
    "amount-required": "Vul het nieuwe maandbedrag in.",
    "deviation-reasoned": "Vul de reden van het maatwerk in.",
    "one-guarantee": "Er is al een garantie afgegeven.",
    "guarantee-must-be-active": "Er loopt geen garantie.",
    "guarantee-issuer-required": "Vul in wie de garantie afgeeft.",
    "check-in-after-issue": "Het gesprek ligt vóór de afgifte van de garantie.",
    "certificate-phase": "Bij deze fase hoort dit certificaat niet.",
    "language-levels-required": "Vul ten minste één taalniveau in.",
    "nothing-to-record": "Er is niets vast te leggen.",
    "already-erased": "De persoonsgegevens zijn al gewist.",
    "klantmanager-only": "Alleen de klantmanager kan dit vastleggen.",
    "claim-must-be-open": "Deze declaratie is niet meer open.",
    "claim-must-be-filed": "Deze declaratie is niet ingediend.",
    "claim-must-be-approved": "Deze declaratie is niet goedgekeurd.",
    "claimant-claims": "Alleen de declarant van deze afspraak kan declareren.",
    "stage-offered-in-region": "Deze fase wordt in de regio van deze route niet aangeboden.",
    "skip-basis-allowed": "Het routemodel van deze route staat overslaan op deze grond niet toe.",
    "sub-reason-of-category": "Deze subreden hoort bij een andere reden.",
    "route-model-change-reasoned": "Vul de reden van de wijziging van het routemodel in.",
    "route-model-changes": "De route volgt dit routemodel al.",
    "route-model-moves-forward": "Een route gaat alleen naar een nieuwere versie van het routemodel.",
}

# An invalid field the domain names, in words.
FIELDS = {
    "filedOn": "Op deze datum kan niet worden gedeclareerd: zij ligt vóór de aanmelding of het begin van de afspraak, of na vandaag.",
    "agreementId": "Deze afspraak bestaat niet, of u declareert er niet onder.",
    "candidate.bsn": "Een BSN is negen cijfers en voldoet aan de elfproef.",
    "employer.kvkNumber": "Een KvK-nummer is acht cijfers.",
    "subReason": "Deze subreden kent het routemodel van deze route niet (bij deze reden).",
    "norm": "Van deze norm kan hier niet worden afgeweken: alleen bij de duur van een opleiding, met een norm van het routemodel.",
    "normWeeks": "Vul bij een norm het aantal weken in (1 tot 520).",
}

# Why a claim is refused: the unmet condition.
CONDITIONS = {
    "trigger-reached": "het moment waarop de afspraak betaalt is (op die datum) nog niet bereikt",
    "target-group": "de kandidaat hoort niet bij de doelgroep van de afspraak",
    "municipality-or-region": "de gemeente of regio van de route valt niet onder de afspraak",
    "validity-period": "het moment valt buiten de looptijd van de afspraak",
    "minimum-placement-months": "de plaatsing heeft de minimale duur niet gehaald",
}


_COMPONENT_WORDS = {"vaktaal": "vaktaal", "practice": "praktijk", "employee-skills": "werknemersvaardigheden"}
# The norms of a route model a deviation may name: a stage, or a stage's component.
NORMS: tuple[tuple[str, str], ...] = tuple(
    (norm_key(stage, component), ("intake" if stage is v.Stage.REGISTERED else WORDS[(v.Stage, str(stage))]) + (f" — {_COMPONENT_WORDS[component]}" if component else ""))
    for stage in ROUTE_STAGES if stage is not v.Stage.GUARANTEE
    for component in (None, *COMPONENTS.get(stage, ()))
)


def word(value: object) -> str:
    """The Dutch word for a value of a vocabulary (the value itself when there is none)."""
    if value is None:
        return "—"
    if isinstance(value, Enum):
        return WORDS.get((type(value), str(value.value)), str(value.value))
    return str(value)


def euros(cents: int | None) -> str:
    """Whole euro cents as a Dutch amount: € 1.250,00."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"


def choices(vocabulary: type[Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((str(member.value), word(member)) for member in vocabulary)


VOCABULARIES: dict[str, type[Enum]] = {
    "stage": v.Stage, "status": v.TrajectoryStatus, "placement": v.PlacementStatus, "level": v.JobLevel,
    "rule": v.DeviationRule, "target": v.TargetGroup, "reason": v.DropOutReason, "phase": v.Phase,
    "kind": FinancingKind, "trigger": Trigger, "role": v.Role,
}


def word_of(value: object, vocabulary: str) -> str:
    """The Dutch word for a plain value (as a read model keeps it) of the named vocabulary."""
    if value is None:
        return "—"
    try:
        return word(VOCABULARIES[vocabulary](value))
    except ValueError:
        return str(value)
