"""Realistic, deterministic workers for benchmarks and the demo: same seed, same rows.

Rows are built in Python and loaded with PostgreSQL ``COPY`` in chunks, so a million workers take
minutes, not hours, and the number of statements grows with chunks, never with rows
(PERFORMANCE.md G8). The pghistory triggers stay on: the audit trail records every generated row
under a context naming the generator and its seed, exactly as it would for any other bulk write.

Generated rows are recognisable without a column of their own: their ``public_id`` is a version 4
UUID whose first 48 bits are :data:`GENERATED_UUID_MARKER` and the seed (modulo 2**16); the other
bits come from the seeded random. The unique index on ``public_id`` then finds one seed's rows, or
every generated row, with a range scan (used by the idempotency check and ``--reset``).
"""

from __future__ import annotations

import bisect
import datetime
import io
import itertools
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from stdnum import luhn
from stdnum.mx.curp import _name_blacklist as CURP_INCONVENIENT_WORDS

from twp import audit
from twp.models import Role, User
from workers.models import WorkerStatus, search_text
from workers.validators import RENAPO_STATE_CODES, curp_check_digit

# Measured: ~180 µs per worker (its documents, occupations and history included) from 2,000 to
# 5,000 per chunk; bigger chunks only hold locks longer.
DEFAULT_CHUNK_SIZE = 5_000
GENERATED_UUID_MARKER = 0x7E57DA7A  # "test data": the first 32 bits of every generated public_id.
GENERATOR_USERNAME = "generator"

# Where the program's workers come from (share of registrations, roughly): the central states send
# most; every other state a little.
STATE_WEIGHTS = {
    "MEX": 13, "TLA": 10, "PUE": 9, "HID": 7, "MOR": 6, "GUA": 6, "VER": 6, "OAX": 6, "MIC": 5,
    "JAL": 4, "GRO": 4, "CHP": 3, "SLP": 2, "ZAC": 2, "QUE": 1.5, "DUR": 1, "SIN": 1, "CDMX": 1,
    "AGU": 0.6, "NAY": 0.6, "TAB": 0.6, "YUC": 0.5, "CHH": 0.5, "COA": 0.4, "SON": 0.4, "TAM": 0.4,
    "CAM": 0.3, "COL": 0.3, "NLE": 0.3, "ROO": 0.2, "BCN": 0.2, "BCS": 0.1,
}
# The demo's state offices are Tlaxcala and Estado de México: their staff should see most demo workers.
DEMO_STATE_WEIGHTS = {"TLA": 50, "MEX": 40, "PUE": 5, "HID": 5}

