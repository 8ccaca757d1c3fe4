"""The nightly jobs of contracts (DESIGN.md, Scheduled jobs): contracts whose end date came are
ended, workers and staff are reminded of returns, and state offices hear of documents lapsing
during a contract.

Each job judges by ``as_of`` (default: today in each program's time zone) and is a sweep over the
database, so running it twice, from two beat processes at once, or again after a crash changes
nothing more:

- candidates are read in keyset batches of ``settings.JOB_BATCH_SIZE``, one transaction each
  (one read, one UPDATE, one bulk INSERT): queries grow with batches, never with rows, and memory
  holds one batch;
- contracts are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and ended with compare-and-set,
  writing what :func:`contracts.life.contract_act` writes for a manual ``end`` (a contract a
  person is acting on right now is left to them; the next run ends it if it is still due);
- every notification has a unique key, e.g. ``contract:<id>:return-reminder:<kind>:<date>``,
  inserted with ``ON CONFLICT (key) DO NOTHING``: the database, not the job, makes it once;
- windows are "due on or before ``as_of`` (at most ``CATCH_UP_DAYS`` before) and not yet
  recorded", never "due today", so a day the job did not run is caught up the next; a worker's
  reminder is dropped once the next one is due (one message says it all);
- new notifications go to the dispatcher after commit, one task per ``DISPATCH_CHUNK`` of them
  at most; a lost broker message only delays them (the dispatcher's own beat sweep sends every
  pending row)."""

from __future__ import annotations

import datetime
import functools
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, CharField, Exists, F, Func, OuterRef, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contracts.absences import _consulate_staff
from contracts.models import Contract, ContractStatus, ExpectedReturn
from employers.models import RequestEvent
from twp import audit
from twp.models import Notification, Office, Program, Role, User
from workers.models import Document, DocumentKind

S = ContractStatus
# A reminder whose day passed this long ago without being recorded (the jobs did not run for a
# week) is not sent late any more: the staff home lists overdue returns anyway.
CATCH_UP_DAYS = 7
# New notifications per dispatch task queued (PERFORMANCE.md G10: at most one task per 500).
DISPATCH_CHUNK = 500
# Proposed or signed contracts whose start passed: how many the expiry report names.
NOT_STARTED_LISTED = 100
RUNNING = (S.DEPARTED, S.ACTIVE)
NOT_ENDED = (S.PROPOSED, S.SIGNED, S.DEPARTED, S.ACTIVE)
LAPSING_KINDS = (DocumentKind.PASSPORT, DocumentKind.MEDICAL)

# Kinds of notification (the ``kind`` column; the keys name the reminder more precisely).
BEFORE_END_KIND = "return-reminder-before-end"
DUE_KIND = "return-reminder-due"
OVERDUE_KIND = "return-overdue"
ESCALATION_KIND = "return-overdue-escalation"
DOCUMENT_KIND = "document-expiring"


# --- messages -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Message:
    subject: Promise
    body: Promise

    def render(self, language: str, values: dict) -> tuple[str, str]:
        subject, body = _templates(self, language)
        return (subject % values)[:200], body % values


@functools.lru_cache(maxsize=64)
def _templates(message: Message, language: str) -> tuple[str, str]:
    # Translated once per message and language, not once per row.
    with translation.override(language):
        return str(message.subject), str(message.body)


BEFORE_END = Message(
    _("Your contract ends on %(end)s"),
    _("%(name)s: your contract with %(employer)s ends on %(end)s. Please plan your trip home: you are expected "
      "back by %(due)s. Your savings are released when your return is confirmed."))
DUE = Message(
    _("Your return home is due on %(due)s"),
    _("%(name)s: your contract with %(employer)s ended on %(end)s and you are expected home by %(due)s. "
      "Please have your return confirmed at a consulate, a port of entry or your state office."))
OVERDUE = Message(
    _("Return overdue: %(name)s"),
    _("%(name)s (%(employer)s, %(worksite)s) was due home by %(due)s and no return is confirmed. Please find out "
      "whether the worker is back and confirm the return."))
ESCALATION = Message(
    _("Return overdue for %(days)s days: %(name)s"),
    _("%(name)s (%(employer)s, %(worksite)s) was due home by %(due)s; %(days)s days later no return is confirmed. "
      "The consulate was told after %(staff_days)s days."))
