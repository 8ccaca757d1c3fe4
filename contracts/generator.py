"""Employers, requests and contracts for generated workers (a step of ``manage.py generate_data``).

For a seed whose workers were just generated, this step writes:

- employers (approved, in the program's destination country) with one or two inspected worksites;
- ``--past-seasons`` seasons of filled requests whose contracts are all ``returned``, with
  ``returned_on_time`` (mostly true) and ``employer_rating`` (1–5) as plain data; most of an
  employer's crew comes back the next season (circularity), the rest comes from the pool;
- the coming season's approved requests (``--requests`` of them, ``--places`` places in all),
  which name workers of the same employer's last season, so allocation has work.

Every worker holds at most one contract per season and seasons do not overlap, so the exclusion
constraint ``contract_no_overlap`` never fires. Rows are built in Python from one seeded random and
written with COPY, one statement per table (PERFORMANCE.md G8). Generated rows carry the seed's
public-id prefix (``workers.generator.uuid_range``), which is how ``--reset`` finds them.

Defaults grow with the seed's workers: one coming-season request per 50 workers, ten places per
request on average; past seasons have as many requests and places again."""

from __future__ import annotations

import bisect
import datetime
import io
import itertools
import math
import random
import uuid
from decimal import Decimal

from django.db import connection, transaction

from twp import audit
from twp.models import Program
from workers.generator import (
    GENERATED_UUID_MARKER,
    OCCUPATION_WEIGHTS,
    GenerationStep,
    register_generation_step,
    seed_marker,
    uuid_range,
)

WORKERS_PER_REQUEST = 50
PLACES_PER_REQUEST = 10
REQUESTS_PER_EMPLOYER = 4
PAST_SEASONS = 2
RETURNING_SHARE = 0.7  # of last season's crew that comes back to the same employer
NAMED_SHARE = 0.4  # of a coming request's places filled by name, at most
ON_TIME_SHARE = 0.92
RATING_WEIGHTS = [(1, 2), (2, 4), (3, 14), (4, 40), (5, 40)]
# Workers who can have gone abroad before: not applicants still being processed nor blocked ones.
TRAVELLED_STATUSES = ("eligible", "returned", "selected", "abroad")

CANADA_REGION_WEIGHTS = {"CA-ON": 45, "CA-QC": 20, "CA-BC": 18, "CA-AB": 7, "CA-MB": 3, "CA-NS": 3, "CA-PE": 2,
                         "CA-NB": 1, "CA-SK": 1}
US_REGION_WEIGHTS = {"US-WA": 20, "US-CA": 20, "US-FL": 15, "US-GA": 12, "US-NC": 12, "US-MI": 8, "US-NY": 8,
                     "US-TX": 5}
FAMILY_NAMES = ["Van Dyk", "Visser", "De Boer", "Mastronardi", "Tremblay", "Gagnon", "Roy", "Bouchard", "Côté",
                "Sandhu", "Dhaliwal", "Hofer", "Janzen", "Friesen", "McLean", "Schuyler", "Moretti", "Lévesque",
                "Wiebe", "Penner", "Thiessen", "Gill", "Brar", "O'Neill", "MacDonald", "Pelletier", "Bergeron"]
BUSINESS_KINDS = ["Farms", "Greenhouses", "Orchards", "Vegetable Growers", "Berry Farms", "Produce", "Vineyards",
                  "Nurseries", "Family Farm", "Growers"]
BUSINESS_SUFFIXES = ["Ltd.", "Inc.", "Ltée", "Co."]
SITE_KINDS = ["fields", "greenhouse", "orchard", "packing house", "farm", "nursery"]
TOWNS = ["Leamington", "Simcoe", "Bradford", "Kingsville", "Vineland", "Mirabel", "Sherrington", "Saint-Rémi",
         "Kelowna", "Oliver", "Abbotsford", "Taber", "Brooks", "Portage la Prairie", "Kentville", "Summerside",
         "Grand Falls", "Outlook", "Yakima", "Salinas", "Immokalee", "Tifton", "Kinston", "Sparta", "Albion"]