MALE_NAMES = [
    ("José", 6), ("Juan", 6), ("Miguel", 4), ("Francisco", 3), ("Pedro", 3), ("Luis", 3), ("Jesús", 3),
    ("Antonio", 3), ("Alejandro", 2), ("Manuel", 2), ("Ricardo", 2), ("Roberto", 2), ("Fernando", 2),
    ("Javier", 2), ("Martín", 2), ("Rafael", 2), ("Eduardo", 2), ("Arturo", 2), ("Raúl", 2), ("Sergio", 2),
    ("Ángel", 2), ("Jorge", 2), ("Óscar", 1), ("Ramón", 1), ("Andrés", 1), ("Víctor", 1), ("Efraín", 1),
    ("Rubén", 1), ("Hugo", 1), ("Germán", 1), ("Joaquín", 1), ("Agustín", 1), ("Iñaki", 0.2),
    ("Gerardo", 1), ("Salvador", 1), ("Enrique", 1), ("Ernesto", 1), ("Abraham", 1), ("Ulises", 0.5),
    ("José Luis", 3), ("Juan Carlos", 2), ("José Antonio", 2), ("Juan Manuel", 1), ("José Ángel", 1),
    ("Miguel Ángel", 2), ("Luis Fernando", 1), ("Jesús Alberto", 0.5), ("Marco Antonio", 1),
]
FEMALE_NAMES = [
    ("María", 4), ("Guadalupe", 3), ("Juana", 2), ("Margarita", 2), ("Rosa", 2), ("Verónica", 2),
    ("Leticia", 2), ("Patricia", 2), ("Elizabeth", 1), ("Alejandra", 2), ("Gabriela", 2), ("Adriana", 2),
    ("Sofía", 1), ("Lucía", 1), ("Mónica", 1), ("Araceli", 1), ("Beatriz", 1), ("Inés", 1),
    ("Ángeles", 1), ("Begoña", 0.2), ("Rocío", 1), ("Yolanda", 1), ("Norma", 1), ("Silvia", 1),
    ("Maricela", 1), ("Irma", 1), ("Estela", 1), ("Itzel", 0.5), ("Xóchitl", 0.5),
    ("María Guadalupe", 3), ("María de Jesús", 1), ("María del Carmen", 1), ("Ana María", 1),
    ("María Elena", 1), ("María Isabel", 1),
]
# Frequency follows Mexico's most common surnames; particles ("de la") are part of the surname.
SURNAMES = [
    ("Hernández", 10), ("García", 8), ("Martínez", 7), ("López", 7), ("González", 6), ("Pérez", 5),
    ("Rodríguez", 5), ("Sánchez", 5), ("Ramírez", 5), ("Cruz", 4), ("Flores", 4), ("Gómez", 4),
    ("Morales", 3), ("Vázquez", 3), ("Reyes", 3), ("Jiménez", 3), ("Torres", 3), ("Díaz", 3),
    ("Gutiérrez", 3), ("Ruiz", 2), ("Mendoza", 2), ("Aguilar", 2), ("Ortiz", 2), ("Moreno", 2),
    ("Castillo", 2), ("Romero", 2), ("Álvarez", 2), ("Méndez", 2), ("Chávez", 2), ("Rivera", 2),
    ("Juárez", 2), ("Ramos", 2), ("Domínguez", 2), ("Herrera", 2), ("Medina", 2), ("Castro", 2),
    ("Vargas", 2), ("Guzmán", 2), ("Velázquez", 2), ("Muñoz", 1), ("Rojas", 1), ("Núñez", 1),
    ("Ibáñez", 0.5), ("Peña", 1), ("Santiago", 1), ("Contreras", 1), ("Salazar", 1), ("Luna", 1),
    ("Ortega", 1), ("Estrada", 1), ("Bautista", 1), ("Cortés", 1), ("Guerrero", 1), ("Ávila", 1),
    ("Sandoval", 1), ("Espinoza", 1), ("Mejía", 1), ("Carrillo", 1), ("Acosta", 1), ("Xolalpa", 0.3),
    ("Tecuapacho", 0.2), ("Meneses", 0.5), ("Zempoalteca", 0.2), ("Cuautle", 0.3), ("Ávalos", 0.5),
    ("De la Cruz", 1), ("Del Ángel", 0.5), ("De León", 0.5), ("De los Santos", 0.3), ("Oñate", 0.2),
    ("Buendía", 0.3), ("Caña", 0.1), ("Cacahuatl", 0.02), ("Pedraza", 0.2), ("Bueno", 0.3), ("Mulato", 0.2),
]
NO_MATERNAL_SURNAME_SHARE = 0.02
NON_BINARY_SHARE = 0.003
FEMALE_SHARE = 0.18  # The program's seasonal agricultural flows are mostly men.

STATUS_WEIGHTS = [
    (WorkerStatus.APPLICANT, 48), (WorkerStatus.ELIGIBLE, 38), (WorkerStatus.RETURNED, 9),
    (WorkerStatus.SELECTED, 2), (WorkerStatus.ABROAD, 2.5), (WorkerStatus.INELIGIBLE, 0.5),
]
INELIGIBLE_REASONS = ["Dictamen médico no favorable.", "Pasaporte vencido sin renovación.",
                      "Documentación incompleta tras tres avisos."]
# Staff verified their papers before deciding; applicants are still being processed.
VERIFIED_SHARE = {WorkerStatus.APPLICANT: 0.3, WorkerStatus.INELIGIBLE: 0.5}
OCCUPATION_WEIGHTS = {"45-2092": 40, "45-2093": 10, "45-2091": 8, "45-2041": 6, "45-1011": 2, "53-7064": 6,
                      "37-3011": 4, "51-9111": 3, "47-2061": 2, "45-2099": 4}