DOCUMENT = Message(
    _("Document expiring during the contract: %(name)s"),
    _("The %(document)s of %(name)s expires on %(expires)s, before the contract with %(employer)s ends on "
      "%(end)s. Please help the worker renew it in time."))


def reminder_key(contract_id: int, kind: str, day: datetime.date, user_id: int | None = None) -> str:
    """The unique key of a return reminder: the contract, the reminder and the date it is about
    (the end date, or the due date), and the person for a message to staff."""
    key = f"contract:{contract_id}:return-reminder:{kind}:{day.isoformat()}"
    return key if user_id is None else f"{key}:user:{user_id}"


def document_alert_key(document_id: int, contract_id: int, expires_on: datetime.date, user_id: int) -> str:
    return f"document:{document_id}:contract:{contract_id}:expiring:{expires_on.isoformat()}:user:{user_id}"


def _reminder_key_sql(contract_id, kind: str, day) -> Concat:
    """:func:`reminder_key` (without a person) in SQL, to ask the unique index whether it exists."""
    return Concat(Value("contract:"), Cast(contract_id, CharField()), Value(f":return-reminder:{kind}:"),
                  Func(day, Value("YYYY-MM-DD"), function="to_char", output_field=CharField()),
                  output_field=CharField())


def _not_recorded(kind: str, contract_id: str, day: str) -> Exists:
    return ~Exists(Notification.objects.filter(key=_reminder_key_sql(OuterRef(contract_id), kind, OuterRef(day))))


# --- the machinery every job shares ------------------------------------------------------------
def _sweep(candidates: QuerySet, order: tuple[str, str], fields: Iterable[str],
           handle: Callable[[list[dict]], None], *, lock: bool = False) -> int:
    """Walk ``candidates`` in keyset order ``order`` (a column, then ``id``), one batch per
    transaction; ``handle(rows)`` writes what the batch needs inside that transaction. With
    ``lock``, rows another transaction holds are skipped (judged again by the next run).
    Returns the number of batches."""
    model = candidates.model
    table = model._meta.db_table
    columns = ", ".join(f'"{table}"."{model._meta.get_field(name).column}"' for name in order)
    size = settings.JOB_BATCH_SIZE
    after, batches = None, 0
    while True:
        with transaction.atomic():
            page = candidates
            if after is not None:
                # A row comparison: PostgreSQL resumes the index scan right after the last row.
                page = page.filter(RawSQL(f"({columns}) > (%s, %s)", after, output_field=BooleanField()))  # noqa: S611
            page = page.order_by(*order)
            if lock:
                page = page.select_for_update(of=("self",), skip_locked=True)
            rows = list(page.values(*order, *fields)[:size])
            if not rows:
                return batches
            after = (rows[-1][order[0]], rows[-1][order[1]])
            handle(rows)
            batches += 1


class Outbox:
    """New notifications of one run, handed to the dispatcher after their transaction commits:
    one ``dispatch_notifications_task`` per ``DISPATCH_CHUNK`` of them, and one for the rest
    at the end of the run (the task sends every pending row, so a chunk's task may find its
    rows sent by an earlier one: the dispatcher claims rows with SKIP LOCKED)."""

    def __init__(self):
        self.waiting = 0
        self.tasks = 0

    def insert(self, notifications: list[Notification]) -> int:
        """Insert, ignoring keys already there (``ON CONFLICT (key) DO NOTHING``). The callers
        leave out what is recorded already, so the count is of new rows (two runs at once may
        both count a row that only one of them inserted)."""
        if not notifications:
            return 0
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        self.waiting += len(notifications)
        while self.waiting >= DISPATCH_CHUNK:
            self.waiting -= DISPATCH_CHUNK
            self._queue()
        return len(notifications)

    def flush(self) -> None:
        if self.waiting:
            self.waiting = 0
            self._queue()

    def _queue(self) -> None:
        from twp.tasks import dispatch_notifications_task

        transaction.on_commit(dispatch_notifications_task.delay)
        self.tasks += 1


def _full_name(row: dict, prefix: str) -> str:
    return " ".join(part for part in (row[f"{prefix}first_names"], row[f"{prefix}paternal_surname"],
                                      row[f"{prefix}maternal_surname"]) if part)