EMPLOYER_COLUMNS = ["id", "created_at", "updated_at", "public_id", "legal_name", "country", "status",
                    "business_number", "contact_email", "contact_name", "contact_phone", "region", "sector",
                    "status_reason", "version"]
WORKSITE_COLUMNS = ["id", "created_at", "updated_at", "public_id", "name", "address", "city", "region",
                    "postal_code", "housing_capacity", "housing_inspected_on", "housing_inspection_result",
                    "housing_valid_until", "employer_id"]
REQUEST_COLUMNS = ["id", "created_at", "updated_at", "public_id", "workers_requested", "start_date", "end_date",
                   "season", "wage_amount", "wage_currency", "hours_per_week", "required_languages",
                   "labour_market_reference", "no_substitutes", "notes", "status", "status_reason", "submitted_at",
                   "version", "created_by_id", "employer_id", "occupation_id", "program_id", "worksite_id"]
NAMED_COLUMNS = ["added_at", "added_by_id", "worker_id", "request_id"]
CONTRACT_COLUMNS = ["created_at", "updated_at", "public_id", "season", "start_date", "end_date", "wage_amount",
                    "wage_currency", "hours_per_week", "status", "worker_status_before", "score",
                    "returned_on_time", "employer_rating", "version", "created_by_id", "program_id", "request_id",
                    "worker_id"]


def _monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _moment(day: datetime.date, hour: int = 12) -> str:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC).isoformat()