# Area codes (lada) of a main city of each frequent state; phones elsewhere get a generic one.
AREA_CODES = {"MEX": "722", "TLA": "246", "PUE": "222", "HID": "771", "MOR": "777", "GUA": "473",
              "VER": "228", "OAX": "951", "MIC": "443", "JAL": "33", "GRO": "747", "CHP": "961", "CDMX": "55",
              "SLP": "444", "ZAC": "492", "QUE": "442", "DUR": "618", "SIN": "667"}
# Reserved example domains (RFC 2606): generated addresses can never reach a real person.
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]
RELATIONS = ["Esposa", "Esposo", "Madre", "Padre", "Hija", "Hijo", "Hermana", "Hermano"]
INDIGENOUS_LANGUAGE_STATES = {"PUE": "nah", "VER": "nah", "HID": "nah", "GRO": "nah", "OAX": "zap", "CHP": "tzo"}

WORKER_COLUMNS = [
    "id", "created_at", "updated_at", "public_id", "curp", "first_names", "paternal_surname", "maternal_surname",
    "search_name", "birth_date", "sex", "state_of_origin", "nss", "phone", "email", "preferred_language",
    "years_of_experience", "dependents", "beneficiary_name", "beneficiary_relation", "beneficiary_contact",
    "status", "status_reason", "is_active", "version",
]
DOCUMENT_COLUMNS = ["created_at", "updated_at", "public_id", "worker_id", "kind", "number", "issued_on",
                    "expires_on", "file", "file_type", "verified_by_id", "verified_at", "notes"]

VOWELS = frozenset("AEIOU")
# Leading words RENAPO skips when it takes letters from a compound name.
NAME_PARTICLES = frozenset(
    ["DA", "DAS", "DE", "DEL", "DER", "DI", "DIE", "DD", "EL", "LA", "LOS", "LAS", "LE", "LES", "MAC", "MC", "VAN",
     "VON", "Y"]
)
COMMON_FIRST_NAMES = frozenset(["MARIA", "MA", "MA.", "JOSE", "J", "J."])
DIFFERENTIATORS_BEFORE_2000 = "0123456789"
DIFFERENTIATORS_FROM_2000 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class GenerationError(Exception):
    """Generated data cannot be written (e.g. this seed's workers already exist)."""


def seed_marker(seed: int) -> int:
    return seed & 0xFFFF


def uuid_range(seed: int | None = None) -> tuple[uuid.UUID, uuid.UUID]:
    """The first and last public_id generated for ``seed`` (or by any seed, when None)."""
    if seed is None:
        low = GENERATED_UUID_MARKER << 96
        return uuid.UUID(int=low), uuid.UUID(int=low | (1 << 96) - 1)
    low = (GENERATED_UUID_MARKER << 96) | (seed_marker(seed) << 80)
    return uuid.UUID(int=low), uuid.UUID(int=low | (1 << 80) - 1)


def _curp_letters(text: str) -> list[str]:
    """The words of a name as RENAPO reads them: upper case, no accents, Ñ as X, particles dropped."""
    words = search_text(text.upper().replace("Ñ", "X")).split()
    meaningful = [word for word in words if word not in NAME_PARTICLES]
    return meaningful or words


def _first_internal(word: str, *, vowel: bool) -> str:
    for char in word[1:]:
        if (char in VOWELS) == vowel and char.isalpha():
            return char
    return "X"


def curp_stem(*, first_names: str, paternal_surname: str, maternal_surname: str, birth_date: datetime.date,
              sex: str, state: str) -> str:
    """The first 16 characters of a CURP (everything before the differentiator and check digit)."""
    paternal = _curp_letters(paternal_surname)[0]
    maternal = _curp_letters(maternal_surname)[0] if maternal_surname else ""
    given = _curp_letters(first_names)
    # "José Luis" and "María Guadalupe" are keyed on their second name: the first is too common.
    name = given[1] if len(given) > 1 and given[0] in COMMON_FIRST_NAMES else given[0]
    initials = paternal[0] + _first_internal(paternal, vowel=True) + (maternal[:1] or "X") + name[0]
    if initials in CURP_INCONVENIENT_WORDS:
        initials = initials[0] + "X" + initials[2:]
    consonants = (
        _first_internal(paternal, vowel=False)
        + (_first_internal(maternal, vowel=False) if maternal else "X")
        + _first_internal(name, vowel=False)
    )
    return f"{initials}{birth_date:%y%m%d}{sex}{RENAPO_STATE_CODES[state]}{consonants}"


