"""Sign-in pages, argon2 password hashing, lockout after repeated failures, sessions."""

from django.conf import settings
from django.contrib.auth.hashers import make_password

from cashloop.approvals.models import ApprovalFlow
from cashloop.identity.models import User


def test_login_and_logout(client, company):
    company.rep_east.set_password("Correct-horse-9")
    company.rep_east.save()
    response = client.post("/login/", {"username": "rep_east", "password": "Correct-horse-9"})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_pages_need_a_session(client, db):
    response = client.get("/customers/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_passwords_are_hashed_with_argon2_in_production():
    assert settings.PASSWORD_HASHERS[-2:] == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    assert make_password("x", hasher="argon2").startswith("argon2$")


def test_lockout_after_repeated_failures(client, company):
    company.rep_east.set_password("Correct-horse-9")
    company.rep_east.save()
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit):
        response = client.post("/login/", {"username": "rep_east", "password": "wrong"})
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    # Even the right password is refused while locked.
    response = client.post("/login/", {"username": "rep_east", "password": "Correct-horse-9"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    company.rep_south.set_password("Another-horse-7")
    company.rep_south.save()
    response = client.post("/login/", {"username": "rep_south", "password": "Another-horse-7"})
    assert response.status_code == 302


def test_createadmin_prints_a_generated_password_once(db, capsys):
    from django.core.management import call_command

    call_command("createadmin")
    first = capsys.readouterr().out
    admin = User.objects.get(username="admin")
    password = first.split("password:")[1].split()[0]
    assert len(password) >= 12 and admin.check_password(password)
    assert admin.is_superuser and admin.role_codes() == ["admin"]
    # A fresh installation's sales outside contracts need approval from the start.
    flow = ApprovalFlow.objects.get(document_type="receivables.noncontract")
    assert flow.is_active and flow.created_by == admin
    call_command("createadmin")
    assert password not in capsys.readouterr().out
    assert User.objects.filter(is_superuser=True).count() == 1