class ContractGenerator:
    """Builds the rows from one seeded random (a stream of its own: the workers' rows do not move)."""

    def __init__(self, *, seed: int, as_of: datetime.date, verifier, program: Program):
        self.seed = seed
        self.random = random.Random(f"contracts-{seed}")  # noqa: S311 - reproducible test data
        self.as_of = as_of
        self.verifier_id = verifier.pk
        self.program = program
        self.uuid_prefix = (GENERATED_UUID_MARKER << 96) | (seed_marker(seed) << 80)
        from workers.models import Occupation

        occupation_ids = dict(Occupation.objects.values_list("code", "id"))
        pairs = [(occupation_ids[code], weight) for code, weight in OCCUPATION_WEIGHTS.items()
                 if code in occupation_ids and code.startswith(("45-", "53-"))]
        self.occupations = [pk for pk, _weight in pairs]
        self.occupation_cumulative = list(itertools.accumulate(weight for _pk, weight in pairs))
        weights = US_REGION_WEIGHTS if program.destination_country == "US" else CANADA_REGION_WEIGHTS
        self.regions = list(weights)
        self.region_cumulative = list(itertools.accumulate(weights.values()))
        self.ratings = [value for value, _weight in RATING_WEIGHTS]
        self.rating_cumulative = list(itertools.accumulate(weight for _value, weight in RATING_WEIGHTS))

    def _pick(self, values, cumulative):
        return values[bisect.bisect(cumulative, self.random.random() * cumulative[-1])]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.uuid_prefix | self.random.getrandbits(80), version=4))

    # --- seasons ----------------------------------------------------------------------------
    def coming_dates(self) -> tuple[datetime.date, datetime.date]:
        """A start soon after the lead time (medical approvals stay recent) and 8–26 weeks."""
        lead = self.program.request_lead_days or 45
        start = _monday_on_or_after(self.as_of + datetime.timedelta(days=lead + self.random.randint(0, 60)))
        return start, self._end(start, self.random.randint(8, 26))

    def past_dates(self, year: int) -> tuple[datetime.date, datetime.date]:
        start = _monday_on_or_after(datetime.date(year, self.random.randint(3, 6), self.random.randint(1, 28)))
        end = self._end(start, self.random.randint(8, 26))
        latest_end = self.as_of - datetime.timedelta(days=7)  # every past contract has come home
        if end > latest_end:
            end = max(latest_end, start + datetime.timedelta(weeks=6))
        return start, end

    def _end(self, start: datetime.date, weeks: int) -> datetime.date:
        season_end = datetime.date(start.year, self.program.season_end_month, self.program.season_end_day)
        weeks = min(weeks, max(self.program.min_contract_weeks, (season_end - start).days // 7))
        return start + datetime.timedelta(weeks=max(weeks, self.program.min_contract_weeks))

    # --- ids ----------------------------------------------------------------------------------
    @staticmethod
    def _reserve(table: str, count: int) -> list[int]:
        if not count:
            return []
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608
                           "FROM generate_series(1, %s)", [count])
            return [row[0] for row in cursor.fetchall()]

    @staticmethod
    def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
            buffer.write("\n")
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)

    # --- the whole step -----------------------------------------------------------------------
    def generate(self, *, workers: list[tuple[int, str]], requests: int, places: int,
                 past_seasons: int) -> dict[str, int]:
        rnd = self.random
        employer_count = max(1, math.ceil(requests / REQUESTS_PER_EMPLOYER))
        now = _moment(self.as_of)
        employer_ids = self._reserve("employers_employer", employer_count)
        employers, worksites, site_of = [], [], {}
        for index, employer_id in enumerate(employer_ids):
            region = self._pick(self.regions, self.region_cumulative)
            family = rnd.choice(FAMILY_NAMES)
            name = f"{family} {rnd.choice(BUSINESS_KINDS)} {rnd.choice(BUSINESS_SUFFIXES)}"
            slug = family.lower().replace(" ", "").replace("'", "").replace("é", "e").replace("ô", "o")
            employers.append((employer_id, now, now, self._uuid(), name, region[:2], "approved", "",
                              f"office{index}@{slug}.example", f"{rnd.choice(('Pat', 'Anne', 'Luc', 'Sam'))} {family}",
                              f"+1 555-{rnd.randint(100, 999)}-{rnd.randint(1000, 9999)}", region,
                              rnd.choice(("agriculture", "agriculture", "greenhouse", "livestock")), "", 1))
            sites = []
            for number in range(1 if rnd.random() < 0.7 else 2):
                town = rnd.choice(TOWNS)
                inspected = self.as_of - datetime.timedelta(days=rnd.randint(20, 300))
                sites.append((town, f"{town} {rnd.choice(SITE_KINDS)} {number + 1}", inspected))
            site_of[employer_id] = sites
        site_ids = self._reserve("employers_worksite", sum(len(sites) for sites in site_of.values()))
        site_id_iter = iter(site_ids)
        employer_sites = {}
        for employer in employers:
            employer_id, region = employer[0], employer[11]
            employer_sites[employer_id] = []
            for town, name, inspected in site_of[employer_id]:
                site_id = next(site_id_iter)
                employer_sites[employer_id].append(site_id)
                worksites.append((site_id, now, now, self._uuid(), name, f"{rnd.randint(10, 9999)} Concession Road",
                                  town, region, "", rnd.choice((8, 12, 16, 24, 32, 40)), inspected.isoformat(),
                                  "passed", (inspected + datetime.timedelta(days=730)).isoformat(), employer_id))
        self._copy("employers_employer", EMPLOYER_COLUMNS, employers)
        self._copy("employers_worksite", WORKSITE_COLUMNS, worksites)

        pool = [worker for worker in workers if worker[1] in TRAVELLED_STATUSES] or workers
        coming_year_start, _end = self.coming_dates()
        years = [coming_year_start.year - back for back in range(past_seasons, 0, -1)]
        request_rows, contract_rows, named_rows = [], [], []
        crews: dict[int, list[tuple[int, str]]] = {}
        for year in years:
            shares = self._split(places, requests)
            used: set[int] = set()
            free = pool[:]
            rnd.shuffle(free)
            season_crews: dict[int, list[tuple[int, str]]] = {}
            request_ids = self._reserve("employers_workerrequest", len(shares))
            for request_id, size in zip(request_ids, shares, strict=True):
                employer_id = employer_ids[request_id % len(employer_ids)]
                start, end = self.past_dates(year)
                row = self._request_row(request_id, employer_id, employer_sites, size, start, end, status="filled")
                request_rows.append(row)
                crew = [worker for worker in crews.get(employer_id, []) if worker[0] not in used
                        and rnd.random() < RETURNING_SHARE][:size]
                used.update(worker_id for worker_id, _status in crew)
                while len(crew) < size and free:
                    worker = free.pop()
                    if worker[0] not in used:
                        used.add(worker[0])
                        crew.append(worker)
                season_crews.setdefault(employer_id, []).extend(crew)
                for worker_id, _status in crew:
                    contract_rows.append(self._contract_row(row, worker_id))
            crews = season_crews
        coming = self._split(places, requests)
        request_ids = self._reserve("employers_workerrequest", len(coming))
        named_already: set[int] = set()
        for request_id, size in zip(request_ids, coming, strict=True):
            employer_id = employer_ids[request_id % len(employer_ids)]
            start, end = self.coming_dates()
            submitted = self.as_of - datetime.timedelta(days=rnd.randint(5, 40))
            row = self._request_row(request_id, employer_id, employer_sites, size, start, end, status="approved",
                                    submitted=submitted)
            request_rows.append(row)
            want = rnd.randint(0, math.floor(size * NAMED_SHARE))
            former = [worker_id for worker_id, _status in crews.get(employer_id, []) if worker_id not in named_already]
            for worker_id in former[:want]:
                named_already.add(worker_id)
                named_rows.append((_moment(submitted - datetime.timedelta(days=2)), self.verifier_id, worker_id,
                                   request_id))
        self._copy("employers_workerrequest", REQUEST_COLUMNS, request_rows)
        self._copy("employers_namedworker", NAMED_COLUMNS, named_rows)
        self._copy("contracts_contract", CONTRACT_COLUMNS, contract_rows)
        with connection.cursor() as cursor:
            # Each contract's history, as one line: generated straight into its final status.
            cursor.execute(
                """INSERT INTO contracts_contractstatuschange (contract_id, from_status, to_status, reason, by_id, at)
                   SELECT id, '', status, '', created_by_id, updated_at FROM contracts_contract
                   WHERE public_id BETWEEN %s AND %s""", list(uuid_range(self.seed)))
        return {"employers": len(employers), "worksites": len(worksites), "requests": len(request_rows),
                "named_workers": len(named_rows), "contracts": len(contract_rows)}

    def _split(self, places: int, requests: int) -> list[int]:
        """``requests`` sizes between 1 and 3 × average that add up to ``places``."""
        requests = max(1, min(requests, places))
        average = places / requests
        sizes = [max(1, round(average * self.random.uniform(0.4, 1.6))) for _ in range(requests)]
        difference = places - sum(sizes)
        index = 0
        while difference:
            step = 1 if difference > 0 else -1
            if step > 0 or sizes[index % requests] > 1:
                sizes[index % requests] += step
                difference -= step
            index += 1
        return sizes

    def _request_row(self, request_id, employer_id, employer_sites, size, start, end, *, status, submitted=None):
        rnd = self.random
        submitted = submitted or (start - datetime.timedelta(days=rnd.randint(60, 120)))
        wage = Decimal("16.00") + Decimal(rnd.randint(0, 300)) / 100
        return (request_id, _moment(submitted, 9), _moment(submitted, 9), self._uuid(), size, start.isoformat(),
                end.isoformat(), start.year, str(wage), self.program.currency, rnd.choice((40, 40, 45, 48)), "{}",
                f"G{seed_marker(self.seed):05d}-{request_id}", "f", "", status, "", _moment(submitted, 10), 1,
                self.verifier_id, employer_id, self._pick(self.occupations, self.occupation_cumulative),
                self.program.pk, rnd.choice(employer_sites[employer_id]))

    def _contract_row(self, request_row, worker_id: int) -> tuple:
        rnd = self.random
        start, end = request_row[5], request_row[6]
        ended = datetime.date.fromisoformat(end)
        return (_moment(datetime.date.fromisoformat(start) - datetime.timedelta(days=30)),
                _moment(ended + datetime.timedelta(days=rnd.randint(0, 5))), self._uuid(), request_row[7], start, end,
                request_row[8], request_row[9], request_row[10], "returned", "eligible", "{}",
                "t" if rnd.random() < ON_TIME_SHARE else "f", self._pick(self.ratings, self.rating_cumulative), 1,
                self.verifier_id, self.program.pk, request_row[0], worker_id)


