"""Precomputed facts the Observatory reads (issue 13: dashboards and public aggregates over
1,000,000 workers answer in well under 100 ms). ``observatory.facts.refresh`` rebuilds them from
the operational tables, nightly and every ``OBSERVATORY_REFRESH_MINUTES`` by beat, in one
transaction: a reader sees the previous set until the new one commits, never half of one. Each
page says when they were computed (``FactsRefresh``).

Each table is a grouping by every dimension a dashboard filters or breaks down by. A staff
member's jurisdiction (the destination regions of their office, or its Mexican states) is made of
two of those dimensions, so scoping the facts by the same rule as ``Contract.objects.visible_to``
gives exactly the figures of the contracts they may see."""

from django.db import models


class ContractMeasures(models.Model):
    """What is counted of contracts not cancelled, by program, season, destination region and
    sector, and Mexican state of origin. ``placements`` and ``workers`` count the placed ones
    (signed, whatever became of them since); ``live`` counts proposed ones too."""

    program_id = models.IntegerField()
    season = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=5)
    sector = models.CharField(max_length=20)
    state = models.CharField(max_length=4)
    currency = models.CharField(max_length=3)
    placements = models.IntegerField()  # contracts
    # Each worker is counted once per program and season, in the cell of their first placement
    # (a transfer's successor is not a second person): sums of ``workers`` over any grouping are
    # numbers of distinct people, which the public tables need.
    workers = models.IntegerField()
    confirmed = models.IntegerField()  # returns confirmed with the on-time fact recorded
    on_time = models.IntegerField()
    awaiting = models.IntegerField()  # ended, terminated early or absconded, not confirmed
    overdue = models.IntegerField()  # of those, past due (as of the refresh)
    transfers_out = models.IntegerField()
    absences = models.IntegerField()  # absences reported by the employer or staff (any stage)
    posted = models.DecimalField(max_digits=16, decimal_places=2)  # savings deducted, reversals excluded
    # What the employer indicators (contracts.indicators) add: contracts not cancelled (proposed
    # ones too, which ``placements`` leaves out), those whose worker reached the worksite, absences
    # that reached ``reported``, the two directions' ratings (count and sum, so that any grouping
    # can average them), and the employer's evaluations the worker contested.
    live = models.IntegerField(default=0)
    arrived = models.IntegerField(default=0)
    absences_reported = models.IntegerField(default=0)
    rated_workers = models.IntegerField(default=0)
    rating_of_workers_total = models.IntegerField(default=0)
    ratings_by_workers = models.IntegerField(default=0)
    rating_by_workers_total = models.IntegerField(default=0)
    contests = models.IntegerField(default=0)

    class Meta:
        abstract = True


class ContractFact(ContractMeasures):
    """The measures per employer too: what the employer charts read."""

    # A join for the employer's name, without a foreign-key constraint: facts are rebuilt, never
    # edited, and must not hold up an employer's deletion.
    employer = models.ForeignKey("employers.Employer", on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+")

    class Meta:
        indexes = [models.Index(fields=["season", "program_id"], name="obs_contract_season_idx")]

    def __str__(self):
        return f"{self.season} {self.employer_id} {self.region} {self.state}"


class ContractSummary(ContractMeasures):
    """``ContractFact`` summed over employers: a few thousand rows where the facts have a hundred
    thousand at 1,000,000 workers, so every chart not about employers reads a small table."""

    class Meta:
        indexes = [models.Index(fields=["season", "program_id"], name="obs_summary_season_idx")]

    def __str__(self):
        return f"{self.season} {self.region} {self.state}"


class RequestFact(models.Model):
    """Requests submitted (not drafts, not rejected or cancelled) of one program, season,
    employer, region and sector: workers asked for, and placed on them."""

    program_id = models.IntegerField()
    season = models.PositiveSmallIntegerField()
    employer_id = models.IntegerField()
    region = models.CharField(max_length=5)
    sector = models.CharField(max_length=20)
    status = models.CharField(max_length=20)  # state offices see the allocatable ones of every region
    requests = models.IntegerField()
    asked = models.IntegerField()
    filled = models.IntegerField()  # live contracts (not cancelled) on those requests

    class Meta:
        indexes = [models.Index(fields=["season", "program_id"], name="obs_request_season_idx")]

    def __str__(self):
        return f"{self.season} {self.employer_id} {self.region} {self.status}"


class SavingsFact(models.Model):
    """Savings paid out in one year, and unclaimed (as of the refresh) by workers who came home
    in that year, by the worker's Mexican state of origin and the account's currency. Savings
    belong to the worker, not to one contract, so they have no region or program: the home state
    office pays them out (savings.payouts)."""

    year = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=4)
    currency = models.CharField(max_length=3)
    paid_workers = models.IntegerField()
    paid_amount = models.DecimalField(max_digits=16, decimal_places=2)
    unclaimed_workers = models.IntegerField()
    unclaimed_amount = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["year"], name="obs_savings_year_idx")]

    def __str__(self):
        return f"{self.year} {self.state} {self.currency}"


class FactsRefresh(models.Model):
    """One row per refresh: when the figures were computed and what it cost."""

    finished_at = models.DateTimeField()
    seconds = models.FloatField()
    contract_rows = models.IntegerField()

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self):
        return self.finished_at.isoformat()