def _weighted(pairs):
    """Values and cumulative weights for ``random.choices``-like sampling with bisect (faster)."""
    pairs = list(pairs)
    values = [value for value, _weight in pairs]
    cumulative = list(itertools.accumulate(weight for _value, weight in pairs))
    return values, cumulative


@dataclass
class GenerationResult:
    workers: int = 0
    documents: int = 0
    occupations: int = 0
    languages: int = 0
    chunks: int = 0
    copy_statements: int = 0
    seconds: float = 0.0
    build_seconds: float = 0.0
    copy_seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)

    def seconds_so_far(self) -> float:
        return time.perf_counter() - self.started


@dataclass
class _Identities:
    """CURP stems and NSS bodies already taken, in the database or earlier in this run."""

    curps: set[str] = field(default_factory=set)
    nss: set[str] = field(default_factory=set)

    @classmethod
    def from_database(cls) -> _Identities:
        identities = cls()
        # A named (server-side) cursor streams the existing keys instead of materialising them twice.
        with transaction.atomic(), connection.chunked_cursor() as cursor:
            cursor.execute("SELECT curp, nss FROM workers_worker")
            for curp, nss in cursor:
                identities.curps.add(curp[:17])
                if nss:
                    identities.nss.add(nss[:10])
        return identities


class WorkerGenerator:
    """Builds worker rows from one seeded random and writes them with COPY, chunk by chunk."""

    def __init__(self, *, seed: int, as_of: datetime.date, verifier: User, state_weights: dict | None = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE):
        self.seed = seed
        # Reproducible test data, not secrets: a seeded PRNG is the point.
        self.random = random.Random(seed)  # noqa: S311
        self.as_of = as_of
        self.verifier_id = verifier.pk
        self.chunk_size = chunk_size
        self.states, self.state_cumulative = _weighted((state_weights or STATE_WEIGHTS).items())
        self.male_names, self.male_cumulative = _weighted(MALE_NAMES)
        self.female_names, self.female_cumulative = _weighted(FEMALE_NAMES)
        self.surnames, self.surname_cumulative = _weighted(SURNAMES)
        self.statuses, self.status_cumulative = _weighted(STATUS_WEIGHTS)
        from workers.models import Occupation

        occupation_ids = dict(Occupation.objects.values_list("code", "id"))
        self.occupations, self.occupation_cumulative = _weighted(
            (occupation_ids[code], weight) for code, weight in OCCUPATION_WEIGHTS.items() if code in occupation_ids
        )
        self.uuid_prefix = (GENERATED_UUID_MARKER << 96) | (seed_marker(seed) << 80)
        self.as_of_moment = datetime.datetime.combine(as_of, datetime.time(12), tzinfo=datetime.UTC)
        self.oldest_birth = datetime.date(as_of.year - 61, as_of.month, min(as_of.day, 28)) + datetime.timedelta(1)
        self.youngest_birth = datetime.date(as_of.year - 18, as_of.month, min(as_of.day, 28))
        self.birth_span = (self.youngest_birth - self.oldest_birth).days

    # --- sampling helpers -----------------------------------------------------------------
    def _pick(self, values, cumulative):
        return values[bisect.bisect(cumulative, self.random.random() * cumulative[-1])]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.uuid_prefix | self.random.getrandbits(80), version=4))

    def _digits(self, count: int) -> str:
        return f"{self.random.randrange(10**count):0{count}d}"

    # --- one person -----------------------------------------------------------------------
    def _person(self, identities: _Identities):
        rnd = self.random
        while True:
            roll = rnd.random()
            sex = "X" if roll < NON_BINARY_SHARE else ("M" if roll < NON_BINARY_SHARE + FEMALE_SHARE else "H")
            female_name = sex == "M" or (sex == "X" and rnd.random() < 0.5)
            first_names = (self._pick(self.female_names, self.female_cumulative) if female_name
                           else self._pick(self.male_names, self.male_cumulative))
            paternal = self._pick(self.surnames, self.surname_cumulative)
            maternal = "" if rnd.random() < NO_MATERNAL_SURNAME_SHARE else self._pick(
                self.surnames, self.surname_cumulative)
            birth_date = self.oldest_birth + datetime.timedelta(days=rnd.randrange(self.birth_span + 1))
            state = self._pick(self.states, self.state_cumulative)
            stem = curp_stem(first_names=first_names, paternal_surname=paternal, maternal_surname=maternal,
                             birth_date=birth_date, sex=sex, state=state)
            # Homonyms born the same day in the same state: RENAPO tells them apart by the differentiator.
            alphabet = DIFFERENTIATORS_BEFORE_2000 if birth_date.year < 2000 else DIFFERENTIATORS_FROM_2000
            for differentiator in alphabet:
                if stem + differentiator not in identities.curps:
                    first_seventeen = stem + differentiator
                    identities.curps.add(first_seventeen)
                    return (first_names, paternal, maternal, birth_date, sex, state,
                            first_seventeen + curp_check_digit(first_seventeen))
            # Every differentiator taken (practically never): draw another person.

    def _nss(self, birth_date: datetime.date, identities: _Identities) -> str:
        """IMSS layout: subdelegation, year of affiliation, year of birth, serial, Luhn check digit."""
        rnd = self.random
        affiliation_year = min(self.as_of.year, birth_date.year + rnd.randint(16, 30))
        serial = rnd.randrange(10_000)
        head = f"{rnd.randint(1, 99):02d}{affiliation_year % 100:02d}{birth_date.year % 100:02d}"
        for step in range(10_000):
            body = f"{head}{(serial + step) % 10_000:04d}"
            if body not in identities.nss:
                identities.nss.add(body)
                return body + luhn.calc_check_digit(body)
        return ""  # This affiliation block is full: the worker has no NSS yet, as some real ones.

    def _documents(self, worker_id: int, status: str, state: str, buffer: io.StringIO) -> int:
        rnd = self.random
        as_of = self.as_of
        decided = status not in (WorkerStatus.APPLICANT, WorkerStatus.INELIGIBLE)
        verified_share = VERIFIED_SHARE.get(status, 1.0)
        count = 0
        documents = []
        if decided or rnd.random() < 0.9:
            issued = as_of - datetime.timedelta(days=rnd.randint(20, 5 * 365))
            years = 10 if rnd.random() < 0.3 else 6 if rnd.random() < 0.8 else 3
            expires = issued.replace(year=issued.year + years) if not (issued.month == 2 and issued.day == 29) \
                else issued + datetime.timedelta(days=365 * years)
            number = f"{'GN'[rnd.random() < 0.6]}{self._digits(8)}"
            documents.append(("passport", number, issued, expires))
        if decided or rnd.random() < 0.45:
            issued = as_of - datetime.timedelta(days=rnd.randint(5, 170 if decided else 400))
            documents.append(("medical", f"DM-{state}-{issued.year}-{self._digits(6)}", issued, None))
        if decided or rnd.random() < 0.4:
            issued = as_of - datetime.timedelta(days=rnd.randint(5, 365))
            documents.append(("background_check", f"CNAP-{state}-{issued.year}-{self._digits(6)}", issued, None))
        for kind, number, issued, expires in documents:
            created = datetime.datetime.combine(issued, datetime.time(9), tzinfo=datetime.UTC) + datetime.timedelta(
                days=rnd.randint(0, 10), minutes=rnd.randint(0, 540))
            created = min(created, self.as_of_moment)
            if rnd.random() < verified_share:
                verified_at = min(created + datetime.timedelta(days=rnd.randint(0, 15), minutes=rnd.randint(5, 600)),
                                  self.as_of_moment)
                verified = (str(self.verifier_id), verified_at.isoformat())
                updated = verified_at
            else:
                verified = ("\\N", "\\N")
                updated = created
            buffer.write("\t".join((
                created.isoformat(), updated.isoformat(), self._uuid(), str(worker_id), kind, number,
                issued.isoformat(), expires.isoformat() if expires else "\\N", "", "", *verified, "",
            )))
            buffer.write("\n")
            count += 1
        return count

    # --- chunks ---------------------------------------------------------------------------
    def _reserve_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            # Deferred foreign-key checks queue one event per row that the history trigger's nested
            # INSERTs then rescan: COPY of documents went quadratic (24,000 rows in 10 s). Checked at
            # each statement's end instead, the same COPY takes 0.5 s.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # One statement per chunk; nextval keeps concurrent inserts (the app, other runs) safe.
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('workers_worker', 'id')) FROM generate_series(1, %s)",
                [count],
            )
            return [row[0] for row in cursor.fetchall()]

    def _build_chunk(self, ids: list[int], first_index: int, total: int, identities: _Identities):
        rnd = self.random
        workers, documents, occupations, languages = io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO()
        counts = [0, 0, 0]
        span_seconds = 3 * 365 * 86400
        start = self.as_of_moment - datetime.timedelta(seconds=span_seconds)
        for offset, worker_id in enumerate(ids):
            first_names, paternal, maternal, birth_date, sex, state, curp = self._person(identities)
            nss = self._nss(birth_date, identities) if rnd.random() < 0.92 else ""
            status = self._pick(self.statuses, self.status_cumulative)
            reason = rnd.choice(INELIGIBLE_REASONS) if status == WorkerStatus.INELIGIBLE else ""
            # Registration order follows ids, as it would in production.
            created = start + datetime.timedelta(
                seconds=span_seconds * (first_index + offset) // max(total, 1) + rnd.randrange(60))
            updated = created + datetime.timedelta(days=rnd.randint(0, 60)) if status != "applicant" else created
            updated = min(updated, self.as_of_moment)
            area = AREA_CODES.get(state, "55")
            phone = f"+52 {area} {self._digits(10 - len(area))}"
            email = ""
            if rnd.random() < 0.35:
                local = search_text(first_names.split()[0], paternal.replace(" ", "")).lower().replace(" ", ".")
                email = f"{local.replace('ñ', 'n')}{rnd.randint(1, 999)}@{rnd.choice(EMAIL_DOMAINS)}"
            beneficiary = ("", "", "")
            if rnd.random() < 0.6:
                beneficiary_surname = self._pick(self.surnames, self.surname_cumulative)
                beneficiary_name = self._pick(self.female_names, self.female_cumulative)
                beneficiary = (f"{beneficiary_name} {paternal if rnd.random() < 0.5 else beneficiary_surname}",
                               rnd.choice(RELATIONS), f"+52 {area} {self._digits(10 - len(area))}")
            workers.write("\t".join((
                str(worker_id), created.isoformat(), updated.isoformat(), self._uuid(), curp, first_names, paternal,
                maternal, search_text(first_names, paternal, maternal), birth_date.isoformat(), sex, state, nss,
                phone, email, "es", str(rnd.randint(0, min(30, as_age(birth_date, self.as_of) - 16))),
                str(rnd.choice((0, 0, 1, 2, 2, 3, 3, 4, 5, 6))), *beneficiary, status, reason, "t", "1",
            )))
            workers.write("\n")
            counts[0] += self._documents(worker_id, status, state, documents)
            chosen = {self._pick(self.occupations, self.occupation_cumulative) for _ in range(rnd.randint(1, 3))}
            for occupation_id in sorted(chosen):
                occupations.write(f"{worker_id}\t{occupation_id}\n")
            counts[1] += len(chosen)
            spoken = []
            if rnd.random() < 0.12:
                spoken.append(("en", rnd.choice(("basic", "basic", "intermediate", "advanced"))))
            if rnd.random() < 0.03:
                spoken.append(("fr", "basic"))
            indigenous = INDIGENOUS_LANGUAGE_STATES.get(state)
            if indigenous and rnd.random() < 0.08:
                spoken.append((indigenous, "native"))
            for language, level in spoken:
                languages.write(f"{language}\t{level}\t{worker_id}\n")
            counts[2] += len(spoken)
        return workers, documents, occupations, languages, counts

    def _copy(self, table: str, columns: list[str], buffer: io.StringIO) -> None:
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)

    def generate(self, count: int, *, progress=None) -> GenerationResult:
        """Write ``count`` workers; one transaction per chunk, so a failure loses one chunk at most."""
        result = GenerationResult()
        started = time.perf_counter()
        identities = _Identities.from_database()
        with audit.context(command="generate_data", seed=self.seed):
            for first_index in range(0, count, self.chunk_size):
                size = min(self.chunk_size, count - first_index)
                with transaction.atomic():
                    # The first statement of the transaction also carries pghistory's context, which
                    # the triggers then attach to every row COPY inserts in this transaction.
                    ids = self._reserve_ids(size)
                    built = time.perf_counter()
                    workers, documents, occupations, languages, counts = self._build_chunk(
                        ids, first_index, count, identities)
                    copied = time.perf_counter()
                    result.build_seconds += copied - built
                    self._copy("workers_worker", WORKER_COLUMNS, workers)
                    self._copy("workers_document", DOCUMENT_COLUMNS, documents)
                    self._copy("workers_worker_occupations", ["worker_id", "occupation_id"], occupations)
                    self._copy("workers_workerlanguage", ["language", "level", "worker_id"], languages)
                    result.copy_statements += 4
                result.copy_seconds += time.perf_counter() - copied
                result.workers += size
                result.documents += counts[0]
                result.occupations += counts[1]
                result.languages += counts[2]
                result.chunks += 1
                if progress:
                    progress(result)
        result.seconds = time.perf_counter() - started
        return result