def _program() -> Program | None:
    return Program.objects.filter(code="sawp-canada").first() or Program.objects.order_by("pk").first()


def generate_contracts(*, seed, as_of, verifier, requests=None, places=None, past_seasons=PAST_SEASONS,
                       **_options) -> tuple[str, int]:
    """The step: employers, seasons of requests and contracts for this seed's workers."""
    from employers.models import WorkerRequest
    from workers.generator import generated_workers

    program = _program()
    if program is None:
        return "contracts (no program)", 0
    low, high = uuid_range(seed)
    if WorkerRequest.objects.filter(public_id__range=(low, high)).exists():
        return "contracts (this seed's requests exist already)", 0
    workers = list(generated_workers(seed).order_by("id").values_list("id", "status"))
    if not workers:
        return "contracts (no workers)", 0
    requests = requests if requests is not None else max(1, len(workers) // WORKERS_PER_REQUEST)
    places = places if places is not None else requests * PLACES_PER_REQUEST
    if requests < 1 or places < requests:
        return "contracts (nothing asked)", 0
    with transaction.atomic(), audit.context(command="generate_data", seed=seed), connection.cursor() as cursor:
        # As for workers: check foreign keys per statement, not queued per row (workers.generator).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        counts = ContractGenerator(seed=seed, as_of=as_of, verifier=verifier, program=program).generate(
            workers=workers, requests=requests, places=places, past_seasons=past_seasons)
    detail = ", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in counts.items() if name != "contracts")
    return f"past-season contracts ({detail})", counts["contracts"]


