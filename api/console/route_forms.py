"""The klantmanager's forms: registering a candidate and the common steps of a route. Each builds
the same command (``domain.commands``) the API's routes build."""

from __future__ import annotations

from typing import Any

from api.console.forms import Field, Form
from api.console.labels import NORMS, choices
from domain import commands as c
from domain.candidate import PersonalData
from domain.values import (
    Actor,
    BenefitChangeKind,
    CertificateKind,
    DeviationRule,
    DropOutReason,
    JobLevel,
    PlacementEndReason,
    SkipBasis,
    TargetGroup,
)
from domain.values import Phase as P

DATE = Field("datum", "Datum waarop het gebeurde", "date")
PHASE = Field("fase", "Fase", "choice", choices(P))
Ids = dict[str, Any]


def _register(actor: Actor, v: dict[str, Any], ids: Ids, today: Any) -> c.Command:
    return c.RegisterTrajectory(
        actor=actor, on=v["datum"], target_group=TargetGroup(v["doelgroep"]),
        person=PersonalData(bsn=v["bsn"], given_names=v["voornamen"], family_name=v["achternaam"], birth_date=v["geboortedatum"]),
        benefit_monthly_cents=v["uitkering"] or 0, benefit_since=v["uitkering_sinds"],
    )


REGISTER = Form(
    "Kandidaat aanmelden",
    (
        Field("bsn", "BSN", "bsn", hint="Negen cijfers"),
        Field("voornamen", "Voornamen"),
        Field("achternaam", "Achternaam"),
        Field("geboortedatum", "Geboortedatum", "date"),
        Field("doelgroep", "Doelgroep", "choice", choices(TargetGroup)),
        Field("datum", "Datum van aanmelding", "date"),
        Field("uitkering", "Bijstand per maand (euro)", "euros", required=False, hint="Leeg als er geen uitkering is"),
        Field("uitkering_sinds", "Bijstand sinds", "date", required=False),
    ),
    _register,
    submit="Aanmelden",
    places={"candidate.bsn": "bsn", "plausible-age": "geboortedatum", "birth-before-registration": "geboortedatum",
            "names-required": "achternaam", "candidate-exists": "bsn", "benefit-since-required": "uitkering_sinds",
            "benefit-since-before-registration": "uitkering_sinds", "benefit_monthly_cents": "uitkering"},
)

T = "trajectory_id"


def _tid(ids: Ids) -> Any:
    return ids[T]


