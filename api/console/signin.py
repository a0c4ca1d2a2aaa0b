"""Signing in to the console and out again.

With ``LEERROUTE_OIDC_ISSUER`` set: the authorization code flow with PKCE (S256) through Authlib,
against the issuer's discovery document, as client ``LEERROUTE_OIDC_CLIENT_ID``. The state, the
nonce and the code verifier wait in the signed session cookie between the redirect and the
callback. The role and organisation come from the ID token's claims named by
``LEERROUTE_ROLE_CLAIM`` and ``LEERROUTE_ORGANISATION_CLAIM``, read exactly as the API reads a
bearer token's (``adapters.tokens.actor_from_claims``).

Without an issuer (the embedded default) a development sign-in picks a role and organisation;
with an issuer configured that page and its post do not exist.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import Response

from adapters.tokens import InvalidToken, actor_from_claims, check_organisation
from api.console import labels, web
from api.console.forms import Field, Form, Invalid, read
from api.console.session import check_csrf, posted_fields, sign_in, sign_out, signed_in
from domain.values import Actor, Role

router = APIRouter()

PEOPLE_ROLES = tuple(r for r in Role if r is not Role.SYSTEM)
DEV_FORM = Form(
    "Ontwikkelaanmelding",
    (
        Field("rol", "Rol", "choice", tuple((str(r), labels.ROLES[r]) for r in PEOPLE_ROLES)),
        Field("organisatie", "Organisatie", hint="Gemeentecode (GM0363) voor klantmanager en privacy officer, "
                                                  "KvK-nummer voor een werkgever, fonds-id voor een fonds, APT voor procesregie"),
        Field("naam", "Gebruikersnaam", hint="Staat bij elke stap die u vastlegt"),
    ),
    lambda *_: None,  # type: ignore[arg-type]
    submit="Aanmelden",
)


def _oauth(request: Request) -> Any:
    """The Authlib client of the configured issuer (made once per application)."""
    state = request.app.state
    client = getattr(state, "console_oidc", None)
    if client is None:
        settings = state.container.settings
        oauth = OAuth()
        client = oauth.register(
            "leerroute",
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid", "code_challenge_method": "S256"},
        )
        state.console_oidc = client
    return client


def _oidc(request: Request) -> bool:
    return bool(request.app.state.container.settings.oidc_issuer)


@router.get("/", include_in_schema=False)
def root(request: Request) -> Response:
    """A person who opens the service in a browser arrives at the console."""
    return web.see_other("/console")


@router.get("/console", include_in_schema=False)
def console_home(request: Request) -> Response:
    person = signed_in(request)
    if person is None:
        return web.see_other("/console/aanmelden")
    return web.see_other(web.HOME[person.actor.role])


@router.get("/console/aanmelden", include_in_schema=False)
def sign_in_page(request: Request, reden: str | None = None) -> Response:
    return web.render(
        request, "signin.html", title="Aanmelden", oidc=_oidc(request), form=DEV_FORM, values={}, errors={},
        reason=_REASONS.get(reden or ""),
    )


_REASONS = {"verlopen": "Uw sessie is verlopen. Meld u opnieuw aan."}


@router.post("/console/aanmelden/ontwikkeling", include_in_schema=False)
async def development_sign_in(request: Request) -> Response:
    if _oidc(request):
        return web.problem_page(request, 404, "Niet gevonden", "Deze pagina bestaat niet.")
    raw = await posted_fields(request)
    try:
        values = read(DEV_FORM, raw)
        role = Role(values["rol"])
        try:
            check_organisation(role, values["organisatie"])
        except ValueError:
            raise Invalid({"organisatie": "Deze organisatie past niet bij de rol (zie de toelichting)."}) from None
    except Invalid as invalid:
        return web.render(request, "signin.html", status_code=400, title="Aanmelden", oidc=False, form=DEV_FORM, values=raw,
                          errors=invalid.errors, reason=None)
    sign_in(request, Actor(subject=values["naam"], role=role, organisation=values["organisatie"]), via="development")
    return web.see_other(web.HOME[role])


@router.post("/console/aanmelden/oidc", include_in_schema=False)
async def oidc_start(request: Request) -> Response:
    if not _oidc(request):
        return web.problem_page(request, 404, "Niet gevonden", "Er is geen OpenID Connect-aanbieder ingesteld.")
    check_csrf(request, await request.form())
    redirect_uri = str(request.url_for("oidc_callback"))
    return await _oauth(request).authorize_redirect(request, redirect_uri)


@router.get("/console/aanmelden/terug", name="oidc_callback", include_in_schema=False)
async def oidc_callback(
    request: Request, code: str | None = None, state: str | None = None, iss: str | None = None, error: str | None = None,
    error_description: str | None = None, session_state: str | None = None,
) -> Response:
    """The issuer's redirect back (its parameters are read by Authlib from the request)."""
    if not _oidc(request):
        return web.problem_page(request, 404, "Niet gevonden", "Er is geen OpenID Connect-aanbieder ingesteld.")
    try:
        token = await _oauth(request).authorize_access_token(request)
    except OAuthError as error:
        return web.problem_page(request, 400, "Aanmelden is mislukt",
                                f"De aanmelding kon niet worden voltooid ({error.error}). Probeer het opnieuw.")
    settings = request.app.state.container.settings
    claims = dict(token.get("userinfo") or {})
    try:
        actor = actor_from_claims(claims, role_claim=settings.role_claim, organisation_claim=settings.organisation_claim)
    except InvalidToken:
        sign_out(request)
        return web.problem_page(request, 403, "Geen toegang",
                                "Uw account heeft geen rol of organisatie die leerroute kent. Vraag uw beheerder om toegang.")
    sign_in(request, actor, via="oidc")
    return web.see_other(web.HOME[actor.role])


@router.post("/console/afmelden", include_in_schema=False)
async def sign_out_post(request: Request) -> Response:
    check_csrf(request, await request.form())
    sign_out(request)
    return web.see_other("/console/aanmelden")