def _worker_fields(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{name}" for name in ("first_names", "paternal_surname", "maternal_surname", "phone",
                                                 "email", "preferred_language"))


def _to_worker(row: dict, prefix: str, *, key: str, kind: str, message: Message, values: dict) -> Notification | None:
    """The worker's message: by SMS when they have a phone, else by e-mail, in their language;
    ``None`` when they have neither."""
    phone, email = row[f"{prefix}phone"].strip(), row[f"{prefix}email"].strip()
    if not (phone or email):
        return None
    language = row[f"{prefix}preferred_language"] or "es"
    subject, body = message.render(language, {"name": _full_name(row, prefix), **values})
    return Notification(key=key, kind=kind, channel=Notification.Channel.SMS if phone else Notification.Channel.EMAIL,
                        address=phone or email, language=language, subject=subject, body=body)


def _to_user(user: User, *, key: str, kind: str, message: Message, values: dict) -> Notification:
    language = user.preferred_language or "es"
    subject, body = message.render(language, values)
    return Notification(key=key, kind=kind, recipient=user, address=user.email, language=language, subject=subject,
                        body=body)


def _programs():
    return Program.objects.order_by("pk")


def _days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


# --- contract expiry ----------------------------------------------------------------------------
@dataclass
class ExpiryRun:
    ended: int = 0
    batches: int = 0
    # Proposed or signed contracts whose start passed: for staff to sign, depart or cancel; never
    # ended automatically (DESIGN.md). The first NOT_STARTED_LISTED by start date are named.
    not_started: int = 0
    not_started_contracts: list[str] = field(default_factory=list)


ENDED_FIELDS = ("public_id", "request_id", "worker__public_id", "worker__first_names", "worker__paternal_surname",
                "worker__maternal_surname")


def expire_contracts(as_of: datetime.date | None = None) -> ExpiryRun:
    """End the active contracts whose end date has come (``as_of`` ≥ end date, the rule of the
    manual ``end``), as ``contract_act(action="end")`` does, set-based: per batch one UPDATE
    (compare-and-set on ``active``) and bulk inserts of the status-change rows, the lines on the
    requests' timelines and the expected returns (due: end date + the program's grace; ``ON
    CONFLICT DO NOTHING``). The worker's status stays ``abroad`` until the return is confirmed.

    Also reports proposed and signed contracts whose start date passed (listed, never ended)."""
    run = ExpiryRun()
    with audit.context(task="expire_contracts"):
        for program in _programs():
            day = as_of or program.today()
            grace = _days(program.return_grace_days)
            due = Contract.objects.filter(program=program, status=S.ACTIVE, end_date__lte=day)
            run.batches += _sweep(due, ("end_date", "id"), ENDED_FIELDS,
                                  lambda rows, grace=grace: _end(run, rows, grace), lock=True)
            late = Contract.objects.filter(program=program, status__in=(S.PROPOSED, S.SIGNED), start_date__lt=day)
            run.not_started += late.count()
            room = NOT_STARTED_LISTED - len(run.not_started_contracts)
            if room > 0:
                run.not_started_contracts += [str(public_id) for public_id in late.order_by("start_date", "id")
                                              .values_list("public_id", flat=True)[:room]]
    return run


