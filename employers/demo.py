"""Demo employers, worksites and worker requests (``manage.py load_demo`` calls ``load_demo_employers``).

Twenty farms in Ontario, Quebec, British Columbia and Alberta, each with one or two worksites whose
housing passed an inspection, and requests in every status this issue reaches: last season's
approved requests name demo workers (so employers have former workers to name again), next
season's are drafts, submitted, approved, rejected and cancelled. Dates count from today, so the
demo stays valid whenever it is loaded.

Idempotent: employers are found by legal name, worksites by employer and name, users by username
and requests by employer and labour-market reference; a row already there is brought to the demo
values (requests, once made, are left as they are: people may have acted on them since)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from stdnum import luhn

from employers.models import (
    Employer,
    EmployerMembership,
    EmployerStatusChange,
    NamedWorker,
    RequestEvent,
    RequestStatus,
    WorkerRequest,
    Worksite,
)
from twp.models import MinimumWage, Program, Role, User
from workers.models import Occupation

# General hourly minimum wages (CAD) of the demo provinces, with the day each took effect:
# Ontario (1 October), Quebec (1 May), British Columbia (1 June), Alberta (unchanged since 2018).
DEMO_MINIMUM_WAGES = [
    ("CA-ON", datetime.date(2024, 10, 1), Decimal("17.20")),
    ("CA-ON", datetime.date(2025, 10, 1), Decimal("17.60")),
    ("CA-QC", datetime.date(2024, 5, 1), Decimal("15.75")),
    ("CA-QC", datetime.date(2025, 5, 1), Decimal("16.10")),
    ("CA-BC", datetime.date(2024, 6, 1), Decimal("17.40")),
    ("CA-BC", datetime.date(2025, 6, 1), Decimal("17.85")),
    ("CA-AB", datetime.date(2018, 10, 1), Decimal("15.00")),
]

# The consulate staff (load_demo's DEMO_OFFICES) who decide on each province's requests.
DEMO_DECIDERS = {"CA-ON": "staff.ontario", "CA-QC": "staff.quebec", "CA-BC": "staff.bc",
                 "CA-AB": "staff.alberta"}

# (name, street address, city, postal code, beds)
Site = tuple[str, str, str, str, int]


@dataclass(frozen=True)
class DemoEmployer:
    legal_name: str
    region: str
    sector: str
    status: str
    username: str
    contact_name: str
    contact_email: str
    contact_phone: str
    worksites: tuple[Site, ...]
    status_reason: str = ""


def _demo_business_number(index: int) -> str:
    """A valid CRA business number (nine digits, Luhn check digit), the same for each index."""
    body = f"{71234000 + 731 * index:08d}"
    return body + luhn.calc_check_digit(body)


A, G, L = "agriculture", "greenhouse", "livestock"
APPROVED, PENDING, SUSPENDED, REJECTED = (Employer.Status.APPROVED, Employer.Status.PENDING,
                                          Employer.Status.SUSPENDED, Employer.Status.REJECTED)

DEMO_EMPLOYERS = [
    # The two employers whose users README.md lists (employer.demo, employer.quebec).
    DemoEmployer("Demo Farms Ltd.", "CA-ON", G, APPROVED, "employer.demo", "Pat Van Dyk",
                 "office@demofarms.example", "+1 519-555-0142",
                 (("Leamington greenhouses", "1820 Mersea Road 5", "Leamington", "N8H 3V5", 40),
                  ("Kingsville orchard", "455 County Road 20", "Kingsville", "N9Y 2E5", 12))),
    DemoEmployer("Vergers du Québec Inc.", "CA-QC", A, APPROVED, "employer.quebec", "Josée Tremblay",
                 "bureau@vergersduquebec.example", "+1 450-555-0178",
                 (("Verger Saint-Joseph", "3200 chemin d'Oka", "Saint-Joseph-du-Lac", "J0N 1M0", 24),)),
    # Ontario
    DemoEmployer("Norfolk Berry Growers Inc.", "CA-ON", A, APPROVED, "employer.norfolkberry", "Mark Schuyler",
                 "hr@norfolkberry.example", "+1 519-555-0110",
                 (("Simcoe strawberry fields", "2150 Highway 24", "Simcoe", "N3Y 4K3", 30),
                  ("Vittoria asparagus farm", "87 Lynn Valley Road", "Vittoria", "N0E 1W0", 16))),
    DemoEmployer("Holland Marsh Vegetables Ltd.", "CA-ON", A, APPROVED, "employer.hollandmarsh", "Anna Visser",
                 "office@hollandmarshveg.example", "+1 905-555-0133",
                 (("Bradford carrot and onion farm", "3905 Canal Road", "Bradford", "L3Z 2A4", 28),)),
    DemoEmployer("Niagara Vineyards & Orchards Ltd.", "CA-ON", A, APPROVED, "employer.niagaravineyards",
                 "Luca Moretti", "jobs@niagaravineyards.example", "+1 905-555-0161",
                 (("Niagara-on-the-Lake vineyard", "1366 Line 3 Road", "Niagara-on-the-Lake", "L0S 1J0", 20),
                  ("Vineland peach orchard", "4120 Victoria Avenue", "Vineland", "L0R 2C0", 10))),
    DemoEmployer("Essex County Greenhouses Inc.", "CA-ON", G, PENDING, "employer.essexgreenhouses",
                 "Tom Mastronardi", "office@essexgreenhouses.example", "+1 519-555-0187",
                 (("Ruthven pepper greenhouse", "1640 Seacliff Drive", "Ruthven", "N0P 2G0", 36),)),
    DemoEmployer("Brant Ginseng Farms Ltd.", "CA-ON", A, SUSPENDED, "employer.brantginseng", "Helen Chu",
                 "office@brantginseng.example", "+1 519-555-0129",
                 (("Scotland ginseng gardens", "210 Oakland Road", "Scotland", "N0E 1R0", 14),),
                 status_reason="Housing complaint under review by the consulate; new requests wait until it is "
                               "settled."),
    DemoEmployer("Oxford County Dairy Farms Ltd.", "CA-ON", L, APPROVED, "employer.oxforddairy", "Jan de Boer",
                 "barn@oxforddairy.example", "+1 519-555-0195",
                 (("Woodstock dairy barn", "595 Oxford Road 17", "Woodstock", "N4S 7V6", 6),)),
    # Quebec
    DemoEmployer("Fraises de l'Île d'Orléans Inc.", "CA-QC", A, APPROVED, "employer.fraisesorleans",
                 "Marc-André Gagnon", "emplois@fraisesorleans.example", "+1 418-555-0114",
                 (("Ferme Saint-Laurent", "1740 chemin Royal", "Saint-Laurent-de-l'Île-d'Orléans", "G0A 3Z0", 22),)),
    DemoEmployer("Maraîchers de Sherrington Ltée", "CA-QC", A, PENDING, "employer.maraicherssherrington",
                 "Sylvie Bouchard", "admin@maraicherssherrington.example", "+1 450-555-0152",
                 (("Terres noires de Sherrington", "285 rang Saint-Paul", "Sherrington", "J0L 2N0", 26),)),
    DemoEmployer("Serres du Haut-Richelieu Inc.", "CA-QC", G, APPROVED, "employer.serresrichelieu",
                 "Philippe Roy", "rh@serresrichelieu.example", "+1 450-555-0166",
                 (("Serres de Saint-Jean", "900 boulevard du Séminaire Sud", "Saint-Jean-sur-Richelieu", "J3B 8C9",
                   18),
                  ("Pépinière d'Iberville", "145 rang de la Barbotte", "Saint-Jean-sur-Richelieu", "J2X 4J4",
                   8))),
    DemoEmployer("Ferme laitière Beauce-Nord S.E.N.C.", "CA-QC", L, APPROVED, "employer.beaucenord",
                 "Nathalie Poulin", "ferme@beaucenord.example", "+1 418-555-0121",
                 (("Étable de Sainte-Marie", "1205 rang Saint-Gabriel", "Sainte-Marie", "G6E 3B7", 4),)),
    # British Columbia
    DemoEmployer("Okanagan Orchards Ltd.", "CA-BC", A, APPROVED, "employer.okanaganorchards", "Gurpreet Sandhu",
                 "office@okanaganorchards.example", "+1 250-555-0139",
                 (("East Kelowna orchard", "3550 McCulloch Road", "Kelowna", "V1W 4N6", 32),
                  ("Oliver cherry block", "36200 Highway 97", "Oliver", "V0H 1T0", 14))),
    DemoEmployer("Fraser Valley Blueberry Farms Ltd.", "CA-BC", A, APPROVED, "employer.fraservalleyblue",
                 "Karen Dhaliwal", "hr@fraservalleyblue.example", "+1 604-555-0158",
                 (("Abbotsford blueberry fields", "31760 Harris Road", "Abbotsford", "V4X 1Y4", 8),)),
    DemoEmployer("Similkameen Organic Growers Inc.", "CA-BC", A, APPROVED, "employer.similkameen",
                 "Daniel Lévesque", "grow@similkameen.example", "+1 250-555-0170",
                 (("Cawston organic farm", "2186 Main Street", "Cawston", "V0X 1C0", 12),)),
    DemoEmployer("Delta Greenhouse Produce Ltd.", "CA-BC", G, PENDING, "employer.deltagreenhouse",
                 "Henry Wong", "office@deltagreenhouse.example", "+1 604-555-0183",
                 (("Delta tomato greenhouse", "4460 80 Street", "Delta", "V4K 3N3", 40),)),
    # Alberta
    DemoEmployer("Taber Potato & Corn Farms Ltd.", "CA-AB", A, APPROVED, "employer.taberfarms", "Ryan Hofer",
                 "office@taberfarms.example", "+1 403-555-0117",
                 (("Taber corn and potato farm", "Range Road 161", "Taber", "T1G 2E1", 10),)),
    DemoEmployer("Brooks Vegetable Growers Inc.", "CA-AB", A, PENDING, "employer.brooksveg", "Emily Janzen",
                 "office@brooksveg.example", "+1 403-555-0148",
                 (("Brooks market garden", "Township Road 184", "Brooks", "T1R 1B6", 12),)),
    DemoEmployer("Red Deer Valley Honey Co.", "CA-AB", A, REJECTED, "employer.reddeerhoney", "Sam Kowalski",
                 "bees@reddeerhoney.example", "+1 403-555-0175",
                 (("Red Deer apiary", "Range Road 272", "Red Deer", "T4N 5E1", 4),),
                 status_reason="No labour-market approval (LMIA) was found for this employer; sign up again once "
                               "Service Canada has issued one."),
    DemoEmployer("Lethbridge Feedlot & Cattle Ltd.", "CA-AB", L, APPROVED, "employer.lethbridgecattle",
                 "Doug McLean", "yard@lethbridgecattle.example", "+1 403-555-0192",
                 (("Lethbridge feedlot", "Township Road 90", "Lethbridge", "T1J 4P4", 8),),
                 ),
]

CROPS, LIVESTOCK, OPERATORS, GRADERS = "45-2092", "45-2093", "45-2091", "45-2041"


@dataclass(frozen=True)
class DemoRequest:
    """One demo request: ``season`` is -1 (last season) or +1 (next season), ``named`` the
    indexes of the demo workers (oldest first) it names, ``submitted_days_ago`` when it was
    submitted (None: never), and ``copy_of`` the reference of the request it was copied from."""

    reference: str  # the LMIA number, which is also the row's key in the demo
    employer: str
    site: int
    season: int
    status: str
    occupation: str
    workers: int
    start: tuple[int, int]
    weeks: int
    wage: str
    named: tuple[int, ...] = ()
    submitted_days_ago: int | None = 10
    reason: str = ""
    copy_of: str = ""
    no_substitutes: bool = False
    notes: str = ""


S = RequestStatus
DEMO_REQUESTS = [
    # Last season: approved, each naming the demo workers who worked there.
    DemoRequest("8100001", "Demo Farms Ltd.", 0, -1, S.APPROVED, CROPS, 6, (5, 5), 20, "17.60", (0, 1, 2, 3),
                submitted_days_ago=320),
    DemoRequest("8100002", "Demo Farms Ltd.", 1, -1, S.APPROVED, CROPS, 4, (7, 7), 12, "17.60", (4, 5),
                submitted_days_ago=300),
    DemoRequest("8100003", "Vergers du Québec Inc.", 0, -1, S.APPROVED, CROPS, 8, (8, 4), 12, "16.25", (6, 7, 8),
                submitted_days_ago=310),
    DemoRequest("8100004", "Norfolk Berry Growers Inc.", 0, -1, S.APPROVED, CROPS, 10, (5, 12), 16, "17.60",
                (9, 10, 11), submitted_days_ago=330),
    DemoRequest("8100005", "Okanagan Orchards Ltd.", 0, -1, S.APPROVED, CROPS, 12, (6, 2), 20, "17.85",
                (12, 13, 14), submitted_days_ago=315),
    DemoRequest("8100006", "Taber Potato & Corn Farms Ltd.", 0, -1, S.APPROVED, OPERATORS, 3, (4, 7), 26, "16.00",
                (15, 16), submitted_days_ago=340),
    DemoRequest("8100007", "Niagara Vineyards & Orchards Ltd.", 0, -1, S.APPROVED, CROPS, 6, (4, 14), 28, "17.60",
                (17, 18), submitted_days_ago=345),
    # Next season: every status this issue reaches.
    DemoRequest("8200001", "Demo Farms Ltd.", 0, 1, S.SUBMITTED, CROPS, 6, (5, 4), 20, "18.10", (0, 1),
                submitted_days_ago=12, copy_of="8100001", no_substitutes=True,
                notes="Same crew as last season if possible."),
    DemoRequest("8200002", "Demo Farms Ltd.", 1, 1, S.DRAFT, CROPS, 4, (7, 6), 12, "18.10",
                submitted_days_ago=None),
    DemoRequest("8200003", "Demo Farms Ltd.", 0, 1, S.APPROVED, GRADERS, 2, (6, 1), 16, "18.25",
                submitted_days_ago=40),
    DemoRequest("8200004", "Demo Farms Ltd.", 1, 1, S.CANCELLED, CROPS, 3, (9, 7), 8, "18.10",
                submitted_days_ago=35, reason="The orchard block is being replanted: no harvest next season."),
    DemoRequest("8200005", "Vergers du Québec Inc.", 0, 1, S.SUBMITTED, CROPS, 8, (8, 2), 12, "16.75", (6, 7),
                submitted_days_ago=9),
    DemoRequest("8200006", "Vergers du Québec Inc.", 0, 1, S.REJECTED, GRADERS, 2, (9, 6), 8, "16.75",
                submitted_days_ago=30,
                reason="The LMIA number does not match this worksite: please file again with the right one."),
    DemoRequest("8200007", "Norfolk Berry Growers Inc.", 0, 1, S.SUBMITTED, CROPS, 10, (5, 10), 16, "18.00",
                submitted_days_ago=20),
    DemoRequest("8200008", "Norfolk Berry Growers Inc.", 1, 1, S.APPROVED, CROPS, 6, (4, 19), 8, "18.00",
                submitted_days_ago=45),
    DemoRequest("8200009", "Holland Marsh Vegetables Ltd.", 0, 1, S.SUBMITTED, CROPS, 12, (4, 26), 24, "17.90",
                submitted_days_ago=6),
    DemoRequest("8200010", "Holland Marsh Vegetables Ltd.", 0, 1, S.DRAFT, GRADERS, 3, (8, 2), 10, "17.90",
                submitted_days_ago=None),
    DemoRequest("8200011", "Niagara Vineyards & Orchards Ltd.", 0, 1, S.APPROVED, CROPS, 6, (4, 12), 28, "18.20",
                submitted_days_ago=50),
    DemoRequest("8200012", "Niagara Vineyards & Orchards Ltd.", 1, 1, S.CANCELLED, CROPS, 4, (7, 12), 8, "18.20",
                submitted_days_ago=25, reason="Frost damaged the peach blossoms; we will not need pickers."),
    DemoRequest("8200013", "Essex County Greenhouses Inc.", 0, 1, S.DRAFT, CROPS, 15, (2, 8), 30, "17.80",
                submitted_days_ago=None, notes="We submit as soon as our registration is approved."),
    DemoRequest("8200014", "Oxford County Dairy Farms Ltd.", 0, 1, S.APPROVED, LIVESTOCK, 2, (3, 1), 34, "18.50",
                submitted_days_ago=60),
    DemoRequest("8200015", "Fraises de l'Île d'Orléans Inc.", 0, 1, S.SUBMITTED, CROPS, 14, (6, 7), 12, "16.60",
                submitted_days_ago=15),
    DemoRequest("8200016", "Serres du Haut-Richelieu Inc.", 0, 1, S.APPROVED, CROPS, 8, (2, 15), 34, "16.80",
                submitted_days_ago=55),
    DemoRequest("8200017", "Serres du Haut-Richelieu Inc.", 1, 1, S.SUBMITTED, CROPS, 3, (4, 5), 10, "16.80",
                submitted_days_ago=4),
    DemoRequest("8200018", "Ferme laitière Beauce-Nord S.E.N.C.", 0, 1, S.SUBMITTED, LIVESTOCK, 2, (3, 8), 34,
                "17.20", submitted_days_ago=18),
    DemoRequest("8200019", "Okanagan Orchards Ltd.", 0, 1, S.SUBMITTED, CROPS, 12, (6, 1), 20, "18.30",
                (12, 13), submitted_days_ago=11),
    DemoRequest("8200020", "Okanagan Orchards Ltd.", 1, 1, S.APPROVED, CROPS, 6, (6, 14), 10, "18.30",
                submitted_days_ago=42),
    DemoRequest("8200021", "Fraser Valley Blueberry Farms Ltd.", 0, 1, S.REJECTED, CROPS, 14, (6, 21), 10, "18.10",
                submitted_days_ago=28,
                reason="The housing has 8 beds for the 14 workers requested: ask for 8 or add housing."),
    DemoRequest("8200022", "Fraser Valley Blueberry Farms Ltd.", 0, 1, S.SUBMITTED, CROPS, 8, (6, 21), 10,
                "18.10", submitted_days_ago=3),
    DemoRequest("8200023", "Similkameen Organic Growers Inc.", 0, 1, S.DRAFT, CROPS, 5, (5, 3), 22, "18.00",
                submitted_days_ago=None),
    DemoRequest("8200024", "Taber Potato & Corn Farms Ltd.", 0, 1, S.APPROVED, OPERATORS, 3, (4, 6), 26, "16.25",
                (15, 16), submitted_days_ago=38),
    DemoRequest("8200025", "Lethbridge Feedlot & Cattle Ltd.", 0, 1, S.SUBMITTED, LIVESTOCK, 4, (3, 15), 34,
                "16.50", submitted_days_ago=14),
]


def _first_monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def load_demo_employers(*, program: Program, demo_workers, user_factory) -> None:
    """Employers, worksites, users, the minimum wage table and requests of the demo.

    ``demo_workers`` are the generated demo workers, oldest first (named workers come from it);
    ``user_factory(username, role=..., language=...)`` makes a demo login with its password."""
    for region, effective_from, amount in DEMO_MINIMUM_WAGES:
        MinimumWage.objects.update_or_create(program=program, region=region, occupation=None,
                                             effective_from=effective_from, defaults={"hourly_amount": amount})
    today = timezone.localdate()
    deciders = {region: User.objects.get(username=username) for region, username in DEMO_DECIDERS.items()}
    employers = {}
    for index, demo in enumerate(DEMO_EMPLOYERS):
        employers[demo.legal_name] = _employer(demo, index, today=today, deciders=deciders,
                                               user_factory=user_factory)
    workers = list(demo_workers)
    made = {}
    for demo in DEMO_REQUESTS:
        made[demo.reference] = _request(demo, program=program, employer=employers[demo.employer], today=today,
                                        workers=workers, deciders=deciders, copies=made)


def _employer(demo: DemoEmployer, index: int, *, today, deciders, user_factory) -> Employer:
    employer, _created = Employer.objects.update_or_create(
        legal_name=demo.legal_name,
        defaults={"country": "CA", "region": demo.region, "business_number": _demo_business_number(index),
                  "sector": demo.sector, "contact_name": demo.contact_name, "contact_email": demo.contact_email,
                  "contact_phone": demo.contact_phone, "status": demo.status, "status_reason": demo.status_reason},
    )
    for name, address, city, postal_code, beds in demo.worksites:
        Worksite.objects.update_or_create(
            employer=employer, name=name,
            defaults={"address": address, "city": city, "region": demo.region, "postal_code": postal_code,
                      "housing_capacity": beds, "housing_inspection_result": Worksite.Inspection.PASSED,
                      # Inspected a few months ago and valid two years: it covers next season.
                      "housing_inspected_on": today - datetime.timedelta(days=120),
                      "housing_valid_until": today + datetime.timedelta(days=730)},
        )
    user = _employer_user(demo, user_factory)
    EmployerMembership.objects.update_or_create(user=user, defaults={"employer": employer})
    if not employer.status_changes.exists():
        _status_history(employer, demo, user=user, decider=deciders[demo.region])
    return employer


def _employer_user(demo: DemoEmployer, user_factory) -> User:
    """The two employers README.md lists sign in with the demo password; the others' contacts
    have an account without a password (they would set one through "forgot password")."""
    if demo.username in ("employer.demo", "employer.quebec"):
        return user_factory(demo.username, role=Role.EMPLOYER, language="en")
    user, created = User.objects.get_or_create(
        username=demo.username,
        defaults={"role": Role.EMPLOYER, "email": demo.contact_email, "preferred_language": "en",
                  "first_name": demo.contact_name.split(" ")[0],
                  "last_name": demo.contact_name.split(" ", 1)[-1]},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _status_history(employer: Employer, demo: DemoEmployer, *, user: User, decider: User) -> None:
    steps = [("", Employer.Status.PENDING, "Signed up", user)]
    if demo.status in (Employer.Status.APPROVED, Employer.Status.SUSPENDED):
        steps.append((Employer.Status.PENDING, Employer.Status.APPROVED, "", decider))
    if demo.status == Employer.Status.SUSPENDED:
        steps.append((Employer.Status.APPROVED, Employer.Status.SUSPENDED, demo.status_reason, decider))
    if demo.status == Employer.Status.REJECTED:
        steps.append((Employer.Status.PENDING, Employer.Status.REJECTED, demo.status_reason, decider))
    EmployerStatusChange.objects.bulk_create([
        EmployerStatusChange(employer=employer, from_status=from_status, to_status=to_status, reason=reason,
                             changed_by=by)
        for from_status, to_status, reason, by in steps
    ])


def _request(demo: DemoRequest, *, program: Program, employer: Employer, today, workers, deciders,
             copies) -> WorkerRequest:
    """The demo request with this reference, made once with its timeline and named workers."""
    existing = WorkerRequest.objects.filter(employer=employer, labour_market_reference=demo.reference).first()
    if existing is not None:
        return existing
    demo_employer = next(candidate for candidate in DEMO_EMPLOYERS if candidate.legal_name == demo.employer)
    worksite = employer.worksites.get(name=demo_employer.worksites[demo.site][0])
    owner = User.objects.get(username=demo_employer.username)
    decider = deciders[worksite.region]
    year = today.year + demo.season
    start = _first_monday_on_or_after(datetime.date(year, *demo.start))
    now = timezone.now()
    submitted_at = now - datetime.timedelta(days=demo.submitted_days_ago) if demo.submitted_days_ago else None
    worker_request = WorkerRequest.objects.create(
        employer=employer, program=program, worksite=worksite,
        occupation=Occupation.objects.get(code=demo.occupation), workers_requested=demo.workers,
        start_date=start, end_date=start + datetime.timedelta(weeks=demo.weeks), season=start.year,
        wage_amount=Decimal(demo.wage), wage_currency=program.currency, hours_per_week=40,
        labour_market_reference=demo.reference, no_substitutes=demo.no_substitutes, notes=demo.notes,
        status=demo.status, status_reason=demo.reason, submitted_at=submitted_at,
        copied_from=copies.get(demo.copy_of), created_by=owner,
    )
    # The timeline as the services would have written it, at the times it would have happened.
    created_at = (submitted_at or now) - datetime.timedelta(days=2)
    events = []
    if demo.copy_of:
        source = copies[demo.copy_of]
        events.append((RequestEvent.Kind.COPIED, "", S.DRAFT, "", {"from": str(source.public_id),
                                                                   "number": source.number}, owner, created_at))
    else:
        events.append((RequestEvent.Kind.CREATED, "", S.DRAFT, "", {}, owner, created_at))
    for position, index in enumerate(demo.named):
        worker = workers[index]
        NamedWorker.objects.create(request=worker_request, worker=worker, added_by=owner)
        events.append((RequestEvent.Kind.WORKER_NAMED, "", "", "", {"worker": str(worker.public_id),
                                                                    "name": worker.full_name}, owner,
                       created_at + datetime.timedelta(minutes=5 + position)))
    if submitted_at:
        events.append((RequestEvent.Kind.SUBMITTED, S.DRAFT, S.SUBMITTED, "", {}, owner, submitted_at))
    decided_at = min(now, (submitted_at or now) + datetime.timedelta(days=3))
    if demo.status in (S.APPROVED, S.REJECTED):
        kind = RequestEvent.Kind.APPROVED if demo.status == S.APPROVED else RequestEvent.Kind.REJECTED
        events.append((kind, S.SUBMITTED, demo.status, demo.reason, {}, decider, decided_at))
    if demo.status == S.CANCELLED:
        events.append((RequestEvent.Kind.CANCELLED, S.SUBMITTED if submitted_at else S.DRAFT, S.CANCELLED,
                       demo.reason, {}, owner, decided_at))
    for kind, from_status, to_status, reason, details, by, at in events:
        event = RequestEvent.objects.create(request=worker_request, kind=kind, from_status=from_status,
                                            to_status=to_status, reason=reason, details=details, by=by)
        RequestEvent.objects.filter(pk=event.pk).update(at=at)  # ``at`` is set on insert; move it back
    return worker_request