STEPS: dict[str, Form] = {
    "fase-starten": Form(
        "Fase starten", (PHASE, DATE, Field("opleider", "Opleider", required=False, hint="Nodig bij de bedrijfsvakschool")),
        lambda a, v, ids, _: c.StartPhase(actor=a, trajectory_id=_tid(ids), on=v["datum"], phase=P(v["fase"]), provider=v["opleider"]),
        places={"provider-required": "opleider", "phases-in-order": "fase", "phase-starts-once": "fase"},
    ),
    "fase-afronden": Form(
        "Fase afronden", (PHASE, DATE),
        lambda a, v, ids, _: c.CompletePhase(actor=a, trajectory_id=_tid(ids), on=v["datum"], phase=P(v["fase"])),
        places={"phase-must-be-in-progress": "fase", "phase-must-have-started": "fase"},
    ),
    "fase-overslaan": Form(
        "Fase overslaan", (PHASE, DATE, Field("grond", "Grond", "choice", choices(SkipBasis)), Field("reden", "Reden", "textarea")),
        lambda a, v, ids, _: c.SkipPhase(actor=a, trajectory_id=_tid(ids), on=v["datum"], phase=P(v["fase"]),
                                        basis=SkipBasis(v["grond"]), reason=v["reden"]),
        places={"skip-only-unstarted-phase": "fase", "phases-in-order": "fase"},
    ),
    "certificaat": Form(
        "Certificaat vastleggen",
        (PHASE, DATE, Field("soort", "Soort", "choice", choices(CertificateKind)), Field("titel", "Titel")),
        lambda a, v, ids, _: c.ObtainCertificate(actor=a, trajectory_id=_tid(ids), on=v["datum"], phase=P(v["fase"]),
                                                kind=CertificateKind(v["soort"]), title=v["titel"]),
        places={"certificate-phase": "fase"},
    ),
    "plaatsing-voorstellen": Form(
        "Plaatsing voorstellen",
        (DATE, Field("kvk", "KvK-nummer van de werkgever", "kvk"), Field("werkgever", "Naam van de werkgever"),
         Field("functie", "Functie"), Field("uren", "Uren per week", "int"),
         Field("niveau", "Niveau", "choice", choices(JobLevel))),
        lambda a, v, ids, _: c.ProposePlacement(actor=a, trajectory_id=_tid(ids), on=v["datum"], employer_kvk=v["kvk"],
                                               employer_name=v["werkgever"], function=v["functie"],
                                               hours_per_week=v["uren"], level=JobLevel(v["niveau"])),
        places={"plausible-hours": "uren", "hours_per_week": "uren", "employer.kvkNumber": "kvk"},
    ),
    "uitkering": Form(
        "Wijziging van de bijstand",
        (DATE, Field("soort", "Wijziging", "choice", choices(BenefitChangeKind)),
         Field("bedrag", "Nieuw bedrag per maand (euro)", "euros", required=False, hint="Bij verlagen of hervatten")),
        lambda a, v, ids, _: c.ChangeBenefit(actor=a, trajectory_id=_tid(ids), on=v["datum"], kind=BenefitChangeKind(v["soort"]),
                                            monthly_cents=v["bedrag"]),
        places={"amount-required": "bedrag", "monthly_cents": "bedrag", "benefit-must-be-paid": "soort",
                "benefit-must-be-stopped": "soort"},
    ),
    "uitval": Form(
        "Uitval vastleggen",
        (DATE, Field("reden", "Reden", "choice", choices(DropOutReason)),
         Field("subreden", "Subreden van de regio", required=False,
               hint="Alleen als uw regio de reden verfijnt, zoals geen-rijbewijs; leeg: de reden hierboven"),
         Field("toelichting", "Toelichting", "textarea")),
        lambda a, v, ids, _: c.DropOut(actor=a, trajectory_id=_tid(ids), on=v["datum"], reason=DropOutReason(v["reden"]),
                                      sub_reason=v["subreden"], explanation=v["toelichting"]),
        places={"subReason": "subreden", "sub-reason-of-category": "subreden", "reason": "reden"},
    ),
    "herinstroom": Form(
        "Herinstroom vastleggen", (DATE, Field("toelichting", "Toelichting", "textarea")),
        lambda a, v, ids, _: c.ReEnter(actor=a, trajectory_id=_tid(ids), on=v["datum"], explanation=v["toelichting"]),
    ),
    "maatwerk": Form(
        "Maatwerk toekennen",
        (Field("regel", "Regel die opzij wordt gezet", "choice", choices(DeviationRule)),
         Field("reden", "Reden", "textarea"), Field("datum", "Vanaf", "date"), Field("tot", "Tot en met", "date"),
         Field("door", "Besloten door"),
         Field("norm", "Norm waarvan wordt afgeweken", "choice", NORMS, required=False,
               hint="Alleen bij de duur van een opleiding"),
         Field("normweken", "Weken in deze periode", "int", required=False, hint="Bij een norm")),
        lambda a, v, ids, _: c.GrantDeviation(actor=a, trajectory_id=_tid(ids), on=v["datum"], rule=DeviationRule(v["regel"]),
                                             reason=v["reden"], until=v["tot"], granted_by=v["door"], norm=v["norm"],
                                             norm_weeks=v["normweken"]),
        places={"end-after-start": "tot", "deviation-reasoned": "reden", "norm": "norm", "normWeeks": "normweken"},
    ),
    "garantie": Form(
        "Werk- en ontwikkelgarantie vastleggen", (DATE, Field("door", "Afgegeven door")),
        lambda a, v, ids, _: c.IssueGuarantee(actor=a, trajectory_id=_tid(ids), on=v["datum"], issued_by=v["door"]),
        places={"guarantee-issuer-required": "door"},
    ),
}

# The placement steps either party (employer or klantmanager) may record.
PL = "placement_id"

CONTRACT_START = Form(
    "Start van het contract", (DATE, Field("uren", "Uren per week", "int")),
    lambda a, v, ids, _: c.StartContract(actor=a, trajectory_id=ids[T], placement_id=ids[PL], on=v["datum"], hours_per_week=v["uren"]),
    places={"plausible-hours": "uren", "hours_per_week": "uren"},
)
PLACEMENT_END = Form(
    "Einde van de plaatsing",
    (DATE, Field("reden", "Reden", "choice", choices(PlacementEndReason)), Field("toelichting", "Toelichting", "textarea", required=False)),
    lambda a, v, ids, _: c.EndPlacement(actor=a, trajectory_id=ids[T], placement_id=ids[PL], on=v["datum"],
                                        reason=PlacementEndReason(v["reden"]), explanation=v["toelichting"]),
)