def _end(run: ExpiryRun, rows: list[dict], grace: datetime.timedelta) -> None:
    """One batch of expiry: the compare-and-set UPDATE, then one ``INSERT … FROM unnest`` each for
    the status changes, the requests' timelines and the expected returns. The rows are those
    ``contract_act(action="end")`` writes (a test compares them); raw inserts because building 1,500
    model instances per batch cost more than the SQL (G10 in PERFORMANCE.md)."""
    ids = [row["id"] for row in rows]
    ended = (Contract.objects.filter(pk__in=ids, status=S.ACTIVE)
             .update(status=S.ENDED, status_note="", version=F("version") + 1, updated_at=timezone.now()))
    assert ended == len(ids), "the rows are locked: their status cannot have moved"
    details = [json.dumps({"worker": str(row["worker__public_id"]), "name": _full_name(row, "worker__"),
                           "contract": str(row["public_id"]), "action": "end"}) for row in rows]
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO contracts_contractstatuschange (contract_id, from_status, to_status, reason, by_id, at)
            SELECT c.id, %s, %s, 'end', NULL, now() FROM unnest(%s::bigint[]) WITH ORDINALITY AS c(id, n)
            ORDER BY c.n
        """, [S.ACTIVE.value, S.ENDED.value, ids])
        cursor.execute("""
            INSERT INTO employers_requestevent (request_id, kind, from_status, to_status, reason, details, by_id, at)
            SELECT e.request_id, %s, %s, %s, '', e.details, NULL, now()
            FROM unnest(%s::bigint[], %s::jsonb[]) WITH ORDINALITY AS e(request_id, details, n) ORDER BY e.n
        """, [RequestEvent.Kind.CONTRACT_CHANGED.value, S.ACTIVE.value, S.ENDED.value,
              [row["request_id"] for row in rows], details])
        cursor.execute("""
            INSERT INTO contracts_expectedreturn (public_id, created_at, updated_at, contract_id, due_on, place,
                                                  identity_document)
            SELECT gen_random_uuid(), now(), now(), r.contract_id, r.due_on, '', ''
            FROM unnest(%s::bigint[], %s::date[]) WITH ORDINALITY AS r(contract_id, due_on, n) ORDER BY r.n
            ON CONFLICT DO NOTHING
        """, [ids, [row["end_date"] + grace for row in rows]])
    run.ended += ended


# --- return reminders ---------------------------------------------------------------------------
@dataclass
class ReminderRun:
    before_end: int = 0  # workers reminded before their contract ends
    due: int = 0  # workers reminded on their due date
    overdue: int = 0  # overdue returns told to the worksite's consulate
    escalated: int = 0  # overdue returns told to the administrators
    unreachable: int = 0  # workers due a reminder with neither phone nor e-mail (skipped)
    notifications: int = 0
    batches: int = 0
    tasks_queued: int = 0


CONTRACT_FIELDS = (*_worker_fields("worker__"), "request__employer__legal_name")
RETURN_FIELDS = ("contract_id", "contract__end_date", "contract__effective_end",
                 "contract__request__employer__legal_name", "contract__request__worksite__name",
                 "contract__request__worksite__region", *_worker_fields("contract__worker__"))


def send_return_reminders(as_of: datetime.date | None = None) -> ReminderRun:
    """Record the return reminders due by ``as_of``, once each, per the program's offsets:

    - to the worker, ``reminder_days_before_end`` days before the end (each offset), while the
      contract runs; once the next offset's day comes, the earlier reminder is not sent late;
    - to the worker on the due date (``reminder_on_due_date``), while the return is unconfirmed;
    - to the consulate staff of the worksite's region ``overdue_staff_days`` after the due date,
      and to the administrators ``overdue_escalation_days`` after it, while unconfirmed.

    Workers hear by SMS when they have a phone, else by e-mail, in their language; with neither
    they are counted in ``unreachable``. Each reminder's day may lie up to ``CATCH_UP_DAYS``
    before ``as_of``. New notifications are dispatched after commit."""
    run, outbox = ReminderRun(), Outbox()
    administrators: list[User] | None = None
    for program in _programs():
        day = as_of or program.today()
        _remind_before_end(run, outbox, program, day)
        if program.reminder_on_due_date:
            _remind_on_due_date(run, outbox, program, day)
        _tell_overdue(run, outbox, program, day, after=program.overdue_staff_days, stamp="overdue_notified_on",
                      recipients=lambda rows: _consulate_staff(row["contract__request__worksite__region"]
                                                               for row in rows),
                      region_of=lambda row: row["contract__request__worksite__region"], kind=OVERDUE_KIND,
                      message=OVERDUE, counter="overdue")
        if administrators is None:
            administrators = list(User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exclude(email="")
                                  .order_by("pk"))
        _tell_overdue(run, outbox, program, day, after=program.overdue_escalation_days, stamp="escalated_on",
                      recipients=lambda rows, users=administrators: {None: users}, region_of=lambda row: None,
                      kind=ESCALATION_KIND, message=ESCALATION, counter="escalated")
    outbox.flush()
    run.tasks_queued = outbox.tasks
    return run


def _remind_before_end(run: ReminderRun, outbox: Outbox, program: Program, day: datetime.date) -> None:
    offsets = sorted({days for days in program.reminder_days_before_end if days > 0}, reverse=True)
    grace = _days(program.return_grace_days)
    for position, days in enumerate(offsets):
        later = offsets[position + 1] if position + 1 < len(offsets) else 0
        kind = f"before-end-{days}"
        # The reminder's day (end − days) lies in [day − CATCH_UP_DAYS, day], and the next
        # offset's day (end − later) has not come yet.
        window = Contract.objects.filter(
            program=program, status__in=RUNNING, end_date__lte=day + _days(days),
            end_date__gt=day + _days(max(later, days - CATCH_UP_DAYS - 1)),
        ).filter(_not_recorded(kind, "pk", "end_date"))

        def handle(rows, kind=kind):
            notifications = []
            for row in rows:
                notification = _to_worker(
                    row, "worker__", key=reminder_key(row["id"], kind, row["end_date"]), kind=BEFORE_END_KIND,
                    message=BEFORE_END, values={"employer": row["request__employer__legal_name"],
                                                "end": row["end_date"].isoformat(),
                                                "due": (row["end_date"] + grace).isoformat()})
                if notification is None:
                    run.unreachable += 1
                else:
                    notifications.append(notification)
            created = outbox.insert(notifications)
            run.before_end += created
            run.notifications += created

        run.batches += _sweep(window, ("end_date", "id"), CONTRACT_FIELDS, handle)


def _remind_on_due_date(run: ReminderRun, outbox: Outbox, program: Program, day: datetime.date) -> None:
    window = ExpectedReturn.objects.filter(
        contract__program=program, confirmed_at__isnull=True, due_on__lte=day, due_on__gte=day - _days(CATCH_UP_DAYS),
    ).filter(_not_recorded("due", "contract_id", "due_on"))

    def handle(rows):
        notifications = []
        for row in rows:
            last_day = row["contract__effective_end"] or row["contract__end_date"]
            notification = _to_worker(
                row, "contract__worker__", key=reminder_key(row["contract_id"], "due", row["due_on"]), kind=DUE_KIND,
                message=DUE, values={"employer": row["contract__request__employer__legal_name"],
                                     "end": last_day.isoformat(), "due": row["due_on"].isoformat()})
            if notification is None:
                run.unreachable += 1
            else:
                notifications.append(notification)
        created = outbox.insert(notifications)
        run.due += created
        run.notifications += created

    run.batches += _sweep(window, ("due_on", "id"), RETURN_FIELDS, handle)


def _tell_overdue(run: ReminderRun, outbox: Outbox, program: Program, day: datetime.date, *, after: int, stamp: str,
                  recipients: Callable[[list[dict]], dict], region_of: Callable[[dict], str | None], kind: str,
                  message: Message, counter: str) -> None:
    """Tell ``recipients`` of the returns still unconfirmed ``after`` days past their due date,
    once: each return is stamped (``stamp``) in the transaction that recorded its messages, so
    the sweep skips it from then on; the messages' keys are once per return and person."""
    due_by = day - _days(after)
    window = ExpectedReturn.objects.filter(contract__program=program, confirmed_at__isnull=True, due_on__lte=due_by,
                                           due_on__gte=due_by - _days(CATCH_UP_DAYS), **{f"{stamp}__isnull": True})
    short = kind.removeprefix("return-")

    def handle(rows):
        people = recipients(rows)
        notifications = []
        for row in rows:
            values = {"name": _full_name(row, "contract__worker__"),
                      "employer": row["contract__request__employer__legal_name"],
                      "worksite": row["contract__request__worksite__name"], "due": row["due_on"].isoformat(),
                      "days": after, "staff_days": program.overdue_staff_days}
            notifications += [_to_user(user, key=reminder_key(row["contract_id"], short, row["due_on"], user.pk),
                                       kind=kind, message=message, values=values)
                              for user in people.get(region_of(row), [])]
        run.notifications += outbox.insert(notifications)
        ExpectedReturn.objects.filter(pk__in=[row["id"] for row in rows]).update(**{stamp: day})
        setattr(run, counter, getattr(run, counter) + len(rows))

    run.batches += _sweep(window, ("due_on", "id"), RETURN_FIELDS, handle,
                          lock=True)


