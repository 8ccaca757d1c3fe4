"""Employers in the browser: a new employer signs up and drafts while it waits for approval; an
approved employer files a request, names a returning worker, submits it and follows its
timeline; a returning employer copies last season's request. Every page is audited."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from employers.models import Employer, NamedWorker, RequestStatus, WorkerRequest
from tests.e2e.browser import audit
from tests.factories import PASSWORD, WorkerFactory, WorkerRequestFactory, fully_documented, next_season_start
from twp.models import Notification

pytestmark = pytest.mark.e2e


def in_english(page):
    """Open the sign-in page and switch the site to English (the browser asks for Spanish)."""
    page.goto("/")
    audit(page)
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar idioma").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    audit(page)


def sign_in(page, username):
    in_english(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Employer portal")
    audit(page)


def fill_request(page, *, workers=3):
    start = next_season_start()
    page.get_by_label("Worksite").select_option(index=1)
    page.get_by_label("Occupation").select_option(index=1)
    page.get_by_label("Number of workers").fill(str(workers))
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + datetime.timedelta(weeks=10)).isoformat())
    page.get_by_label("Hourly wage (CAD)").fill("17.60")
    page.get_by_label("Hours per week").fill("40")
    page.get_by_label("Labour-market approval").fill("7654321")
    page.get_by_label("English").check()


def test_a_new_employer_signs_up_sees_the_pending_banner_and_drafts_a_request(page, program):
    in_english(page)
    page.get_by_role("link", name="Register your business").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your business")
    audit(page)

    business = page.get_by_role("group", name="Your business")
    business.get_by_label("Legal name").fill("Niagara Peach Growers Ltd.")
    # The province/state lists follow the country.
    business.get_by_label("Country").select_option("US")
    expect(business.get_by_label("Province/state").locator("option[value='US-WA']")).to_have_count(1)
    expect(business.get_by_label("Province/state").locator("option[value='CA-ON']")).to_have_count(0)
    business.get_by_label("Country").select_option("CA")
    expect(business.get_by_label("Province/state").locator("option[value='CA-ON']")).to_have_count(1)
    business.get_by_label("Province/state").select_option("CA-ON")
    business.get_by_label("Business number").fill("123456789")  # a wrong check digit first
    business.get_by_label("Sector").select_option("agriculture")
    business.get_by_label("Contact person").fill("Anne Grower")
    business.get_by_label("Contact e-mail").fill("office@niagara-peach.example.org")

    site = page.get_by_role("group", name="Your first worksite")
    site.get_by_label("Name").fill("Home farm")
    site.get_by_label("Street address").fill("12 Lakeshore Road")
    site.get_by_role("textbox", name="City").fill("Niagara-on-the-Lake")
    site.get_by_label("Province/state").select_option("CA-ON")

    account = page.get_by_role("group", name="Your account")
    account.get_by_label("Username").fill("anne.grower")
    account.get_by_label("Your e-mail").fill("anne@niagara-peach.example.org")
    account.locator("#id_password1").fill(PASSWORD)
    account.get_by_label("Password again").fill(PASSWORD)
    account.get_by_label("Preferred language").select_option("en")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_text("The check digit of this business number is wrong")).to_be_visible()
    audit(page)

    page.get_by_role("group", name="Your business").get_by_label("Business number").fill("123456782")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_role("group", name="Your account").get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Employer portal")
    expect(page.get_by_text("Your registration waits for the consulate's approval")).to_be_visible()
    audit(page)
    employer = Employer.objects.get(legal_name="Niagara Peach Growers Ltd.")
    assert employer.status == Employer.Status.PENDING
    assert Notification.objects.filter(kind="email-verification", address="anne@niagara-peach.example.org").exists()

    page.get_by_role("link", name="New request").click()
    audit(page)
    fill_request(page)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(page.get_by_text("Status: Draft")).to_be_visible()
    audit(page)
    assert WorkerRequest.objects.get(employer=employer).status == RequestStatus.DRAFT

    # Submitting waits for the approval; the draft stays.
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("must be approved before you submit requests")).to_be_visible()
    audit(page)
    assert WorkerRequest.objects.get(employer=employer).status == RequestStatus.DRAFT


@pytest.fixture
def former_worker(program, employer_a, staff_tlaxcala):
    last_year = timezone.localdate().year - 1
    last_season = WorkerRequestFactory(program=program, employer=employer_a, status=RequestStatus.FILLED,
                                       start_date=datetime.date(last_year, 5, 4),
                                       end_date=datetime.date(last_year, 8, 3))
    worker = fully_documented(WorkerFactory(first_names="Rosa", paternal_surname="Tlapa"), staff_tlaxcala,
                              start=next_season_start())
    NamedWorker.objects.create(request=last_season, worker=worker, added_by=staff_tlaxcala)
    return worker


def test_an_approved_employer_files_names_a_former_worker_submits_and_sees_the_timeline(
        page, program, employer_a_user, worksite_a, former_worker):
    sign_in(page, employer_a_user.username)
    page.get_by_role("link", name="New request").click()
    audit(page)
    fill_request(page, workers=2)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    audit(page)

    page.get_by_label("Name a worker you employed before").select_option(str(former_worker.public_id))
    page.get_by_role("button", name="Name this worker").click()
    expect(page.get_by_text(f"{former_worker.full_name} is named on the request.")).to_be_visible()
    named = page.locator("ul.named-workers li")
    expect(named).to_contain_text("available")
    expect(page.get_by_text(former_worker.curp)).to_have_count(0)
    audit(page)

    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_text("Request submitted: the consulate will review it.")).to_be_visible()
    expect(page.get_by_text("Status: Submitted")).to_be_visible()
    timeline = page.get_by_role("list", name="Timeline")
    expect(timeline).to_contain_text("Created")
    expect(timeline).to_contain_text("Worker named")
    expect(timeline).to_contain_text("Submitted")
    audit(page)
    request = WorkerRequest.objects.get(employer=employer_a_user.employer_membership.employer,
                                        status=RequestStatus.SUBMITTED)
    assert list(request.named_workers.values_list("worker", flat=True)) == [former_worker.pk]

    # A submitted request can no longer be edited, only cancelled (after confirmation) or copied.
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)
    page.get_by_role("link", name="Cancel request…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel request")
    audit(page)
    page.get_by_role("link", name="No, keep it").click()
    expect(page.get_by_text("Status: Submitted")).to_be_visible()
    audit(page)


def test_a_returning_employer_copies_last_seasons_request(page, program, employer_a_user, worksite_a):
    last_year = timezone.localdate().year - 1
    past = WorkerRequestFactory(program=program, employer=worksite_a.employer, worksite=worksite_a,
                                status=RequestStatus.FILLED, start_date=datetime.date(last_year, 5, 4),
                                end_date=datetime.date(last_year, 8, 3))
    sign_in(page, employer_a_user.username)
    page.get_by_role("button", name=f"Copy request {past.number} as a new draft").click()
    expect(page.get_by_text("Copied as a new draft")).to_be_visible()
    expect(page.get_by_text("Status: Draft")).to_be_visible()
    audit(page)
    copy = WorkerRequest.objects.get(copied_from=past)
    assert copy.status == RequestStatus.DRAFT
    assert copy.start_date >= program.earliest_request_start()

    page.get_by_role("link", name="Edit draft").click()
    audit(page)
    page.get_by_label("Number of workers").fill("5")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Changes saved.")).to_be_visible()
    audit(page)
    copy.refresh_from_db()
    assert copy.workers_requested == 5