def as_age(birth_date: datetime.date, on: datetime.date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def generated_workers(seed: int | None = None):
    from workers.models import Worker

    low, high = uuid_range(seed)
    return Worker.objects.filter(public_id__range=(low, high))


def default_verifier() -> User:
    """The demo administrator when there is one, else a dedicated administrator that cannot sign in."""
    admin = User.objects.filter(username="admin", role=Role.ADMINISTRATOR).first()
    if admin:
        return admin
    user, created = User.objects.get_or_create(
        username=GENERATOR_USERNAME, defaults={"role": Role.ADMINISTRATOR, "office": None, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def delete_generated(seed: int | None = None) -> int:
    """Delete generated workers (of one seed, or all) with their documents, occupations and languages."""
    low, high = uuid_range(seed)
    worker_ids = "SELECT id FROM workers_worker WHERE public_id BETWEEN %s AND %s"
    params = [low, high]
    with transaction.atomic(), audit.context(command="generate_data --reset"), connection.cursor() as cursor:
        for step in GENERATION_STEPS:
            step.delete(cursor, worker_ids, params)
        for table in ("workers_document", "workers_worker_occupations", "workers_workerlanguage",
                      "workers_workerstatuschange", "workers_curpcorrection"):
            cursor.execute(f"DELETE FROM {table} WHERE worker_id IN ({worker_ids})", params)  # noqa: S608
        cursor.execute("DELETE FROM workers_worker WHERE public_id BETWEEN %s AND %s", params)
        return cursor.rowcount


@dataclass(frozen=True)
class GenerationStep:
    """What an app to the right of ``workers`` generates for generated workers (certification:
    certificates). ``generate(*, seed, as_of, verifier, **options) -> (label, count)`` runs after
    the workers in the ``generate_data`` command (the demo data makes its own); ``delete(cursor,
    worker_ids_sql, params)`` removes those rows before ``--reset`` deletes the workers. A step
    that takes options adds them to the command (``add_arguments(parser)``) and names them in
    ``options``: only those are passed to its ``generate``."""

    generate: Callable
    delete: Callable
    add_arguments: Callable | None = None
    options: tuple[str, ...] = ()


GENERATION_STEPS: list[GenerationStep] = []


def register_generation_step(step: GenerationStep) -> GenerationStep:
    GENERATION_STEPS.append(step)
    return step


def generate_workers(*, count: int, seed: int, as_of: datetime.date, verifier: User | None = None,
                     state_weights: dict | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
                     progress=None) -> GenerationResult:
    """Generate ``count`` workers for ``seed``; refuse when this seed's workers already exist."""
    if generated_workers(seed).exists():
        raise GenerationError(
            f"Workers generated with seed {seed} (or another seed equal modulo 65536) already exist: "
            "use another seed, or --reset to delete generated workers first."
        )
    generator = WorkerGenerator(seed=seed, as_of=as_of, verifier=verifier or default_verifier(),
                                state_weights=state_weights, chunk_size=chunk_size)
    return generator.generate(count, progress=progress)
