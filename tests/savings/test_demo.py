"""The demo's savings: last season's returned contracts had their deductions posted, and the
money is available (their returns are confirmed); loading the demo again posts nothing more."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from savings.demo import DEMO_WEEKS
from savings.models import Account, Contribution, Entry

pytestmark = pytest.mark.django_db


def test_the_demo_posts_last_seasons_savings_once():
    call_command("load_demo")
    contributions = Contribution.objects.count()
    contracts = Contribution.objects.values("contract").distinct().count()
    assert contracts > 0
    assert contributions == contracts * DEMO_WEEKS
    accounts = Account.objects.of_workers()
    assert accounts.aggregate(held=Sum("held"))["held"] == 0
    assert accounts.aggregate(available=Sum("available"))["available"] == Contribution.objects.aggregate(
        total=Sum("amount"))["total"]
    entries = Entry.objects.count()
    call_command("load_demo")
    assert (Contribution.objects.count(), Entry.objects.count()) == (contributions, entries)