def delete_contracts(cursor, worker_ids_sql: str, params: list) -> None:
    """Generated contracts, requests, worksites and employers (and anything made on them since)."""
    requests = "SELECT id FROM employers_workerrequest WHERE public_id BETWEEN %s AND %s"
    employers = "SELECT id FROM employers_employer WHERE public_id BETWEEN %s AND %s"
    contracts = (f"SELECT id FROM contracts_contract WHERE worker_id IN ({worker_ids_sql}) "  # noqa: S608
                 f"OR request_id IN ({requests})")
    statements = [
        (f"DELETE FROM contracts_contractstatuschange WHERE contract_id IN ({contracts})", params * 2),  # noqa: S608
        (f"DELETE FROM contracts_contract WHERE id IN ({contracts})", params * 2),  # noqa: S608
        (f"DELETE FROM employers_namedworker WHERE worker_id IN ({worker_ids_sql}) "  # noqa: S608
         f"OR request_id IN ({requests})", params * 2),
        (f"DELETE FROM employers_requestevent WHERE request_id IN ({requests})", params),  # noqa: S608
        (f"DELETE FROM employers_workerrequest_required_schemes WHERE workerrequest_id IN ({requests})",  # noqa: S608
         params),
        ("DELETE FROM employers_workerrequest WHERE public_id BETWEEN %s AND %s", params),
        (f"DELETE FROM employers_worksite WHERE employer_id IN ({employers})", params),  # noqa: S608
        ("DELETE FROM employers_employer WHERE public_id BETWEEN %s AND %s", params),
    ]
    for sql, arguments in statements:
        cursor.execute(sql, arguments)


def add_arguments(parser) -> None:
    parser.add_argument("--requests", type=int, default=None,
                        help="Approved requests of the coming season (default: one per 50 workers); past seasons "
                             "get as many, filled.")
    parser.add_argument("--places", type=int, default=None,
                        help="Places over those requests (default: 10 per request).")
    parser.add_argument("--past-seasons", type=int, default=PAST_SEASONS,
                        help=f"Seasons of returned contracts before the coming one (default {PAST_SEASONS}).")


register_generation_step(GenerationStep(generate=generate_contracts, delete=delete_contracts,
                                        add_arguments=add_arguments,
                                        options=("requests", "places", "past_seasons")))
