"""The CSV import of risk signals through /api/v1/credit/signals/import: a good file is
recorded, a line naming an unknown customer refuses the whole file by its line number."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cashloop.credit.models import CreditProfile, RiskSignal

pytestmark = pytest.mark.django_db
URL = "/api/v1/credit/signals/import"
HEADER = "customer_code,kind,source,date,severity,description\n"


def upload(client, text, encoding="utf-8"):
    data = text.encode(encoding)
    return client.post(URL, {"file": SimpleUploadedFile("signals.csv", data, "text/csv")})


def test_a_good_file_records_every_signal_and_scores(client, company, customers):
    east, south = customers["rep_east"], customers["rep_south"]
    today = timezone.localdate().isoformat()
    client.force_login(company.finance)
    response = upload(
        client,
        HEADER
        + f"{east.code},lawsuit,裁判文书网,{today},high,合同纠纷 contract dispute\n"
        + f"{south.code},registration,企查查,{today},low,法人变更\n",
        encoding="gbk",  # decoded like bank statements: a GBK export reads too
    )
    assert response.status_code == 201, response.json()
    assert [row["kind"] for row in response.json()] == ["lawsuit", "registration"]
    assert RiskSignal.objects.get(customer=east).description == "合同纠纷 contract dispute"
    assert CreditProfile.objects.get(customer=east).score == 80
    assert CreditProfile.objects.get(customer=south).score == 95


def test_an_unknown_customer_refuses_the_file_by_its_line(client, company, customers):
    today = timezone.localdate().isoformat()
    client.force_login(company.finance)
    response = upload(
        client,
        HEADER
        + f"{customers['rep_east'].code},lawsuit,court,{today},high,\n"
        + f"NOPE-404,lawsuit,court,{today},high,\n",
    )
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "risk_signal.customer_not_found"
    assert "row 3" in error["details"] and "NOPE-404" in error["message"]
    assert not RiskSignal.objects.exists() and not CreditProfile.objects.exists()


def test_a_bad_date_names_its_row_and_imports_nothing(client, company, customers):
    client.force_login(company.finance)
    response = upload(client, HEADER + f"{customers['rep_east'].code},lawsuit,court,5/1/26,high,\n")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "risk_signal.import_invalid"
    assert "row 2" in response.json()["error"]["details"]
    assert not RiskSignal.objects.exists()