# --- document expiry alerts ---------------------------------------------------------------------
@dataclass
class DocumentAlertRun:
    documents: int = 0  # lapsing documents looked at
    alerts: int = 0  # (document, contract) pairs newly told
    notifications: int = 0
    batches: int = 0
    tasks_queued: int = 0


def _state_office_staff(states: Iterable[str]) -> dict[str, list[User]]:
    """Active staff of the state offices by Mexican state (one query for any number of states)."""
    staff = (User.objects.filter(role=Role.STAFF, is_active=True, office__kind=Office.Kind.STATE_OFFICE,
                                 office__mexican_states__overlap=sorted(set(states)))
             .exclude(email="").select_related("office").order_by("pk"))
    by_state = defaultdict(list)
    for user in staff:
        for state in user.office.mexican_states:
            by_state[state].append(user)
    return by_state


def document_expiry_alerts(as_of: datetime.date | None = None) -> DocumentAlertRun:
    """Tell the staff of the worker's state office, once per document and contract, of a
    verified passport or medical approval that expires within ``document_alert_days`` of
    ``as_of`` (or expired in the last ``CATCH_UP_DAYS``) and before a contract of the worker
    that has not ended yet ends — unless the worker already has a verified one of the same kind
    valid through that end."""
    run, outbox = DocumentAlertRun(), Outbox()
    for program in _programs():
        day = as_of or program.today()
        contracts = Contract.objects.filter(program=program, status__in=NOT_ENDED, end_date__gte=day)
        lapsing = Document.objects.filter(
            kind__in=LAPSING_KINDS, verified_at__isnull=False, expires_on__gte=day - _days(CATCH_UP_DAYS),
            expires_on__lte=day + _days(program.document_alert_days),
        ).filter(Exists(contracts.filter(worker=OuterRef("worker"), end_date__gt=OuterRef("expires_on"))))

        def handle(rows, contracts=contracts):
            run.documents += len(rows)
            workers = {row["worker_id"] for row in rows}
            by_worker = defaultdict(list)
            for contract in contracts.filter(worker__in=workers).values("id", "worker_id", "end_date",
                                                                          "request__employer__legal_name"):
                by_worker[contract["worker_id"]].append(contract)
            others = defaultdict(list)  # (worker, kind) -> expiry dates of their verified documents
            for other in Document.objects.filter(worker__in=workers, kind__in=LAPSING_KINDS,
                                                 verified_at__isnull=False).values("worker_id", "kind", "expires_on"):
                others[other["worker_id"], other["kind"]].append(other["expires_on"])
            staff = _state_office_staff(row["worker__state_of_origin"] for row in rows)
            pending = []
            for row in rows:
                for contract in by_worker[row["worker_id"]]:
                    end = contract["end_date"]
                    if row["expires_on"] >= end or any(expires is None or expires >= end
                                                       for expires in others[row["worker_id"], row["kind"]]):
                        continue
                    values = {"name": _full_name(row, "worker__"), "expires": row["expires_on"].isoformat(),
                              "employer": contract["request__employer__legal_name"], "end": end.isoformat()}
                    for user in staff.get(row["worker__state_of_origin"], []):
                        key = document_alert_key(row["id"], contract["id"], row["expires_on"], user.pk)
                        pending.append((key, user, values, row["kind"], (row["id"], contract["id"])))
            recorded = set(Notification.objects.filter(key__in=[key for key, *_rest in pending])
                           .values_list("key", flat=True))
            notifications, pairs = [], set()
            for key, user, values, kind, pair in pending:
                if key in recorded:
                    continue
                with translation.override(user.preferred_language or "es"):
                    document = str(DocumentKind(kind).label).lower()
                notifications.append(_to_user(user, key=key, kind=DOCUMENT_KIND, message=DOCUMENT,
                                              values={**values, "document": document}))
                pairs.add(pair)
            run.notifications += outbox.insert(notifications)
            run.alerts += len(pairs)

        run.batches += _sweep(lapsing, ("expires_on", "id"),
                              ("kind", "worker_id", "worker__state_of_origin", "worker__first_names",
                               "worker__paternal_surname", "worker__maternal_surname"), handle)
    outbox.flush()
    run.tasks_queued = outbox.tasks
    return run


__all__ = ["CATCH_UP_DAYS", "DISPATCH_CHUNK", "document_expiry_alerts", "expire_contracts", "reminder_key",
           "send_return_reminders"]
